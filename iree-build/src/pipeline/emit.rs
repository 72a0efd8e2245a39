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
    // Host kernels are linked into the program, each file a unit of its own.
    let host_objects = read_all(&inspected.host_objects)?;
    check_units(&host_objects, &inspected.host_sources)?;
    if cx.cargo && !host_objects.is_empty() {
        link_host_objects(cx.name, &inspected.host_objects, &host_objects, &cx.out_dir)?;
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

fn read_all(objects: &[PathBuf]) -> Result<Vec<Vec<u8>>, Error> {
    objects
        .iter()
        .map(|o| std::fs::read(o).map_err(io_err(o)))
        .collect()
}

/// Refuses a host object that uses what only another kernel file defines:
/// it could not link once each file's symbols are private.
fn check_units(contents: &[Vec<u8>], sources: &[PathBuf]) -> Result<(), Error> {
    let views: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
    match crate::privatize::cross_unit_reference(&views) {
        Some((user, symbol, definer)) => Err(Error::CrossFileReference {
            user: sources[user].display().to_string(),
            symbol,
            definer: sources[definer].display().to_string(),
        }),
        None => Ok(()),
    }
}

/// Archives the host kernels into `lib<name>_iree_host.a` and tells cargo
/// to link it, through `cc` so archiver and flags follow cargo's target.
/// Each object goes in made private to its unit (`crate::privatize`), under
/// the unit tag the manifest's entry names carry; byte-identical objects
/// are one unit, archived once. `contents` are the bytes of `objects`.
fn link_host_objects(
    name: &str,
    objects: &[PathBuf],
    contents: &[Vec<u8>],
    out_dir: &Path,
) -> Result<(), Error> {
    let lib = format!("{name}_iree_host");
    let dir = out_dir.join("iree-host");
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let mut private: Vec<PathBuf> = Vec::new();
    for (object, bytes) in objects.iter().zip(contents) {
        let tag = crate::privatize::unit_tag(out_dir, name, bytes);
        let path = dir.join(format!("{tag}.o"));
        if private.contains(&path) {
            continue;
        }
        let archive_err = |e: crate::privatize::PrivatizeError| Error::Archive {
            message: format!("{}: {e}", object.display()),
            lib: lib.clone(),
        };
        let out = crate::privatize::privatize(bytes, &tag).map_err(archive_err)?;
        crate::cache::write_if_changed(&path, &out.object).map_err(io_err(&path))?;
        private.push(path);
        if !out.dynamic_shared.is_empty() {
            let storage = crate::privatize::dynamic_shared_object(bytes, &out.dynamic_shared)
                .map_err(archive_err)?;
            let path = dir.join(format!("{tag}-shared.o"));
            crate::cache::write_if_changed(&path, &storage).map_err(io_err(&path))?;
            private.push(path);
        }
    }
    cc::Build::new()
        .objects(&private)
        .out_dir(out_dir)
        .cargo_metadata(true)
        .try_compile(&lib)
        .map_err(|e| Error::Archive {
            message: e.to_string(),
            lib,
        })?;
    // Vectorised loops calling `expf` and friends call glibc's libmvec.
    if contents
        .iter()
        .any(|b| crate::code_object::host::uses_libmvec(b))
    {
        println!("cargo:rustc-link-lib=dylib=mvec");
    }
    Ok(())
}
