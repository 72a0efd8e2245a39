//! The search for each piece, most explicit source first (the table in
//! `docs/TOOLCHAIN.md` is this file in words).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::home::{HOME_ENV, WHEEL_CCCL, WHEEL_CUDA_RUNTIME, WHEEL_NVCC};
use super::probe::Probe;
use super::search::{has_files, is_bitcode_dir, is_file, is_hip_include, Found, Search, Step};
use super::version::{llvm_header_version, major, tool_version};
use super::{Located, Missing, Origin, Tool};

pub(crate) fn find_clang(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::Clang, &accept_clang);
    search! { s;
        s.env_file("CLANG");
        s.env_dir("HIP_CLANG_PATH", &["clang-19", "clang"]);
        s.env_dir("ROCM_PATH", &["llvm/bin/clang"]);
        s.path(&["clang-19", "clang"]);
        s.well_known(&p.well_known("/usr/lib/llvm-19/bin"), &["clang"]);
        s.well_known(&p.well_known("/opt/rocm/llvm/bin"), &["clang"]);
    }
}

/// A clang whose version says it is older than 19 is not used (our flags and
/// the device libraries need 19); one that cannot tell is given the benefit
/// of the doubt.
fn accept_clang(path: &Path) -> Result<(), String> {
    is_file(path)?;
    if let Some(v) = tool_version(path) {
        let major: Option<u32> = v.split('.').next().and_then(|m| m.parse().ok());
        if let Some(major) = major {
            if major < 19 {
                return Err(format!("version {v}, need 19 or newer"));
            }
        }
    }
    Ok(())
}

pub(crate) fn find_lld(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::Lld, &is_file);
    search! { s;
        s.env_file("LLD");
        s.env_dir("HIP_CLANG_PATH", &["ld.lld"]);
        s.env_dir("ROCM_PATH", &["llvm/bin/ld.lld"]);
        s.path(&["ld.lld-19", "ld.lld"]);
        s.well_known(&p.well_known("/usr/lib/llvm-19/bin"), &["ld.lld"]);
        s.well_known(&p.well_known("/opt/rocm/llvm/bin"), &["ld.lld"]);
    }
}

pub(crate) fn find_device_libs(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::DeviceLibs, &is_bitcode_dir);
    search! { s;
        s.env_dir("HIP_DEVICE_LIB_PATH", &[""]);
        s.env_dir("ROCM_PATH", &["amdgcn/bitcode", "lib/llvm/amdgcn/bitcode"]);
        s.well_known(&p.well_known("/opt/rocm"), &["amdgcn/bitcode"]);
        s.well_known(&p.well_known("/usr/lib/x86_64-linux-gnu"), &["amdgcn/bitcode"]);
        s.well_known(&p.well_known("/usr/lib"), &["amdgcn/bitcode"]);
    }
}

pub(crate) fn find_hip_include(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::HipInclude, &is_hip_include);
    search! { s;
        s.env_dir("HIP_PATH", &["include"]);
        s.env_dir("ROCM_PATH", &["include"]);
        s.well_known(&p.well_known("/opt/rocm"), &["include"]);
        s.well_known(&p.well_known("/usr"), &["include"]);
    }
}

/// `rel` below the toolchain home when `IREE_TOOLCHAIN_HOME` names it: an
/// explicit choice, so it is searched first.
fn explicit_home(s: &mut Search<'_>, p: &Probe, rel: &str) -> Step {
    match p.home() {
        Some(h) if h.from_env => s.within(&h.dir, &[rel], || Origin::Env(HOME_ENV.into())),
        _ => {
            s.looked.push(format!("${HOME_ENV} (not set)"));
            Step::Next
        }
    }
}

/// `rel` below the default toolchain home (where `iree-build provision`
/// installs), then below each Python package directory (a plain `pip
/// install`, the user site, a virtualenv).
fn pip_installs(s: &mut Search<'_>, p: &Probe, rel: &str) -> Step {
    if let Some(h) = p.home().filter(|h| !h.from_env) {
        let step = s.within(&h.dir, &[rel], || Origin::Home(h.dir.clone()));
        if !matches!(step, Step::Next) {
            return step;
        }
    }
    // Only now, when the home did not have it: this may run python3.
    let sites = p.python_sites();
    if sites.is_empty() {
        s.looked
            .push("Python package directories (none found)".into());
    }
    sites
        .iter()
        .map(|site| s.within(site, &[rel], || Origin::PythonSite(site.clone())))
        .find(|step| !matches!(step, Step::Next))
        .unwrap_or(Step::Next)
}

