//! A CUDA installation for clang's `--cuda-path`, made of the pieces
//! discovery found.
//!
//! clang's CUDA installation detector takes a directory with `include/`
//! (`cuda_runtime.h`; the version is `CUDA_VERSION` in `include/cuda.h`),
//! `bin/` (it only checks that the directory exists: we compile to PTX and
//! run ptxas ourselves) and `nvvm/libdevice/libdevice.10.bc`. A CUDA SDK is
//! such a directory already and is used as it is. The PyPI wheels split it
//! in three (`nvidia/cuda_runtime/include`, `nvidia/cuda_nvcc/{include,bin,
//! nvvm}`, `nvidia/cuda_cccl/include`), so for them a root of symlinks is
//! made below `OUT_DIR`: `include/` links every top-level entry of the three
//! include dirs, `nvvm/libdevice` the libdevice directory, `bin/ptxas` the
//! ptxas found.
//!
//! The root's directory is named by a hash of what it links (paths and
//! versions), and is built in a temporary directory that is renamed into
//! place: jobs for several `sm_*` of one build (or two builds sharing an
//! `OUT_DIR`) racing to make it all end with the same complete root.

use std::io;
use std::path::{Path, PathBuf};

use crate::cache;
use crate::toolchain::{Located, Toolchain};

/// An empty stand-in for cuRAND's `curand_mtgp32_kernel.h`, which clang's
/// CUDA runtime wrapper includes unconditionally; cuRAND is not a wheel we
/// install, and without it no CUDA source compiles. Linked into a root only
/// when no include dir has the real one.
const CURAND_MTGP32_STANDIN: &str = "\
// Empty stand-in written by iree-build: clang's __clang_cuda_runtime_wrapper.h
// includes cuRAND's curand_mtgp32_kernel.h, which the CUDA runtime and CCCL
// wheels do not ship. Kernels that use cuRAND need its headers on an -I path.
";

/// The CUDA installation one NVIDIA compile uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CudaRoot {
    /// What `--cuda-path` names.
    pub(crate) dir: PathBuf,
    /// What the root is made of, with versions: a cache-key word, so that
    /// other CUDA headers rebuild every NVIDIA object.
    pub(crate) identity: String,
}

/// The pieces a root is made of, as discovery found them.
struct Pieces<'a> {
    headers: &'a Located,
    crt: &'a Located,
    cccl: &'a Located,
    libdevice: &'a Located,
    ptxas: Option<&'a Located>,
}

/// The CUDA root for `tc`'s pieces, made below `out_dir` when they are not
/// one CUDA SDK already. `require_for` an NVIDIA target must have passed.
pub(crate) fn prepare(tc: &Toolchain, out_dir: &Path) -> io::Result<CudaRoot> {
    fn need<'t>(l: Option<&'t Located>, what: &str) -> io::Result<&'t Located> {
        l.ok_or_else(|| io::Error::other(format!("{what} not found (require_for checks it)")))
    }
    let pieces = Pieces {
        headers: need(tc.cuda_headers(), "CUDA headers")?,
        crt: need(tc.cuda_crt(), "CUDA crt headers")?,
        cccl: need(tc.cccl(), "CCCL headers")?,
        libdevice: need(tc.libdevice(), "libdevice")?,
        ptxas: tc.ptxas(),
    };
    let identity = identity(&pieces);
    if let Some(sdk) = sdk_root(&pieces) {
        return Ok(CudaRoot { dir: sdk, identity });
    }
    let dir = out_dir.join("iree-cuda").join(cache::short_hash(&identity));
    if !dir.join("include/cuda_runtime.h").exists() {
        build(&pieces, &dir)?;
    }
    Ok(CudaRoot { dir, identity })
}

/// `<root>` when the three include dirs are all `<root>/include` and
/// libdevice is `<root>/nvvm/libdevice/libdevice.10.bc`: an SDK layout.
fn sdk_root(p: &Pieces<'_>) -> Option<PathBuf> {
    let include = &p.headers.path;
    if p.crt.path != *include || p.cccl.path != *include || !include.ends_with("include") {
        return None;
    }
    let root = include.parent()?;
    (p.libdevice.path == root.join("nvvm/libdevice/libdevice.10.bc") && root.join("bin").is_dir())
        .then(|| root.to_path_buf())
}

/// One line naming every piece, its path and version.
fn identity(p: &Pieces<'_>) -> String {
    let one = |name: &str, l: &Located| {
        format!(
            "{name} {} {}",
            l.path.display(),
            l.version.as_deref().unwrap_or("?")
        )
    };
    let mut parts = vec![
        one("cuda-headers", p.headers),
        one("crt", p.crt),
        one("cccl", p.cccl),
        one("libdevice", p.libdevice),
    ];
    if let Some(ptxas) = p.ptxas {
        parts.push(one("ptxas", ptxas));
    }
    format!("cuda-root 1: {}", parts.join("; "))
}

