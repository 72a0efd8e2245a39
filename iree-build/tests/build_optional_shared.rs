//! Optional buffers and dynamic shared memory through a real `Build` of a
//! crate written here, for gfx90a, gfx1100, sm_80, sm_90 and host: `Option<&…>`
//! parameters verify like buffers (element type and constness against the
//! kernel, on every target), a `workgroup_local_memory` closure leaves the
//! bytes to the launch while the constant form keeps its build-time check,
//! and `extern __shared__ float s[];` kernels build and verify. (Such
//! kernels run on the host in `examples/reduce`.)

use std::path::Path;

use iree_build::manifest::{DeclarationEntry, Manifest};

const TARGETS: &[&str] = &["gfx90a", "gfx1100", "sm_80", "sm_90", "host"];

const KERNELS: &str = r#"
#include <hip/hip_runtime.h>

// Sums each block's share of `in` into `out[blockIdx.x]`, and also into
// `partial_sums[blockIdx.x]` when that is not NULL.
extern "C" __global__ void reduce(const float* in, float* out, float* partial_sums, int n) {
  extern __shared__ float s[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  s[threadIdx.x] = i < n ? in[i] : 0.0f;
  __syncthreads();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[blockIdx.x] = s[0];
    if (partial_sums) partial_sums[blockIdx.x] = s[0];
  }
}

// `bias` may be NULL; it is only read.
extern "C" __global__ void add_bias(const float* x, const float* bias, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = bias ? x[i] + bias[i] : x[i];
}
"#;

fn build(dir: &Path, bridge: &str, targets: &[&str]) -> Manifest {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("kernels")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), bridge).unwrap();
    std::fs::write(dir.join("kernels/k.cu"), KERNELS).unwrap();
    let out = iree_build::Build::new()
        .crate_dir(dir)
        .out_dir(dir.join("out"))
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(targets)
        .try_compile("optional_shared")
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&std::fs::read(&out.manifest_path).unwrap()).unwrap()
}

fn entry<'m>(m: &'m Manifest, name: &str) -> &'m DeclarationEntry {
    m.declarations
        .iter()
        .find(|d| d.fn_name == name)
        .unwrap_or_else(|| panic!("no `{name}` in {:#?}", m.declarations))
}

#[test]
fn optional_buffers_and_extern_shared_verify_on_every_target() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [256, 1, 1],
    workgroup_local_memory = |n| 1024 + 0 * n, count = |n| [(n as u32).div_ceil(256), 1, 1])]
fn reduce(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, partial_sums: Option<&mut DeviceSlice<f32>>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn add_bias(x: &DeviceSlice<f32>, bias: Option<&DeviceSlice<f32>>, y: &mut DeviceSlice<f32>, n: i32);
"#;
    let dir = tempfile::tempdir().unwrap();
    let m = build(dir.path(), bridge, TARGETS);
    for name in ["reduce", "add_bias"] {
        let e = entry(&m, name);
        assert!(e.errors.is_empty(), "{name}: {:#?}", e.errors);
        assert_eq!(e.targets, TARGETS, "{name}");
    }
    let reduce = entry(&m, "reduce");
    assert!(reduce.params[2].kind.is_optional() && reduce.params[2].kind.is_mut_buffer());
    assert_eq!(reduce.layout.bindings_read_only, [true, false, false]);
    let add_bias = entry(&m, "add_bias");
    assert_eq!(
        add_bias.params[1].kind.to_string(),
        "Option<&DeviceSlice<f32>>"
    );
    assert_eq!(add_bias.layout.bindings_read_only, [true, true, false]);
}

#[test]
fn an_optional_buffer_is_checked_like_a_buffer() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn add_bias(x: &DeviceSlice<f32>, bias: Option<&DeviceSlice<i32>>, y: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "reduce", workgroup_size = [64, 1, 1])]
fn reduce_ro(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, partial_sums: Option<&DeviceSlice<f32>>, n: i32);
"#;
    let dir = tempfile::tempdir().unwrap();
    let m = build(dir.path(), bridge, &["sm_80"]);
    let e = entry(&m, "add_bias");
    assert!(
        e.errors.iter().any(|d| d.param.as_deref() == Some("bias")
            && d.message.contains("holds `i32`")
            && d.message.contains("DeviceSlice<f32>")),
        "{:#?}",
        e.errors
    );
    let e = entry(&m, "reduce_ro");
    assert!(
        e.errors
            .iter()
            .any(|d| d.param.as_deref() == Some("partial_sums")
                && d.message.contains("make it `const float*` in the kernel")),
        "{:#?}",
        e.errors
    );
}

#[test]
fn constant_local_memory_keeps_its_build_time_check_and_a_closure_leaves_it_to_the_launch() {
    let bridge = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [256, 1, 1], workgroup_local_memory = 60000)]
fn reduce(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, partial_sums: Option<&mut DeviceSlice<f32>>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "reduce", workgroup_size = [256, 1, 1], workgroup_local_memory = |n| n * 4)]
fn reduce_sized(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, partial_sums: Option<&mut DeviceSlice<f32>>, n: i32);
"#;
    let dir = tempfile::tempdir().unwrap();
    let m = build(dir.path(), bridge, &["sm_80", "gfx1100"]);
    let e = entry(&m, "reduce");
    let too_big = e
        .errors
        .iter()
        .find(|d| d.target.as_deref() == Some("sm_80"))
        .unwrap_or_else(|| panic!("{:#?}", e.errors));
    assert_eq!(too_big.attribute.as_deref(), Some("workgroup_local_memory"));
    assert!(
        too_big.message.contains("60000 workgroup_local_memory"),
        "{}",
        too_big.message
    );
    let e = entry(&m, "reduce_sized");
    assert!(e.errors.is_empty(), "{:#?}", e.errors);
    assert_eq!(e.targets, ["sm_80", "gfx1100"]);

    // The host's dynamic shared memory is HOST_SHARED_BYTES (64 KiB).
    let m = build(dir.path(), &bridge.replace("60000", "65537"), &["host"]);
    let e = entry(&m, "reduce");
    assert_eq!(e.errors.len(), 1, "{:#?}", e.errors);
    assert!(
        e.errors[0]
            .message
            .contains("exceeds 65536 bytes available to a workgroup on host"),
        "{}",
        e.errors[0].message
    );
    let m = build(dir.path(), &bridge.replace("60000", "65536"), &["host"]);
    assert!(entry(&m, "reduce").errors.is_empty());
}
