//! `#[extern_dispatch]` diagnostics (`tests/ui`, `tests/ui-no-manifest`) and
//! expansions that must compile, link and run (`tests/pass`), against
//! fixture manifests (see `tests/fixtures/README.md`).

use std::path::{Path, PathBuf};

/// Writes the fixture manifest with this machine's absolute paths and
/// returns its directory.
fn fixture_manifest_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tests = crate_dir.join("tests");
    let fixtures = tests.join("fixtures");
    let template = std::fs::read_to_string(fixtures.join("manifest.json.in")).unwrap();
    let json_path = |p: &Path| {
        let s = serde_json::to_string(&p.to_string_lossy()).unwrap();
        s[1..s.len() - 1].to_string()
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iree-macros-ui");
    std::fs::create_dir_all(&dir).unwrap();
    let run_bundle = dir.join("run.bundle");
    write_if_changed(&run_bundle, &run_bundle_bytes());
    let manifest = template
        .replace("@TESTS@", &json_path(&tests))
        .replace("@FIXTURES@", &json_path(&fixtures))
        .replace("@RUN_BUNDLE@", &json_path(&run_bundle));
    // Fail here, not in every ui test, when the template is broken.
    let _: iree_abi::manifest::Manifest = serde_json::from_str(&manifest).unwrap();
    write_if_changed(
        &dir.join(iree_abi::manifest::MANIFEST_FILE),
        manifest.as_bytes(),
    );
    dir
}

/// Rewrites only when changed: expansions depend on these files.
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        std::fs::write(path, bytes).unwrap();
    }
}

/// The bundle of `tests/run/host_launch.rs`: executable 0 (`scale`) with
/// exports `scale` and `negative` and a host variant (whose bytes the host
/// platform does not read: the entry points come from the wrapper).
fn run_bundle_bytes() -> Vec<u8> {
    use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
    let export = |name: &str, ordinal| ExportSpec {
        name: name.into(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: 1,
        binding_flags: vec![0],
        workgroup_local_memory: 0,
    };
    BundleSpec {
        executables: vec![ExecutableSpec {
            name: "scale".into(),
            exports: vec![export("scale", 0), export("negative", 1)],
            variants: vec![VariantSpec {
                target: "host".into(),
                format: runtime_hip::Format::Host,
                data: Vec::new(),
            }],
        }],
    }
    .to_bytes()
}

/// Whether this runtime-hip can open the host device (the runtime skeleton
/// panics with `todo!()`; a runtime without the host executor says
/// `NoDevice`): `tests/run` launches for real on it.
fn host_device_available() -> bool {
    let saved = std::env::var_os("IREE_DEVICE");
    std::env::set_var("IREE_DEVICE", "host");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(runtime_hip::Device::default);
    std::panic::set_hook(hook);
    match saved {
        Some(v) => std::env::set_var("IREE_DEVICE", v),
        None => std::env::remove_var("IREE_DEVICE"),
    }
    matches!(opened, Ok(Ok(_)))
}

#[test]
fn ui() {
    // trybuild runs on drop, inheriting this process's environment: one
    // `TestCases` per environment, in sequence.
    std::env::remove_var("IREE_MANIFEST_DIR");
    std::env::remove_var("OUT_DIR");
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-no-manifest/*.rs");
    }
    // A build script that did not write a manifest.
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iree-macros-empty-out-dir");
    std::fs::create_dir_all(&empty).unwrap();
    std::env::set_var("OUT_DIR", &empty);
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-empty-out-dir/*.rs");
    }
    std::env::remove_var("OUT_DIR");
    std::env::set_var("IREE_MANIFEST_DIR", fixture_manifest_dir());
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui/*.rs");
        t.pass("tests/pass/*.rs");
        if host_device_available() {
            t.pass("tests/run/*.rs");
        } else {
            eprintln!("note: tests/run skipped: runtime-hip cannot open the host device yet");
        }
    }
}
