//! Declarations checked against the kernel's C++ signature, with real
//! clang-19 through `Build` on a crate written here: element types, scalar
//! types and constness on every target (from the host object, or the
//! host-side signature pass when `host` is not a target), `subgroup_size`
//! on host (warps of 32 or 64 lanes), and one broken declaration not hiding the others.

mod support;

use std::path::Path;

use iree_build::manifest::Manifest;
use iree_build::signature::TypeClass;
use support::entry;

const KERNELS: &str = r#"
#include <hip/hip_runtime.h>
enum Mode : unsigned { kA, kB };
struct Pair { float a, b; };
extern "C" __global__ void fill(float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 1.0f;
}
extern "C" __global__ void copy(float* in, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i];
}
extern "C" __global__ void scale(const float* in, float* out, float s) {
  out[threadIdx.x] = in[threadIdx.x] * s;
}
struct Params { int n; float scale; double bias; };
#define SIZED(name)                                                                  \
  extern "C" __global__ void name(size_t n, const float* in, float* out, int k, Params p) { \
    if (threadIdx.x < n) out[threadIdx.x] = in[threadIdx.x] * p.scale + k;                \
  }
SIZED(sized)
SIZED(sized_struct)
SIZED(sized_buffer)
SIZED(sized_ok)
SIZED(sized_layout)
SIZED(sized_layout_wrong)
extern "C" __global__ void types(const unsigned char* a, signed char* b, const _Float16* c,
                                 double* d, Pair* e, void* f, const volatile int* g,
                                 Mode m, unsigned u, float x) {
  b[0] = (signed char)a[0]; d[0] = (double)c[0]; e->a = x; ((char*)f)[0] = (char)g[0];
  b[1] = (signed char)(m + u);
}
"#;

/// A crate with `src/lib.rs` = `bridge` and `kernels/k.cu` = [`KERNELS`].
fn build(dir: &Path, bridge: &str, targets: &[&str]) -> (iree_build::Output, Manifest) {
    support::build_crate(dir, bridge, KERNELS, targets)
}

const FILL_AS_BYTES: &str = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn fill(out: &mut DeviceSlice<u8>, n: i32);
"#;

#[test]
fn a_float_kernel_declared_with_bytes_is_an_error_with_and_without_host() {
    for targets in [&["host"][..], &["sm_80"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let (out, m) = build(dir.path(), FILL_AS_BYTES, targets);
        let e = entry(&m, "fill");
        assert_eq!(e.errors.len(), 1, "{targets:?}: {:#?}", e.errors);
        let msg = &e.errors[0].message;
        assert!(
            msg.contains("holds `u8`") && msg.contains("DeviceSlice<f32>"),
            "{msg}"
        );
        assert_eq!(e.errors[0].param.as_deref(), Some("out"));
        assert!(e.targets.is_empty());
        assert_eq!(out.errors.len(), 1);
        // The manifest carries the kernel's signature.
        assert_eq!(e.kernel_params.len(), 2);
        let p = e.kernel_params[0].pointee.unwrap();
        assert_eq!((p.class, p.size, p.is_const), (TypeClass::Float, 4, false));
    }
}

#[test]
fn a_writable_pointer_declared_read_only_is_an_error_on_every_target() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn copy(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn scale(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, s: f32);
"#;
    for targets in [&["gfx1100", "sm_80", "host"][..], &["sm_80"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let (_, m) = build(dir.path(), bridge, targets);
        let copy = entry(&m, "copy");
        for t in targets {
            assert!(
                copy.errors.iter().any(|e| e.target.as_deref() == Some(*t)
                    && e.param.as_deref() == Some("input")
                    && e.message.contains("make it `const float*` in the kernel")),
                "{t}: {:#?}",
                copy.errors
            );
        }
        let scale = entry(&m, "scale");
        assert!(scale.errors.is_empty(), "{:#?}", scale.errors);
        assert_eq!(scale.targets.len(), targets.len());
    }
}

/// The host honours warps of 32 lanes (the default) and of 64 (its object
/// then compiled with 64-lane warps, and saying so); any other size is an
/// error naming the host.
#[test]
fn subgroup_size_on_host_is_32_or_64() {
    for (size, file_warps, ok) in [(32u32, 32u32, true), (64, 64, true), (16, 32, false)] {
        let bridge = format!(
            r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1], subgroup_size = {size})]
fn fill(out: &mut DeviceSlice<f32>, n: i32);
"#
        );
        let dir = tempfile::tempdir().unwrap();
        let (_, m) = build(dir.path(), &bridge, &["host"]);
        let e = entry(&m, "fill");
        if ok {
            assert!(e.errors.is_empty(), "{size}: {:#?}", e.errors);
            assert_eq!(e.targets, ["host"]);
        } else {
            assert_eq!(e.errors.len(), 1, "{:#?}", e.errors);
            let want = format!("runs warps of {file_warps} lanes");
            assert!(e.errors[0].message.contains(&want), "{:#?}", e.errors);
            assert_eq!(e.errors[0].target.as_deref(), Some("host"));
        }
    }
}

