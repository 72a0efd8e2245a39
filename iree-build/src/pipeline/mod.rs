//! The passes `Build::try_compile` runs, as IREE's pass pipeline reads:
//! each stage a function taking the previous stage's value and returning
//! its own.
//!
//! ```text
//! Context ─ lower ─ Lowered ─ outline ─ Outlined ─ plan ─ Planned ─ compile ─ Compiled
//!         ─ inspect ─ Inspected ─ verify ─ Verified ─ emit ─ Output
//! ```
//!
//! [`Context`] holds what every stage reads (the builder, the environment
//! read once, the directories); [`Notes`] collects what every stage adds
//! to the build script's output (warnings, files to rerun on).

mod compile;
mod emit;
mod inspect;
mod lower;
mod plan;
mod verify;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub(crate) use compile::{compile, Compiled};
pub(crate) use emit::emit;
pub(crate) use inspect::{inspect, Inspected};
pub(crate) use lower::{lower, outline, Outlined};
pub(crate) use plan::{plan, Planned};
pub(crate) use verify::{verify, Verified};

use crate::builder::{io_err, Build, Error};
use crate::config::{self, BuildEnv};
use crate::target::TargetId;

/// What every stage reads: the build as configured, the environment read
/// once, and the directories and names derived from them.
pub(crate) struct Context<'a> {
    /// The builder's settings.
    pub(crate) build: &'a Build,
    /// The `compile()` name.
    pub(crate) name: &'a str,
    /// The environment, read once.
    pub(crate) env: BuildEnv,
    /// Where relative paths are resolved.
    pub(crate) crate_dir: PathBuf,
    /// Where outputs go.
    pub(crate) out_dir: PathBuf,
    /// The crate's name (executables are named after it).
    pub(crate) crate_name: String,
    /// The targets asked for, before checking the toolchain.
    pub(crate) asked: Vec<TargetId>,
    /// Whether to print `cargo:` directives.
    pub(crate) cargo: bool,
}

impl<'a> Context<'a> {
    /// Resolves directories, the crate name and the target list.
    pub(crate) fn new(build: &'a Build, name: &'a str, env: BuildEnv) -> Result<Self, Error> {
        let crate_dir = match (&build.crate_dir, &env.manifest_dir) {
            (Some(d), _) | (None, Some(d)) => d.clone(),
            (None, None) => std::env::current_dir().map_err(io_err(Path::new(".")))?,
        };
        let out_dir = match (&build.out_dir, &env.out_dir) {
            (Some(d), _) | (None, Some(d)) => d.clone(),
            (None, None) => {
                return Err(Error::Environment(
                    "OUT_DIR is not set: call iree_build::Build from a build script, or give Build::out_dir".into(),
                ))
            }
        };
        let crate_name = env.pkg_name.clone().unwrap_or_else(|| name.to_string());
        let asked = config::resolve_target_list(
            env.targets.as_deref(),
            build.targets.as_deref(),
            &crate_dir,
        )?;
        Ok(Context {
            build,
            name,
            env,
            crate_dir,
            out_dir,
            crate_name,
            asked,
            cargo: !build.no_cargo_metadata,
        })
    }
}

/// What the stages add to the build script's output.
#[derive(Default)]
pub(crate) struct Notes {
    /// `cargo:warning` lines (and [`crate::Output::warnings`]).
    pub(crate) warnings: Vec<String>,
    /// `cargo:rerun-if-changed` files.
    pub(crate) rerun_files: BTreeSet<PathBuf>,
}

/// A path that names a source to compile rather than an object.
pub(crate) fn is_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("cu" | "hip" | "cpp" | "cc" | "cxx")
    )
}