pub(crate) fn find_ptxas(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::Ptxas, &is_file);
    let rel = format!("{WHEEL_NVCC}/bin/ptxas");
    search! { s;
        explicit_home(&mut s, p, &rel);
        s.env_dir("CUDA_PATH", &["bin/ptxas"]);
        s.path(&["ptxas"]);
        pip_installs(&mut s, p, &rel);
        s.well_known(&p.well_known("/usr/local/cuda"), &["bin/ptxas"]);
    }
}

/// `libdevice.10.bc` of the install `ptxas` came from: `<root>/bin/ptxas`
/// ships with `<root>/nvvm/libdevice` in both the SDK and the wheel (a
/// ptxas on PATH may be a symlink into such a root).
fn beside_ptxas(s: &mut Search<'_>, ptxas: Option<&Located>) -> Step {
    let Some(l) = ptxas else {
        return Step::Next;
    };
    let mut roots: Vec<PathBuf> = Vec::new();
    for exe in [Some(l.path.clone()), std::fs::canonicalize(&l.path).ok()]
        .into_iter()
        .flatten()
    {
        if let Some(root) = exe.parent().and_then(Path::parent) {
            if !roots.iter().any(|r| r == root) {
                roots.push(root.to_path_buf());
            }
        }
    }
    for root in roots {
        let path = root.join("nvvm/libdevice/libdevice.10.bc");
        if path.is_file() {
            return Step::Found(Located {
                path,
                version: None,
                origin: l.origin.clone(),
            });
        }
        s.looked
            .push(format!("beside ptxas: {} (does not exist)", path.display()));
    }
    Step::Next
}

pub(crate) fn find_libdevice(p: &Probe, ptxas: Option<&Located>) -> Found {
    let mut s = Search::new(p, Tool::Libdevice, &is_file);
    let rel = format!("{WHEEL_NVCC}/nvvm/libdevice/libdevice.10.bc");
    search! { s;
        explicit_home(&mut s, p, &rel);
        s.env_dir("CUDA_PATH", &["nvvm/libdevice/libdevice.10.bc"]);
        beside_ptxas(&mut s, ptxas);
        pip_installs(&mut s, p, &rel);
        s.well_known(&p.well_known("/usr/local/cuda"), &["nvvm/libdevice/libdevice.10.bc"]);
        s.well_known(&p.well_known("/usr/lib/nvidia-cuda-toolkit"), &["libdevice/libdevice.10.bc"]);
    }
}

/// What makes a directory CUDA's device headers: the runtime header, the
/// half and bfloat16 types, cooperative groups (CUDA's SDK `include` and the
/// `nvidia-cuda-runtime-cu12` wheel both have them).
const CUDA_HEADER_FILES: &[&str] = &[
    "cuda_runtime.h",
    "cuda.h",
    "cuda_fp16.h",
    "cuda_bf16.h",
    "cooperative_groups.h",
];

pub(crate) fn find_cuda_headers(p: &Probe) -> Found {
    let accept = |d: &Path| has_files(d, CUDA_HEADER_FILES);
    let mut s = Search::new(p, Tool::CudaHeaders, &accept);
    let rel = format!("{WHEEL_CUDA_RUNTIME}/include");
    search! { s;
        explicit_home(&mut s, p, &rel);
        s.env_dir("CUDA_PATH", &["include"]);
        pip_installs(&mut s, p, &rel);
        s.well_known(&p.well_known("/usr/local/cuda"), &["include"]);
    }
}

/// The `include` of the install `libdevice` came from
/// (`<root>/nvvm/libdevice/libdevice.10.bc` → `<root>/include`): the nvcc
/// wheel ships its `crt/` there, as the SDK does.
fn beside_libdevice(s: &mut Search<'_>, libdevice: Option<&Located>) -> Step {
    let Some(l) = libdevice else {
        return Step::Next;
    };
    let Some(root) = l.path.ancestors().nth(3) else {
        return Step::Next;
    };
    let origin = l.origin.clone();
    s.try_candidate(root.join("include"), || origin, "beside libdevice: ")
        .unwrap_or(Step::Next)
}

pub(crate) fn find_cuda_crt(p: &Probe, libdevice: Option<&Located>) -> Found {
    let accept = |d: &Path| has_files(d, &["crt/host_config.h", "crt/host_defines.h"]);
    let mut s = Search::new(p, Tool::CudaCrt, &accept);
    let rel = format!("{WHEEL_NVCC}/include");
    search! { s;
        explicit_home(&mut s, p, &rel);
        s.env_dir("CUDA_PATH", &["include"]);
        beside_libdevice(&mut s, libdevice);
        pip_installs(&mut s, p, &rel);
        s.well_known(&p.well_known("/usr/local/cuda"), &["include"]);
    }
}