#[test]
fn one_broken_declaration_does_not_hide_the_others() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu")]
fn broken(out: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn fill(out: &mut DeviceSlice<f32>, n: i32);
"#;
    let dir = tempfile::tempdir().unwrap();
    let (out, m) = build(dir.path(), bridge, &["host"]);
    assert_eq!(m.declarations.len(), 1, "{:#?}", m.declarations);
    let e = entry(&m, "fill");
    assert!(e.errors.is_empty(), "{:#?}", e.errors);
    assert_eq!(e.targets, ["host"]);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(
        out.warnings.iter().all(|w| !w.contains("broken")),
        "the macro reports it, once: {:?}",
        out.warnings
    );
}

#[test]
fn the_signature_table_records_types_as_the_compiler_sees_them() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [1, 1, 1])]
fn types(a: &DeviceSlice<u8>, b: &mut DeviceSlice<i8>, c: &DeviceSlice<half::f16>,
         d: &mut DeviceSlice<f64>, e: &mut DeviceSlice<[f32; 2]>, f: &mut DeviceSlice<u8>,
         g: &DeviceSlice<i32>, m: u32, u: u32, x: f32);
"#;
    for targets in [&["host"][..], &["gfx1100"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let (_, m) = build(dir.path(), bridge, targets);
        let e = entry(&m, "types");
        assert!(e.errors.is_empty(), "{targets:?}: {:#?}", e.errors);
        let spelled: Vec<String> = e.kernel_params.iter().map(|t| t.to_string()).collect();
        assert_eq!(
            spelled,
            [
                "const unsigned char*",
                "signed char*",
                "const _Float16*",
                "double*",
                "pointer to a struct of 8 bytes",
                "void*",
                "const volatile int*",
                "unsigned int",
                "unsigned int",
                "float",
            ]
        );
    }
}

#[test]
fn without_host_a_kernel_missing_from_the_source_is_reported_not_a_build_failure() {
    // The signature compile fails (no `fil` in the source); the declaration
    // gets the GPU objects' "no kernel" error, and the build goes on.
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "fil", workgroup_size = [64, 1, 1])]
fn fill(out: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn scale(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, s: f32);
"#;
    let dir = tempfile::tempdir().unwrap();
    let (_, m) = build(dir.path(), bridge, &["sm_80"]);
    let fill = entry(&m, "fill");
    assert_eq!(fill.errors.len(), 1, "{:#?}", fill.errors);
    assert!(
        fill.errors[0].message.contains("did you mean `fill`"),
        "{:#?}",
        fill.errors
    );
    let scale = entry(&m, "scale");
    assert!(scale.errors.is_empty(), "{:#?}", scale.errors);
}

#[test]
fn a_prebuilt_set_is_checked_through_its_host_source_when_host_is_not_a_target() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch_prebuilt");
    let dir = tempfile::tempdir().unwrap();
    let out = iree_build::Build::new()
        .crate_dir(&example)
        .out_dir(dir.path())
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["gfx1100", "sm_80"])
        .try_compile("custom_dispatch_prebuilt")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let m: Manifest = serde_json::from_slice(&std::fs::read(&out.manifest_path).unwrap()).unwrap();
    let e = entry(&m, "simple_mul");
    assert_eq!(e.kernel_params.len(), 4, "the signature pass ran: {e:#?}");
    assert!(e.kernel_params[0].pointee.unwrap().is_const);
    assert!(e.host.is_none(), "the signature object is not a variant");
}

