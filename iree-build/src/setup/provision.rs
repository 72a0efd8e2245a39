//! `iree-build provision` (and `cargo xtask provision`): install what
//! discovery says is missing, from Debian (apt) and PyPI (pip into the
//! per-user toolchain home), saying what and why; then discover again and
//! check that what was installed is found.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::inventory::{bad_env_error, missing_packages, no_install_error, Inventory};
use crate::toolchain::advice::{install_command_with, is_root, pip_available, Package};

/// True when `IREE_NO_INSTALL` asks not to install anything (set, not empty, not `0`).
pub fn no_install() -> bool {
    std::env::var("IREE_NO_INSTALL").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Makes sure the whole toolchain is there, installing what is missing
/// unless `IREE_NO_INSTALL` is set. `dev` adds the pieces only developing
/// this project needs. Prints one line when nothing is to do.
pub fn provision(dev: bool) -> Result<(), String> {
    let inv = Inventory::discover(dev);
    if let Some(e) = bad_env_error(&inv) {
        return Err(e);
    }
    let missing = missing_packages(&inv, pip_available());
    if missing.is_empty() {
        println!("provision: toolchain complete, nothing to install (`doctor` shows it)");
        return Ok(());
    }
    let home = inv.home.clone();
    if no_install() {
        return Err(no_install_error(&missing, home.as_deref()));
    }
    for p in &missing {
        let how = match (p, &home) {
            (Package::Apt(_), _) => "apt".to_string(),
            (Package::Pip(_), Some(h)) => format!("pip, into {}", h.display()),
            (Package::Pip(_), None) => "pip".to_string(),
        };
        println!("provision: installing {} ({how}): {}", p.name(), p.why());
    }
    let apt: Vec<&str> = names(&missing, |p| matches!(p, Package::Apt(_)));
    let pip: Vec<String> = missing
        .iter()
        .filter(|p| matches!(p, Package::Pip(_)))
        .map(|p| p.requirement())
        .collect();
    if !apt.is_empty() {
        install_apt(&apt)?;
    }
    if !pip.is_empty() {
        let home = home.ok_or(
            "neither IREE_TOOLCHAIN_HOME nor HOME is set: set IREE_TOOLCHAIN_HOME to the \
             directory the CUDA wheels should be installed into",
        )?;
        install_pip(&home, &pip)?;
    }
    let still = missing_packages(&Inventory::discover(dev), true);
    if !still.is_empty() {
        let names: Vec<_> = still.iter().map(|p| p.name()).collect();
        return Err(format!(
            "installed {}, but discovery still does not find what {} should provide; \
             run `iree-build doctor` to see where it looked",
            missing
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", "),
            names.join(", ")
        ));
    }
    println!("provision: done; `doctor` shows what was found");
    Ok(())
}

fn names(pkgs: &[Package], keep: impl Fn(&Package) -> bool) -> Vec<&'static str> {
    pkgs.iter().filter(|p| keep(p)).map(|p| p.name()).collect()
}

/// How to become root for apt: nothing when root, `sudo -n` when it works.
fn root_prefix(pkgs: &[&'static str]) -> Result<Vec<&'static str>, String> {
    if is_root() {
        return Ok(vec![]);
    }
    let sudo_ok = Command::new("sudo")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if sudo_ok {
        return Ok(vec!["sudo", "-n"]);
    }
    Err(needs_root_error(pkgs))
}

/// The error when apt is needed but neither root nor `sudo -n` is there.
pub fn needs_root_error(pkgs: &[&'static str]) -> String {
    let apt: Vec<Package> = pkgs.iter().map(|p| Package::Apt(p)).collect();
    format!(
        "installing {} needs root or sudo (without a password); run as root, \
         or install these packages yourself: {}",
        pkgs.join(", "),
        install_command_with(&apt, None, true, false)
    )
}

fn install_apt(pkgs: &[&'static str]) -> Result<(), String> {
    let prefix = root_prefix(pkgs)?;
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = prefix.clone();
        all.extend([
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            // Wait for another apt or dpkg to finish instead of failing at once.
            "-o",
            "DPkg::Lock::Timeout=300",
        ]);
        all.extend(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]);
        c
    };
    println!("provision: apt-get update …");
    run_quiet(apt(&["update"]), "apt-get update")?;
    println!("provision: apt-get install {} …", pkgs.join(" "));
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend(pkgs);
    run_quiet(apt(&args), &format!("apt-get install {}", pkgs.join(" ")))
}

/// `pip install --target` into a fresh staging directory beside `home`,
/// then moved in piece by piece: two provisions at once (two checkouts,
/// two terminals) never see a half-written home.
fn install_pip(home: &Path, pkgs: &[String]) -> Result<(), String> {
    let parent = home.parent().unwrap_or(home);
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!(".iree-rs-staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let mut c = Command::new("python3");
    c.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--no-cache-dir",
        "--quiet",
        "--target",
    ])
    .arg(&staging)
    .args(pkgs);
    println!(
        "provision: python3 -m pip install --target {} {} …",
        home.display(),
        pkgs.join(" ")
    );
    let result = run_quiet(c, &format!("pip install {}", pkgs.join(" "))).and_then(|()| {
        merge_into(&staging, home).map_err(|e| format!("moving into {}: {e}", home.display()))
    });
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Moves everything under `from` into `to`: a directory `to` lacks is
/// renamed in whole, one it has is merged, a file replaces its namesake
/// (renames are atomic, so a reader sees the old file or the new one).
pub fn merge_into(from: &Path, to: &Path) -> std::io::Result<()> {
    if !to.exists() {
        return std::fs::rename(from, to);
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() && dest.is_dir() {
            merge_into(&entry.path(), &dest)?;
        } else {
            std::fs::rename(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// Runs a command with its output captured; on failure the error carries
/// the command and the tail of its output.
fn run_quiet(mut c: Command, what: &str) -> Result<(), String> {
    let out = c
        .output()
        .map_err(|e| format!("could not start `{what}` ({e}): is it installed and on PATH?"))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(40)..].join("\n");
    Err(format!(
        "`{what}` failed ({}); its last output:\n{tail}",
        out.status
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_root_names_packages_and_the_command() {
        let e = needs_root_error(&["clang-19", "lld-19"]);
        assert_eq!(
            e,
            "installing clang-19, lld-19 needs root or sudo (without a password); run as root, \
             or install these packages yourself: sudo apt-get update && \
             sudo apt-get install -y clang-19 lld-19"
        );
    }

    #[test]
    fn merge_moves_new_dirs_and_replaces_files() {
        let t = tempfile::tempdir().unwrap();
        let (from, to) = (t.path().join("from"), t.path().join("to"));
        for (root, rel, text) in [
            (&from, "nvidia/cuda_nvcc/bin/ptxas", "new"),
            (&from, "nvidia/cuda_runtime/x.h", "x"),
            (&to, "nvidia/cuda_nvcc/bin/ptxas", "old"),
            (&to, "nvidia/other/keep", "keep"),
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        merge_into(&from, &to).unwrap();
        let read = |rel: &str| std::fs::read_to_string(to.join(rel)).unwrap();
        assert_eq!(read("nvidia/cuda_nvcc/bin/ptxas"), "new");
        assert_eq!(read("nvidia/cuda_runtime/x.h"), "x");
        assert_eq!(read("nvidia/other/keep"), "keep");
        // Into a home that does not exist yet: one rename.
        let fresh = t.path().join("fresh");
        merge_into(&to, &fresh).unwrap();
        assert!(fresh.join("nvidia/other/keep").is_file() && !to.exists());
    }
}
