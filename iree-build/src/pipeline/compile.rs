//! Stage 4: every planned job compiled, in parallel under cargo's
//! jobserver, by clang or (feature `llvm`) the in-process LLVM path; the
//! objects copied out for `IREE_BUILD_DUMP`.

use std::path::{Path, PathBuf};

use crate::builder::{io_err, Error};
use crate::compile::{self, wrapper, CompileError, CompiledObject};
use crate::jobs;

use super::{Context, Notes, Planned};

/// The planned jobs' objects.
pub(crate) struct Compiled {
    /// What was compiled.
    pub(crate) planned: Planned,
    /// One object per job, in job order.
    pub(crate) objects: Vec<CompiledObject>,
}

/// Runs every job; the first failure fails the build.
pub(crate) fn compile(
    cx: &Context<'_>,
    mut planned: Planned,
    notes: &mut Notes,
) -> Result<Compiled, Error> {
    let mut results = run(cx, &planned);
    retry_without_missing_exports(cx, &mut planned, &mut results);
    let mut objects = Vec::with_capacity(results.len());
    for (p, r) in planned.jobs.iter().zip(results) {
        notes.rerun_files.insert(p.job.source.clone());
        objects.push(r?);
    }
    if let Some(dir) = cx.env.dump.as_deref().map(PathBuf::from) {
        let pairs: Vec<(&Path, &CompiledObject)> = planned
            .jobs
            .iter()
            .map(|p| p.job.source.as_path())
            .zip(&objects)
            .collect();
        crate::dump::write(&dir, &pairs).map_err(io_err(&dir))?;
    }
    Ok(Compiled { planned, objects })
}

/// A job whose source lacks one of its exports (a typo in `export`, a
/// kernel renamed, a template instance that cannot be) fails in the
/// generated wrapper's line for it (`IREE_HOST_EXPORT(k)` on the host, the
/// instantiating reference on GPU targets), with an error about our wrapper
/// rather than the declaration. Such exports are dropped and the job
/// compiled once more, so verification reports each as a missing export at
/// its declaration, listing the kernels the object has; any other failure
/// stays the build's error.
fn retry_without_missing_exports(
    cx: &Context<'_>,
    planned: &mut Planned,
    results: &mut [Result<CompiledObject, CompileError>],
) {
    let lockstep = planned.lockstep.plugin().map(Path::to_path_buf);
    for (p, r) in planned.jobs.iter_mut().zip(results.iter_mut()) {
        let Err(CompileError::Tool(failure)) = &*r else {
            continue;
        };
        let host = p.job.target == crate::target::TargetId::Host;
        let in_wrapper = if host {
            p.job.host_exports.clone()
        } else {
            wrapper::device_exports(&p.job.host_exports)
        };
        let mut missing = wrapper::exports_failing(&failure.stderr, &failure.file, &in_wrapper);
        if host {
            missing.extend(
                in_wrapper
                    .iter()
                    .filter(|k| {
                        failure
                            .stderr
                            .contains(&format!("use of undeclared identifier '{k}'"))
                    })
                    .cloned(),
            );
        }
        if missing.is_empty() {
            continue;
        }
        p.job.host_exports.retain(|k| !missing.contains(k));
        *r = compile::compile_with(
            &p.job,
            &planned.toolchain,
            &cx.env.compile,
            lockstep.as_deref(),
        );
    }
}

/// The jobs' results, in job order: through clang, with the build's one
/// lockstep plugin for host jobs.
#[cfg(not(feature = "llvm"))]
fn run(cx: &Context<'_>, planned: &Planned) -> Vec<Result<CompiledObject, CompileError>> {
    let (tc, lockstep) = (&planned.toolchain, planned.lockstep.plugin());
    jobs::run_parallel(&planned.jobs, |p| {
        compile::compile_with(&p.job, tc, &cx.env.compile, lockstep)
    })
}

/// The jobs' results, in job order. With `Build::llvm` or
/// `IREE_BUILD_LLVM=1`, GPU jobs go through the in-process LLVM path,
/// which stamps each kernel with the workgroup size its exports declare.
/// One object serves every export of a kernel, so where two exports of one
/// kernel declare different sizes the one with the most threads is stamped
/// (the object then admits both; verification still checks each).
#[cfg(feature = "llvm")]
fn run(cx: &Context<'_>, planned: &Planned) -> Vec<Result<CompiledObject, CompileError>> {
    use std::collections::BTreeMap;
    let (tc, lockstep) = (&planned.toolchain, planned.lockstep.plugin());
    if !cx.env.llvm {
        return jobs::run_parallel(&planned.jobs, |p| {
            compile::compile_with(&p.job, tc, &cx.env.compile, lockstep)
        });
    }
    let executables = &planned.outlined.executables.executables;
    let work: Vec<_> = planned
        .jobs
        .iter()
        .map(|p| {
            let mut sizes = BTreeMap::new();
            let exports = p.executables.iter().flat_map(|&e| &executables[e].exports);
            for x in exports {
                let threads = |s: &[u32; 3]| crate::ir::workgroup_threads(*s).unwrap_or(u32::MAX);
                let size = sizes.entry(x.name.clone()).or_insert(x.workgroup_size);
                if threads(&x.workgroup_size) > threads(size) {
                    *size = x.workgroup_size;
                }
            }
            (&p.job, sizes)
        })
        .collect();
    jobs::run_parallel(&work, |(job, sizes)| {
        crate::llvm::compile_job(job, tc, &cx.env, lockstep, sizes)
    })
}
