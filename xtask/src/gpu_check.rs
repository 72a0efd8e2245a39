//! `cargo xtask gpu-check [--run]`: builds, with no GPU, the one folder a
//! device machine needs ([`FOLDER`]: release binaries, the host's answers,
//! `checks.tsv`, `run.sh`, checksums), and runs it where there is one
//! (docs/GPU.md says how to carry it).
//!
//! What runs there is [`CHECKS`] plus every runnable example: a later suite
//! plugs in as one more entry (or first as a slot, [`What::Pending`]).

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context as _, Result};
use cargo_metadata::{Artifact, Message, TargetKind};

use crate::runner::cargo;
use crate::Ctx;

/// Where the folder is built, relative to the repository root.
pub const FOLDER: &str = "target/gpu-check";

/// The most the folder may weigh: what the device tool carries (64 MiB)
/// with room left for the rest of the working tree.
pub const MAX_BYTES: u64 = 48 << 20;

/// How long one example may run on the device.
const EXAMPLE_LIMIT_S: u32 = 60;

/// What a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// A binary of a workspace package, with its arguments.
    Bin {
        /// Cargo package.
        package: &'static str,
        /// Binary target.
        bin: &'static str,
        /// Arguments.
        args: &'static [&'static str],
    },
    /// An integration test of a package (`cargo test --release --no-run`).
    Test {
        /// Cargo package.
        package: &'static str,
        /// Test target (the file name under `tests/`).
        test: &'static str,
        /// Arguments for the test harness.
        args: &'static [&'static str],
    },
    /// A slot for a suite that does not exist yet; the text says what it
    /// will be and which issue adds it. No slot is pending now (the last,
    /// `warp`, runs examples/warps); run.sh and docs/GPU.md keep the
    /// `pending` line for the next suite announced before it exists.
    #[allow(dead_code)]
    Pending(&'static str),
}

/// One check of run.sh besides the examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Its name in the report (letters, digits, `-`).
    pub name: &'static str,
    /// Seconds it may take on the device.
    pub limit_s: u32,
    /// What it runs.
    pub what: What,
}

/// The gate run.sh passes first (it runs `bin/gpu-bench probe` itself):
/// exits 3 when no NVIDIA GPU can be opened.
pub const PROBE: Check = Check {
    name: "probe",
    limit_s: 60,
    what: What::Bin {
        package: "gpu-check",
        bin: "gpu-bench",
        args: &["probe"],
    },
};

/// The checks after the examples, in order. A new suite is one entry here
/// (replacing its `Pending` slot if it had one).
pub const CHECKS: &[Check] = &[
    Check {
        name: "runtime-hip-gpu",
        limit_s: 120,
        what: What::Test {
            package: "runtime-hip",
            test: "gpu",
            args: &["--nocapture", "--test-threads=1"],
        },
    },
    Check {
        name: "launch",
        limit_s: 90,
        what: What::Bin {
            package: "gpu-check",
            bin: "gpu-bench",
            args: &["launch"],
        },
    },
    Check {
        name: "bandwidth",
        limit_s: 90,
        what: What::Bin {
            package: "gpu-check",
            bin: "gpu-bench",
            args: &["bandwidth"],
        },
    },
    Check {
        name: "api-coverage",
        limit_s: 60,
        what: What::Test {
            package: "device_api",
            test: "suite",
            args: &["--test-threads=1"],
        },
    },
    Check {
        name: "warp",
        limit_s: 60,
        what: What::Test {
            package: "warps",
            test: "suite",
            args: &["--test-threads=1"],
        },
    },
    Check {
        name: "replay",
        limit_s: 60,
        what: What::Bin {
            package: "gpu-check",
            bin: "gpu-bench",
            args: &["replay"],
        },
    },
    Check {
        name: "overlap",
        limit_s: 60,
        what: What::Bin {
            package: "gpu-check",
            bin: "gpu-bench",
            args: &["overlap"],
        },
    },
];

/// The file name a binary or test gets under `bin/`.
fn bin_name(what: &What) -> Option<String> {
    match what {
        What::Bin { bin, .. } => Some(bin.to_string()),
        What::Test { package, test, .. } => Some(format!("{package}-{test}")),
        What::Pending(_) => None,
    }
}

/// One line of `checks.tsv`: name, seconds or `pending`, command or reason.
pub fn tsv_line(name: &str, limit_s: u32, what: &What) -> String {
    match (what, bin_name(what)) {
        (What::Bin { args, .. } | What::Test { args, .. }, Some(bin)) => {
            let command: Vec<String> = std::iter::once(format!("bin/{bin}"))
                .chain(args.iter().map(|a| a.to_string()))
                .collect();
            format!("{name}\t{limit_s}\t{}", command.join(" "))
        }
        (What::Pending(why), _) => format!("{name}\tpending\t{why}"),
        _ => unreachable!("bin_name is Some for every non-pending check"),
    }
}

