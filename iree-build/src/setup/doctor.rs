//! `iree-build doctor` (and `cargo xtask doctor`): every toolchain piece
//! with its version and where it was found, and what is missing with the
//! command that installs it.

use std::fmt::Write as _;

use super::inventory::{missing_packages, Inventory, State};
use crate::toolchain::advice::install_command;

/// The report for `inv`, and whether everything was found.
pub fn report(inv: &Inventory) -> (String, bool) {
    let mut s = String::new();
    match &inv.home {
        Some(h) => {
            let _ = writeln!(s, "toolchain (home {})", h.display());
        }
        None => s.push_str("toolchain (no home: neither IREE_TOOLCHAIN_HOME nor HOME is set)\n"),
    }
    let pad = "";
    let mut problems = 0;
    for (piece, state) in &inv.entries {
        let label = piece.label();
        match state {
            State::Found(f) => {
                let _ = writeln!(s, "  ok       {label:<22} {}", f.path.display());
                let _ = writeln!(
                    s,
                    "  {pad:<31} version {} · from {}",
                    f.version.as_deref().unwrap_or("(not reported)"),
                    f.origin
                );
            }
            State::Missing(looked) => {
                problems += 1;
                let p = piece.package();
                let _ = writeln!(
                    s,
                    "  MISSING  {label:<22} package {}: {}",
                    p.name(),
                    p.why()
                );
                let _ = writeln!(
                    s,
                    "  {pad:<31} install: {}",
                    install_command(&[p], inv.home.as_deref())
                );
                for place in looked {
                    let _ = writeln!(s, "  {pad:<31} looked at {place}");
                }
            }
            State::BadEnv { var, value } => {
                problems += 1;
                let _ = writeln!(
                    s,
                    "  BAD ENV  {label:<22} {var}={} does not exist; fix or unset {var}",
                    value.display()
                );
            }
        }
    }
    if inv.complete() {
        s.push_str("doctor: everything found\n");
        return (s, true);
    }
    let pkgs = missing_packages(inv, true);
    let fix = if pkgs.is_empty() {
        "fix the variables above".to_string()
    } else {
        format!(
            "`iree-build provision` installs {}, or run: {}",
            pkgs.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "),
            install_command(&pkgs, inv.home.as_deref())
        )
    };
    let _ = writeln!(
        s,
        "doctor: {problems} toolchain piece(s) missing or misconfigured; {fix}"
    );
    (s, false)
}

/// Prints the report; `Err` when something is missing or misconfigured.
pub fn doctor(dev: bool) -> Result<(), String> {
    let (text, ok) = report(&Inventory::discover(dev));
    print!("{text}");
    if ok {
        Ok(())
    } else {
        Err("doctor: the toolchain is incomplete (see above)".into())
    }
}
