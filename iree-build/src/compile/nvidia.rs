//! NVIDIA `sm_*`: CUDA (or HIP) → PTX with clang's CUDA mode, then a cubin
//! with ptxas.
//!
//! clang compiles against CUDA's own device headers (`cuda_runtime.h`,
//! `cuda_fp16.h`, cooperative groups, CCCL), presented to it as a CUDA
//! installation ([`super::cuda_root`], `--cuda-path`), so CUDA-spelled
//! sources build as they do with nvcc. HIP-spelled sources find our
//! `include/nvidia/hip/*.h` first: a HIP → CUDA mapping over those headers.
//! `libdevice.10.bc` is linked with `-mlink-builtin-bitcode` (and clang's own
//! linking of it is off, `-nocudalib`, so the discovered one is the one used)
//! so math functions are resolved in the PTX itself (no `.extern .func
//! __nv_*` the driver could not resolve).

use std::ffi::OsString;
use std::path::Path;

use super::{
    cached, cuda_root, ClangPlan as Plan, CompileError, CompileJob, IncludeDirs, JobPaths,
};
use crate::target::{Format, TargetId};
use crate::toolchain::Toolchain;

pub(super) fn plan(
    job: &CompileJob,
    tc: &Toolchain,
    source: &Path,
    headers: &IncludeDirs,
    paths: &JobPaths,
) -> Result<Plan, CompileError> {
    let sm = match job.target {
        TargetId::Nvidia { sm } => sm,
        _ => unreachable!("NVIDIA recipe for a non-NVIDIA target"),
    };
    let libdevice = &tc.libdevice().expect("require_for checked libdevice").path;
    let root = cuda_root::prepare(tc, &job.out_dir).map_err(cached::io_err(
        &job.target,
        "make the CUDA installation for clang in",
        &job.out_dir,
    ))?;
    let mut cuda_path = OsString::from("--cuda-path=");
    cuda_path.push(&root.dir);
    let mut args: Vec<OsString> = vec![
        "-x".into(),
        "cuda".into(),
        "--cuda-device-only".into(),
        format!("--offload-arch={}", job.target).into(),
        cuda_path,
        // clang-19 knows CUDA up to 12.5 and treats newer headers as 12.5,
        // which is right for the device headers we use; say so only once, in
        // docs/TOOLCHAIN.md, not in every build.
        "-Wno-unknown-cuda-version".into(),
        "-nocudalib".into(),
        // PTX of the oldest ISA the sm has, which the most drivers can JIT
        // (clang would pick the CUDA release's newest, 8.5).
        format!("--cuda-feature=+ptx{}", min_ptx_isa(sm)).into(),
        "-O3".into(),
        "-S".into(),
    ];
    let mut inc = OsString::from("-I");
    inc.push(&headers.nvidia);
    args.push(inc);
    args.extend([
        "-Xclang".into(),
        "-mlink-builtin-bitcode".into(),
        "-Xclang".into(),
    ]);
    args.push(libdevice.into());
    let ptxas = tc.ptxas().map(|p| (p.clone(), paths.file("cubin")));
    let mut extra_words: Vec<String> = ptxas
        .iter()
        .map(|(p, _)| {
            format!(
                "ptxas {} {}",
                p.path.display(),
                p.version.as_deref().unwrap_or("?")
            )
        })
        .collect();
    extra_words.push(root.identity);
    Ok(Plan {
        args,
        input: source.to_path_buf(),
        output: (Format::Ptx, paths.file("ptx")),
        depfile: paths.file("d"),
        extra_inputs: vec![libdevice.clone()],
        extra_words,
        ptxas,
    })
}

/// The first PTX ISA version (major * 10 + minor) that supports `sm`, from
/// the PTX ISA release notes; PTX this old is JIT-able by the most drivers.
pub fn min_ptx_isa(sm: u32) -> u32 {
    match sm {
        0..=70 => 60,
        71..=75 => 63,
        76..=80 => 70,
        81..=86 => 71,
        87 => 74,
        88..=90 => 78,
        91..=100 => 86,
        _ => 87,
    }
}
