//! `cargo xtask provision`: `iree_build::setup::provision` with the pieces
//! only developing this project needs (the ASan runtime, `llvm-config` for
//! the `llvm` feature). The PyPI pieces go into the per-user toolchain home
//! (`~/.cache/iree-rs`), where every crate's discovery finds them.

use anyhow::{anyhow, Result};

/// Makes sure the whole toolchain is there, installing what is missing
/// unless `IREE_NO_INSTALL` is set.
pub fn provision() -> Result<()> {
    iree_build::setup::provision::provision(true).map_err(|e| anyhow!(e))
}
