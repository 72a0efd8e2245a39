//! The facts every layer of iree-rs shares, defined once.
//!
//! Three programs meet at these definitions: the build script
//! (`iree-build`) writes objects, a bundle and a manifest; the proc macro
//! (`iree-macros`) reads the manifest while it expands a declaration; the
//! runtime (`runtime-hip`) reads the bundle and launches. Each reads the
//! others' output through the types here, and nothing here depends on any
//! of them, so the macro compiles none of the build's or the runtime's
//! dependencies, and no two copies of a fact can drift:
//!
//! - [`target`]: what a target id means, chips, compatibility, limits;
//! - [`limits`]: per-dispatch limits (bindings, constants, workgroup size);
//! - [`bundle`]: the bundle format the build writes and the runtime loads;
//! - [`manifest`]: the schema of what the build tells the macro;
//! - [`signature`]: kernel parameter types as the compilers record them;
//! - [`host`]: the host platform's symbol names.
#![warn(missing_docs)]

pub mod bundle;
pub mod host;
pub mod limits;
pub mod manifest;
pub mod signature;
pub mod target;
