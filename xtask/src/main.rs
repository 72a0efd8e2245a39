//! `cargo xtask`: toolchain provisioning, doctor, the sample runner, and the
//! test and bench entry points. `cargo xtask help` lists the commands.
//!
//! Provisioning installs into the per-user toolchain home
//! (`iree_build::toolchain::home`), which every cargo run's discovery
//! searches by itself: cargo commands run from here get no extra variable
//! for it.

#![warn(missing_docs)]

mod bench;
mod cli;
mod disk;
mod doctor;
mod examples;
mod gpu_check;
mod provision;
mod runner;
mod testing;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::Command;

/// What every command needs to know.
pub struct Ctx {
    /// The repository root (the workspace).
    pub root: PathBuf,
    /// The cargo binary (`$CARGO` when run by cargo).
    pub cargo: OsString,
}

impl Ctx {
    fn new() -> Ctx {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives one level below the repo root")
            .to_path_buf();
        Ctx {
            root,
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        }
    }
}

fn main() -> ExitCode {
    let cmd = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let ctx = Ctx::new();
    let result = match cmd {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Command::Provision => provision::provision(),
        Command::Doctor => doctor::doctor(),
        Command::Demo => examples::demo(&ctx),
        Command::Run(args) => examples::run(&ctx, &args),
        Command::Test { verbose } => {
            provision::provision().and_then(|()| testing::test(&ctx, verbose))
        }
        Command::Bench { quick } => bench::bench(&ctx, quick),
        Command::GpuCheck { run: false } => gpu_check::build(&ctx, None).map(|_| ()),
        Command::GpuCheck { run: true } => gpu_check::run(&ctx),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