pub(crate) fn find_cccl(p: &Probe) -> Found {
    let accept = |d: &Path| has_files(d, &["nv/target", "cub/cub.cuh", "cuda/std/version"]);
    let mut s = Search::new(p, Tool::Cccl, &accept);
    let rel = format!("{WHEEL_CCCL}/include");
    search! { s;
        explicit_home(&mut s, p, &rel);
        s.env_dir("CUDA_PATH", &["include"]);
        pip_installs(&mut s, p, &rel);
        s.well_known(&p.well_known("/usr/local/cuda"), &["include"]);
    }
}

/// LLVM's C++ headers for a pass plugin loaded by `clang`: an explicit
/// `IREE_LLVM_INCLUDE` decides; then what `llvm-config --includedir` says
/// (`$LLVM_CONFIG`, then `llvm-config-19` and `llvm-config` on PATH); then
/// `include` beside clang's own install (`/usr/bin/clang-19` resolves into
/// `/usr/lib/llvm-19/bin`); then Debian's `/usr/lib/llvm-19/include`.
///
/// A plugin only loads into the clang whose LLVM it was compiled against,
/// so headers of another major version than clang's are passed over.
pub(crate) fn find_llvm_include(p: &Probe, clang: Option<&Located>) -> Found {
    let clang_major = clang.and_then(|c| c.version.as_deref()).and_then(major);
    let accept = move |dir: &Path| -> Result<(), String> {
        if !dir.join("llvm/Passes/PassPlugin.h").is_file() {
            return Err("no llvm/Passes/PassPlugin.h in it".into());
        }
        match (clang_major, llvm_header_version(dir)) {
            (Some(want), Some(have)) if major(&have) != Some(want) => {
                Err(format!("LLVM {have} headers, but clang is version {want}"))
            }
            _ => Ok(()),
        }
    };
    let mut s = Search::new(p, Tool::LlvmInclude, &accept);
    search! { s;
        s.env_file("IREE_LLVM_INCLUDE");
        match p.var("LLVM_CONFIG") {
            None => {
                s.looked.push("$LLVM_CONFIG (not set)".into());
                Step::Next
            }
            Some(v) if !Path::new(&v).is_file() => {
                let path = PathBuf::from(v);
                s.looked.push(format!("$LLVM_CONFIG={} (does not exist)", path.display()));
                Step::Stop(Missing {
                    tool: Tool::LlvmInclude,
                    looked: std::mem::take(&mut s.looked),
                    bad_env: Some(("LLVM_CONFIG".into(), path)),
                    home: None,
                    with: Vec::new(),
                })
            }
            Some(v) => s.llvm_config(Path::new(&v), || Origin::Env("LLVM_CONFIG".into()), "$LLVM_CONFIG --includedir: "),
        };
        {
            let mut step = Step::Next;
            for name in ["llvm-config-19", "llvm-config"] {
                match p.which(name) {
                    Some(tool) => {
                        step = s.llvm_config(&tool, || Origin::Path, &format!("PATH: {name} --includedir: "));
                        if !matches!(step, Step::Next) {
                            break;
                        }
                    }
                    None => s.looked.push(format!("PATH: {name} (not found)")),
                }
            }
            step
        };
        {
            let debian = p.well_known("/usr/lib/llvm-19");
            let real = clang.and_then(|c| std::fs::canonicalize(&c.path).ok());
            match real.as_deref().and_then(Path::parent).and_then(Path::parent) {
                Some(prefix) if prefix != debian => s.well_known(prefix, &["include"]),
                _ => Step::Next,
            }
        };
        s.well_known(&p.well_known("/usr/lib/llvm-19"), &["include"]);
    }
}

impl Search<'_> {
    /// `<llvm-config> --includedir`, tried as a candidate.
    fn llvm_config(
        &mut self,
        tool: &Path,
        origin: impl FnOnce() -> Origin,
        looked_as: &str,
    ) -> Step {
        let out = Command::new(tool).arg("--includedir").output();
        match out {
            Ok(o) if o.status.success() => {
                let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
                self.try_candidate(dir, origin, looked_as)
                    .unwrap_or(Step::Next)
            }
            _ => {
                self.looked
                    .push(format!("{looked_as}{} (did not answer)", tool.display()));
                Step::Next
            }
        }
    }
}
