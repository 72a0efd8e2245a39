//! NVIDIA `sm_*`: HIP → PTX with clang's CUDA mode, then a cubin with ptxas.
//!
//! No CUDA SDK is needed: `-nocudainc -nocudalib` keeps clang from looking
//! for one, our `include/nvidia/hip/hip_runtime.h` gives the same `.cu` the
//! HIP device API it uses, and `libdevice.10.bc` is linked with
//! `-mlink-builtin-bitcode` so math functions are resolved in the PTX itself
//! (no `.extern .func __nv_*` the driver could not resolve).

use std::ffi::OsString;
use std::path::Path;

use super::{ClangPlan as Plan, CompileError, CompileJob, IncludeDirs, JobPaths};
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
    let mut args: Vec<OsString> = vec![
        "-x".into(),
        "cuda".into(),
        "--cuda-device-only".into(),
        format!("--offload-arch={}", job.target).into(),
        "-nocudainc".into(),
        "-nocudalib".into(),
        "-O3".into(),
        "-S".into(),
        // Without a CUDA install clang enables no PTX ISA feature, and the
        // *_sync warp builtins need one: ask for the oldest ISA the sm has.
        "-Xclang".into(),
        "-target-feature".into(),
        "-Xclang".into(),
        format!("+ptx{}", min_ptx_isa(sm)).into(),
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
    let extra_words = ptxas
        .iter()
        .map(|(p, _)| {
            format!(
                "ptxas {} {}",
                p.path.display(),
                p.version.as_deref().unwrap_or("?")
            )
        })
        .collect();
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