const TYPO: &str = r#"
#[runtime_hip::extern_dispatch(source = "kernels/k.cu", export = "fil", workgroup_size = [64, 1, 1])]
fn fill(out: &mut DeviceSlice<f32>, n: i32);
#[runtime_hip::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn scale(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, s: f32);
"#;

/// An export the source lacks fails in the host object's generated export
/// line; the build compiles the object again without it, so the user sees
/// the missing export at the declaration, and the other kernel still builds.
#[test]
fn a_missing_export_on_host_is_reported_at_its_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let (_, m) = build(dir.path(), TYPO, &["host"]);
    let e = entry(&m, "fill");
    assert_eq!(e.errors.len(), 1, "{:#?}", e.errors);
    let msg = &e.errors[0].message;
    assert!(msg.contains("fil"), "{msg}");
    assert!(
        !msg.contains("undeclared identifier"),
        "the wrapper's clang error leaked: {msg}"
    );
    let scale = entry(&m, "scale");
    assert!(scale.errors.is_empty(), "{:#?}", scale.errors);
}

#[test]
fn scalars_and_structs_are_checked_as_the_kernel_types_them() {
    // `size_t` declared `i32`, `int` declared `u64`, a struct where the
    // kernel takes `int`, a buffer where it takes `size_t`.
    let bridge = r##"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn sized(n: i32, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: u64, p: Params);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn sized_struct(n: usize, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: Params, p: Params);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn sized_buffer(n: &DeviceSlice<f32>, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: i32, p: Params);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn sized_ok(n: usize, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: i32, p: Params);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<constants = 7, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>")]
fn sized_layout(n: usize, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: i32, p: Params);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<constants = 3, bindings = [#hal.pipeline.binding<storage_buffer, ReadOnly>, #hal.pipeline.binding<storage_buffer>]>")]
fn sized_layout_wrong(n: usize, input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, k: i32, p: Params);
"##;
    for targets in [&["gfx1100", "sm_80", "host"][..], &["gfx90a", "sm_90"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let (_, m) = build(dir.path(), bridge, targets);
        let sized = entry(&m, "sized");
        let on = |p: &str| -> Vec<&str> {
            sized
                .errors
                .iter()
                .filter(|e| e.param.as_deref() == Some(p))
                .map(|e| e.message.as_str())
                .collect()
        };
        assert!(
            on("n").iter().any(|m| m.contains("`i32` is 4 byte(s)")
                && m.contains("8 byte(s)")
                && m.contains("declare it `u64`")),
            "{targets:?}: {:#?}",
            sized.errors
        );
        assert!(
            on("k").iter().any(|m| m.contains("`u64` is 8 byte(s)")
                && m.contains("(`int`)")
                && m.contains("declare it `i32`")),
            "{:#?}",
            sized.errors
        );
        assert!(sized.errors.iter().all(|e| !e.message.contains("split")));
        let s = entry(&m, "sized_struct");
        assert!(
            s.errors.iter().any(|e| e.param.as_deref() == Some("k")
                && e.message.contains("struct passed by value")
                && e.message.contains("`int`")),
            "{:#?}",
            s.errors
        );
        let b = entry(&m, "sized_buffer");
        assert!(
            b.errors
                .iter()
                .any(|e| e.param.as_deref() == Some("n") && e.message.contains("not a pointer")),
            "{:#?}",
            b.errors
        );
        let ok = entry(&m, "sized_ok");
        assert!(ok.errors.is_empty(), "{:#?}", ok.errors);
        assert_eq!(ok.layout.constants, 2 + 1 + 4);
        assert_eq!(ok.targets.len(), targets.len());
        // An explicit layout counts the struct's words too.
        let explicit = entry(&m, "sized_layout");
        assert!(explicit.errors.is_empty(), "{:#?}", explicit.errors);
        let wrong = entry(&m, "sized_layout_wrong");
        assert!(
            wrong
                .errors
                .iter()
                .any(|e| e.attribute.as_deref() == Some("layout")
                    && e.message.contains("3 push constant(s)")
                    && e.message.contains("take 7")),
            "{:#?}",
            wrong.errors
        );
    }
}
