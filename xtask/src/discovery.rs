//! TEMPORARY stand-in for `iree_build::toolchain`, shaped exactly like the
//! contract in docs/ARCHITECTURE.md (`Toolchain::discover()`, `Located`,
//! `Origin`). It exists only until the `compile` branch lands its real
//! discovery; then this file is deleted and `tools::inventory` reads
//! `iree_build::toolchain::Toolchain` instead. Keep it minimal.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a tool was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// From the named environment variable.
    Env(String),
    /// From `PATH`.
    Path,
    /// From a well-known directory.
    WellKnown(PathBuf),
}

/// A found tool or directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file or directory.
    pub path: PathBuf,
    /// Its version, when it says one.
    pub version: Option<String>,
    /// Where it came from.
    pub origin: Origin,
}

/// Every piece of the kernel toolchain; `None` means not found.
#[derive(Debug, Clone, Default)]
pub struct Toolchain {
    /// clang-19.
    pub clang: Option<Located>,
    /// ld.lld.
    pub lld: Option<Located>,
    /// ROCm device bitcode directory.
    pub device_libs: Option<Located>,
    /// HIP include directory (holds `hip/hip_runtime.h`).
    pub hip_include: Option<Located>,
    /// ptxas.
    pub ptxas: Option<Located>,
    /// libdevice.10.bc.
    pub libdevice: Option<Located>,
}

impl Toolchain {
    /// Looks everything up; never fails.
    pub fn discover() -> Toolchain {
        let tc_dir = env::var_os("IREE_TOOLCHAIN_DIR").map(PathBuf::from);
        let nvcc = tc_dir.map(|d| d.join("nvidia/cuda_nvcc"));
        Toolchain {
            clang: file_env("CLANG")
                .or_else(|| on_path(&["clang-19"]))
                .or_else(|| well_known(&["/usr/lib/llvm-19/bin/clang", "/opt/rocm/llvm/bin/clang"]))
                .map(|l| versioned(l, &["--version"], true)),
            lld: file_env("LLD")
                .or_else(|| on_path(&["ld.lld-19", "ld.lld"]))
                .or_else(|| {
                    well_known(&["/usr/lib/llvm-19/bin/ld.lld", "/opt/rocm/llvm/bin/ld.lld"])
                })
                .map(|l| versioned(l, &["--version"], true)),
            device_libs: dir_env("ROCM_PATH", "amdgcn/bitcode").or_else(|| {
                well_known(&[
                    "/usr/lib/x86_64-linux-gnu/amdgcn/bitcode",
                    "/opt/rocm/amdgcn/bitcode",
                ])
            }),
            hip_include: dir_env("HIP_PATH", "include/hip/hip_runtime.h")
                .or_else(|| {
                    well_known(&[
                        "/usr/include/hip/hip_runtime.h",
                        "/opt/rocm/include/hip/hip_runtime.h",
                    ])
                })
                .map(|mut l| {
                    l.path = l
                        .path
                        .parent()
                        .and_then(Path::parent)
                        .unwrap_or(&l.path)
                        .to_path_buf();
                    l
                }),
            ptxas: dir_env("CUDA_PATH", "bin/ptxas")
                .or_else(|| on_path(&["ptxas"]))
                .or_else(|| {
                    nvcc.as_ref()
                        .and_then(|d| well_known_p(d.join("bin/ptxas")))
                })
                .map(|l| versioned(l, &["--version"], false)),
            libdevice: dir_env("CUDA_PATH", "nvvm/libdevice/libdevice.10.bc").or_else(|| {
                nvcc.as_ref()
                    .and_then(|d| well_known_p(d.join("nvvm/libdevice/libdevice.10.bc")))
            }),
        }
    }
}

fn file_env(var: &str) -> Option<Located> {
    let p = PathBuf::from(env::var_os(var)?);
    p.is_file().then(|| Located {
        path: p,
        version: None,
        origin: Origin::Env(var.into()),
    })
}

fn dir_env(var: &str, rel: &str) -> Option<Located> {
    let p = PathBuf::from(env::var_os(var)?).join(rel);
    p.exists().then(|| Located {
        path: p,
        version: None,
        origin: Origin::Env(var.into()),
    })
}

fn on_path(names: &[&str]) -> Option<Located> {
    let path = env::var_os("PATH")?;
    names.iter().find_map(|n| {
        env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
            .map(|p| Located {
                path: p,
                version: None,
                origin: Origin::Path,
            })
    })
}

fn well_known(paths: &[&str]) -> Option<Located> {
    paths.iter().find_map(|p| well_known_p(PathBuf::from(p)))
}

fn well_known_p(p: PathBuf) -> Option<Located> {
    p.exists().then(|| Located {
        origin: Origin::WellKnown(p.parent().unwrap_or(&p).to_path_buf()),
        path: p,
        version: None,
    })
}

fn versioned(mut l: Located, args: &[&str], first_line: bool) -> Located {
    l.version = Command::new(&l.path)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned();
            let line = if first_line {
                s.lines().next()
            } else {
                s.lines().last()
            };
            line.map(|l| l.trim().to_string())
        });
    l
}
