//! The per-user toolchain home: where `iree-build provision` installs the
//! PyPI pieces (`pip install --target`), and where discovery looks for them
//! from any crate, with no variable set.
//!
//! It is `$IREE_TOOLCHAIN_HOME` when set, else `$XDG_CACHE_HOME/iree-rs`,
//! else `$HOME/.cache/iree-rs`: a cache in the XDG sense (everything in it
//! can be installed again), shared by every crate and checkout of the user.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The variable that moves the home elsewhere.
pub const HOME_ENV: &str = "IREE_TOOLCHAIN_HOME";

/// The directory below `$XDG_CACHE_HOME` (or `~/.cache`).
const DIR_NAME: &str = "iree-rs";

/// Where the wheel's files live below a home (`pip install --target`) or a
/// `site-packages` (plain `pip install`).
pub const WHEEL_NVCC: &str = "nvidia/cuda_nvcc";
/// Where `nvidia-cuda-runtime-cu12` puts its files (`include/cuda_runtime.h`).
pub const WHEEL_CUDA_RUNTIME: &str = "nvidia/cuda_runtime";
/// Where `nvidia-cuda-cccl-cu12` puts its files (`include/cub`, `include/nv`).
pub const WHEEL_CCCL: &str = "nvidia/cuda_cccl";

/// The toolchain home and how it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    /// The directory (it may not exist yet).
    pub dir: PathBuf,
    /// True when `IREE_TOOLCHAIN_HOME` named it.
    pub from_env: bool,
}

/// The home as `var` (an environment lookup; empty means unset) gives it.
/// `None` when there is neither `IREE_TOOLCHAIN_HOME`, nor an absolute
/// `XDG_CACHE_HOME`, nor `HOME`.
pub fn resolve(var: impl Fn(&str) -> Option<OsString>) -> Option<Home> {
    if let Some(dir) = var(HOME_ENV) {
        let dir = PathBuf::from(dir);
        return Some(Home {
            dir: std::path::absolute(&dir).unwrap_or(dir),
            from_env: true,
        });
    }
    // The XDG spec says a relative XDG_CACHE_HOME is to be ignored.
    let xdg = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let cache = xdg.or_else(|| var("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(Home {
        dir: cache.join(DIR_NAME),
        from_env: false,
    })
}

/// The home of this process's environment.
pub fn current() -> Option<Home> {
    resolve(|v| std::env::var_os(v).filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |v| {
            pairs
                .iter()
                .find(|(k, _)| *k == v)
                .map(|(_, x)| OsString::from(x))
        }
    }

    #[test]
    fn explicit_then_xdg_then_home() {
        let all = [
            ("IREE_TOOLCHAIN_HOME", "/t/home"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(
            resolve(env(&all)),
            Some(Home {
                dir: "/t/home".into(),
                from_env: true
            })
        );
        assert_eq!(
            resolve(env(&all[1..])).unwrap().dir,
            PathBuf::from("/x/iree-rs")
        );
        assert_eq!(
            resolve(env(&all[2..])).unwrap().dir,
            PathBuf::from("/h/.cache/iree-rs")
        );
        // A relative XDG_CACHE_HOME is ignored, as the spec says.
        let rel = [("XDG_CACHE_HOME", "rel"), ("HOME", "/h")];
        assert_eq!(
            resolve(env(&rel)).unwrap().dir,
            PathBuf::from("/h/.cache/iree-rs")
        );
        assert_eq!(resolve(env(&[])), None);
    }
}
