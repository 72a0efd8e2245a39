//! One search: candidates tried in order, each remembered for the error.

use std::path::{Path, PathBuf};

use super::probe::Probe;
use super::{Located, Missing, Origin, Tool};

/// What one lookup found.
pub(crate) type Found = Result<Located, Missing>;

/// A search for one tool: candidates are tried in order and every one tried
/// is remembered for the error message.
pub(crate) struct Search<'p> {
    pub(crate) probe: &'p Probe,
    pub(crate) tool: Tool,
    pub(crate) looked: Vec<String>,
    pub(crate) accept: &'p dyn Fn(&Path) -> Result<(), String>,
}

pub(crate) enum Step {
    Found(Located),
    Stop(Missing),
    Next,
}

impl<'p> Search<'p> {
    pub(crate) fn new(
        probe: &'p Probe,
        tool: Tool,
        accept: &'p dyn Fn(&Path) -> Result<(), String>,
    ) -> Self {
        Search {
            probe,
            tool,
            looked: Vec::new(),
            accept,
        }
    }

    /// A variable naming the tool itself: if set, it decides.
    pub(crate) fn env_file(&mut self, var: &str) -> Step {
        let Some(value) = self.probe.var(var) else {
            self.looked.push(format!("${var} (not set)"));
            return Step::Next;
        };
        let path = PathBuf::from(&value);
        match self.check(&path) {
            Ok(()) => Step::Found(Located {
                path,
                version: None,
                origin: Origin::Env(var.to_string()),
            }),
            Err(why) => {
                self.looked
                    .push(format!("${var}={} ({why})", path.display()));
                Step::Stop(Missing {
                    tool: self.tool,
                    looked: std::mem::take(&mut self.looked),
                    bad_env: Some((var.to_string(), path)),
                    home: None,
                    with: Vec::new(),
                })
            }
        }
    }

    /// A variable naming a directory under which `rels` are tried.
    pub(crate) fn env_dir(&mut self, var: &str, rels: &[&str]) -> Step {
        let Some(value) = self.probe.var(var) else {
            self.looked.push(format!("${var} (not set)"));
            return Step::Next;
        };
        let base = PathBuf::from(value);
        let looked_as = format!("${var} -> ");
        for rel in rels {
            let origin = || Origin::Env(var.to_string());
            if let Some(found) = self.try_candidate(joined(&base, rel), origin, &looked_as) {
                return found;
            }
        }
        Step::Next
    }

    pub(crate) fn path(&mut self, names: &[&str]) -> Step {
        for name in names {
            match self.probe.which(name) {
                Some(path) => {
                    if let Some(found) = self.try_candidate(path, || Origin::Path, "PATH: ") {
                        return found;
                    }
                }
                None => self.looked.push(format!("PATH: {name} (not found)")),
            }
        }
        Step::Next
    }

    /// `dir` (absolute, below the probe's root) joined with each of `rels`.
    pub(crate) fn well_known(&mut self, dir: &Path, rels: &[&str]) -> Step {
        self.within(dir, rels, || Origin::WellKnown(dir.to_path_buf()))
    }

    /// `dir` joined with each of `rels`; a hit comes from `origin`.
    pub(crate) fn within(
        &mut self,
        dir: &Path,
        rels: &[&str],
        origin: impl Fn() -> Origin,
    ) -> Step {
        for rel in rels {
            if let Some(found) = self.try_candidate(joined(dir, rel), &origin, "") {
                return found;
            }
        }
        Step::Next
    }

    /// `Found(path)` when it passes [`Self::check`]; otherwise notes
    /// `{looked_as}{path} ({why})` among the places looked and returns `None`.
    pub(crate) fn try_candidate(
        &mut self,
        path: PathBuf,
        origin: impl FnOnce() -> Origin,
        looked_as: &str,
    ) -> Option<Step> {
        match self.check(&path) {
            Ok(()) => Some(Step::Found(Located {
                path,
                version: None,
                origin: origin(),
            })),
            Err(why) => {
                self.looked
                    .push(format!("{looked_as}{} ({why})", path.display()));
                None
            }
        }
    }

    fn check(&self, path: &Path) -> Result<(), String> {
        if !path.exists() {
            return Err("does not exist".into());
        }
        (self.accept)(path)
    }

    pub(crate) fn missing(self) -> Missing {
        Missing {
            tool: self.tool,
            looked: self.looked,
            bad_env: None,
            home: None,
            with: Vec::new(),
        }
    }
}

/// Runs steps until one decides.
macro_rules! search {
    ($s:ident; $($step:expr;)*) => {{
        let found: Found = 'done: {
            $(
                match $step {
                    Step::Found(l) => break 'done Ok(l),
                    Step::Stop(m) => break 'done Err(m),
                    Step::Next => {}
                }
            )*
            Err($s.missing())
        };
        found
    }};
}

pub(crate) fn is_file(p: &Path) -> Result<(), String> {
    if p.is_file() {
        Ok(())
    } else {
        Err("not a file".into())
    }
}

pub(crate) fn is_bitcode_dir(p: &Path) -> Result<(), String> {
    if p.join("ocml.bc").is_file() && p.join("ockl.bc").is_file() {
        Ok(())
    } else {
        Err("no ocml.bc/ockl.bc in it".into())
    }
}

pub(crate) fn is_hip_include(p: &Path) -> Result<(), String> {
    if p.join("hip/hip_runtime.h").is_file() {
        Ok(())
    } else {
        Err("no hip/hip_runtime.h in it".into())
    }
}

/// A directory that has each of `files` below it; the error names the first
/// one missing.
pub(crate) fn has_files(p: &Path, files: &[&str]) -> Result<(), String> {
    match files.iter().find(|f| !p.join(f).exists()) {
        None => Ok(()),
        Some(f) => Err(format!("no {f} in it")),
    }
}

/// `base` joined with `rel`; `base` itself for an empty `rel`.
pub(crate) fn joined(base: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    }
}
