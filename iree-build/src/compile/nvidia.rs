//! NVIDIA `sm_*`: HIP → PTX with clang's CUDA mode, then a cubin with ptxas.
//!
//! No CUDA SDK is needed: `-nocudainc -nocudalib` keeps clang from looking
//! for one, our `include/nvidia/hip/hip_runtime.h` gives the same `.cu` the
//! HIP device API it uses, and `libdevice.10.bc` is linked with
//! `-mlink-builtin-bitcode` so math functions are resolved in the PTX itself
//! (no `.extern .func __nv_*` the driver could not resolve).

use std::ffi::OsString;
use std::path::Path;

use super::{CompileError, CompileJob, IncludeDirs, JobPaths, Plan};
use crate::target::Format;
use crate::toolchain::Toolchain;

pub(super) fn plan(
    job: &CompileJob,
    tc: &Toolchain,
    source: &Path,
    headers: &IncludeDirs,
    paths: &JobPaths,
) -> Result<Plan, CompileError> {
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
