//! The apt advice names the package that really provides what discovery
//! looks for: on this (Debian, provisioned) machine, for every piece that
//! comes from apt, dpkg says the file discovery found belongs to the package
//! the "to install it:" line installs, and the line is the one command a
//! fresh Debian 12 needs (`apt-get update && apt-get install -y <package>`).

use std::path::PathBuf;
use std::process::Command;

use iree_build::toolchain::advice::{install_command, is_root, Package};
use iree_build::toolchain::{Tool, Toolchain};

/// The file whose package proves the piece: the tool, or a file inside the
/// directory discovery accepted.
fn witness(tool: Tool, found: &std::path::Path) -> PathBuf {
    match tool {
        Tool::DeviceLibs => found.join("ocml.bc"),
        Tool::HipInclude => found.join("hip/hip_runtime.h"),
        Tool::LlvmInclude => found.join("llvm/Passes/PassPlugin.h"),
        _ => found.to_path_buf(),
    }
}

/// The package dpkg says owns `path` (symlinks resolved, as dpkg records
/// the real file for Debian's alternatives-style links).
fn owner(path: &std::path::Path) -> Option<String> {
    let real = std::fs::canonicalize(path).ok()?;
    for p in [path.to_path_buf(), real] {
        let out = Command::new("dpkg").arg("-S").arg(&p).output().ok()?;
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let pkg = text.split(':').next()?.trim().to_string();
            return Some(pkg);
        }
    }
    None
}

#[test]
fn every_apt_advice_installs_the_package_that_owns_what_discovery_finds() {
    if Command::new("dpkg").arg("--version").output().is_err() {
        eprintln!("skipping: not a Debian system (no dpkg)");
        return;
    }
    let tc = Toolchain::discover();
    let mut checked = 0;
    for tool in Tool::ALL {
        let Package::Apt(pkg) = tool.package() else {
            continue;
        };
        let found = tc.get(tool).unwrap_or_else(|m| panic!("{m}"));
        let file = witness(tool, &found.path);
        assert_eq!(
            owner(&file).as_deref(),
            Some(pkg),
            "{tool}: {} is not from {pkg}",
            file.display()
        );
        let sudo = if is_root() { "" } else { "sudo " };
        assert_eq!(
            install_command(&[tool.package()], None),
            format!("{sudo}apt-get update && {sudo}apt-get install -y {pkg}")
        );
        checked += 1;
    }
    assert_eq!(
        checked, 5,
        "clang, lld, device libs, HIP headers, LLVM headers"
    );
}
