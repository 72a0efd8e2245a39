//! `Build` end to end on the repository's own example crates, with real
//! clang: what a build script does, minus cargo.

use std::path::{Path, PathBuf};

use iree_build::manifest::Manifest;
use runtime_hip::bundle::Bundle;
use runtime_hip::{Format, TargetId};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn build(name: &str, targets: &[&str], out: &Path) -> iree_build::Output {
    iree_build::Build::new()
        .crate_dir(example(name))
        .out_dir(out)
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(targets)
        .try_compile(name)
        .unwrap_or_else(|e| panic!("{e}"))
}

const ALL: [&str; 7] = [
    "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_80", "sm_90", "host",
];

#[test]
fn iree_sample_is_one_executable_with_both_exports_for_every_target() {
    let out = tempfile::tempdir().unwrap();
    let built = build("custom_dispatch", &ALL, out.path());
    assert!(built.errors.is_empty(), "{:?}", built.errors);

    let bytes = std::fs::read(&built.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle
        .executables()
        .find(|e| e.exports().any(|x| x.name() == "simple_mul"))
        .expect("an executable exports simple_mul");
    let exports: Vec<_> = exe.exports().map(|x| (x.name(), x.ordinal())).collect();
    assert_eq!(exports, [("simple_mul", 0), ("simple_mul_inplace", 1)]);

    let mul = exe.export(0).unwrap();
    let read_only: Vec<bool> = mul.binding_flags().map(|f| f & 1 == 1).collect();
    assert_eq!(read_only, [true, true, false]);
    assert_eq!(mul.constant_count(), 1);
    assert_eq!(mul.block_dims(), [64, 1, 1]);
    let inplace = exe.export(1).unwrap();
    assert_eq!(
        inplace
            .binding_flags()
            .map(|f| f & 1 == 1)
            .collect::<Vec<_>>(),
        [true, false]
    );

    let variants: Vec<(String, Format)> = exe
        .variants()
        .map(|v| (v.target_str().to_string(), v.format()))
        .collect();
    for t in ALL {
        let t: TargetId = t.parse().unwrap();
        let want = match t {
            TargetId::Amd { .. } => Format::Hsaco,
            TargetId::Nvidia { .. } => Format::Ptx,
            TargetId::Host => Format::Host,
        };
        assert!(
            variants.contains(&(t.to_string(), want)),
            "no {want} variant for {t}: {variants:?}"
        );
    }

    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&built.manifest_path).unwrap()).unwrap();
    let decl = manifest
        .declarations
        .iter()
        .find(|d| d.fn_name == "simple_mul")
        .unwrap();
    assert_eq!(decl.ordinal, 0);
    assert_eq!(decl.file, "src/lib.rs");
    assert!(decl.host.as_ref().is_some_and(|h| !h.uses_barrier));
    assert_eq!(decl.targets.len(), ALL.len(), "{:?}", decl.targets);
}

#[test]
fn second_build_runs_no_compiler() {
    let out = tempfile::tempdir().unwrap();
    let first = build("custom_dispatch", &["gfx90a", "sm_80", "host"], out.path());
    assert!(first.compiler_runs > 0);
    let second = build("custom_dispatch", &["gfx90a", "sm_80", "host"], out.path());
    assert_eq!(second.compiler_runs, 0, "ran: {:?}", second.commands);
    assert_eq!(second.cached, first.compiler_runs + first.cached);
}

#[test]
fn prebuilt_objects_raw_bundled_and_ptx_are_inspected_and_verified() {
    let out = tempfile::tempdir().unwrap();
    let built = build(
        "custom_dispatch_prebuilt",
        &["gfx1100", "gfx90a", "gfx942", "sm_80", "host"],
        out.path(),
    );
    assert!(built.errors.is_empty(), "{:?}", built.errors);
    // Only the host variant was compiled; the GPU ones came from files.
    assert_eq!(built.compiler_runs + built.cached, 1);
    let bytes = std::fs::read(&built.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle.executable(0).unwrap();
    let mut targets: Vec<String> = exe.variants().map(|v| v.target_str().to_string()).collect();
    targets.sort();
    assert_eq!(targets, ["gfx1100", "gfx90a", "gfx942", "host", "sm_80"]);
}

#[test]
fn a_prebuilt_object_for_the_wrong_chip_is_rejected_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::copy(
        example("custom_dispatch_prebuilt").join("prebuilt/kernels_gfx1100.co"),
        dir.path().join("k.co"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        r#"
#[iree_macros::extern_dispatch(objects = { "gfx90a" = "k.co" }, workgroup_size = [64, 1, 1])]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);
"#,
    )
    .unwrap();
    let err = iree_build::Build::new()
        .crate_dir(dir.path())
        .out_dir(dir.path().join("out"))
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["gfx90a"])
        .try_compile("wrong")
        .unwrap_err()
        .to_string();
    assert!(err.contains("gfx1100") && err.contains("gfx90a"), "{err}");
    assert!(err.contains("k.co"), "{err}");
}

