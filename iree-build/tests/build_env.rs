//! `Build` under the environment cargo and docs.rs set. One test, run in
//! its own binary, because it changes the process environment.

use std::path::Path;

use iree_build::manifest::Manifest;
use runtime_hip::bundle::Bundle;

fn build(out: &Path) -> iree_build::Output {
    iree_build::Build::new()
        .crate_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch"))
        .out_dir(out)
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["gfx90a", "sm_80", "host"])
        .try_compile("custom_dispatch")
        .unwrap_or_else(|e| panic!("{e}"))
}

fn variant_count(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    bundle.executables().map(|e| e.variants().len()).sum()
}

#[test]
fn docs_rs_and_allow_missing_emit_an_empty_bundle_with_a_warning() {
    // docs.rs: nothing is compiled, the declarations still reach the
    // manifest so the macro can expand (and the runtime says "no variant").
    std::env::set_var("DOCS_RS", "1");
    let out = tempfile::tempdir().unwrap();
    let built = build(out.path());
    std::env::remove_var("DOCS_RS");
    assert_eq!(built.compiler_runs + built.cached, 0);
    assert_eq!(variant_count(&built.bundle_path), 0);
    assert!(
        built.warnings.iter().any(|w| w.contains("DOCS_RS")),
        "{:?}",
        built.warnings
    );
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&built.manifest_path).unwrap()).unwrap();
    assert!(manifest
        .declarations
        .iter()
        .any(|d| d.fn_name == "simple_mul"));

    // A missing compiler is an error naming the variable and file...
    std::env::set_var("CLANG", "/nonexistent/clang-19");
    let out = tempfile::tempdir().unwrap();
    let err = iree_build::Build::new()
        .crate_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch"))
        .out_dir(out.path())
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["host"])
        .try_compile("custom_dispatch")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CLANG") && err.contains("/nonexistent/clang-19"),
        "{err}"
    );

    // ...unless IREE_BUILD_ALLOW_MISSING asks to build what can be built.
    std::env::set_var("IREE_BUILD_ALLOW_MISSING", "1");
    let built = build(out.path());
    std::env::remove_var("IREE_BUILD_ALLOW_MISSING");
    std::env::remove_var("CLANG");
    assert!(built.targets.is_empty(), "{:?}", built.targets);
    assert_eq!(variant_count(&built.bundle_path), 0);
    assert!(
        built.warnings.iter().any(|w| w.contains("skipping target")),
        "{:?}",
        built.warnings
    );
}
