//! `cargo xtask`: toolchain provisioning, doctor, the sample runner, and the
//! test and bench entry points. `cargo xtask help` lists the commands.
//!
//! Every cargo command run from here gets `IREE_TOOLCHAIN_DIR` (default
//! `<repo>/target/iree-toolchain`, where pip installs ptxas and libdevice).

#![warn(missing_docs)]

mod bench;
mod cli;
mod doctor;
mod examples;
mod gpu_check;
mod provision;
mod runner;
mod testing;
mod tools;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::Command;

/// What every command needs to know.
pub struct Ctx {
    /// The repository root (the workspace).
    pub root: PathBuf,
    /// `IREE_TOOLCHAIN_DIR`: where the pip toolchain goes.
    pub toolchain_dir: PathBuf,
    /// The cargo binary (`$CARGO` when run by cargo).
    pub cargo: OsString,
}

impl Ctx {
    fn new() -> Ctx {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives one level below the repo root")
            .to_path_buf();
        let toolchain_dir = std::env::var_os("IREE_TOOLCHAIN_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/iree-toolchain"));
        Ctx {
            root,
            toolchain_dir,
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
    // Discovery (in this process and in every cargo we start) looks for the
    // pip toolchain here. Set before any thread exists.
    std::env::set_var("IREE_TOOLCHAIN_DIR", &ctx.toolchain_dir);
    let result = match cmd {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Command::Provision => provision::provision(&ctx),
        Command::Doctor => doctor::doctor(&ctx),
        Command::Demo => examples::demo(&ctx),
        Command::Run(args) => examples::run(&ctx, &args),
        Command::Test { verbose } => {
            provision::provision(&ctx).and_then(|()| testing::test(&ctx, verbose))
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
