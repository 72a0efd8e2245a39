//! Stage 5: what came out of the compilers (and the prebuilt objects),
//! read into an [`ObjectInfo`] per target and grouped by executable.

use std::path::{Path, PathBuf};

use crate::builder::{io_err, Error};
use crate::code_object::{self, InspectError, ObjectInfo};
use crate::emit::Variant;
use crate::target::{Format, TargetId};

use super::{Compiled, Notes, Planned};

/// Every executable's variants, inspected.
pub(crate) struct Inspected {
    /// What was planned (the executables, targets, signature plan).
    pub(crate) planned: Planned,
    /// Per executable, its variants, each with its [`ObjectInfo`].
    pub(crate) variants: Vec<Vec<Variant>>,
    /// Host objects, to link into the program.
    pub(crate) host_objects: Vec<PathBuf>,
    /// The source each of `host_objects` was compiled from, for messages.
    pub(crate) host_sources: Vec<PathBuf>,
    /// How many compiler jobs really ran.
    pub(crate) compiler_runs: usize,
    /// How many were answered from the cache.
    pub(crate) cached: usize,
    /// The command lines of each job that ran.
    pub(crate) commands: Vec<Vec<Vec<String>>>,
}

/// Reads every object; an unusable one fails the build.
pub(crate) fn inspect(compiled: Compiled, notes: &mut Notes) -> Result<Inspected, Error> {
    let Compiled { planned, objects } = compiled;
    let n = planned.outlined.executables.executables.len();
    let mut out = Inspected {
        variants: (0..n).map(|_| Vec::new()).collect(),
        host_objects: Vec::new(),
        host_sources: Vec::new(),
        compiler_runs: 0,
        cached: 0,
        commands: Vec::new(),
        planned,
    };
    for (p, obj) in out.planned.jobs.iter().zip(&objects) {
        notes.rerun_files.extend(obj.deps.iter().cloned());
        if obj.cached {
            out.cached += 1;
        } else {
            out.compiler_runs += 1;
            out.commands.push(obj.commands.clone());
        }
        if !obj.diagnostics.trim().is_empty() {
            notes
                .warnings
                .push(format!("{}: {}", obj.target, obj.diagnostics.trim()));
        }
        for (format, path) in &obj.outputs {
            if *format == Format::Host {
                out.host_objects.push(path.clone());
                out.host_sources.push(p.job.source.clone());
            }
            let data = std::fs::read(path).map_err(io_err(path))?;
            let info = inspect_for(&data, *format, &obj.target, path)?;
            for &e in &p.executables {
                out.variants[e].push(Variant {
                    target: obj.target.clone(),
                    format: *format,
                    data: data.clone(),
                    info: Some(info.clone()),
                });
            }
        }
    }
    for (e, target, path) in &out.planned.prebuilt {
        notes.rerun_files.insert(path.clone());
        let (format, data) = load_prebuilt(path, target)?;
        let info = inspect_for(&data, format, target, path)?;
        out.variants[*e].push(Variant {
            target: target.clone(),
            format,
            data,
            info: Some(info),
        });
    }
    Ok(out)
}

fn inspect_err<'a>(
    path: &'a Path,
    target: &'a TargetId,
) -> impl Fn(InspectError) -> Error + Copy + 'a {
    move |source| Error::Inspect {
        path: path.to_path_buf(),
        target: target.to_string(),
        source,
    }
}

/// Inspects one object and checks it is for `target`.
fn inspect_for(
    data: &[u8],
    format: Format,
    target: &TargetId,
    path: &Path,
) -> Result<ObjectInfo, Error> {
    let wrap = inspect_err(path, target);
    let info = code_object::inspect(data, format).map_err(wrap)?;
    code_object::check_target(&info, target).map_err(wrap)?;
    Ok(info)
}

/// Reads a prebuilt object, unbundling clang offload bundles by target id
/// and telling formats apart by content rather than by extension.
fn load_prebuilt(path: &Path, target: &TargetId) -> Result<(Format, Vec<u8>), Error> {
    let wrap = inspect_err(path, target);
    let mut data = std::fs::read(path).map_err(io_err(path))?;
    if code_object::is_offload_bundle(&data) {
        data = code_object::unbundle(&data, target).map_err(wrap)?;
    }
    let format = code_object::sniff_format(&data).ok_or_else(|| {
        wrap(InspectError::Malformed {
            what: "prebuilt object",
            detail: "neither an ELF code object, PTX text nor a clang offload bundle".into(),
        })
    })?;
    Ok((format, data))
}