/// `cargo xtask gpu-check`: builds the folder and says what is in it.
/// `log`: where cargo's own output goes (else the terminal).
pub fn build(ctx: &Ctx, log: Option<&Path>) -> Result<PathBuf> {
    let dir = ctx.root.join(FOLDER);
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    for sub in ["bin", "expected"] {
        fs::create_dir_all(dir.join(sub)).with_context(|| format!("creating {}", dir.display()))?;
    }
    let examples: Vec<String> = crate::examples::list(ctx)?
        .into_iter()
        .filter(|e| e.runnable)
        .map(|e| e.name)
        .collect();
    let mut packages: Vec<&str> = examples.iter().map(String::as_str).collect();
    for c in CHECKS.iter().chain([&PROBE]) {
        if let What::Bin { package, .. } = c.what {
            if !packages.contains(&package) {
                packages.push(package);
            }
        }
    }
    let bins = cargo_artifacts(ctx, log, &["build"], &packages, &[])?;
    let tests: Vec<(&str, &str)> = CHECKS
        .iter()
        .filter_map(|c| match c.what {
            What::Test { package, test, .. } => Some((package, test)),
            _ => None,
        })
        .collect();
    let test_bins = cargo_artifacts(ctx, log, &["test", "--no-run"], &[], &tests)?;
    for (name, path) in bins.iter().chain(&test_bins) {
        fs::copy(path, dir.join("bin").join(name))
            .with_context(|| format!("copying {} into {}", path.display(), dir.display()))?;
    }
    let every_bin = CHECKS
        .iter()
        .chain([&PROBE])
        .filter_map(|c| bin_name(&c.what));
    for name in examples.iter().cloned().chain(every_bin) {
        ensure!(
            dir.join("bin").join(&name).is_file(),
            "cargo built no executable `{name}` for the gpu-check folder: \
             check its entry in CHECKS (xtask/src/gpu_check.rs)"
        );
    }
    record_host_answers(&dir, &examples)?;
    write_files(ctx, &dir, &examples)?;
    let (files, bytes) = folder_size(&dir)?;
    ensure!(
        bytes <= MAX_BYTES,
        "{} weighs {:.1} MiB, over the {} MiB a device run carries with the working tree",
        dir.display(),
        bytes as f64 / (1 << 20) as f64,
        MAX_BYTES >> 20
    );
    println!(
        "gpu-check: built {} ({files} files, {:.1} MiB); on a device machine run \
         `bash {FOLDER}/run.sh` (docs/GPU.md)",
        dir.display(),
        bytes as f64 / (1 << 20) as f64
    );
    Ok(dir)
}

