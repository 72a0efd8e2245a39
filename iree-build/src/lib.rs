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
//! friends, [`compile`] runs them (cached by content in [`cache`], in
//! parallel under cargo's jobserver via [`jobs`]), [`code_object`] reads what
//! came out, [`syntax`] and [`ir`] read the declarations, [`outline`],
//! [`layout`] and [`verify`] are IREE's passes ([`signature`]: the kernels'
//! C++ parameter types they check against), [`emit`] writes the bundle and
//! [`manifest`]. [`Build`] runs them in that order.
//!
//! The facts shared with the macro and the runtime (target table, bundle
//! format, manifest schema, signatures, limits) live in `iree-abi`, and the
//! declaration syntax in `iree-syntax`; they are re-exported here under
//! the names this crate has always used.
#![warn(missing_docs)]

mod builder;
pub mod cache;
pub mod code_object;
pub mod compile;
pub mod config;
pub mod dump;
pub mod emit;
#[doc(hidden)]
pub mod fuzzing;
pub mod ir;
pub mod jobs;
#[cfg(feature = "llvm")]
pub mod llvm;
pub mod outline;
mod pipeline;
pub mod setup;
mod sigpass;
pub mod toolchain;
pub mod verify;

pub use builder::{Build, Error, Output};
pub use iree_abi::{limits, manifest, signature, target};
pub use iree_syntax as syntax;
pub use iree_syntax::layout;
