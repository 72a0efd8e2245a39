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
    // Column where details start under a piece's name.
    let pad = "";
    for (piece, state) in &inv.entries {
        let label = piece.label();
        match state {
            State::Found(f) => {
                println!("  ok       {label:<22} {}", f.path.display());
                println!(
                    "  {pad:<31} version {} · from {}",
                    f.version.as_deref().unwrap_or("(not reported)"),
                    f.origin
                );
            }
            State::Missing(looked) => {
                problems += 1;
                let p = piece.package();
                println!("  MISSING  {label:<22} package {}: {}", p.name(), p.why());
                println!(
                    "  {pad:<31} install: {}",
                    p.install_hint(&ctx.toolchain_dir)
                );
                for place in looked {
                    println!("  {pad:<31} looked at {place}");
                }
            }
            State::BadEnv { var, value } => {
                problems += 1;
                println!(
                    "  BAD ENV  {label:<22} {var}={} does not exist; fix or unset {var}",
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
