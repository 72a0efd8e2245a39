//! `#[extern_dispatch]` diagnostics (`tests/ui`, `tests/ui-no-manifest`) and
//! expansions that must compile, link and run (`tests/pass`, `tests/run`),
//! against a manifest written by real builds of the kernels the cases
//! declare (see `tests/fixtures/README.md`).

use std::path::{Path, PathBuf};

use iree_abi::manifest::{Manifest, MANIFEST_FILE};

/// The targets a case is built for unless it says otherwise.
const TARGETS: &[&str] = &["gfx1100", "sm_80", "host"];

/// One case `iree_build::Build` compiles for real: the test file it bridges
/// and the crate directory whose `kernels/` hold the sources it names.
struct Case {
    /// Relative to `tests/`.
    file: &'static str,
    /// Relative to this crate's directory.
    crate_dir: &'static str,
    /// What the build saw instead of the file, for cases about a manifest
    /// older than the source (`Some`: the text of that older file).
    stale: Option<fn(&str) -> String>,
    /// The targets of its build.
    targets: &'static [&'static str],
}

/// IREE's custom_dispatch sample, whose `kernels/kernels.cu` is the one
/// `pass/sample.rs` wraps.
const SAMPLE: &str = "../examples/custom_dispatch";

const CASES: &[Case] = &[
    case("pass/sample.rs", SAMPLE),
    case("ui/readonly_written.rs", SAMPLE),
    // Without `host`: a host build of an export the source lacks stops in
    // clang (`IREE_HOST_EXPORT(scale_f32)`) before verification names it.
    Case {
        file: "ui/missing_export.rs",
        crate_dir: SAMPLE,
        stale: None,
        targets: &["gfx1100", "sm_80"],
    },
    // The build ran before the declaration was written.
    Case {
        file: "ui/not_found_in_file.rs",
        crate_dir: SAMPLE,
        stale: Some(|_| "fn main() {}\n".to_string()),
        targets: TARGETS,
    },
    // The build saw `DeviceSlice<i32>`; the file now says `f32`.
    Case {
        file: "ui/signature_mismatch.rs",
        crate_dir: "tests/fixtures/crates/scale_i32",
        stale: Some(|text| text.replace("DeviceSlice<f32>", "DeviceSlice<i32>")),
        targets: TARGETS,
    },
    case("ui/count_float.rs", "tests/fixtures/crates/scale"),
    case("ui/count_not_three.rs", "tests/fixtures/crates/scale"),
    case("ui/mut_only_read.rs", "tests/fixtures/crates/k"),
    case("ui/element_type_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/readonly_not_const.rs", "tests/fixtures/crates/k"),
    case("ui/scalar_type_mismatch.rs", "tests/fixtures/crates/k"),
    // Host only: gfx1100 and sm_80 would refuse 16 lanes too.
    Case {
        file: "ui/host_subgroup_size.rs",
        crate_dir: "tests/fixtures/crates/k",
        stale: None,
        targets: &["host"],
    },
    case("ui/zero_sized_alias.rs", "tests/fixtures/crates/k"),
    case("ui/element_size_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/scalar_size_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/struct_size_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/struct_align_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/struct_not_kernel_param.rs", "tests/fixtures/crates/k"),
    case("ui/option_element_mismatch.rs", "tests/fixtures/crates/k"),
    case("ui/cxx_ambiguous_overload.rs", "tests/fixtures/crates/cxx"),
    case("ui/cxx_no_match.rs", "tests/fixtures/crates/cxx"),
];

const fn case(file: &'static str, crate_dir: &'static str) -> Case {
    Case {
        file,
        crate_dir,
        stale: None,
        targets: TARGETS,
    }
}

/// A string as it appears inside a JSON string literal.
fn json_str(p: &Path) -> String {
    let s = serde_json::to_string(&p.to_string_lossy()).unwrap();
    s[1..s.len() - 1].to_string()
}

/// Builds one case (each on its own: several declare the same `fn`) and
/// returns its manifest, with the bundle path on every declaration and the
/// real file's path where the build saw a stale copy.
fn build_case(c: &Case, tests: &Path, work: &Path) -> Manifest {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(c.crate_dir);
    let real = tests.join(c.file);
    let out = work.join(c.file.replace(['/', '.'], "_"));
    let bridge = match c.stale {
        None => real.clone(),
        Some(stale) => {
            let copy = out.join("stale").join(c.file);
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            let text = std::fs::read_to_string(&real).unwrap();
            write_if_changed(&copy, stale(&text).as_bytes());
            copy
        }
    };
    let stem = Path::new(c.file).file_stem().unwrap().to_string_lossy();
    if let Err(e) = iree_build::Build::new()
        .crate_dir(&crate_dir)
        .out_dir(&out)
        .cargo_metadata(false)
        .targets(c.targets)
        .bridge(&bridge)
        .try_compile(&stem)
    {
        panic!("building the kernels of tests/{}: {e}", c.file);
    }
    let text = std::fs::read_to_string(out.join("iree").join(MANIFEST_FILE)).unwrap();
    let text = text.replace(&json_str(&bridge), &json_str(&real));
    let mut m: Manifest = serde_json::from_str(&text).unwrap();
    for d in &mut m.declarations {
        if d.bundle_path.as_os_str().is_empty() {
            d.bundle_path = m.bundle_path.clone();
        }
        // trybuild's crates link stand-ins (`pass/sample.rs`), not the
        // build's objects, under the names without the unit tag.
        if let Some(h) = &mut d.host {
            for s in [&mut h.block_symbol, &mut h.thread_symbol] {
                if let Some((untagged, _tag)) = s.rsplit_once('.') {
                    *s = untagged.to_string();
                }
            }
        }
    }
    m
}

/// Writes the manifest of every case, built for real, plus the hand-kept
/// entries of `fixtures/manifest.json.in` (see its README), and returns its
/// directory.
fn fixture_manifest_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tests = crate_dir.join("tests");
    let fixtures = tests.join("fixtures");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iree-macros-ui");
    std::fs::create_dir_all(&dir).unwrap();
    let run_bundle = dir.join("run.bundle");
    write_if_changed(&run_bundle, &run_bundle_bytes());
    let template = std::fs::read_to_string(fixtures.join("manifest.json.in")).unwrap();
    let template = template
        .replace("@TESTS@", &json_str(&tests))
        .replace("@FIXTURES@", &json_str(&fixtures))
        .replace("@RUN_BUNDLE@", &json_str(&run_bundle));
    let mut manifest: Manifest = serde_json::from_str(&template).unwrap();
    for d in &mut manifest.declarations {
        if d.bundle_path.as_os_str().is_empty() {
            d.bundle_path = manifest.bundle_path.clone();
        }
    }
    for c in CASES {
        let built = build_case(c, &tests, &dir.join("builds"));
        manifest.bridges.extend(built.bridges);
        manifest.declarations.extend(built.declarations);
    }
    let json = serde_json::to_string_pretty(&manifest).unwrap();
    write_if_changed(&dir.join(MANIFEST_FILE), json.as_bytes());
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
                symbols: Vec::new(),
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
