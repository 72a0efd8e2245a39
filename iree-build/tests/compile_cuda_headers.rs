//! `sm_*` compiled against CUDA's own device headers (the PyPI wheels that
//! `cargo xtask provision` installs, presented to clang-19 as a CUDA
//! installation): one CUDA-spelled and one HIP-spelled kernel file covering
//! the device API families public kernels use, compiled by `compile` for
//! sm_80 and sm_90 with the real clang-19, and the PTX (and cubin, when
//! ptxas is found) checked by what it says and by iree-build's inspection.

mod support;

use std::path::{Path, PathBuf};

use iree_build::code_object::{check_target, inspect, ObjectInfo};
use iree_build::compile::{compile, CompileJob, CompiledObject};
use iree_build::target::{Format, TargetId};
use support::*;

fn kernel(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/kernels")
        .join(name)
}

/// Compiles `source` for sm_80 and sm_90 (at once, into one out_dir, as a
/// build's jobs do) and returns each object with its PTX text.
fn compile_both(source: &Path, out: &Path) -> Vec<(CompiledObject, String)> {
    let tc = toolchain();
    std::thread::scope(|s| {
        let handles: Vec<_> = ["sm_80", "sm_90"]
            .iter()
            .map(|name| {
                let job = CompileJob::new(source, t(name), out);
                let tc = &tc;
                s.spawn(move || compile(&job, tc).unwrap_or_else(|e| panic!("{name}: {e}")))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let obj = h.join().unwrap();
                let ptx = std::fs::read_to_string(file(&obj, Format::Ptx)).unwrap();
                (obj, ptx)
            })
            .collect()
    })
}

fn file(obj: &CompiledObject, format: Format) -> &Path {
    obj.outputs
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, p)| p.as_path())
        .unwrap_or_else(|| panic!("{}: no {format:?} output", obj.target))
}

/// What every object of these tests must be: clang was given the CUDA
/// installation, the PTX is for the sm with the oldest ISA it has, iree-build's
/// inspection reads it (and the cubin) and finds `entries` in both.
fn check(obj: &CompiledObject, ptx: &str, entries: &[&str]) -> ObjectInfo {
    let target = &obj.target;
    let TargetId::Nvidia { sm } = *target else {
        panic!("{target}")
    };
    let clang = &obj.commands[0];
    assert!(
        clang.iter().any(|a| a.starts_with("--cuda-path="))
            && !clang.iter().any(|a| a == "-nocudainc"),
        "{target}: clang not given the CUDA installation: {clang:?}"
    );
    let info = inspect(ptx.as_bytes(), Format::Ptx).unwrap_or_else(|e| panic!("{target}: {e}"));
    check_target(&info, target).unwrap();
    let want = if sm == 80 { "7.0" } else { "7.8" };
    assert_eq!(info.ptx_version.as_deref(), Some(want), "{target}");
    let names: Vec<&str> = info.kernels.iter().map(|k| k.name.as_str()).collect();
    for e in entries {
        assert!(names.contains(e), "{target}: no entry {e} in {names:?}");
    }
    if toolchain().ptxas().is_some() {
        let cubin = std::fs::read(file(obj, Format::Cubin)).unwrap();
        let c = inspect(&cubin, Format::Cubin).unwrap_or_else(|e| panic!("{target} cubin: {e}"));
        check_target(&c, target).unwrap();
        let cnames: Vec<&str> = c.kernels.iter().map(|k| k.name.as_str()).collect();
        for e in entries {
            assert!(cnames.contains(e), "{target} cubin: no {e} in {cnames:?}");
        }
    }
    info
}

fn has(ptx: &str, target: &TargetId, what: &[&str]) {
    for w in what {
        assert!(ptx.contains(w), "{target}: no `{w}` in the PTX:\n{ptx}");
    }
}

