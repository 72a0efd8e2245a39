//! The README's "Use it in your own crate", step for step, outside the
//! workspace: install the `iree-build` binary, `iree-build provision`,
//! `iree-build new`, then `cargo run` the new crate with a fresh target
//! directory and an environment holding only `PATH` and `HOME` (no
//! `IREE_*`, `CUDA_PATH`, `ROCM_PATH`): it must build its kernel for
//! `gfx1100`, `sm_80` and `host` and run it. Then a `DOCS_RS=1` `cargo doc`
//! of it, with the toolchain made unusable, must succeed.
//!
//! Minutes of building and crates.io access, so ignored by `cargo test`;
//! `cargo xtask test` runs it (`--ignored`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the checkout the new crate's dependencies point into).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A command with the environment a user's fresh shell has for us: `PATH`
/// and `HOME`, and rustup's own variables (which toolchain cargo is).
fn user_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env_clear();
    for var in [
        "PATH",
        "HOME",
        "RUSTUP_HOME",
        "CARGO_HOME",
        "RUSTUP_TOOLCHAIN",
    ] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    c
}

fn run(c: &mut Command) -> Output {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    let text = format!(
        "{c:?}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    out
}

/// Every `manifest.json` the crate's build wrote, as text.
fn manifests(target: &Path) -> Vec<String> {
    let build = target.join("debug/build");
    let mut found = Vec::new();
    for e in std::fs::read_dir(&build).unwrap().flatten() {
        let m = e.path().join("out/iree/manifest.json");
        if let Ok(text) = std::fs::read_to_string(&m) {
            found.push(text);
        }
    }
    found
}

#[test]
#[ignore = "builds a crate from scratch (minutes, crates.io): cargo xtask test runs it"]
fn a_new_crate_outside_the_workspace_builds_for_every_target_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    // 1. cargo install --path iree-build (a kept target dir: later runs are quick).
    let root = tmp.path().join("cargo");
    run(user_command(&cargo)
        .current_dir(&repo)
        .args([
            "install",
            "--quiet",
            "--locked",
            "--path",
            "iree-build",
            "--root",
        ])
        .arg(&root)
        .arg("--target-dir")
        .arg(repo.join("target/user-crate-install")));
    let bin = root.join("bin/iree-build");

    // 2. iree-build provision: the machine is set up (`cargo xtask test`
    // provisioned it), so it installs nothing and says so.
    let out = run(user_command(&bin).arg("provision"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("nothing to install"), "{said}");
    run(user_command(&bin).arg("doctor"));

    // 3. iree-build new hello --path <checkout>
    let hello = tmp.path().join("hello");
    run(user_command(&bin)
        .arg("new")
        .arg(&hello)
        .arg("--path")
        .arg(&repo));

    // 4. cargo run, with a fresh target dir and nothing else set.
    let target = tmp.path().join("target");
    let out = run(user_command(&cargo)
        .current_dir(&hello)
        .arg("run")
        .env("CARGO_TARGET_DIR", &target));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("hello: y = 2x + 1 for 1000 elements on") && said.contains(": ok"),
        "{said}"
    );
    let manifests = manifests(&target);
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let m: serde_json::Value = serde_json::from_str(&manifests[0]).unwrap();
    let targets = m.to_string();
    for t in ["gfx1100", "sm_80", "host"] {
        assert!(targets.contains(&format!("\"{t}\"")), "{t} in {targets}");
    }
    // 5. docs.rs: DOCS_RS=1 and no usable toolchain (CLANG names nothing):
    // the build script still succeeds and the macro still expands.
    let out = run(user_command(&cargo)
        .current_dir(&hello)
        .args(["doc", "--no-deps"])
        .env("CARGO_TARGET_DIR", &target)
        .env("DOCS_RS", "1")
        .env("CLANG", "/nonexistent"));
    assert!(target.join("doc/hello/index.html").is_file());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("DOCS_RS is set: no kernels compiled"),
        "{said}"
    );
}