#[test]
fn a_kernel_syntax_error_fails_with_clangs_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.cu"),
        "#include <hip/hip_runtime.h>\nextern \"C\" __global__ void k(int n) { n + ; }\n",
    )
    .unwrap();
    let err = iree_build::Build::new()
        .crate_dir(dir.path())
        .out_dir(dir.path().join("out"))
        .cargo_metadata(false)
        .source("bad.cu")
        .targets(["host", "gfx90a"])
        .try_compile("bad")
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.cu:2:"), "{err}");
}

#[test]
fn a_device_without_a_matching_variant_is_an_error_naming_what_the_bundle_holds() {
    use runtime_hip::dispatch::{ExportRef, Kernel};
    use runtime_hip::{Device, Platform};

    let out = tempfile::tempdir().unwrap();
    let built = build("custom_dispatch", &["gfx90a", "sm_80"], out.path());
    let bytes: &'static [u8] = Box::leak(
        std::fs::read(&built.bundle_path)
            .unwrap()
            .into_boxed_slice(),
    );
    let exe = Bundle::parse(bytes)
        .unwrap()
        .executables()
        .position(|e| e.exports().any(|x| x.name() == "simple_mul"))
        .unwrap();
    let kernel = Kernel::new(ExportRef {
        params: &[],
        bundle: bytes,
        executable: exe as u32,
        ordinal: 0,
        name: "simple_mul",
        host: None,
    });
    let device = Device::open(Platform::Host, 0).unwrap();
    let err = kernel.prepare(&device).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, runtime_hip::Error::NoVariant { .. }),
        "{text}"
    );
    for want in ["host", "gfx90a (hsaco)", "sm_80 (ptx)"] {
        assert!(text.contains(want), "`{want}` not in: {text}");
    }
}

/// The targets `kernel_params` is built for.
const PARAM_TARGETS: [&str; 5] = ["gfx90a", "gfx1100", "sm_80", "sm_90", "host"];

#[test]
fn kernel_params_verify_in_kernel_order_for_every_target() {
    let out = tempfile::tempdir().unwrap();
    let built = build("kernel_params", &PARAM_TARGETS, out.path());
    assert!(built.errors.is_empty(), "{:?}", built.errors);
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&built.manifest_path).unwrap()).unwrap();
    // Words of push constants, as IREE counts them: 64-bit values two, a
    // byte or a short one, a struct its size in words.
    let expected = [
        ("affine", 2, 6),
        ("strided_copy", 3, 4),
        ("mask_fill", 2, 5),
        ("scale_bias", 2, 4),
        ("clip", 1, 8),
    ];
    for (name, bindings, words) in expected {
        let d = manifest
            .declarations
            .iter()
            .find(|d| d.fn_name == name)
            .unwrap_or_else(|| panic!("no {name}"));
        assert!(d.errors.is_empty(), "{name}: {:#?}", d.errors);
        let mut targets = d.targets.clone();
        targets.sort();
        let mut want: Vec<String> = PARAM_TARGETS.iter().map(|t| t.to_string()).collect();
        want.sort();
        assert_eq!(targets, want, "{name}");
        assert_eq!(d.layout.bindings_read_only.len(), bindings, "{name}");
        assert_eq!(d.layout.constants, words, "{name}");
        assert_eq!(d.kernel_params.len(), d.params.len(), "{name}");
    }
    let clip = manifest
        .declarations
        .iter()
        .find(|d| d.fn_name == "clip")
        .unwrap();
    let w = clip.kernel_params[0];
    assert_eq!(
        (w.class, w.size, w.align),
        (iree_build::signature::TypeClass::Record, 24, 8)
    );
    // The bundle's export carries the sized count the runtime checks.
    let bytes = std::fs::read(&built.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle.executables().next().unwrap();
    let clip = exe.exports().find(|e| e.name() == "clip").unwrap();
    assert_eq!((clip.binding_count(), clip.constant_count()), (1, 8));
}
