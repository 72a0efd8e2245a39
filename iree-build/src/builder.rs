//! [`Build`]: the builder users call from `build.rs`, and the order in which
//! the passes run (the stages themselves are in [`crate::pipeline`]).
//!
//! ```text
//! bridges ─ syntax/ir ─ outline ─┐
//! sources ─ compile (parallel) ─ code_object ─ verify ─ emit (bundle, manifest) ─ link host objects
//! ```
//!
//! Verification failures do not fail the build script: they go into the
//! manifest and `#[extern_dispatch]` turns each into a compile error pointing
//! at the declaration, which is where the user has to fix it. What the macro
//! cannot report (a `.cu` that does not compile, a missing toolchain, an
//! unreadable object) fails the build script with the tool's own message.

use std::path::{Path, PathBuf};

use crate::code_object::InspectError;
use crate::compile::CompileError;
use crate::config::{BuildEnv, ConfigError, Env};
use crate::pipeline;
use crate::target::TargetId;
use crate::toolchain::ToolchainError;

/// Compiles HIP kernels for every target and checks `#[extern_dispatch]`
/// declarations against them; the `cc::Build` of GPU kernels.
///
/// ```no_run
/// // build.rs
/// iree_build::Build::new()
///     .bridge("src/main.rs")
///     .source("kernels/kernels.cu")
///     .targets(["gfx90a", "gfx1100", "sm_80", "host"])
///     .compile("custom_dispatch");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Build {
    pub(crate) bridges: Vec<PathBuf>,
    pub(crate) sources: Vec<PathBuf>,
    pub(crate) targets: Option<Vec<String>>,
    pub(crate) include_dirs: Vec<PathBuf>,
    pub(crate) defines: Vec<(String, Option<String>)>,
    pub(crate) out_dir: Option<PathBuf>,
    pub(crate) crate_dir: Option<PathBuf>,
    pub(crate) no_cargo_metadata: bool,
    /// `Build::llvm`: GPU targets through the in-process LLVM path.
    #[cfg(feature = "llvm")]
    llvm: bool,
}

