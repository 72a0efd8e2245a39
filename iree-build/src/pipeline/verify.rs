//! Stage 6: every export verified against every object it will run as,
//! and against its kernel's C++ signature (from the host variant or a
//! signature-only host compile).

use crate::code_object::ObjectInfo;
use crate::compile;
use crate::jobs;
use crate::target::TargetId;
use crate::verify::{self, Report};

use super::{Context, Inspected, Notes};

/// The verification reports, beside what they verified.
pub(crate) struct Verified {
    /// What was verified.
    pub(crate) inspected: Inspected,
    /// Errors and warnings per declaration (outlining conflicts included).
    pub(crate) report: Report,
}

/// Runs the signature compiles and verification. Failures are not the
/// build's: they are the report's, which the macro shows at each
/// declaration.
pub(crate) fn verify(cx: &Context<'_>, inspected: Inspected, notes: &mut Notes) -> Verified {
    let objects: Vec<Vec<(TargetId, ObjectInfo)>> = inspected
        .variants
        .iter()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.info.clone().map(|i| (v.target.clone(), i)))
                .collect()
        })
        .collect();
    let mut inspected = inspected;
    let planned = &mut inspected.planned;
    // Signature-only host compiles (when `host` is not a target), of the
    // kernels the GPU objects have.
    planned
        .signatures
        .keep_compiled_exports(&inspected.variants);
    let tc = &planned.toolchain;
    let results = jobs::run_parallel(&planned.signatures.jobs, |job| {
        compile::compile_with(job, tc, &cx.env.compile, None)
    });
    for obj in results.iter().flatten() {
        notes.rerun_files.extend(obj.deps.iter().cloned());
    }
    let signatures = planned.signatures.resolve(results, &inspected.variants);
    // Structs passed by value take the words their kernel parameter does.
    let outlined = &mut planned.outlined;
    verify::size_structs(
        &mut outlined.executables,
        &mut outlined.lowered.dispatches,
        &signatures,
    );
    let outlined = &planned.outlined;
    let mut report = verify::verify(
        &outlined.executables,
        &outlined.lowered.dispatches,
        &objects,
        &signatures,
    );
    report.add_outline_errors(&outlined.errors);
    Verified { inspected, report }
}