/// Makes the symlink root at `dir`, through a temporary sibling renamed
/// into place; a root another job renamed there first is as good as ours.
fn build(p: &Pieces<'_>, dir: &Path) -> io::Result<()> {
    let parent = dir.parent().expect("a root below out_dir");
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let made = fill(p, &tmp);
    let result = made.and_then(|()| match std::fs::rename(&tmp, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.join("include/cuda_runtime.h").exists() => Ok(()),
        Err(e) => Err(e),
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// The root's contents, in `tmp`.
fn fill(p: &Pieces<'_>, tmp: &Path) -> io::Result<()> {
    let include = tmp.join("include");
    std::fs::create_dir_all(&include)?;
    std::fs::create_dir_all(tmp.join("bin"))?;
    std::fs::create_dir_all(tmp.join("nvvm"))?;
    let mut dirs: Vec<&Path> = Vec::new();
    for d in [&p.headers.path, &p.crt.path, &p.cccl.path] {
        if !dirs.contains(&d.as_path()) {
            dirs.push(d);
        }
    }
    for d in dirs {
        let mut entries: Vec<_> = std::fs::read_dir(d)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        entries.sort();
        for name in entries {
            if name == "__init__.py" || name == "__pycache__" {
                continue;
            }
            let link = include.join(&name);
            // The first dir with a name wins, as clang's -I order would.
            if link.symlink_metadata().is_err() {
                symlink(&d.join(&name), &link)?;
            }
        }
    }
    let standin = include.join("curand_mtgp32_kernel.h");
    if standin.symlink_metadata().is_err() {
        std::fs::write(standin, CURAND_MTGP32_STANDIN)?;
    }
    let libdevice_dir = p
        .libdevice
        .path
        .parent()
        .expect("libdevice.10.bc has a dir");
    symlink(libdevice_dir, &tmp.join("nvvm/libdevice"))?;
    if let Some(ptxas) = p.ptxas {
        symlink(&ptxas.path, &tmp.join("bin/ptxas"))?;
    }
    Ok(())
}

fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    let target = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
    std::os::unix::fs::symlink(target, link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::Origin;

    fn located(path: PathBuf, version: &str) -> Located {
        Located {
            path,
            version: Some(version.into()),
            origin: Origin::Path,
        }
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn wheels_become_one_root_of_links_and_an_sdk_is_itself() {
        let t = tempfile::tempdir().unwrap();
        let w = t.path().join("site/nvidia");
        for f in [
            "cuda_runtime/include/cuda_runtime.h",
            "cuda_runtime/include/__init__.py",
            "cuda_nvcc/include/crt/host_config.h",
            "cuda_nvcc/bin/ptxas",
            "cuda_nvcc/nvvm/libdevice/libdevice.10.bc",
            "cuda_cccl/include/nv/target",
        ] {
            touch(&w.join(f));
        }
        let (h, c, x, l, b) = (
            located(w.join("cuda_runtime/include"), "12.9.79"),
            located(w.join("cuda_nvcc/include"), "12.9.86"),
            located(w.join("cuda_cccl/include"), "12.9.27"),
            located(w.join("cuda_nvcc/nvvm/libdevice/libdevice.10.bc"), "10"),
            located(w.join("cuda_nvcc/bin/ptxas"), "12.9"),
        );
        let p = Pieces {
            headers: &h,
            crt: &c,
            cccl: &x,
            libdevice: &l,
            ptxas: Some(&b),
        };
        assert_eq!(sdk_root(&p), None);
        let dir = t.path().join("out/root");
        build(&p, &dir).unwrap();
        // A second build (another job) finds it made and leaves it.
        build(&p, &dir).unwrap();
        for f in [
            "include/cuda_runtime.h",
            "include/crt/host_config.h",
            "include/nv/target",
            "include/curand_mtgp32_kernel.h",
            "nvvm/libdevice/libdevice.10.bc",
            "bin/ptxas",
        ] {
            assert!(dir.join(f).exists(), "{f}");
        }
        assert!(!dir.join("include/__init__.py").exists());
        assert!(identity(&p).contains("12.9.79") && identity(&p).contains("12.9.27"));
        let leftovers: Vec<_> = std::fs::read_dir(t.path().join("out")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary dirs left behind");

        // An SDK: all three include dirs are <root>/include.
        let sdk = t.path().join("cuda");
        touch(&sdk.join("bin/ptxas"));
        touch(&sdk.join("nvvm/libdevice/libdevice.10.bc"));
        let inc = located(sdk.join("include"), "12.4");
        let lib = located(sdk.join("nvvm/libdevice/libdevice.10.bc"), "10");
        let p = Pieces {
            headers: &inc,
            crt: &inc,
            cccl: &inc,
            libdevice: &lib,
            ptxas: None,
        };
        assert_eq!(sdk_root(&p), Some(sdk));
    }
}
