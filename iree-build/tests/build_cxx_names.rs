//! Declarations naming C++ kernels (`export = "vectorAdd"`,
//! `"MatrixMulCUDA<16>"`, `"ns::reduce<float, 256>"`), built with real
//! clang-19 through `Build` for gfx90a, gfx1100, sm_80 and sm_90 (`host` not
//! among them: the signature pass instantiates too): every declaration
//! verifies on every target; each GPU object holds the instances the source
//! never instantiates (the build's wrapper TU did); the bundle names each
//! export by the C++ name and each GPU variant's function by its mangled
//! symbol; an overloaded name is an error listing both overloads.

use std::path::Path;

use iree_build::code_object::{self, display_name};
use iree_build::manifest::Manifest;
use runtime_hip::bundle::Bundle;
use runtime_hip::target::Format;

const KERNELS: &str = r#"
#include <hip/hip_runtime.h>
__global__ void vectorAdd(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}
template <int BLOCK>
__global__ void MatrixMulCUDA(float* C, const float* A, const float* B, int n) {
  __shared__ float As[BLOCK][BLOCK];
  As[threadIdx.y][threadIdx.x] = A[threadIdx.y * n + threadIdx.x];
  __syncthreads();
  C[threadIdx.y * n + threadIdx.x] = As[threadIdx.x][threadIdx.y] * B[0];
}
template __global__ void MatrixMulCUDA<16>(float*, const float*, const float*, int);
namespace ns {
template <typename T, unsigned B>
__global__ void reduce(const T* in, T* out, unsigned n) {
  T s = 0;
  for (unsigned i = threadIdx.x; i < n; i += B) s += in[i];
  out[threadIdx.x] = s;
}
}  // namespace ns
__global__ void twice(float* x, int n) { if (threadIdx.x < n) x[threadIdx.x] *= 2.0f; }
__global__ void twice(int* x, int n) { if (threadIdx.x < n) x[threadIdx.x] *= 2; }
"#;

const BRIDGE: &str = r#"
#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "vectorAdd", workgroup_size = [64, 1, 1])]
fn vector_add(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "MatrixMulCUDA<16>", workgroup_size = [16, 16, 1])]
fn mm16(c: &mut DeviceSlice<f32>, a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, n: i32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "MatrixMulCUDA<32>", workgroup_size = [32, 32, 1])]
fn mm32(c: &mut DeviceSlice<f32>, a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, n: i32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "ns::reduce<float, 256>", workgroup_size = [256, 1, 1])]
fn reduce(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: u32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "twice(float*, int)", workgroup_size = [64, 1, 1])]
fn twice_f32(x: &mut DeviceSlice<f32>, n: i32);

#[iree_macros::extern_dispatch(source = "kernels/k.cu", export = "twice", workgroup_size = [64, 1, 1])]
fn twice_any(x: &mut DeviceSlice<f32>, n: i32);
"#;

const GPU_TARGETS: &[&str] = &["gfx90a", "gfx1100", "sm_80", "sm_90"];

fn build(dir: &Path) -> (iree_build::Output, Manifest) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("kernels")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), BRIDGE).unwrap();
    std::fs::write(dir.join("kernels/k.cu"), KERNELS).unwrap();
    let out = iree_build::Build::new()
        .crate_dir(dir)
        .out_dir(dir.join("out"))
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(GPU_TARGETS)
        .try_compile("cxx")
        .unwrap_or_else(|e| panic!("{e}"));
    let manifest = serde_json::from_slice(&std::fs::read(&out.manifest_path).unwrap()).unwrap();
    (out, manifest)
}

#[test]
fn cxx_names_verify_on_every_gpu_target_and_the_bundle_names_mangled_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let (out, m) = build(dir.path());
    let entry = |f: &str| m.declarations.iter().find(|d| d.fn_name == f).unwrap();
    for f in ["vector_add", "mm16", "mm32", "reduce", "twice_f32"] {
        let e = entry(f);
        assert!(e.errors.is_empty(), "{f}: {:#?}", e.errors);
        assert_eq!(e.targets, GPU_TARGETS, "{f}");
        assert!(
            !e.kernel_params.is_empty(),
            "{f}: the signature pass found it"
        );
    }

    // The overloaded name: one error per target, listing both.
    let any = entry("twice_any");
    assert!(any.targets.is_empty());
    assert_eq!(any.errors.len(), GPU_TARGETS.len(), "{:#?}", any.errors);
    for e in &any.errors {
        assert!(
            e.message
                .contains("`twice` names 2 kernels: twice(float*, int), twice(int*, int)"),
            "{}",
            e.message
        );
    }
    assert_eq!(out.errors.len(), GPU_TARGETS.len());

    // The bundle: exports by the declared names, functions by symbols.
    let bytes = std::fs::read(&out.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle.executable(0).unwrap();
    let exports: Vec<&str> = exe.exports().map(|x| x.name()).collect();
    let mut seen = 0;
    for v in exe.variants() {
        assert!(GPU_TARGETS.contains(&v.target_str()), "{v:?}");
        let info = code_object::inspect(v.data(), v.format()).unwrap();
        let functions = exe.functions(&v);
        for (export, function) in exports.iter().zip(&functions) {
            if *export == "twice" {
                continue;
            }
            assert!(function.starts_with("_Z"), "{export}: {function}");
            assert!(
                info.kernels.iter().any(|k| k.name == *function),
                "{} has no {function}",
                v.target_str()
            );
            assert_eq!(
                code_object::matching(export, [*function].into_iter()),
                [*function],
                "{export} is {}",
                display_name(function)
            );
        }
        // Instantiated only by the build's wrapper TU.
        assert!(
            info.kernels
                .iter()
                .any(|k| k.name == "_Z13MatrixMulCUDAILi32EEvPfPKfS2_i"),
            "{}: {:?}",
            v.target_str(),
            info.kernels
        );
        if v.format() != Format::Cubin {
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        GPU_TARGETS.len(),
        "one HSACO or PTX variant per target"
    );
}
