//! Command-line parsing for `cargo xtask`, by hand (no dependency), so that
//! every user mistake becomes a readable error and never a panic.

use std::fmt;

/// The usage text printed by `cargo xtask help` and after a parse error.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  provision            install the missing toolchain pieces (apt + pip), say what and why
  doctor               show every toolchain piece: version, path, where it was found; what is missing
  demo                 provision, then run the IREE samples (custom_dispatch, inline_dispatch)
  run <example> [--device amd|nvidia|host] [--targets gfx1100,host] [--release] [-- <args>]
                       build and run one example (sets IREE_DEVICE / IREE_BUILD_TARGETS)
  run --list           list the examples
  test [-v]            provision, then fmt, clippy, tests, feature tests, docs (fail fast)
  bench [--quick]      provision, then run the workspace benchmarks (`name: value unit` lines)
  gpu-check [--run]    build target/gpu-check, the one-shot GPU check for a device machine (docs/GPU.md);
                       --run: run it here instead (fails clearly without an NVIDIA GPU)
  help                 this text

environment: IREE_NO_INSTALL=1 never installs (missing pieces become errors);
IREE_TOOLCHAIN_HOME (default ~/.cache/iree-rs) holds the pip toolchain.";

/// A device the runtime can be told to use (`IREE_DEVICE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// An AMD GPU through libamdhip64.
    Amd,
    /// An NVIDIA GPU through libcuda.
    Nvidia,
    /// The host CPU.
    Host,
}

impl Device {
    /// The value of `IREE_DEVICE` that picks this device.
    pub fn as_env(self) -> &'static str {
        match self {
            Device::Amd => "amd",
            Device::Nvidia => "nvidia",
            Device::Host => "host",
        }
    }

    fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "amd" => Ok(Device::Amd),
            "nvidia" => Ok(Device::Nvidia),
            "host" => Ok(Device::Host),
            other => Err(ParseError(format!(
                "--device {other:?} is not a device; use amd, nvidia or host"
            ))),
        }
    }
}

/// `cargo xtask run` options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunArgs {
    /// The example package to run; `None` with `list`.
    pub example: Option<String>,
    /// `--list`: list the examples instead of running one.
    pub list: bool,
    /// `--device`: sets `IREE_DEVICE`.
    pub device: Option<Device>,
    /// `--targets a,b`: sets `IREE_BUILD_TARGETS`.
    pub targets: Option<String>,
    /// `--release`: build with optimisations.
    pub release: bool,
    /// Arguments after `--`, passed to the example.
    pub rest: Vec<String>,
}

/// One `cargo xtask` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `provision`.
    Provision,
    /// `doctor`.
    Doctor,
    /// `demo`.
    Demo,
    /// `run`.
    Run(RunArgs),
    /// `test [-v]`: `verbose` streams every step's output.
    Test {
        /// Stream each step's output instead of keeping it in a log.
        verbose: bool,
    },
    /// `bench [--quick]`.
    Bench {
        /// The short run (under 3 minutes).
        quick: bool,
    },
    /// `gpu-check [--run]`: build the device folder, or run it here.
    GpuCheck {
        /// Run the built folder instead of building it.
        run: bool,
    },
    /// `help`, `-h`, `--help` or no command at all.
    Help,
}

/// A user mistake on the command line; its text says what and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n\n{USAGE}", self.0)
    }
}

impl std::error::Error for ParseError {}

/// Parses the arguments after `cargo xtask` (program name already removed).
pub fn parse<I, S>(args: I) -> Result<Command, ParseError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut args = args.into_iter().map(Into::into);
    let Some(cmd) = args.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<String> = args.collect();
    match cmd.as_str() {
        "provision" => no_args("provision", &rest).map(|()| Command::Provision),
        "doctor" => no_args("doctor", &rest).map(|()| Command::Doctor),
        "demo" => no_args("demo", &rest).map(|()| Command::Demo),
        "run" => parse_run(rest).map(Command::Run),
        "test" => {
            let mut verbose = false;
            for a in &rest {
                match a.as_str() {
                    "-v" | "--verbose" => verbose = true,
                    other => return Err(unknown("test", other)),
                }
            }
            Ok(Command::Test { verbose })
        }
        "bench" => {
            let mut quick = false;
            for a in &rest {
                match a.as_str() {
                    "--quick" => quick = true,
                    other => return Err(unknown("bench", other)),
                }
            }
            Ok(Command::Bench { quick })
        }
        "gpu-check" => match rest.as_slice() {
            [] => Ok(Command::GpuCheck { run: false }),
            [r] if r == "--run" => Ok(Command::GpuCheck { run: true }),
            [other, ..] => Err(unknown("gpu-check", other)),
        },
        "help" | "-h" | "--help" => Ok(Command::Help),
        other => Err(ParseError(format!("unknown command {other:?}"))),
    }
}

