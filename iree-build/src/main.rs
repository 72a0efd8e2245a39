//! `iree-build`: set up a machine and start a crate without the iree-rs
//! repository (`cargo install iree-build`).
//!
//! ```text
//! iree-build doctor              every toolchain piece: where, which version; what is missing
//! iree-build provision           install what is missing (apt, pip into ~/.cache/iree-rs)
//! iree-build new <dir> [--path <checkout>]
//!                                a crate whose kernel builds for gfx1100, sm_80, host and runs
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use iree_build::setup::{doctor, provision, template};

const USAGE: &str = "\
usage: iree-build <command>

commands:
  doctor                     show every toolchain piece: path, version, where it was found;
                             what is missing and the command that installs it
  provision                  install what is missing: Debian packages with apt-get (as root,
                             else through sudo), the CUDA wheel with pip into the toolchain
                             home (IREE_TOOLCHAIN_HOME, default ~/.cache/iree-rs)
  new <dir> [--path <repo>]  write a new crate into <dir>: a HIP kernel, the build.rs that
                             compiles it for gfx1100, sm_80 and host, a main.rs that runs it;
                             --path makes its dependencies point into an iree-rs checkout
  help                       this text

environment: IREE_NO_INSTALL=1 makes provision install nothing (missing pieces are errors).";

enum Cmd {
    Doctor,
    Provision,
    New(PathBuf, template::Source),
    Help,
}

fn parse(args: &[String]) -> Result<Cmd, String> {
    let rest = args.get(1..).unwrap_or_default();
    let none = |cmd: Cmd| match rest.first() {
        None => Ok(cmd),
        Some(a) => Err(format!("`iree-build {}` does not take {a:?}", args[0])),
    };
    match args.first().map(String::as_str) {
        None | Some("help" | "-h" | "--help") => Ok(Cmd::Help),
        Some("doctor") => none(Cmd::Doctor),
        Some("provision") => none(Cmd::Provision),
        Some("new") => parse_new(rest),
        Some(other) => Err(format!("unknown command {other:?}")),
    }
}

fn parse_new(rest: &[String]) -> Result<Cmd, String> {
    let mut dir = None;
    let mut source = template::Source::Registry;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--path" => {
                let p = it
                    .next()
                    .ok_or("--path needs the root of an iree-rs checkout")?;
                source = template::Source::Checkout(p.into());
            }
            f if f.starts_with('-') => return Err(format!("`iree-build new` does not take {f:?}")),
            d if dir.is_none() => dir = Some(PathBuf::from(d)),
            d => {
                return Err(format!(
                    "`iree-build new` takes one directory, got a second: {d:?}"
                ))
            }
        }
    }
    let dir = dir.ok_or("`iree-build new` needs a directory: iree-build new my-kernels")?;
    Ok(Cmd::New(dir, source))
}

fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Cmd::Doctor => doctor::doctor(false),
        Cmd::Provision => provision::provision(false),
        Cmd::New(dir, source) => {
            template::new_crate(&dir, &source)?;
            println!(
                "created {0}: `cd {0} && cargo run` builds its kernel for gfx1100, sm_80 and \
                 host and runs it on the best device here",
                dir.display()
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
