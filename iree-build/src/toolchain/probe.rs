//! [`Probe`]: the environment discovery looks at, real or fake.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::home;

/// The environment discovery looks at: variables, `PATH`, the filesystem
/// root that well-known directories hang from, and the Python environment's
/// package directories (where a plain `pip install` puts the CUDA wheel).
///
/// [`Probe::from_env`] is the real process environment; [`Probe::fake`]
/// builds one for tests. Every variable read is recorded.
#[derive(Debug)]
pub struct Probe {
    env: Option<BTreeMap<String, OsString>>,
    path: Vec<PathBuf>,
    root: PathBuf,
    /// Package directories given by a test, searched after the ones found.
    extra_sites: Vec<PathBuf>,
    /// The package directories, found on first use (it may run python3).
    sites: OnceLock<Vec<PathBuf>>,
    read: Mutex<BTreeSet<String>>,
}

impl Probe {
    /// The real environment of this process.
    pub fn from_env() -> Probe {
        Probe {
            env: None,
            path: std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
            root: PathBuf::from("/"),
            extra_sites: Vec::new(),
            sites: OnceLock::new(),
            read: Mutex::new(BTreeSet::new()),
        }
    }

    /// An empty environment whose well-known directories hang from `root`
    /// (`/opt/rocm` is looked up as `<root>/opt/rocm`). It has no `HOME`
    /// and an empty `PATH`, so no python3 is asked anything.
    pub fn fake(root: impl Into<PathBuf>) -> Probe {
        Probe {
            env: Some(BTreeMap::new()),
            path: Vec::new(),
            root: root.into(),
            extra_sites: Vec::new(),
            sites: OnceLock::new(),
            read: Mutex::new(BTreeSet::new()),
        }
    }

    /// Sets a variable (fake probes only; ignored on the real environment).
    pub fn with_env(mut self, var: &str, value: impl Into<OsString>) -> Probe {
        if let Some(env) = &mut self.env {
            env.insert(var.to_string(), value.into());
        }
        self
    }

    /// Appends a directory to the `PATH` searched.
    pub fn with_path_dir(mut self, dir: impl Into<PathBuf>) -> Probe {
        self.path.push(dir.into());
        self
    }

    /// Adds a Python package directory (a `site-packages`) to search.
    pub fn with_python_site(mut self, dir: impl Into<PathBuf>) -> Probe {
        self.extra_sites.push(dir.into());
        self
    }

    /// Every variable read so far (set or not), sorted.
    pub fn vars_read(&self) -> Vec<String> {
        self.read
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// A variable's value; empty counts as unset.
    pub(crate) fn var(&self, name: &str) -> Option<OsString> {
        if let Ok(mut read) = self.read.lock() {
            read.insert(name.to_string());
        }
        let value = match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var_os(name),
        };
        value.filter(|v| !v.is_empty())
    }