fn no_args(cmd: &str, rest: &[String]) -> Result<(), ParseError> {
    match rest.first() {
        None => Ok(()),
        Some(a) => Err(unknown(cmd, a)),
    }
}

fn unknown(cmd: &str, arg: &str) -> ParseError {
    ParseError(format!("`cargo xtask {cmd}` does not take {arg:?}"))
}

fn parse_run(args: Vec<String>) -> Result<RunArgs, ParseError> {
    let mut out = RunArgs::default();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        // `--flag=value` and `--flag value` are both accepted.
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, ParseError> {
            inline
                .clone()
                .or_else(|| it.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ParseError(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--list" => out.list = true,
            "--release" => out.release = true,
            "--device" => out.device = Some(Device::parse(&value("--device")?)?),
            "--targets" => {
                let v = value("--targets")?;
                if v.split(',').any(|t| t.trim().is_empty()) {
                    return Err(ParseError(format!(
                        "--targets {v:?} has an empty entry; write e.g. --targets gfx1100,host"
                    )));
                }
                out.targets = Some(v);
            }
            "--" => {
                out.rest = it.by_ref().collect();
            }
            f if f.starts_with('-') => return Err(unknown("run", f)),
            name => {
                if let Some(prev) = &out.example {
                    return Err(ParseError(format!(
                        "`cargo xtask run` takes one example, got {prev:?} and {name:?}; \
                         pass arguments for the example after `--`"
                    )));
                }
                out.example = Some(name.to_string());
            }
        }
    }
    match (&out.example, out.list) {
        (None, false) => Err(ParseError(
            "`cargo xtask run` needs an example name, or --list to see them".into(),
        )),
        (Some(e), true) => Err(ParseError(format!(
            "`cargo xtask run --list` lists the examples; drop {e:?} or --list"
        ))),
        _ => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, ParseError> {
        parse(args.iter().copied())
    }

    #[test]
    fn plain_commands() {
        assert_eq!(p(&[]), Ok(Command::Help));
        assert_eq!(p(&["provision"]), Ok(Command::Provision));
        assert_eq!(p(&["doctor"]), Ok(Command::Doctor));
        assert_eq!(p(&["demo"]), Ok(Command::Demo));
        assert_eq!(p(&["--help"]), Ok(Command::Help));
        assert_eq!(p(&["test"]), Ok(Command::Test { verbose: false }));
        assert_eq!(p(&["test", "-v"]), Ok(Command::Test { verbose: true }));
        assert_eq!(p(&["bench"]), Ok(Command::Bench { quick: false }));
        assert_eq!(p(&["bench", "--quick"]), Ok(Command::Bench { quick: true }));
        assert_eq!(p(&["gpu-check"]), Ok(Command::GpuCheck { run: false }));
        assert_eq!(
            p(&["gpu-check", "--run"]),
            Ok(Command::GpuCheck { run: true })
        );
        assert!(p(&["gpu-check", "--go"]).unwrap_err().0.contains("--go"));
    }

    #[test]
    fn unknown_things_are_errors_naming_them() {
        let e = p(&["frobnicate"]).unwrap_err();
        assert!(e.0.contains("\"frobnicate\""), "{e:?}");
        let e = p(&["doctor", "--fix"]).unwrap_err();
        assert!(e.0.contains("doctor") && e.0.contains("--fix"), "{e:?}");
        let e = p(&["bench", "--slow"]).unwrap_err();
        assert!(e.0.contains("--slow"), "{e:?}");
    }

    #[test]
    fn run_with_all_flags() {
        let c = p(&[
            "run",
            "custom_dispatch",
            "--device",
            "host",
            "--targets=gfx1100,host",
            "--release",
            "--",
            "--n",
            "3",
        ])
        .unwrap();
        assert_eq!(
            c,
            Command::Run(RunArgs {
                example: Some("custom_dispatch".into()),
                list: false,
                device: Some(Device::Host),
                targets: Some("gfx1100,host".into()),
                release: true,
                rest: vec!["--n".into(), "3".into()],
            })
        );
    }

    #[test]
    fn run_list() {
        let Command::Run(r) = p(&["run", "--list"]).unwrap() else {
            panic!("not run")
        };
        assert!(r.list && r.example.is_none());
    }

    #[test]
    fn run_mistakes() {
        assert!(p(&["run"]).unwrap_err().0.contains("--list"));
        assert!(p(&["run", "a", "b"]).unwrap_err().0.contains("after `--`"));
        assert!(p(&["run", "a", "--list"]).is_err());
        let e = p(&["run", "a", "--device", "tpu"]).unwrap_err();
        assert!(e.0.contains("\"tpu\"") && e.0.contains("amd, nvidia or host"));
        assert!(p(&["run", "a", "--device"])
            .unwrap_err()
            .0
            .contains("needs a value"));
        assert!(p(&["run", "a", "--targets", "gfx1100,,host"]).is_err());
        assert!(p(&["run", "a", "--fast"]).unwrap_err().0.contains("--fast"));
    }
}
