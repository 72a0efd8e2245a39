//! Build-script side of extern dispatch. (Skeleton: see docs/ARCHITECTURE.md.)
#![warn(missing_docs)]

pub mod cache;
pub mod code_object;
pub mod compile;
pub mod config;
pub mod emit;
pub mod ir;
pub mod jobs;
pub mod layout;
#[cfg(feature = "llvm")]
pub mod llvm;
pub mod manifest;
pub mod outline;
pub mod syntax;
pub mod toolchain;
pub mod verify;

pub use runtime_hip::target;
