//! Stage 3: which targets can be built here, and the compile jobs for
//! them: one per (source, target), host thunks merged, plus the
//! signature-only host compiles verification needs.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::builder::Error;
use crate::compile::{plugin, CompileJob};
use crate::ir::ObjectSet;
use crate::sigpass;
use crate::target::TargetId;
use crate::toolchain::Toolchain;

use super::{is_source, Context, Notes, Outlined};

/// The compile jobs of a build.
pub(crate) struct Planned {
    /// What the jobs compile.
    pub(crate) outlined: Outlined,
    /// The toolchain found, discovered once.
    pub(crate) toolchain: Toolchain,
    /// The targets built (asked for, and with their tools present).
    pub(crate) targets: Vec<TargetId>,
    /// The lockstep plugin every host job loads, resolved once.
    pub(crate) lockstep: plugin::Lockstep,
    /// The jobs, deduplicated by (source, target).
    pub(crate) jobs: Vec<PlannedJob>,
    /// Prebuilt objects: (executable, target, path).
    pub(crate) prebuilt: Vec<(usize, TargetId, PathBuf)>,
    /// Where each executable's kernel signatures come from.
    pub(crate) signatures: sigpass::Plan,
}

/// One compile job and the executables its outputs serve.
pub(crate) struct PlannedJob {
    /// What to compile.
    pub(crate) job: CompileJob,
    /// Executables whose variants come from this job's outputs.
    pub(crate) executables: BTreeSet<usize>,
}

/// Picks the targets, resolves the lockstep plugin and plans the jobs.
pub(crate) fn plan(
    cx: &Context<'_>,
    outlined: Outlined,
    notes: &mut Notes,
) -> Result<Planned, Error> {
    let toolchain = Toolchain::discover();
    let targets = select_targets(cx, &toolchain, notes)?;
    // Host kernels load the lockstep plugin: built here, once, before the
    // jobs that share it. Its failure is one warning, not an error.
    let lockstep = if targets.contains(&TargetId::Host) {
        let lockstep = plugin::for_build(&cx.env, &toolchain, &cx.out_dir);
        notes.warnings.extend(lockstep.warn_once());
        lockstep
    } else {
        plugin::Lockstep::Disabled
    };
    let mut jobs = JobPlan {
        cx,
        jobs: Vec::new(),
    };
    let mut prebuilt = Vec::new();
    for (e, exe) in outlined.executables.executables.iter().enumerate() {
        let exports: Vec<String> = exe.exports.iter().map(|x| x.name.clone()).collect();
        let wide = exe
            .exports
            .iter()
            .any(|x| x.subgroup_size == Some(iree_abi::target::HOST_WIDE_WARP_SIZE));
        match &exe.objects {
            ObjectSet::Source(src) => {
                for t in &targets {
                    let job = jobs.add(cx.crate_dir.join(src), t, &exports, Some(e));
                    jobs.wide_warps(job, wide);
                }
            }
            ObjectSet::Prebuilt(list) => {
                for (t, path) in list.iter().filter(|(t, _)| targets.contains(t)) {
                    let path = cx.crate_dir.join(path);
                    if is_source(&path) {
                        let job = jobs.add(path, t, &exports, Some(e));
                        jobs.wide_warps(job, wide);
                    } else {
                        prebuilt.push((e, t.clone(), path));
                    }
                }
            }
        }
    }
    for src in &cx.build.sources {
        for t in &targets {
            jobs.add(cx.crate_dir.join(src), t, &[], None);
        }
    }
    let jobs = jobs.jobs;
    // The kernels' C++ signatures, for verification on every target.
    let template = cx.job(PathBuf::new(), TargetId::Host);
    let signatures = sigpass::plan(
        &outlined.executables,
        &targets,
        &cx.crate_dir,
        &template,
        is_source,
    );
    Ok(Planned {
        outlined,
        toolchain,
        targets,
        lockstep,
        jobs,
        prebuilt,
        signatures,
    })
}

/// The asked-for targets whose tools are here; under `DOCS_RS` none, and
/// with `IREE_BUILD_ALLOW_MISSING` those without tools skipped with a warning.
fn select_targets(
    cx: &Context<'_>,
    toolchain: &Toolchain,
    notes: &mut Notes,
) -> Result<Vec<TargetId>, Error> {
    let (docs_rs, allow_missing) = (cx.env.docs_rs, cx.env.allow_missing);
    let mut targets = Vec::new();
    for t in &cx.asked {
        match toolchain.require_for(t) {
            Ok(()) if !docs_rs => targets.push(t.clone()),
            Ok(()) => {}
            Err(e) if docs_rs || allow_missing => {
                notes.warnings.push(format!("skipping target {t}: {e}"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if docs_rs {
        notes
            .warnings
            .push("DOCS_RS is set: no kernels compiled, the bundle holds no variants".into());
    }
    Ok(targets)
}

impl Context<'_> {
    /// A job for `source` on `target` with the build's include dirs and
    /// defines.
    fn job(&self, source: PathBuf, target: TargetId) -> CompileJob {
        CompileJob {
            include_dirs: self.build.include_dirs.clone(),
            defines: self.build.defines.clone(),
            ..CompileJob::new(source, target, self.out_dir.clone())
        }
    }
}

/// Compile jobs deduplicated by (source, target).
struct JobPlan<'a, 'b> {
    cx: &'a Context<'b>,
    jobs: Vec<PlannedJob>,
}

impl JobPlan<'_, '_> {
    /// Gives host job `idx` 64-lane warps when `wide` (one of its
    /// declarations says `subgroup_size = 64`): `-DIREE_HOST_WARP_SIZE=64`.
    /// The file's other host kernels run with those warps too, and
    /// verification refuses a declaration of 32 in the same file.
    fn wide_warps(&mut self, idx: usize, wide: bool) {
        const DEFINE: &str = "IREE_HOST_WARP_SIZE";
        let job = &mut self.jobs[idx].job;
        if wide && job.target == TargetId::Host && !job.defines.iter().any(|(n, _)| n == DEFINE) {
            let size = iree_abi::target::HOST_WIDE_WARP_SIZE.to_string();
            job.defines.push((DEFINE.to_string(), Some(size)));
        }
    }

    /// The job for (`source`, `target`), created or given `exports` and
    /// `executable`.
    fn add(
        &mut self,
        source: PathBuf,
        target: &TargetId,
        exports: &[String],
        executable: Option<usize>,
    ) -> usize {
        let idx = match self
            .jobs
            .iter()
            .position(|j| j.job.source == source && &j.job.target == target)
        {
            Some(i) => i,
            None => {
                self.jobs.push(PlannedJob {
                    job: self.cx.job(source, target.clone()),
                    executables: BTreeSet::new(),
                });
                self.jobs.len() - 1
            }
        };
        let planned = &mut self.jobs[idx];
        // Every target: the host exports them all, a GPU compile
        // instantiates the C++ names among them.
        let all: BTreeSet<String> = planned
            .job
            .host_exports
            .drain(..)
            .chain(exports.iter().cloned())
            .collect();
        planned.job.host_exports = all.into_iter().collect();
        planned.executables.extend(executable);
        idx
    }
}
