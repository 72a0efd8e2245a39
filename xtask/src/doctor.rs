//! `cargo xtask doctor`: every toolchain piece with its version and where it
//! was found, and what is missing with the package that provides it.

use anyhow::{bail, Result};

use crate::tools::{missing_packages, Inventory, State};
use crate::Ctx;

/// Prints the inventory; fails when something needed is missing or an
/// environment variable points at nothing.
pub fn doctor(ctx: &Ctx) -> Result<()> {
    let inv = Inventory::discover();
    println!(
        "toolchain (IREE_TOOLCHAIN_DIR={})",
        ctx.toolchain_dir.display()
    );
    let mut problems = 0;
    for (piece, state) in &inv.entries {
        match state {
            State::Found(f) => {
                println!("  ok       {:<17} {}", piece.label(), f.path.display());
                println!(
                    "  {:<26} version: {} · from {}",
                    "",
                    f.version.as_deref().unwrap_or("(none reported)"),
                    f.origin
                );
            }
            State::Missing => {
                problems += 1;
                let p = piece.package();
                println!(
                    "  MISSING  {:<17} package {} ({})",
                    piece.label(),
                    p.name(),
                    p.why()
                );
                println!(
                    "  {:<26} install: {}",
                    "",
                    p.install_hint(&ctx.toolchain_dir)
                );
            }
            State::BadEnv { var, value } => {
                problems += 1;
                println!(
                    "  BAD ENV  {:<17} {var}={} does not exist; fix or unset {var}",
                    piece.label(),
                    value.display()
                );
            }
        }
    }
    if !inv.complete() {
        let pkgs: Vec<_> = missing_packages(&inv, true)
            .iter()
            .map(|p| p.name())
            .collect();
        let fix = if pkgs.is_empty() {
            "fix the variables above".to_string()
        } else {
            format!("`cargo xtask provision` installs {}", pkgs.join(", "))
        };
        bail!("doctor: {problems} toolchain piece(s) missing or misconfigured; {fix}");
    }
    println!("doctor: everything found");
    Ok(())
}
