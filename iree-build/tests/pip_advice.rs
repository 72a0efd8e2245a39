//! The pip advice, followed for real: a build for `sm_80` with an empty
//! toolchain home fails with a "to install it:" line; that line, run as it
//! is in a shell, installs the CUDA wheels (nvcc, runtime headers, CCCL), and
//! the same build then succeeds.
//! Also a plain `pip install` into a virtualenv, found through `VIRTUAL_ENV`
//! with nothing else set.
//!
//! Downloads from PyPI, so ignored by `cargo test`; `cargo xtask test` runs
//! it (`--ignored`). It sets process variables, so it has a binary of its own
//! and one test.

use std::path::Path;
use std::process::Command;

use iree_build::toolchain::{Origin, Toolchain};

fn build(out: &Path) -> Result<iree_build::Output, iree_build::Error> {
    iree_build::Build::new()
        .crate_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch"))
        .out_dir(out)
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["sm_80"])
        .try_compile("advised")
}

/// Runs `cmd` the way a user pastes it: one `sh -c`. pip keeps no download
/// cache: CI caches nothing outside the repo, and disk is short there.
fn shell(cmd: &str) {
    let status = Command::new("sh")
        .args(["-c", cmd])
        .env("PIP_NO_CACHE_DIR", "1")
        .status()
        .unwrap();
    assert!(status.success(), "`{cmd}` failed: {status}");
}

#[test]
#[ignore = "downloads the CUDA wheels from PyPI: cargo xtask test runs it"]
fn each_pip_advice_installs_what_the_rebuild_then_finds() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    // Only this home: no CUDA elsewhere must be found for the test to mean anything.
    std::env::set_var("IREE_TOOLCHAIN_HOME", &home);
    std::env::remove_var("CUDA_PATH");
    std::env::remove_var("VIRTUAL_ENV");
    let tc = Toolchain::discover();
    if let Some(l) = tc.libdevice() {
        panic!(
            "libdevice is installed outside the toolchain home ({} from {}): \
             this test needs a machine where only the home provides it",
            l.path.display(),
            l.origin
        );
    }

    // 1. The error's advice, pasted into a shell, then the same build.
    let err = build(&tmp.path().join("out1")).unwrap_err().to_string();
    assert!(
        err.contains("cannot build for sm_80: libdevice.10.bc not found"),
        "{err}"
    );
    let advice = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("to install it: "))
        .unwrap_or_else(|| panic!("no advice in:\n{err}"));
    assert!(
        advice.contains(&format!("--target {}", home.display())),
        "{advice}"
    );
    for wheel in [
        "nvidia-cuda-nvcc-cu12",
        "nvidia-cuda-runtime-cu12",
        "nvidia-cuda-cccl-cu12",
    ] {
        assert!(advice.contains(wheel), "{wheel} not in {advice}");
    }
    shell(advice);
    let built = build(&tmp.path().join("out1")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(built.targets, ["sm_80".parse().unwrap()]);
    let tc = Toolchain::discover();
    assert_eq!(
        tc.libdevice().map(|l| l.origin.clone()),
        Some(Origin::Env("IREE_TOOLCHAIN_HOME".into()))
    );
    // Done with this copy (hundreds of MB): the disk holds one at a time.
    std::fs::remove_dir_all(&home).unwrap();

    // 2. A plain `pip install` in a virtualenv, found by VIRTUAL_ENV alone.
    let venv = tmp.path().join("venv");
    shell(&format!(
        "python3 -m venv {0} && {0}/bin/python -m pip install --quiet --disable-pip-version-check {1}",
        venv.display(),
        iree_build::toolchain::advice::PIP_PINS
            .iter()
            .map(|(name, version)| format!("{name}=={version}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    std::env::set_var("IREE_TOOLCHAIN_HOME", tmp.path().join("empty"));
    std::env::set_var("VIRTUAL_ENV", &venv);
    let tc = Toolchain::discover();
    match tc.libdevice().map(|l| &l.origin) {
        Some(Origin::PythonSite(site)) => assert!(site.starts_with(&venv), "{site:?}"),
        other => panic!("libdevice from {other:?}, not the virtualenv:\n{tc}"),
    }
    build(&tmp.path().join("out2")).unwrap_or_else(|e| panic!("{e}"));
}
