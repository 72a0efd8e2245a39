//! `host`: the same source compiled for the CPU as C++, with the host HIP
//! header (owned by the host platform) in place of HIP's.
//!
//! A wrapper translation unit ([`super::wrapper`]) includes the source and
//! instantiates `IREE_HOST_EXPORT(k)` for each exported kernel
//! (`IREE_HOST_EXPORT_AS(id, name)` for a C++ name); the header turns that
//! into the `__iree_host_{block,thread,sig}_<id>` symbols of
//! `runtime_hip::host::abi`.
//!
//! A signature-only job ([`CompileJob::signature_only`]) defines
//! `IREE_HOST_SIGNATURE_ONLY`, under which the export macro emits only the
//! signature tables: the quick host-side pass that gives every build the
//! kernels' C++ parameter types, `host` among the targets or not.
//!
//! With the lockstep plugin ([`super::plugin`]) clang also runs the lockstep
//! pass, so that a barrier kernel's block entry can run the whole block
//! itself instead of one coroutine per thread; `IREE_HOST_LOCKSTEP=1` is
//! defined then, for sources and the header that want to know. On x86-64 the
//! header then also compiles each barrier-free kernel's thread loop for AVX2
//! and AVX-512, which the plugin's SIMD pass prepares for the loop
//! vectoriser (the runtime picks one per CPU: `runtime_hip::host::simd`).

use std::ffi::OsString;
use std::path::Path;

use super::{ClangPlan as Plan, CompileError, CompileJob, IncludeDirs, JobPaths};
use crate::cache;
use crate::config::CompileEnv;
use crate::target::Format;

pub(super) fn plan(
    job: &CompileJob,
    env: &CompileEnv,
    source: &Path,
    headers: &IncludeDirs,
    paths: &JobPaths,
    lockstep: Option<&Path>,
) -> Result<Plan, CompileError> {
    let wrapper = paths.file("cc");
    cache::write_if_changed(
        &wrapper,
        wrapper_source(source, &job.host_exports).as_bytes(),
    )
    .map_err(super::cached::io_err(&job.target, "write", &wrapper))?;
    let mut args: Vec<OsString> = [
        "-x",
        "c++",
        "-std=c++17",
        if job.signature_only { "-O0" } else { "-O3" },
        "-fPIC",
        "-fno-exceptions",
        "-fno-rtti",
        "-ffunction-sections",
        // A GPU's math functions never set errno (CUDA and HIP have none),
        // and an `expf` that may write it is a call that writes memory:
        // the SIMD and lockstep passes' loops could not keep `threadIdx` in
        // a register across it, nor run it in vector lanes.
        "-fno-math-errno",
        "-c",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    // In a build script cross-compiling, the host kernels run on cargo's
    // TARGET, not on the machine running the build.
    if let Some(target) = &env.cross_target {
        args.push(format!("--target={target}").into());
    }
    if vector_math(env.cross_target.as_deref()) {
        args.push("-fveclib=libmvec".into());
    }
    if job.signature_only {
        args.push("-DIREE_HOST_SIGNATURE_ONLY=1".into());
    }
    let mut inc = OsString::from("-I");
    inc.push(&headers.host);
    args.push(inc);
    // The plugin's path names the hash of its source and tools, and every
    // argument is part of the object's cache key: a new plugin recompiles.
    if let Some(so) = lockstep {
        args.push("-DIREE_HOST_LOCKSTEP=1".into());
        let mut flag = OsString::from("-fpass-plugin=");
        flag.push(so);
        args.push(flag);
    }
    Ok(Plan {
        args,
        input: wrapper,
        output: (Format::Host, paths.file("o")),
        depfile: paths.file("d"),
        extra_inputs: Vec::new(),
        extra_words: Vec::new(),
        ptxas: None,
    })
}

/// The wrapper TU: the source by absolute path, then one export per kernel
/// ([`super::wrapper::host_source`]).
pub fn wrapper_source(source: &Path, exports: &[String]) -> String {
    super::wrapper::host_source(source, exports)
}

/// Whether host kernels for `cross_target` (None: the machine running the
/// build) call glibc's vector math library, libmvec, where a loop the SIMD
/// or lockstep passes vectorise calls `expf` and friends (8 or 16 lanes per
/// call instead of one): x86-64 GNU/Linux, where glibc always ships it.
/// An object that does references `_ZGV*` symbols, and the build links
/// `libmvec` for it (`code_object::host::LIBMVEC_PREFIX`).
pub(crate) fn vector_math(cross_target: Option<&str>) -> bool {
    match cross_target {
        Some(t) => t.starts_with("x86_64-") && t.ends_with("-linux-gnu"),
        None => cfg!(all(
            target_arch = "x86_64",
            target_os = "linux",
            target_env = "gnu"
        )),
    }
}
