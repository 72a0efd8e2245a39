//! Setting up a machine and a crate without this repository: what the
//! `iree-build` binary (`cargo install iree-build`) runs, and what `cargo
//! xtask provision | doctor` call (one definition of each).
//!
//! - [`doctor`]: every toolchain piece, where it was found, what is missing
//!   and the command that installs it;
//! - [`provision`]: install what is missing (apt, and pip into the per-user
//!   toolchain home, [`crate::toolchain::home`]);
//! - [`template`]: `iree-build new <dir>`, a crate that builds and runs.
//!
//! [`inventory`] is the shared view of the toolchain behind the first two.

pub mod doctor;
pub mod inventory;
pub mod provision;
pub mod template;