    /// An absolute well-known path below the probe's root.
    pub(crate) fn well_known(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// `name` searched on the probe's `PATH`.
    pub(crate) fn which(&self, name: &str) -> Option<PathBuf> {
        let paths = std::env::join_paths(&self.path).ok()?;
        which::which_in(name, Some(paths), &self.root).ok()
    }

    /// The per-user toolchain home and whether `IREE_TOOLCHAIN_HOME` chose it.
    pub(crate) fn home(&self) -> Option<home::Home> {
        home::resolve(|v| self.var(v))
    }

    /// The Python package directories a `pip install` may have used, in the
    /// order Python itself would search them, each once.
    pub(crate) fn python_sites(&self) -> &[PathBuf] {
        self.sites.get_or_init(|| {
            let mut dirs = Vec::new();
            if let Some(venv) = self.var("VIRTUAL_ENV") {
                dirs.extend(site_packages_below(
                    Path::new(&venv),
                    "lib",
                    "site-packages",
                ));
            }
            // python3 knows its own layout best: its purelib/platlib, the
            // user site and sys.path (PYTHONPATH, a `--prefix` on it).
            self.var("PYTHONPATH");
            self.var("PYTHONUSERBASE");
            if let Some(python) = self.which("python3") {
                dirs.extend(ask_python(&python));
            }
            // The usual layouts, for when python3 is not on PATH.
            if let Some(home) = self.var("HOME") {
                dirs.extend(site_packages_below(
                    &Path::new(&home).join(".local"),
                    "lib",
                    "site-packages",
                ));
            }
            let local = self.well_known("/usr/local");
            dirs.extend(site_packages_below(&local, "lib", "dist-packages"));
            dirs.extend(site_packages_below(&local, "lib", "site-packages"));
            dirs.push(self.well_known("/usr/lib/python3/dist-packages"));
            dirs.extend(self.extra_sites.iter().cloned());
            // sys.path also holds the standard library (`lib/python3.11`,
            // `lib-dynload`, zips): only package directories can hold a wheel.
            let packages = |d: &Path| {
                d.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("-packages"))
            };
            let mut seen = BTreeSet::new();
            dirs.retain(|d| d.is_absolute() && packages(d) && d.is_dir() && seen.insert(d.clone()));
            dirs
        })
    }
}

/// What python3 says its package directories are.
const PYTHON_SITES: &str = "import site, sys, sysconfig\n\
p = sysconfig.get_paths()\n\
dirs = [p.get('purelib'), p.get('platlib')]\n\
try:\n    dirs.append(site.getusersitepackages())\nexcept Exception:\n    pass\n\
print('\\n'.join(d for d in dirs + sys.path if d))";

fn ask_python(python: &Path) -> Vec<PathBuf> {
    match Command::new(python).args(["-c", PYTHON_SITES]).output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(PathBuf::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// `<prefix>/<lib>/python3.*/<leaf>`, newest Python first.
fn site_packages_below(prefix: &Path, lib: &str, leaf: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(prefix.join(lib)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .map(|e| e.path().join(leaf))
        .filter(|d| d.is_dir())
        .collect();
    found.sort();
    found.reverse();
    found
}

/// Finds the cargo target directory above `start`: the first ancestor that
/// cargo marked with `CACHEDIR.TAG`, else the parent of a `debug`/`release`
/// profile directory.
pub(crate) fn cargo_target_dir_above(start: &Path) -> Option<PathBuf> {
    if let Some(dir) = start.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file()) {
        return Some(dir.to_path_buf());
    }
    start
        .ancestors()
        .find(|d| {
            matches!(
                d.file_name().and_then(|n| n.to_str()),
                Some("debug" | "release")
            )
        })
        .and_then(|d| d.parent())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_from_out_dir() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("target/debug/build/x-123/out");
        std::fs::create_dir_all(&out).unwrap();
        assert_eq!(
            cargo_target_dir_above(&out).unwrap(),
            t.path().join("target")
        );
        std::fs::write(t.path().join("target/CACHEDIR.TAG"), "").unwrap();
        assert_eq!(
            cargo_target_dir_above(&out).unwrap(),
            t.path().join("target")
        );
    }

    #[test]
    fn sites_of_a_virtualenv_and_the_user_site_layout() {
        let t = tempfile::tempdir().unwrap();
        let venv = t.path().join("venv/lib/python3.11/site-packages");
        let user = t.path().join("home/.local/lib/python3.12/site-packages");
        std::fs::create_dir_all(&venv).unwrap();
        std::fs::create_dir_all(&user).unwrap();
        let probe = Probe::fake(t.path())
            .with_env("VIRTUAL_ENV", t.path().join("venv"))
            .with_env("HOME", t.path().join("home"));
        assert_eq!(probe.python_sites(), [venv, user]);
        assert!(probe.vars_read().contains(&"VIRTUAL_ENV".to_string()));
    }
}
