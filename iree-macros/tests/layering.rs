//! The layering, checked on the resolved dependency graph: the proc macro
//! compiles only the shared facts (`iree-abi`), the declaration syntax
//! (`iree-syntax`) and the token crates, never the build's compilers and
//! object readers nor the runtime's driver loading, so a user's crate pays
//! for none of those when it expands a declaration.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates `package` reaches through normal (not dev, not build)
/// dependencies on this machine's target, by name: `cargo tree`, which
/// resolves exactly what cargo would build.
fn normal_closure(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_macro_compiles_no_build_or_runtime_crate() {
    let deps = normal_closure("iree-macros");
    for banned in [
        "cc",
        "object",
        "jobserver",
        "libloading",
        "corosensei",
        "sha2",
        "runtime-hip",
        "iree-build",
    ] {
        assert!(
            !deps.contains(banned),
            "iree-macros depends on {banned}: {deps:?}"
        );
    }
    assert!(
        deps.contains("iree-abi") && deps.contains("iree-syntax"),
        "{deps:?}"
    );
}

#[test]
fn the_runtime_re_exports_the_macro_and_needs_no_build_crate() {
    let deps = normal_closure("runtime-hip");
    assert!(deps.contains("iree-macros"), "{deps:?}");
    for banned in ["iree-build", "cc", "object", "jobserver", "sha2"] {
        assert!(
            !deps.contains(banned),
            "runtime-hip depends on {banned}: {deps:?}"
        );
    }
}