/// What a build produced.
#[derive(Clone, Debug)]
pub struct Output {
    /// The bundle (`OUT_DIR/iree/<name>.bundle`).
    pub bundle_path: PathBuf,
    /// The manifest the macro reads.
    pub manifest_path: PathBuf,
    /// Targets the bundle has variants for.
    pub targets: Vec<TargetId>,
    /// How many compiler jobs really ran (0 on a no-op rebuild).
    pub compiler_runs: usize,
    /// How many were answered from the cache.
    pub cached: usize,
    /// For each compiler job that ran, its command lines in order (clang,
    /// then ptxas for NVIDIA), program first: the build by hand, for
    /// reproducing it and for benchmarking against it.
    pub commands: Vec<Vec<Vec<String>>>,
    /// Verification errors, also in the manifest (the macro reports them).
    pub errors: Vec<String>,
    /// Warnings: verification warnings, targets skipped, bridges that did
    /// not parse.
    pub warnings: Vec<String>,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target list or crate metadata is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A tool needed for a requested target is missing.
    #[error("{0}\n(set IREE_BUILD_ALLOW_MISSING=1 to build without the targets whose tools are missing)")]
    Toolchain(#[from] ToolchainError),
    /// A compiler failed (its own diagnostics, with file:line:col, inside).
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A compiled or prebuilt object is unusable.
    #[error("{path} (for {target}): {source}")]
    Inspect {
        /// The object file.
        path: PathBuf,
        /// The target it was given or compiled for.
        target: String,
        /// What is wrong with it.
        source: InspectError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Something the build needs from cargo is missing.
    #[error("{0}")]
    Environment(String),
    /// A host object uses a symbol only another kernel file's object
    /// defines: kernel files are private units (see `privatize`).
    #[error(
        "{user} uses `{symbol}`, which only {definer} defines: each kernel file is its own unit \
         on every target (a GPU code object cannot call into another file's either), so what it \
         defines is private to it. Define `{symbol}` in the file that uses it, or as an `inline` \
         function in a header both files include"
    )]
    CrossFileReference {
        /// The host object with the undefined reference.
        user: String,
        /// The (mangled) symbol.
        symbol: String,
        /// The host object defining it.
        definer: String,
    },
    /// The host kernels could not be archived for linking.
    #[error("archiving host kernels into lib{lib}.a: {message}")]
    Archive {
        /// The library name (`<name>_iree_host`).
        lib: String,
        /// What `cc` reported.
        message: String,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Build {
    /// A build with nothing in it yet.
    pub fn new() -> Build {
        Build::default()
    }

    /// A Rust file whose `#[extern_dispatch]` declarations this build
    /// compiles and checks (relative to the crate root).
    pub fn bridge(&mut self, path: impl AsRef<Path>) -> &mut Build {
        self.bridges.push(path.as_ref().to_path_buf());
        self
    }

    /// A HIP source compiled for every target even if no declaration names
    /// it, so syntax errors surface at once (relative to the crate root).
    pub fn source(&mut self, path: impl AsRef<Path>) -> &mut Build {
        self.sources.push(path.as_ref().to_path_buf());
        self
    }

    /// The targets to build for (`gfx90a`, `gfx942:xnack-`, `sm_80`, `host`).
    /// `IREE_BUILD_TARGETS` overrides this; without either,
    /// `[package.metadata.iree] targets` or [`crate::config::DEFAULT_TARGETS`].
    pub fn targets<I, S>(&mut self, targets: I) -> &mut Build
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.targets = Some(
            targets
                .into_iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
        );
        self
    }

    /// An extra include directory for every source.
    pub fn include(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// A preprocessor definition for every source (`-DNAME` or `-DNAME=VALUE`).
    pub fn define(&mut self, name: &str, value: Option<&str>) -> &mut Build {
        self.defines
            .push((name.to_string(), value.map(String::from)));
        self
    }

    /// Where outputs go; defaults to `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The crate root relative paths are resolved against; defaults to
    /// `CARGO_MANIFEST_DIR`.
    pub fn crate_dir(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.crate_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether to print `cargo:` directives (rerun-if-changed, link the
    /// host kernels, warnings). On by default; off for tools and tests.
    pub fn cargo_metadata(&mut self, on: bool) -> &mut Build {
        self.no_cargo_metadata = !on;
        self
    }

    /// Compiles AMD and NVIDIA targets through the in-process LLVM path
    /// ([`crate::llvm`], cargo feature `llvm`) instead of clang alone: device
    /// libraries linked only when used, and every kernel stamped with the
    /// workgroup size its declaration gives. `IREE_BUILD_LLVM=1` turns it on
    /// too. Host objects are built by clang either way.
    #[cfg(feature = "llvm")]
    pub fn llvm(&mut self, on: bool) -> &mut Build {
        self.llvm = on;
        self
    }

    /// Runs the build; on failure prints the error the way `cc` does and
    /// panics, which is what a build script wants.
    pub fn compile(&mut self, name: &str) -> Output {
        match self.try_compile(name) {
            Ok(out) => out,
            Err(err) => {
                eprintln!("\nerror occurred in iree-build: {err}\n");
                panic!("iree-build failed for `{name}`; see the error above");
            }
        }
    }

    /// Runs the build and returns what went wrong instead of panicking.
    ///
    /// The driver of the typed pipeline (`src/pipeline/`): the environment is read once,
    /// then each stage takes the previous one's value.
    pub fn try_compile(&mut self, name: &str) -> Result<Output, Error> {
        let env = BuildEnv::read(&Env::from_process(), self.llvm_asked());
        let cx = pipeline::Context::new(self, name, env)?;
        let mut notes = pipeline::Notes::default();
        let lowered = pipeline::lower(&cx, &mut notes)?;
        let outlined = pipeline::outline(&cx, lowered);
        let planned = pipeline::plan(&cx, outlined, &mut notes)?;
        let compiled = pipeline::compile(&cx, planned, &mut notes)?;
        let inspected = pipeline::inspect(compiled, &mut notes)?;
        let verified = pipeline::verify(&cx, inspected, &mut notes);
        pipeline::emit(&cx, verified, notes)
    }

    /// Whether `Build::llvm` asked for the LLVM path.
    fn llvm_asked(&self) -> bool {
        #[cfg(feature = "llvm")]
        return self.llvm;
        #[cfg(not(feature = "llvm"))]
        false
    }
}
