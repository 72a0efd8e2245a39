//! The build-script side of extern dispatch: compile hand-written HIP
//! kernels for every GPU target (and the host CPU), check the
//! `#[extern_dispatch]` declarations of a crate against what the compiler
//! produced, and write one multi-target bundle plus the manifest the macro
//! reads.
//!
//! ```no_run
//! // build.rs: in `fn main()`
//! iree_build::Build::new()
//!     .bridge("src/main.rs")            // files holding #[extern_dispatch] declarations
//!     .source("kernels/kernels.cu")     // HIP sources, compiled for every target
//!     .targets(["gfx90a", "gfx942", "gfx1100", "sm_80", "sm_90", "host"])
//!     .compile("custom_dispatch");
//! ```
//!
//! Modules follow the pipeline, one job each: [`toolchain`] finds clang and
//! friends, `compile` runs them (cached by content in `cache`, in parallel
//! under cargo's jobserver via `jobs`), `code_object` reads what came out,
//! [`syntax`] and `ir` read the declarations, `outline`, [`layout`] and
//! `verify` are IREE's passes ([`signature`]: the kernels' C++ parameter
//! types they check against), `emit` writes the bundle and [`manifest`].
//! [`Build`] runs them in that order, as the typed stages of `pipeline`.
//!
//! The public API is [`Build`], [`Output`] and [`Error`], the settings in
//! [`config`], toolchain discovery ([`toolchain`], for `doctor`), [`setup`],
//! the `llvm` path (feature `llvm`) and the re-exported shared facts. The
//! `#[doc(hidden)]` modules are public only for this crate's integration
//! tests, the fuzz targets and xtask; they are not a stable interface.
//!
//! The facts shared with the macro and the runtime (target table, bundle
//! format, manifest schema, signatures, limits) live in `iree-abi`, and the
//! declaration syntax in `iree-syntax`; they are re-exported here under
//! the names this crate has always used.
#![warn(missing_docs)]

mod builder;
mod cache;
#[doc(hidden)]
pub mod code_object;
#[doc(hidden)]
pub mod compile;
pub mod config;
mod dump;
#[doc(hidden)]
pub mod emit;
#[doc(hidden)]
pub mod fuzzing;
#[doc(hidden)]
pub mod ir;
mod jobs;
#[cfg(feature = "llvm")]
pub mod llvm;
#[doc(hidden)]
pub mod outline;
mod pipeline;
#[doc(hidden)]
pub mod privatize;
pub mod setup;
mod sigpass;
pub mod toolchain;
#[doc(hidden)]
pub mod verify;

pub use builder::{Build, Error, Output};
pub use iree_abi::{limits, manifest, signature, target};
pub use iree_syntax as syntax;
pub use iree_syntax::layout;
