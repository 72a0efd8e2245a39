//! Where a build's settings come from, in cargo's conventions.
//!
//! Targets: `IREE_BUILD_TARGETS` (comma-separated) overrides everything, then
//! the list given to `Build::targets`, then `[package.metadata.iree] targets`
//! in the crate's Cargo.toml, then [`DEFAULT_TARGETS`]. Every variable read is
//! recorded so the build script can emit `cargo:rerun-if-env-changed` for it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::target::TargetId;

/// What a crate builds for when nothing says otherwise: the gfx1100 of IREE's custom_dispatch sample,
/// the common data-centre parts of both vendors, and the host so the program
/// runs anywhere.
pub const DEFAULT_TARGETS: &[&str] = &["gfx90a", "gfx942", "gfx1100", "sm_80", "sm_90", "host"];

/// Environment access that remembers what it read.
///
/// Build scripts must tell cargo which variables they depend on, or cargo
/// will not rerun them when one changes; reading through this type makes
/// forgetting one impossible.
#[derive(Debug, Default)]
pub struct Env {
    overrides: Option<Vec<(String, String)>>,
    read: RefCell<Vec<String>>,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Env {
        Env::default()
    }

    /// A fixed environment, for tests.
    pub fn fixed<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Env {
        Env {
            overrides: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
            read: RefCell::default(),
        }
    }

    /// The value of `key`, if set and valid UTF-8; records the read.
    pub fn var(&self, key: &str) -> Option<String> {
        let mut read = self.read.borrow_mut();
        if !read.iter().any(|k| k == key) {
            read.push(key.to_string());
        }
        match &self.overrides {
            Some(vars) => vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            None => std::env::var(key).ok(),
        }
    }

    /// Whether `key` is set to something other than empty, `0` or `false`.
    pub fn flag(&self, key: &str) -> bool {
        self.var(key)
            .is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    /// Every variable read so far, in first-read order.
    pub fn read_vars(&self) -> Vec<String> {
        self.read.borrow().clone()
    }

    /// The value of `key` (lossily decoded), without recording the read:
    /// for variables whose `rerun-if-env-changed` lines come from elsewhere
    /// ([`crate::compile::ENV_VARS`]) or that cargo fixes for a build
    /// script (`TARGET`, `HOST`).
    fn peek(&self, key: &str) -> Option<String> {
        match &self.overrides {
            Some(vars) => vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            None => std::env::var_os(key).map(|v| v.to_string_lossy().into_owned()),
        }
    }
}

/// Everything a build reads from the environment, read once at the start
/// of `Build::try_compile` and handed to the stages, so no stage reads the
/// process environment behind the build's back (and the
/// `cargo:rerun-if-env-changed` list is complete by construction).
#[derive(Clone, Debug, Default)]
pub struct BuildEnv {
    /// `CARGO_MANIFEST_DIR`.
    pub manifest_dir: Option<PathBuf>,
    /// `OUT_DIR`.
    pub out_dir: Option<PathBuf>,
    /// `CARGO_PKG_NAME`.
    pub pkg_name: Option<String>,
    /// `IREE_BUILD_TARGETS`, as written.
    pub targets: Option<String>,
    /// `DOCS_RS`: compile nothing.
    pub docs_rs: bool,
    /// `IREE_BUILD_ALLOW_MISSING`: skip targets whose tools are missing.
    pub allow_missing: bool,
    /// `IREE_BUILD_DUMP` (`crate::dump::DUMP_ENV`), as written.
    pub dump: Option<String>,
    /// `IREE_HOST_LOCKSTEP` ([`crate::compile::plugin::ENV_VAR`]).
    pub lockstep: Option<String>,
    /// `IREE_BUILD_LLVM` (feature `llvm`), or `Build::llvm`.
    pub llvm: bool,
    /// What single compile jobs read.
    pub compile: CompileEnv,
    /// The variables read through [`Env`], for `rerun-if-env-changed`.
    pub read_vars: Vec<String>,
}

impl BuildEnv {
    /// Reads the process environment.
    pub fn from_process() -> BuildEnv {
        BuildEnv::read(&Env::from_process(), false)
    }

