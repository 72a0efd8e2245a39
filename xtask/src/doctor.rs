//! `cargo xtask doctor`: `iree_build::setup::doctor` with the pieces only
//! developing this project needs.

use anyhow::{anyhow, Result};

/// Prints the inventory; fails when something needed is missing or an
/// environment variable points at nothing.
pub fn doctor() -> Result<()> {
    iree_build::setup::doctor::doctor(true).map_err(|e| anyhow!(e))
}
