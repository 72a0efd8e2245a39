//! A barrier reached through a function the kernel file does not define:
//! the host object shows only a call to an undefined symbol, which must
//! count as a possible barrier (so the kernel runs as coroutines, not as a
//! plain loop over its threads), with the lockstep plugin (which must not
//! transform such a kernel) and without it. C library calls (`expf`) do
//! not count. When another kernel file of the build is what defines it, the
//! build says so: kernel files are private units (`privatize`), so the call
//! could not link.

use std::path::Path;

use iree_build::manifest::Manifest;

const STEPS: &str = r#"
#include <hip/hip_runtime.h>
// Called by kernel.cu's kernel: the barrier sits here, in another object.
__device__ void step(float* p) {
  float v = p[(threadIdx.x + 1) % blockDim.x];
  __syncthreads();
  p[threadIdx.x] = v;
}
"#;

const KERNEL: &str = r#"
#include <hip/hip_runtime.h>
__device__ void step(float* p);
extern "C" __global__ void rotate(float* p, int n) {
  if (n > 0) step(p);
}
extern "C" __global__ void exps(const float* in, float* out, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = expf(in[i]);
}
"#;

const BRIDGE: &str = r#"
#[iree_macros::extern_dispatch(source = "kernels/kernel.cu", workgroup_size = [32, 1, 1])]
fn rotate(p: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "kernels/kernel.cu", workgroup_size = [32, 1, 1])]
fn exps(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);
"#;

fn build(dir: &Path) -> Manifest {
    let out = try_build(dir, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    serde_json::from_slice(&std::fs::read(&out.manifest_path).unwrap()).unwrap()
}

/// The crate, built with or without `steps.cu` among its sources.
fn try_build(dir: &Path, with_steps: bool) -> Result<iree_build::Output, iree_build::Error> {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("kernels")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), BRIDGE).unwrap();
    std::fs::write(dir.join("kernels/kernel.cu"), KERNEL).unwrap();
    std::fs::write(dir.join("kernels/steps.cu"), STEPS).unwrap();
    let mut b = iree_build::Build::new();
    b.crate_dir(dir)
        .out_dir(dir.join("out"))
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(["host"]);
    if with_steps {
        b.source("kernels/steps.cu");
    }
    b.try_compile("elsewhere")
}

#[test]
fn a_call_into_another_kernel_file_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let e = try_build(dir.path(), true).unwrap_err().to_string();
    assert!(
        e.contains("kernels/kernel.cu uses `_Z4stepPf`, which only")
            && e.contains("kernels/steps.cu defines")
            && e.contains("inline"),
        "{e}"
    );
}

#[test]
fn a_call_to_an_undefined_function_counts_as_a_barrier() {
    // One test changes IREE_HOST_LOCKSTEP, so both settings run here, in turn.
    for lockstep in ["1", "0"] {
        std::env::set_var(iree_build::compile::plugin::ENV_VAR, lockstep);
        let dir = tempfile::tempdir().unwrap();
        let m = build(dir.path());
        let host = |name: &str| {
            m.declarations
                .iter()
                .find(|d| d.fn_name == name)
                .and_then(|d| d.host.clone())
                .unwrap_or_else(|| panic!("no host entry for {name}"))
        };
        let rotate = host("rotate");
        assert!(
            rotate.uses_barrier,
            "IREE_HOST_LOCKSTEP={lockstep}: {rotate:?}"
        );
        assert!(
            !rotate.lockstep,
            "IREE_HOST_LOCKSTEP={lockstep}: {rotate:?}"
        );
        let exps = host("exps");
        assert!(
            !exps.uses_barrier,
            "IREE_HOST_LOCKSTEP={lockstep}: {exps:?}"
        );
        // The plugin still transforms a kernel whose only call is the C
        // library's (tests/host_lockstep.rs requires the plugin to load).
        assert_eq!(exps.lockstep, lockstep == "1", "{exps:?}");
    }
    std::env::remove_var(iree_build::compile::plugin::ENV_VAR);
}
