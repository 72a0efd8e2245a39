//! Stage 7: the bundle and manifest written, host kernels linked into the
//! program, and cargo told what to rerun on.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::builder::{io_err, Error, Output};
use crate::emit::{self, EmitInput};

use super::{Context, Notes, Verified};

/// Writes the bundle and manifest, links the host kernels and prints the
/// `cargo:` directives; the build's [`Output`].
pub(crate) fn emit(cx: &Context<'_>, verified: Verified, notes: Notes) -> Result<Output, Error> {
    let Verified { inspected, report } = verified;
    let planned = &inspected.planned;
    let outlined = &planned.outlined;
    let target_names: Vec<String> = planned.targets.iter().map(ToString::to_string).collect();
    let emitted = emit::emit(&EmitInput {
        name: cx.name,
        out_dir: &cx.out_dir,
        targets: &target_names,
        bridges: &outlined.lowered.bridge_names,
        dispatches: &outlined.lowered.dispatches,
        outlined: &outlined.executables,
        variants: &inspected.variants,
        report: &report,
    })
    .map_err(io_err(&cx.out_dir))?;
    // Host kernels are linked into the program.
    if cx.cargo && !inspected.host_objects.is_empty() {
        link_host_objects(cx.name, &inspected.host_objects, &cx.out_dir)?;
    }
    let Notes {
        mut warnings,
        rerun_files,
    } = notes;
    let errors: Vec<String> = report.errors().map(|d| d.to_string()).collect();
    warnings.extend(report.warnings().map(|d| d.to_string()));
    if cx.cargo {
        print!("{}", cargo_directives(cx, planned, &rerun_files, &warnings));
    }
    Ok(Output {
        bundle_path: emitted.bundle_path,
        manifest_path: emitted.manifest_path,
        targets: planned.targets.clone(),
        compiler_runs: inspected.compiler_runs,
        cached: inspected.cached,
        commands: inspected.commands,
        errors,
        warnings,
    })
}

/// `rerun-if-changed` for every file read, `rerun-if-env-changed` for
/// every variable read (ours, the toolchain's, clang's), a `warning` per
/// line of each warning.
fn cargo_directives(
    cx: &Context<'_>,
    planned: &super::Planned,
    rerun_files: &std::collections::BTreeSet<PathBuf>,
    warnings: &[String],
) -> String {
    let mut out = String::new();
    for f in rerun_files {
        let _ = writeln!(out, "cargo:rerun-if-changed={}", f.display());
    }
    let mut vars: std::collections::BTreeSet<String> = cx.env.read_vars.iter().cloned().collect();
    vars.extend(planned.toolchain.env_vars().iter().cloned());
    vars.extend(crate::compile::ENV_VARS.iter().map(|v| v.to_string()));
    for v in vars {
        let _ = writeln!(out, "cargo:rerun-if-env-changed={v}");
    }
    for w in warnings {
        for line in w.lines() {
            let _ = writeln!(out, "cargo:warning={line}");
        }
    }
    out
}

/// Archives the host kernels into `lib<name>_iree_host.a` and tells cargo
/// to link it, through `cc` so archiver and flags follow cargo's target.
fn link_host_objects(name: &str, objects: &[PathBuf], out_dir: &Path) -> Result<(), Error> {
    let lib = format!("{name}_iree_host");
    cc::Build::new()
        .objects(objects)
        .out_dir(out_dir)
        .cargo_metadata(true)
        .try_compile(&lib)
        .map_err(|e| Error::Archive {
            message: e.to_string(),
            lib,
        })
}