    /// Reads every variable a build uses from `env`. `llvm_asked` is
    /// `Build::llvm`: when set, `IREE_BUILD_LLVM` is not consulted.
    pub fn read(env: &Env, llvm_asked: bool) -> BuildEnv {
        let path = |key| env.var(key).map(PathBuf::from);
        let manifest_dir = path("CARGO_MANIFEST_DIR");
        let out_dir = path("OUT_DIR");
        let pkg_name = env.var("CARGO_PKG_NAME");
        let targets = env.var(TARGETS_ENV);
        let docs_rs = env.flag("DOCS_RS");
        let allow_missing = env.flag("IREE_BUILD_ALLOW_MISSING");
        let dump = env.var(crate::dump::DUMP_ENV);
        let lockstep = env.var(crate::compile::plugin::ENV_VAR);
        let llvm = llvm_asked || (cfg!(feature = "llvm") && env.flag("IREE_BUILD_LLVM"));
        BuildEnv {
            manifest_dir,
            out_dir,
            pkg_name,
            targets,
            docs_rs,
            allow_missing,
            dump,
            lockstep,
            llvm,
            compile: CompileEnv::read(env),
            read_vars: env.read_vars(),
        }
    }
}

/// What one compile job reads from the environment: the variables clang
/// itself reads (part of the cache key) and cargo's cross-compilation
/// target for host objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompileEnv {
    /// Each of [`crate::compile::ENV_VARS`] that is set, with its value.
    pub clang_vars: Vec<(String, String)>,
    /// cargo's `TARGET` when it differs from `HOST`: host kernels run there.
    pub cross_target: Option<String>,
}

impl CompileEnv {
    /// Reads the process environment.
    pub fn from_process() -> CompileEnv {
        CompileEnv::read(&Env::from_process())
    }

    /// Reads from `env` (unrecorded: cargo's `rerun-if-env-changed` for
    /// these comes from [`crate::compile::ENV_VARS`]).
    pub fn read(env: &Env) -> CompileEnv {
        let clang_vars = crate::compile::ENV_VARS
            .iter()
            .filter_map(|&k| env.peek(k).map(|v| (k.to_string(), v)))
            .collect();
        let cross_target = match (env.peek("TARGET"), env.peek("HOST")) {
            (Some(target), Some(host)) if target != host => Some(target),
            _ => None,
        };
        CompileEnv {
            clang_vars,
            cross_target,
        }
    }
}

/// The variable that overrides every other source of the target list.
pub const TARGETS_ENV: &str = "IREE_BUILD_TARGETS";