#[test]
fn cuda_spelled_kernels_build_against_the_cuda_headers() {
    let out = tempfile::tempdir().unwrap();
    let src = kernel("cuda_api.cu");
    for (obj, ptx) in compile_both(&src, out.path()) {
        let info = check(
            &obj,
            &ptx,
            &[
                "row_sums",
                "_Z14normalize_rowsPfS_S_PKfS1_ii",
                "_Z12scale_to_f32I6__halfEvmfPKT_Pf",
                "_Z12scale_to_f32I13__nv_bfloat16EvmfPKT_Pf",
                "mixed_precision",
                "histogram",
            ],
        );
        let target = &obj.target;
        has(
            &ptx,
            target,
            &[
                // Hand-written shuffles, and cg::reduce on a 32-thread tile.
                "shfl.sync.bfly.b32",
                "shfl.sync.down.b32",
                // __ballot_sync, __all_sync.
                "vote.sync.ballot",
                "vote.sync.all",
                // atomicAdd on shared and global memory, atomicMax, atomicCAS.
                "atom.shared.add.u32",
                "atom.global.add.u32",
                "atom.global.max.s32",
                "atom.global.cas.b32",
                // __ldg, bf16 conversion, printf, extern __shared__.
                "ld.global.nc",
                "cvt.rn.bf16.f32",
                "vprintf",
                ".extern .shared",
            ],
        );
        // libdevice is linked in: no math function is left for the driver.
        assert!(!ptx.contains(".extern .func  (.param .b32 func_retval0) __nv_"));
        let hist = info.kernel("histogram").unwrap();
        // bins, max_seen, data (pointers), n (size_t), nbins.
        let sizes: Vec<u32> = hist.args.iter().map(|a| a.size).collect();
        assert_eq!(sizes, [8, 8, 8, 8, 4], "{target}");
    }
    // A second compile reuses both objects: the CUDA root is stable.
    for (obj, _) in compile_both(&src, out.path()) {
        assert!(obj.cached, "{}: not reused", obj.target);
    }
}

#[test]
fn hip_spelled_kernels_map_onto_the_cuda_headers() {
    let out = tempfile::tempdir().unwrap();
    for (obj, ptx) in compile_both(&kernel("hip_api_nvidia.cu"), out.path()) {
        check(
            &obj,
            &ptx,
            &[
                "_Z12block_reduceILj256EEvPKfPfm",
                "count_positive",
                "half_axpy",
                "bf16_scale",
                "tile_sum",
            ],
        );
        has(
            &ptx,
            &obj.target,
            &[
                // HIP's maskless __shfl_down / __shfl_xor are CUDA's _sync
                // forms over the full warp; tile.shfl_down likewise.
                "shfl.sync.down.b32",
                "shfl.sync.bfly.b32",
                // __ballot, __any.
                "vote.sync.ballot",
                "vote.sync.any",
                // atomicAdd on float and 64-bit, atomicMax.
                "atom.global.add.u64",
                "atom.global.max.s32",
                // hip_bfloat16 / __hip_bfloat16 are CUDA's __nv_bfloat16.
                "cvt.rn.bf16.f32",
                // HIP_DYNAMIC_SHARED.
                ".extern .shared",
            ],
        );
    }
}

/// The root clang is given is made once per out_dir, of links to the
/// toolchain's CUDA headers, crt/ and CCCL, and it is what clang reads.
#[test]
fn the_cuda_root_links_the_discovered_headers() {
    let tc = toolchain();
    let out = tempfile::tempdir().unwrap();
    let src = out.path().join("k.cu");
    std::fs::write(
        &src,
        "#include <cuda_runtime.h>\nextern \"C\" __global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n",
    )
    .unwrap();
    let obj = compile(&CompileJob::new(&src, t("sm_80"), out.path()), &tc).unwrap();
    let path = obj.commands[0]
        .iter()
        .find_map(|a| a.strip_prefix("--cuda-path="))
        .expect("--cuda-path");
    let root = Path::new(path);
    let headers = &tc.cuda_headers().unwrap().path;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap();
    assert_eq!(
        canon(&root.join("include/cuda_runtime.h")),
        canon(&headers.join("cuda_runtime.h"))
    );
    assert!(root.join("include/crt/host_config.h").is_file());
    assert!(root.join("include/nv/target").is_file());
    assert!(root.join("nvvm/libdevice/libdevice.10.bc").is_file());
    // Discovery reads the headers' version (the wheel's, or cuda.h's
    // CUDA_VERSION); the root's name and the cache key carry it.
    let version = tc.cuda_headers().unwrap().version.clone().unwrap();
    assert!(
        version.starts_with("12."),
        "CUDA headers' version {version}"
    );
}
