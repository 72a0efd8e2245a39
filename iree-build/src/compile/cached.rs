//! The stamp cache around one compile job, shared by the clang path
//! (`compile::compile`) and the in-process LLVM path (`llvm::build`):
//! reusing the outputs a valid stamp lists, clearing stale ones before a
//! compile, recording a finished one, and the I/O error both report.

use std::io;
use std::path::{Path, PathBuf};

use super::{CompileError, CompileJob, CompiledObject};
use crate::cache::{self, KeyInputs};
use crate::target::{Format, TargetId};

/// Maps an I/O error of `action` on `path` to [`CompileError::Io`].
pub(crate) fn io_err<'a>(
    target: &'a TargetId,
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> CompileError + 'a {
    move |error| CompileError::Io {
        target: target.clone(),
        action,
        path: path.to_path_buf(),
        error,
    }
}

/// One job's stamp: where it lives and the key it must match.
pub(crate) struct Stamped<'a> {
    pub(crate) job: &'a CompileJob,
    /// The canonical source path (the first of the object's deps).
    pub(crate) source: &'a Path,
    pub(crate) stamp_path: &'a Path,
    pub(crate) key: &'a KeyInputs,
}

impl Stamped<'_> {
    /// The cached object when the stamp is valid for the key and lists
    /// exactly `outputs`. Otherwise removes those outputs and the stamp:
    /// stale outputs must not survive a failed compile.
    pub(crate) fn reuse_or_clear(&self, outputs: &[(Format, PathBuf)]) -> Option<CompiledObject> {
        if let Some(stamp) = cache::lookup(self.stamp_path, self.key) {
            if stamp.outputs == tagged(outputs) {
                return Some(CompiledObject {
                    target: self.job.target.clone(),
                    outputs: outputs.to_vec(),
                    deps: self.user_deps(&stamp.inputs),
                    cached: true,
                    diagnostics: String::new(),
                    commands: Vec::new(),
                });
            }
        }
        for (_, p) in outputs {
            let _ = std::fs::remove_file(p);
        }
        let _ = std::fs::remove_file(self.stamp_path);
        None
    }

    /// Records a finished compile (`read`: the files its depfile lists) and
    /// returns its object.
    pub(crate) fn record(
        &self,
        read: Vec<PathBuf>,
        outputs: Vec<(Format, PathBuf)>,
        diagnostics: String,
        commands: Vec<Vec<String>>,
    ) -> Result<CompiledObject, CompileError> {
        let stamp = cache::store(self.stamp_path, self.key, read, tagged(&outputs))
            .map_err(io_err(&self.job.target, "write", self.stamp_path))?;
        Ok(CompiledObject {
            target: self.job.target.clone(),
            outputs,
            deps: self.user_deps(&stamp.inputs),
            cached: false,
            diagnostics,
            commands,
        })
    }

    /// The source, then each file the compile read that a user may edit
    /// (our generated files in `out_dir` excluded), once each.
    fn user_deps(&self, read: &[PathBuf]) -> Vec<PathBuf> {
        let mut deps = vec![self.source.to_path_buf()];
        for d in read {
            if !d.starts_with(&self.job.out_dir) && !deps.contains(d) {
                deps.push(d.clone());
            }
        }
        deps
    }
}

/// The outputs as a stamp lists them.
fn tagged(outputs: &[(Format, PathBuf)]) -> Vec<(String, PathBuf)> {
    outputs
        .iter()
        .map(|(f, p)| (f.name().to_string(), p.clone()))
        .collect()
}