/// Why the target list is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A target id that does not parse, with where it came from.
    #[error("{origin}: {source}")]
    BadTarget {
        /// `IREE_BUILD_TARGETS`, `Build::targets` or the Cargo.toml path.
        origin: String,
        /// What is wrong with it.
        source: crate::target::TargetIdError,
    },
    /// The list is empty.
    #[error("{0}: no targets given; name at least one (e.g. `host`)")]
    NoTargets(String),
    /// Cargo.toml could not be read or parsed.
    #[error("{path}: {message}")]
    Manifest {
        /// The Cargo.toml.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Resolves the target list by the precedence in the module docs.
pub fn resolve_targets(
    env: &Env,
    from_builder: Option<&[String]>,
    crate_dir: &Path,
) -> Result<Vec<TargetId>, ConfigError> {
    resolve_target_list(env.var(TARGETS_ENV).as_deref(), from_builder, crate_dir)
}

/// [`resolve_targets`] with `IREE_BUILD_TARGETS` already read (`from_env`).
pub fn resolve_target_list(
    from_env: Option<&str>,
    from_builder: Option<&[String]>,
    crate_dir: &Path,
) -> Result<Vec<TargetId>, ConfigError> {
    let (origin, list): (String, Vec<String>) = if let Some(v) = from_env {
        (TARGETS_ENV.into(), split_list(v))
    } else if let Some(list) = from_builder {
        ("Build::targets".into(), list.to_vec())
    } else if let Some((path, list)) = metadata_targets(crate_dir)? {
        (
            format!("{} [package.metadata.iree] targets", path.display()),
            list,
        )
    } else {
        (
            "default targets".into(),
            DEFAULT_TARGETS.iter().map(|s| s.to_string()).collect(),
        )
    };
    if list.is_empty() {
        return Err(ConfigError::NoTargets(origin));
    }
    let mut targets: Vec<TargetId> = Vec::new();
    for item in list {
        let t = item.parse().map_err(|source| ConfigError::BadTarget {
            origin: origin.clone(),
            source,
        })?;
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    Ok(targets)
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `[package.metadata.iree] targets = [...]` of the crate's Cargo.toml.
fn metadata_targets(crate_dir: &Path) -> Result<Option<(PathBuf, Vec<String>)>, ConfigError> {
    let path = crate_dir.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let targets = doc
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("iree"))
        .and_then(|i| i.get("targets"));
    let Some(targets) = targets else {
        return Ok(None);
    };
    let bad = || {
        ConfigError::Manifest {
        path: path.clone(),
        message: "[package.metadata.iree] targets must be an array of strings, e.g. [\"gfx1100\", \"host\"]".into(),
    }
    };
    let list = targets
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(String::from).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((path, list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &[TargetId]) -> Vec<String> {
        t.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn env_overrides_builder_overrides_metadata_overrides_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.iree]\ntargets = [\"gfx90a\", \"host\"]\n",
        )
        .unwrap();
        let builder = vec!["sm_80".to_string()];

        let env = Env::fixed([("IREE_BUILD_TARGETS", "gfx1100, host")]);
        let t = resolve_targets(&env, Some(&builder), dir.path()).unwrap();
        assert_eq!(names(&t), ["gfx1100", "host"]);
        assert!(env.read_vars().contains(&"IREE_BUILD_TARGETS".to_string()));

        let env = Env::fixed(Vec::<(String, String)>::new());
        let t = resolve_targets(&env, Some(&builder), dir.path()).unwrap();
        assert_eq!(names(&t), ["sm_80"]);
        let t = resolve_targets(&env, None, dir.path()).unwrap();
        assert_eq!(names(&t), ["gfx90a", "host"]);

        let empty = tempfile::tempdir().unwrap();
        let t = resolve_targets(&env, None, empty.path()).unwrap();
        assert_eq!(names(&t), DEFAULT_TARGETS);
    }

    #[test]
    fn bad_targets_name_their_origin() {
        let env = Env::fixed([("IREE_BUILD_TARGETS", "gfx1100,gfx9999")]);
        let err = resolve_targets(&env, None, Path::new("/nonexistent")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("IREE_BUILD_TARGETS: "), "{text}");
        assert!(text.contains("gfx9999"), "{text}");
        let env = Env::fixed([("IREE_BUILD_TARGETS", " , ")]);
        assert!(matches!(
            resolve_targets(&env, None, Path::new("/nonexistent")),
            Err(ConfigError::NoTargets(_))
        ));
    }

    #[test]
    fn duplicates_are_dropped_in_order() {
        let env = Env::fixed([("IREE_BUILD_TARGETS", "host,gfx90a,host")]);
        let t = resolve_targets(&env, None, Path::new("/nonexistent")).unwrap();
        assert_eq!(names(&t), ["host", "gfx90a"]);
    }

    #[test]
    fn the_build_env_reads_everything_once_and_records_ours() {
        let env = Env::fixed([
            ("OUT_DIR", "/out"),
            ("DOCS_RS", "1"),
            ("IREE_HOST_LOCKSTEP", "0"),
            ("CPATH", "/inc"),
            ("TARGET", "aarch64-unknown-linux-gnu"),
            ("HOST", "x86_64-unknown-linux-gnu"),
        ]);
        let b = BuildEnv::read(&env, false);
        assert_eq!(b.out_dir.as_deref(), Some(Path::new("/out")));
        assert!(b.docs_rs && !b.allow_missing && !b.llvm);
        assert_eq!(b.lockstep.as_deref(), Some("0"));
        assert_eq!(b.compile.clang_vars, [("CPATH".into(), "/inc".into())]);
        assert_eq!(
            b.compile.cross_target.as_deref(),
            Some("aarch64-unknown-linux-gnu")
        );
        for v in [
            "OUT_DIR",
            "DOCS_RS",
            TARGETS_ENV,
            "IREE_HOST_LOCKSTEP",
            "IREE_BUILD_DUMP",
        ] {
            assert!(b.read_vars.iter().any(|r| r == v), "{v} not recorded");
        }
        // cargo's TARGET/HOST and clang's variables have their own lines.
        assert!(!b.read_vars.iter().any(|r| r == "TARGET" || r == "CPATH"));
        let native = Env::fixed([("TARGET", "x"), ("HOST", "x")]);
        assert_eq!(CompileEnv::read(&native).cross_target, None);
    }

    #[test]
    fn flags_understand_the_usual_spellings() {
        let env = Env::fixed([
            ("A", "1"),
            ("B", "0"),
            ("C", ""),
            ("D", "false"),
            ("E", "yes"),
        ]);
        assert!(env.flag("A") && env.flag("E"));
        assert!(!env.flag("B") && !env.flag("C") && !env.flag("D") && !env.flag("Z"));
    }
}
