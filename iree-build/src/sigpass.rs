//! The signature pass: where each executable's kernel signatures come from.
//!
//! Verification checks every declaration against its kernel's C++ parameter
//! types ([`crate::signature`]), which only a host object records (the host
//! header's signature tables). When `host` is a target, the host variant is
//! that object. Otherwise the build compiles the same source once more for
//! the host with `IREE_HOST_SIGNATURE_ONLY` (tables only, `-O0`: a fraction
//! of a real host compile), and never links or bundles the result, so the
//! check runs on every build, whatever the targets. A prebuilt set
//! (`objects = { … }`) gives its signatures through its `"host"` entry, a
//! source or a host object; without one they are missing, which is an error
//! at each declaration: nothing else says what the kernel's pointers point
//! at.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::code_object;
use crate::compile::{CompileError, CompileJob, CompiledObject};
use crate::emit::Variant;
use crate::ir::ObjectSet;
use crate::outline::Outlined;
use crate::target::{Format, TargetId};
use crate::verify::Signature;

/// Where one executable's signatures come from.
#[derive(Clone, Debug)]
enum Source {
    /// Its `host` variant.
    HostVariant,
    /// Signature job number `n`.
    Job(usize),
    /// A prebuilt host object that is not a variant (`host` is not a target).
    Prebuilt(PathBuf),
    /// None; why.
    Missing(String),
}

/// The signature sources of every executable, and the signature-only host
/// compiles they need.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    sources: Vec<Source>,
    /// Signature-only host jobs (`CompileJob::signature_only`).
    pub jobs: Vec<CompileJob>,
    /// For each job, the executables it serves.
    job_executables: Vec<Vec<usize>>,
}

/// Plans the signature pass. `template` gives the jobs' out dir, include
/// dirs and defines; `is_source` tells sources from objects in a prebuilt set.
pub(crate) fn plan(
    outlined: &Outlined,
    targets: &[TargetId],
    crate_dir: &Path,
    template: &CompileJob,
    is_source: impl Fn(&Path) -> bool,
) -> Plan {
    let host_is_target = targets.contains(&TargetId::Host);
    let mut plan = Plan::default();
    for (e, exe) in outlined.executables.iter().enumerate() {
        if targets.is_empty() {
            // Nothing is compiled (DOCS_RS, every toolchain missing), so
            // nothing is verified either.
            plan.sources
                .push(Source::Missing("no target was built".into()));
            continue;
        }
        let exports: Vec<String> = exe.exports.iter().map(|x| x.name.clone()).collect();
        let host_entry = match &exe.objects {
            ObjectSet::Source(src) => Some(crate_dir.join(src)),
            ObjectSet::Prebuilt(list) => list
                .iter()
                .find(|(t, _)| *t == TargetId::Host)
                .map(|(_, p)| crate_dir.join(p)),
        };
        let source = match host_entry {
            _ if host_is_target && has_host(&exe.objects) => Source::HostVariant,
            Some(path) if is_source(&path) => {
                Source::Job(plan.add_job(path, &exports, template, e))
            }
            Some(path) => Source::Prebuilt(path),
            None => Source::Missing(
                "`objects = { … }` has no `\"host\"` entry, and nothing else records the kernel's parameter types: add `\"host\" = \"<the kernel's .cu>\"` (when `host` is not among the targets only its signature is compiled)".into(),
            ),
        };
        plan.sources.push(source);
    }
    plan
}

fn has_host(objects: &ObjectSet) -> bool {
    match objects {
        ObjectSet::Source(_) => true,
        ObjectSet::Prebuilt(list) => list.iter().any(|(t, _)| *t == TargetId::Host),
    }
}

impl Plan {
    /// The job for `source`, created or given more exports.
    fn add_job(
        &mut self,
        source: PathBuf,
        exports: &[String],
        template: &CompileJob,
        executable: usize,
    ) -> usize {
        if let Some(i) = self.jobs.iter().position(|j| j.source == source) {
            self.job_executables[i].push(executable);
            let all: BTreeSet<String> = self.jobs[i]
                .host_exports
                .iter()
                .chain(exports)
                .cloned()
                .collect();
            self.jobs[i].host_exports = all.into_iter().collect();
            return i;
        }
        let mut exports = exports.to_vec();
        exports.sort();
        exports.dedup();
        self.jobs.push(CompileJob {
            include_dirs: template.include_dirs.clone(),
            defines: template.defines.clone(),
            ..CompileJob::signatures(source, template.out_dir.clone(), exports)
        });
        self.job_executables.push(vec![executable]);
        self.jobs.len() - 1
    }

    /// Keeps in each job only the exports some compiled object of its
    /// executables has: a kernel missing from the source (a typo in
    /// `export`) would fail the whole signature compile, and with it the
    /// checks of every other kernel of the file, while verification already
    /// reports it, better, against the GPU objects.
    pub(crate) fn keep_compiled_exports(&mut self, variants: &[Vec<Variant>]) {
        for (job, exes) in self.jobs.iter_mut().zip(&self.job_executables) {
            job.host_exports.retain(|name| {
                exes.iter()
                    .filter_map(|&e| variants.get(e))
                    .flatten()
                    .any(|v| v.info.as_ref().is_some_and(|i| i.kernel(name).is_some()))
            });
        }
    }

    /// Every executable's [`Signature`], from the jobs' `results` (in job
    /// order) and the executables' `variants`. A failed signature compile is
    /// not a build failure: it becomes an error of the declarations it
    /// concerns (a kernel missing from the source, say, which verification
    /// reports better against the GPU objects).
    pub(crate) fn resolve(
        &self,
        results: Vec<Result<CompiledObject, CompileError>>,
        variants: &[Vec<Variant>],
    ) -> Vec<Signature> {
        let jobs: Vec<Signature> = results
            .into_iter()
            .zip(&self.jobs)
            .map(|(r, job)| match r {
                Ok(obj) => obj.outputs.first().map_or_else(
                    || Signature::Missing("the signature compile wrote no object".into()),
                    |(_, path)| read(path),
                ),
                Err(e) => Signature::Missing(format!(
                    "the host-side signature compile of {} failed: {}",
                    job.source.display(),
                    first_lines(&e.to_string(), 6)
                )),
            })
            .collect();
        self.sources
            .iter()
            .enumerate()
            .map(|(e, source)| match source {
                Source::HostVariant => variants
                    .get(e)
                    .and_then(|vs| vs.iter().find(|v| v.target == TargetId::Host))
                    .and_then(|v| v.info.clone())
                    .map_or_else(
                        || Signature::Missing("the host variant was not inspected".into()),
                        Signature::Object,
                    ),
                Source::Job(j) => jobs[*j].clone(),
                Source::Prebuilt(path) => read(path),
                Source::Missing(why) => Signature::Missing(why.clone()),
            })
            .collect()
    }
}

/// Inspects a host object for its signature tables.
fn read(path: &Path) -> Signature {
    let info = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| code_object::inspect(&bytes, Format::Host).map_err(|e| e.to_string()));
    match info {
        Ok(info) => Signature::Object(info),
        Err(e) => Signature::Missing(format!("{}: {e}", path.display())),
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().take(n).collect();
    let more = text.lines().count() > n;
    format!("{}{}", lines.join("\n"), if more { "\n…" } else { "" })
}