/// Builds `packages`' binaries or `tests` in release mode and returns each
/// executable with its name under `bin/`, from cargo's JSON messages.
fn cargo_artifacts(
    ctx: &Ctx,
    log: Option<&Path>,
    verb: &[&str],
    packages: &[&str],
    tests: &[(&str, &str)],
) -> Result<Vec<(String, PathBuf)>> {
    let mut c = cargo(ctx);
    c.args(verb)
        .args(["--release", "--message-format=json-render-diagnostics"])
        // The device needs the examples' own targets (sm_80, sm_90).
        .env_remove("IREE_BUILD_TARGETS")
        .stdout(Stdio::piped());
    if let Some(log) = log {
        let f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        c.stderr(f);
    }
    for p in packages {
        c.args(["-p", p]);
    }
    for (p, t) in tests {
        c.args(["-p", p, "--test", t]);
    }
    let mut child = c.spawn().context("could not start cargo")?;
    let stdout = child.stdout.take().context("cargo's stdout")?;
    let mut out = Vec::new();
    for msg in Message::parse_stream(BufReader::new(stdout)) {
        if let Message::CompilerArtifact(a) = msg.context("reading cargo's JSON messages")? {
            if let Some(entry) = wanted(&a, packages, tests) {
                out.push(entry);
            }
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    ensure!(
        status.success(),
        "`cargo {}` for the gpu-check folder failed ({status})",
        verb.join(" ")
    );
    Ok(out)
}

/// The name under `bin/` and path of an artifact we asked for.
fn wanted(a: &Artifact, packages: &[&str], tests: &[(&str, &str)]) -> Option<(String, PathBuf)> {
    let exe = a.executable.as_ref()?.clone().into_std_path_buf();
    let package = a.package_id.repr.as_str();
    let is = |kind: TargetKind| a.target.kind.contains(&kind);
    // Package ids: `path+file:///…/<dir>#<name>@<version>`, or `…/<name>#<version>`
    // when the directory is named after the package.
    let of = |p: &str| package.contains(&format!("/{p}#")) || package.contains(&format!("#{p}@"));
    if is(TargetKind::Bin) && packages.iter().any(|p| of(p)) {
        return Some((a.target.name.clone(), exe));
    }
    tests
        .iter()
        .find(|(p, t)| is(TargetKind::Test) && a.target.name == *t && of(p))
        .map(|(p, t)| (format!("{p}-{t}"), exe))
}

/// Runs each example on the host platform and keeps its output as the
/// expected answer: run.sh compares the device's answer lines with these.
fn record_host_answers(dir: &Path, examples: &[String]) -> Result<()> {
    for ex in examples {
        let out = Command::new(dir.join("bin").join(ex))
            .env("IREE_DEVICE", "host")
            .output()
            .with_context(|| format!("running {ex} on the host"))?;
        ensure!(
            out.status.success(),
            "example {ex} fails on the host ({}), so it has no answer to compare with:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(dir.join("expected").join(format!("{ex}.txt")), &out.stdout)?;
    }
    Ok(())
}

/// `checks.tsv`, `run.sh`, `BUILD.txt`, then `SHA256SUMS` over everything.
fn write_files(ctx: &Ctx, dir: &Path, examples: &[String]) -> Result<()> {
    let mut tsv = String::new();
    for ex in examples {
        // An example's binary is named after it and takes no arguments.
        tsv += &format!("{ex}\t{EXAMPLE_LIMIT_S}\tbin/{ex}\n");
    }
    for c in CHECKS {
        tsv += &tsv_line(c.name, c.limit_s, &c.what);
        tsv.push('\n');
    }
    fs::write(dir.join("checks.tsv"), tsv)?;
    let script = ctx.root.join("xtask/gpu-check/run.sh");
    fs::copy(&script, dir.join("run.sh"))
        .with_context(|| format!("copying {}", script.display()))?;
    fs::write(dir.join("BUILD.txt"), build_info(ctx))?;
    let sums = Command::new("sh")
        .arg("-c")
        .arg("find . -type f ! -name SHA256SUMS | sort | xargs sha256sum")
        .current_dir(dir)
        .output()
        .context("running sha256sum")?;
    ensure!(
        sums.status.success(),
        "sha256sum failed: {}",
        String::from_utf8_lossy(&sums.stderr)
    );
    fs::write(dir.join("SHA256SUMS"), sums.stdout)?;
    Ok(())
}

/// Which source the folder was built from, and with what.
fn build_info(ctx: &Ctx) -> String {
    let line = |prog: &str, args: &[&str]| {
        Command::new(prog)
            .args(args)
            .current_dir(&ctx.root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    format!(
        "built from: {} ({})\nbuilt on: {}\nrustc: {}\n",
        line("git", &["rev-parse", "HEAD"]),
        if line("git", &["status", "--porcelain"]).is_empty() {
            "clean"
        } else {
            "with uncommitted changes"
        },
        line("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]),
        line("rustc", &["--version"]),
    )
}

/// Files and bytes under `dir`.
pub fn folder_size(dir: &Path) -> Result<(usize, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    for e in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        if e.file_type()?.is_dir() {
            let (f, b) = folder_size(&e.path())?;
            files += f;
            bytes += b;
        } else {
            files += 1;
            bytes += e.metadata()?.len();
        }
    }
    Ok((files, bytes))
}

/// What `run.sh` exited with, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed.
    Passed,
    /// Some check failed (the report says which).
    Failed,
    /// The folder is incomplete or changed since the build.
    Incomplete,
    /// Everything is in place but no NVIDIA GPU is usable here.
    NoGpu,
}

/// Runs `dir/run.sh`, writing the report into `report_dir`; `device`
/// `Some("host")` is run.sh's rehearsal on the CPU (`GPU_CHECK_DEVICE`).
pub fn run_folder(dir: &Path, report_dir: &Path, device: Option<&str>) -> Result<Outcome> {
    let script = dir.join("run.sh");
    ensure!(
        script.is_file(),
        "{} is not there: build the folder first with `cargo xtask gpu-check`",
        script.display()
    );
    let mut c = Command::new("bash");
    c.arg(&script)
        .arg(report_dir)
        .env_remove("GPU_CHECK_DEVICE");
    if let Some(d) = device {
        c.env("GPU_CHECK_DEVICE", d);
    }
    let status = c
        .status()
        .with_context(|| format!("could not start bash {}", script.display()))?;
    Ok(match status.code() {
        Some(0) => Outcome::Passed,
        Some(2) => Outcome::Incomplete,
        Some(3) => Outcome::NoGpu,
        _ => Outcome::Failed,
    })
}

/// `cargo xtask gpu-check --run`: runs the built folder here; an error
/// unless every check passed.
pub fn run(ctx: &Ctx) -> Result<()> {
    let dir = ctx.root.join(FOLDER);
    let report = std::env::var_os("OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| ctx.root.join("target/gpu-check-report"));
    match run_folder(&dir, &report, None)? {
        Outcome::Passed => Ok(()),
        Outcome::Failed => bail!("some GPU checks failed: see {}", report.join("report.md").display()),
        Outcome::Incomplete => bail!(
            "{} is incomplete or changed since it was built; rebuild it with `cargo xtask gpu-check`",
            dir.display()
        ),
        Outcome::NoGpu => bail!(
            "no NVIDIA GPU on this machine: the folder is complete, but its checks need one. \
             Carry {FOLDER} to a device machine and run `bash {FOLDER}/run.sh` there (docs/GPU.md)"
        ),
    }
}

/// The `cargo xtask test` step: the folder builds from this checkout;
/// `--run` on this GPU-less machine stops with the no-GPU error after
/// verifying every file (a machine with a GPU runs the checks instead); and
/// the rehearsal on the host runs every check and reports every answer.
pub fn ci(ctx: &Ctx) -> Result<()> {
    let log = crate::runner::log_path(ctx, "gpu-check");
    fs::create_dir_all(log.parent().expect("logs have a folder"))?;
    fs::write(&log, "")?;
    println!(
        "[gpu-check] cargo xtask gpu-check; --run without a GPU; run.sh rehearsed on the host"
    );
    let start = std::time::Instant::now();
    let dir =
        build(ctx, Some(&log)).with_context(|| format!("(cargo's output: {})", log.display()))?;
    match run(ctx) {
        Err(e) if e.to_string().starts_with("no NVIDIA GPU on this machine") => {}
        Err(e) => bail!("`cargo xtask gpu-check --run` without a GPU: {e:#}"),
        Ok(()) => println!("gpu-check: this machine has an NVIDIA GPU and every check passed"),
    }
    let report = ctx.root.join("target/gpu-check-rehearsal");
    let outcome = run_folder(&dir, &report, Some("host"))?;
    let text = fs::read_to_string(report.join("report.md")).unwrap_or_default();
    ensure!(
        outcome == Outcome::Passed,
        "run.sh's rehearsal on the host: {outcome:?}:\n{text}"
    );
    for want in [
        "custom_dispatch: 8xf32=96",
        "figure: launch.wrapper",
        "| replay | PASS",
        "| overlap | PASS",
        "| api-coverage | PASS",
        "| warp | PASS",
    ] {
        ensure!(
            text.contains(want),
            "the rehearsal's report lacks {want:?}:\n{text}"
        );
    }
    println!(
        "[gpu-check] ok ({:.1}s; {})",
        start.elapsed().as_secs_f64(),
        report.join("report.md").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_tsv_lines() {
        let c = &CHECKS[0];
        assert_eq!(
            tsv_line(c.name, c.limit_s, &c.what),
            "runtime-hip-gpu\t120\tbin/runtime-hip-gpu --nocapture --test-threads=1"
        );
        assert_eq!(
            tsv_line(PROBE.name, PROBE.limit_s, &PROBE.what),
            "probe\t60\tbin/gpu-bench probe"
        );
        let warp = CHECKS.iter().find(|c| c.name == "warp").unwrap();
        assert_eq!(
            tsv_line(warp.name, warp.limit_s, &warp.what),
            "warp\t60\tbin/warps-suite --test-threads=1"
        );
        assert!(tsv_line("later", 0, &What::Pending("why")).starts_with("later\tpending\twhy"));
        let replay = CHECKS.iter().find(|c| c.name == "replay").unwrap();
        assert_eq!(
            tsv_line(replay.name, replay.limit_s, &replay.what),
            "replay\t60\tbin/gpu-bench replay"
        );
        for c in CHECKS {
            assert!(c
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-'));
        }
    }

    /// The real run.sh on a folder whose checksums list a file that is not
    /// there: exit 2, before it looks for a GPU.
    #[test]
    fn run_sh_refuses_an_incomplete_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = tempfile_dir("incomplete");
        fs::copy(root.join("xtask/gpu-check/run.sh"), dir.join("run.sh")).unwrap();
        fs::write(
            dir.join("SHA256SUMS"),
            "0000000000000000000000000000000000000000000000000000000000000000  ./bin/gpu-bench\n",
        )
        .unwrap();
        let report = dir.join("report");
        assert_eq!(
            run_folder(&dir, &report, None).unwrap(),
            Outcome::Incomplete
        );
        assert_eq!(
            run_folder(&dir.join("nothing"), &report, None)
                .unwrap_err()
                .to_string(),
            format!(
                "{} is not there: build the folder first with `cargo xtask gpu-check`",
                dir.join("nothing/run.sh").display()
            )
        );
        let _ = fs::remove_dir_all(&dir);
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-gpu-check-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }
}
