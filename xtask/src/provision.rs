//! `cargo xtask provision`: install what discovery says is missing, from
//! Debian (apt) and PyPI (pip into the toolchain dir), saying what and why.

use std::env;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::tools::{bad_env_error, missing_packages, no_install_error, Inventory, Package};
use crate::Ctx;

/// True when `IREE_NO_INSTALL` asks not to install anything (set, not empty, not `0`).
pub fn no_install() -> bool {
    env::var("IREE_NO_INSTALL").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Debian packages that only tests need (no build uses them), each with
/// the file that shows it is installed; their reasons are in
/// [`Package::why`].
const TEST_PACKAGES: &[(&str, &str)] = &[("hipcc", "/usr/bin/hipcc")];

/// Makes sure the whole toolchain is there, installing what is missing
/// unless `IREE_NO_INSTALL` is set. Prints one line when nothing is to do.
pub fn provision(ctx: &Ctx) -> Result<()> {
    let inv = Inventory::discover();
    if let Some(e) = bad_env_error(&inv) {
        bail!("{e}");
    }
    let mut missing = missing_packages(&inv, true);
    if missing.iter().any(|p| matches!(p, Package::Pip(_))) && !pip_available() {
        missing = missing_packages(&inv, false);
    }
    for (name, file) in TEST_PACKAGES {
        if !Path::new(file).exists() {
            missing.insert(0, Package::Apt(name));
        }
    }
    if missing.is_empty() {
        println!(
            "provision: toolchain complete, nothing to install (`cargo xtask doctor` shows it)"
        );
        return Ok(());
    }
    if no_install() {
        bail!("{}", no_install_error(&missing, &ctx.toolchain_dir));
    }

    let apt: Vec<&str> = missing
        .iter()
        .filter_map(|p| match p {
            Package::Apt(n) => Some(*n),
            Package::Pip(_) => None,
        })
        .collect();
    let pip: Vec<&str> = missing
        .iter()
        .filter_map(|p| match p {
            Package::Pip(n) => Some(*n),
            Package::Apt(_) => None,
        })
        .collect();

    for p in &missing {
        let how = match p {
            Package::Apt(_) => "apt".to_string(),
            Package::Pip(_) => format!("pip, into {}", ctx.toolchain_dir.display()),
        };
        println!("provision: installing {} ({how}): {}", p.name(), p.why());
    }
    if !apt.is_empty() {
        install_apt(&apt)?;
    }
    if !pip.is_empty() {
        install_pip(ctx, &pip)?;
    }

    let after = Inventory::discover();
    let still: Vec<Package> = missing_packages(&after, true);
    if !still.is_empty() {
        let names: Vec<_> = still.iter().map(|p| p.name()).collect();
        bail!(
            "installed {}, but discovery still does not find what {} should provide; \
             run `cargo xtask doctor` to see where it looked",
            missing
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", "),
            names.join(", ")
        );
    }
    println!("provision: done; `cargo xtask doctor` shows what was found");
    Ok(())
}

/// Whether `python3 -m pip` works.
fn pip_available() -> bool {
    Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// How to become root for apt: nothing when root, `sudo -n` when it works.
fn root_prefix(pkgs: &[&str]) -> Result<Vec<&'static str>> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref() == Some("0") {
        return Ok(vec![]);
    }
    let sudo_ok = Command::new("sudo")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if sudo_ok {
        return Ok(vec!["sudo", "-n"]);
    }
    bail!("{}", needs_root_error(pkgs))
}

/// The error when apt is needed but neither root nor `sudo -n` is there.
pub fn needs_root_error(pkgs: &[&str]) -> String {
    format!(
        "installing {} needs root or sudo (without a password); run as root, \
         or install these packages yourself: apt-get install {}",
        pkgs.join(", "),
        pkgs.join(" ")
    )
}

fn install_apt(pkgs: &[&str]) -> Result<()> {
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

fn install_pip(ctx: &Ctx, pkgs: &[&str]) -> Result<()> {
    std::fs::create_dir_all(&ctx.toolchain_dir)
        .with_context(|| format!("creating {}", ctx.toolchain_dir.display()))?;
    let mut c = Command::new("python3");
    c.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--upgrade",
        "--target",
    ])
    .arg(&ctx.toolchain_dir)
    .args(pkgs);
    println!(
        "provision: python3 -m pip install --target {} {} …",
        ctx.toolchain_dir.display(),
        pkgs.join(" ")
    );
    run_quiet(c, &format!("pip install {}", pkgs.join(" ")))
}

/// Runs a command with its output captured; on failure the error carries
/// the command and the tail of its output.
fn run_quiet(mut c: Command, what: &str) -> Result<()> {
    let out = c
        .output()
        .with_context(|| format!("could not start `{what}` (is it installed and on PATH?)"))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    bail!(
        "`{what}` failed ({}); its last output:\n{}",
        out.status,
        crate::runner::tail(&text, 40)
    )
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
             or install these packages yourself: apt-get install clang-19 lld-19"
        );
    }
}
