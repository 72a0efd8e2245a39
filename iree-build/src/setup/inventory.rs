//! What the toolchain looks like to `iree-build doctor | provision` (and
//! `cargo xtask`): an [`Inventory`] built from the discovery in
//! [`crate::toolchain`] (never a second discovery), and the pure functions
//! that turn it into packages to install or errors to print.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::toolchain::advice::{install_command, Package};
use crate::toolchain::{Located, Tool, Toolchain};

/// One piece of the kernel toolchain: a [`Tool`] that `iree_build::toolchain`
/// discovers, or LLVM 19's development files for the `llvm` feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A piece discovery finds (clang-19, ld.lld, device libs, HIP headers,
    /// ptxas, libdevice, LLVM headers).
    Tool(Tool),
    /// LLVM 19 development files (`llvm-config`), for iree-build's `llvm` feature.
    LlvmDev,
    /// `clang-offload-bundler`, which clang runs itself (from its own
    /// directory) to write multi-target offload bundles; Debian ships it in
    /// `clang-tools-19`, a mere recommendation of `clang-19`.
    OffloadBundler,
    /// clang's AddressSanitizer runtime, for the ASan step of `cargo xtask
    /// test` (the test kernels are built with `-fsanitize=address`); Debian
    /// ships it in `libclang-rt-19-dev`, also only recommended by `clang-19`.
    AsanRuntime,
    /// Debian's `hipcc` (HIP 5.2), for the test that compares iree-build's
    /// AMD code objects with its (`iree-build/tests/amd_hipcc.rs`).
    Hipcc,
}

impl Piece {
    /// A short human name.
    pub fn label(self) -> &'static str {
        match self {
            Piece::Tool(t) => t.name(),
            Piece::LlvmDev => "llvm-config-19",
            Piece::OffloadBundler => "clang-offload-bundler",
            Piece::AsanRuntime => "clang ASan runtime",
            Piece::Hipcc => "hipcc",
        }
    }

    /// Only developing this project needs it, not a user's crate.
    pub fn dev_only(self) -> bool {
        matches!(self, Piece::LlvmDev | Piece::AsanRuntime | Piece::Hipcc)
    }

    /// The package that provides it.
    pub fn package(self) -> Package {
        match self {
            Piece::Tool(t) => t.package(),
            Piece::LlvmDev => Package::Apt("llvm-19-dev"),
            Piece::OffloadBundler => Package::Apt("clang-tools-19"),
            Piece::AsanRuntime => Package::Apt("libclang-rt-19-dev"),
            Piece::Hipcc => Package::Apt("hipcc"),
        }
    }
}

/// A found piece, as doctor prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file or directory.
    pub path: PathBuf,
    /// Its version, when known.
    pub version: Option<String>,
    /// Where it came from, in words: `$CLANG`, `PATH`, `well-known dir /usr/lib/...`.
    pub origin: String,
}

/// The state of one piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Found.
    Found(Found),
    /// Not found anywhere; the places looked at, as discovery reports them.
    Missing(Vec<String>),
    /// An environment variable names a file that is not there; installing
    /// cannot fix this, the user has to.
    BadEnv {
        /// The variable, e.g. `CLANG`.
        var: String,
        /// Its value.
        value: PathBuf,
    },
}

/// Every piece and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// One entry per piece, in the order doctor prints them.
    pub entries: Vec<(Piece, State)>,
    /// The toolchain home pip packages go into.
    pub home: Option<PathBuf>,
}

impl Inventory {
    /// Discovers the toolchain now, with [`crate::toolchain`]. `dev` adds
    /// what only developing this project needs (the `llvm` feature's
    /// `llvm-config`, the ASan runtime of `cargo xtask test`).
    pub fn discover(dev: bool) -> Inventory {
        let tc = Toolchain::discover();
        let mut inv = Inventory::from_parts(&tc, llvm_config());
        inv.entries.push((Piece::Hipcc, hipcc()));
        if !dev {
            inv.entries.retain(|(p, _)| !p.dev_only());
        }
        inv.home = tc.home().map(Path::to_path_buf);
        inv
    }

    /// Builds the inventory from a discovery result and the `llvm-config`
    /// found (pure; used by tests).
    pub fn from_parts(tc: &Toolchain, llvm_config: Option<Found>) -> Inventory {
        let mut entries: Vec<(Piece, State)> = Tool::ALL
            .iter()
            .map(|&tool| {
                let state = match tc.get(tool) {
                    Ok(l) => State::Found(found(l)),
                    Err(m) => match &m.bad_env {
                        Some((var, value)) => State::BadEnv {
                            var: var.clone(),
                            value: value.clone(),
                        },
                        None => State::Missing(m.looked.clone()),
                    },
                };
                (Piece::Tool(tool), state)
            })
            .collect();
        entries.push((
            Piece::LlvmDev,
            llvm_config.map_or_else(
                || {
                    State::Missing(vec![
                        "$LLVM_SYS_191_PREFIX/bin/llvm-config".into(),
                        "PATH: llvm-config-19".into(),
                        format!("{DEBIAN_LLVM_PREFIX}/bin/llvm-config"),
                    ])
                },
                State::Found,
            ),
        ));
        // Where CLANG names a missing file, the bundler cannot be judged
        // (and installing cannot help): that error stands alone.
        let clang_misconfigured = tc.get(Tool::Clang).is_err_and(|m| m.bad_env.is_some());
        if !clang_misconfigured {
            entries.push((Piece::OffloadBundler, offload_bundler(tc)));
            entries.push((Piece::AsanRuntime, asan_runtime(tc)));
        }
        Inventory {
            entries,
            home: tc.home().map(Path::to_path_buf),
        }
    }

    /// The pieces pointed at by a wrong environment variable.
    pub fn bad_env(&self) -> Vec<(Piece, &str, &Path)> {
        self.entries
            .iter()
            .filter_map(|(p, s)| match s {
                State::BadEnv { var, value } => Some((*p, var.as_str(), value.as_path())),
                _ => None,
            })
            .collect()
    }

    /// True when every piece is found.
    pub fn complete(&self) -> bool {
        self.entries
            .iter()
            .all(|(_, s)| matches!(s, State::Found(_)))
    }
}

/// clang looks for `clang-offload-bundler` in its own directory (after
/// resolving symlinks: Debian's `/usr/bin/clang-19` points into
/// `/usr/lib/llvm-19/bin`), so that is where to look.
fn offload_bundler(tc: &Toolchain) -> State {
    let Some(clang) = tc.clang() else {
        return State::Missing(vec!["next to clang-19 (not found)".into()]);
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in [
        std::fs::canonicalize(&clang.path).ok(),
        Some(clang.path.clone()),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(d) = p.parent() {
            if !dirs.iter().any(|x| x == d) {
                dirs.push(d.to_path_buf());
            }
        }
    }
    let candidates: Vec<PathBuf> = dirs
        .iter()
        .map(|d| d.join("clang-offload-bundler"))
        .collect();
    match candidates.iter().find(|p| p.is_file()) {
        Some(p) => State::Found(Found {
            path: p.clone(),
            version: clang.version.clone(),
            origin: "next to clang-19".into(),
        }),
        None => State::Missing(candidates.iter().map(|p| p.display().to_string()).collect()),
    }
}

/// The ASan runtime clang links with `-fsanitize=address`, in the runtime
/// directory clang itself reports.
fn asan_runtime(tc: &Toolchain) -> State {
    let Some(clang) = tc.clang() else {
        return State::Missing(vec!["clang-19's runtime dir (clang-19 not found)".into()]);
    };
    let dir = std::process::Command::new(&clang.path)
        .arg("-print-runtime-dir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let Some(dir) = dir else {
        // A stand-in clang (tests, fake layouts) cannot say; nothing to install.
        return State::Found(Found {
            path: clang.path.clone(),
            version: None,
            origin: "not checked: clang gave no runtime dir".into(),
        });
    };
    // clang reports the per-target directory; Debian's package uses the
    // older `lib/linux/<name>-<arch>.a` layout beside it, which clang also
    // searches.
    let candidates = [
        dir.join("libclang_rt.asan_static.a"),
        dir.parent()
            .unwrap_or(&dir)
            .join("linux/libclang_rt.asan_static-x86_64.a"),
    ];
    match candidates.iter().find(|p| p.is_file()) {
        Some(lib) => State::Found(Found {
            path: lib.clone(),
            version: clang.version.clone(),
            origin: "clang -print-runtime-dir".into(),
        }),
        None => State::Missing(candidates.iter().map(|p| p.display().to_string()).collect()),
    }
}

/// `hipcc` on PATH (Debian installs `/usr/bin/hipcc`).
fn hipcc() -> State {
    let path = env::var_os("PATH").unwrap_or_default();
    match env::split_paths(&path)
        .map(|d| d.join("hipcc"))
        .find(|p| p.is_file())
    {
        Some(p) => State::Found(Found {
            path: p,
            version: None,
            origin: "PATH".into(),
        }),
        None => State::Missing(vec!["PATH: hipcc".into()]),
    }
}

fn found(l: &Located) -> Found {
    Found {
        path: l.path.clone(),
        version: l.version.clone(),
        origin: l.origin.to_string(),
    }
}

/// Finds LLVM 19's `llvm-config` the way `llvm-sys` (inkwell) does:
/// `LLVM_SYS_191_PREFIX`, then `llvm-config-19` on PATH, then Debian's dir.
/// This is not toolchain discovery (no kernel is compiled with it): it only
/// tells whether `llvm-19-dev` is there for the `llvm` feature.
pub fn llvm_config() -> Option<Found> {
    if let Some(prefix) = env::var_os("LLVM_SYS_191_PREFIX") {
        let p = PathBuf::from(prefix).join("bin/llvm-config");
        if p.is_file() {
            return Some(llvm_found(p, "env LLVM_SYS_191_PREFIX".into()));
        }
    }
    if let Some(path) = env::var_os("PATH") {
        if let Some(p) = env::split_paths(&path)
            .map(|d| d.join("llvm-config-19"))
            .find(|p| p.is_file())
        {
            return Some(llvm_found(p, "PATH".into()));
        }
    }
    let p = PathBuf::from(DEBIAN_LLVM_PREFIX).join("bin/llvm-config");
    p.is_file()
        .then(|| llvm_found(p, format!("well-known dir {DEBIAN_LLVM_PREFIX}/bin")))
}

/// Where Debian's `llvm-19-dev` lives; exported as `LLVM_SYS_191_PREFIX` for
/// inkwell when the user set none.
pub const DEBIAN_LLVM_PREFIX: &str = "/usr/lib/llvm-19";

fn llvm_found(path: PathBuf, origin: String) -> Found {
    let version = std::process::Command::new(&path)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    Found {
        path,
        version,
        origin,
    }
}

/// The packages to install so that every missing piece is found, each once,
/// apt first. Pieces with a wrong environment variable are not included
/// (installing would not fix them). `pip_available` is whether `python3 -m
/// pip` works; without it `python3-pip` is added before any pip package.
pub fn missing_packages(inv: &Inventory, pip_available: bool) -> Vec<Package> {
    let mut out: Vec<Package> = Vec::new();
    for (piece, state) in &inv.entries {
        if matches!(state, State::Missing(_)) {
            let pkg = piece.package();
            if !out.contains(&pkg) {
                out.push(pkg);
            }
        }
    }
    if !pip_available && out.iter().any(|p| matches!(p, Package::Pip(_))) {
        out.push(Package::Apt("python3-pip"));
    }
    out.sort(); // Apt < Pip, then by name: stable, apt before pip.
    out
}

/// The error for wrong environment variables: what, where, how to fix.
pub fn bad_env_error(inv: &Inventory) -> Option<String> {
    let bad = inv.bad_env();
    if bad.is_empty() {
        return None;
    }
    let mut s = String::new();
    for (piece, var, value) in bad {
        let _ = writeln!(
            s,
            "{var} is set to {value}, but {value} does not exist (or is not a file): \
             point {var} at a {label} binary, or unset {var} to let discovery search PATH \
             and the well-known dirs",
            value = value.display(),
            label = piece.label(),
        );
    }
    Some(s.trim_end().to_string())
}

/// The error for `IREE_NO_INSTALL=1` with missing pieces: one line per
/// package naming it and what it is for, then the command that installs them.
pub fn no_install_error(missing: &[Package], home: Option<&Path>) -> String {
    let mut s = String::from(
        "IREE_NO_INSTALL is set, so nothing is installed, and the toolchain is incomplete:\n",
    );
    for p in missing {
        let _ = writeln!(s, "  missing package {}: {}", p.name(), p.why());
    }
    let _ = writeln!(s, "install them with: {}", install_command(missing, home));
    s.push_str("or unset IREE_NO_INSTALL to let provisioning install them");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::Probe;
    use std::fs;

    /// A temp dir removed on drop.
    struct Tmp(PathBuf);
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn tmp(name: &str) -> Tmp {
        let d = env::temp_dir().join(format!(
            "iree-setup-inventory-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        Tmp(d)
    }

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "").unwrap();
    }

    /// Debian's layout plus the wheel in the toolchain home `<root>/home`.
    fn full_layout(root: &Path) -> Probe {
        for f in [
            "usr/lib/llvm-19/bin/clang",
            "usr/lib/llvm-19/bin/ld.lld",
            "usr/lib/llvm-19/bin/clang-offload-bundler",
            "usr/lib/llvm-19/include/llvm/Passes/PassPlugin.h",
            "usr/lib/x86_64-linux-gnu/amdgcn/bitcode/ocml.bc",
            "usr/lib/x86_64-linux-gnu/amdgcn/bitcode/ockl.bc",
            "usr/include/hip/hip_runtime.h",
            "home/nvidia/cuda_nvcc/bin/ptxas",
            "home/nvidia/cuda_nvcc/nvvm/libdevice/libdevice.10.bc",
            "home/nvidia/cuda_nvcc/include/crt/host_config.h",
            "home/nvidia/cuda_nvcc/include/crt/host_defines.h",
            "home/nvidia/cuda_runtime/include/cuda_runtime.h",
            "home/nvidia/cuda_runtime/include/cuda.h",
            "home/nvidia/cuda_runtime/include/cuda_fp16.h",
            "home/nvidia/cuda_runtime/include/cuda_bf16.h",
            "home/nvidia/cuda_runtime/include/cooperative_groups.h",
            "home/nvidia/cuda_cccl/include/nv/target",
            "home/nvidia/cuda_cccl/include/cub/cub.cuh",
            "home/nvidia/cuda_cccl/include/cuda/std/version",
        ] {
            touch(root, f);
        }
        Probe::fake(root).with_env("IREE_TOOLCHAIN_HOME", root.join("home"))
    }

    fn llvm() -> Option<Found> {
        Some(Found {
            path: "/usr/bin/llvm-config-19".into(),
            version: None,
            origin: "PATH".into(),
        })
    }

    #[test]
    fn nothing_missing_nothing_to_install() {
        let t = tmp("full");
        let tc = Toolchain::discover_with(&full_layout(&t.0));
        let inv = Inventory::from_parts(&tc, llvm());
        assert!(inv.complete(), "{inv:#?}");
        assert_eq!(missing_packages(&inv, false), vec![]);
        assert_eq!(bad_env_error(&inv), None);
    }

    #[test]
    fn everything_missing_each_package_once_apt_first() {
        let t = tmp("empty");
        let tc = Toolchain::discover_with(&Probe::fake(&t.0));
        let inv = Inventory::from_parts(&tc, None);
        let names: Vec<_> = missing_packages(&inv, true)
            .iter()
            .map(|p| p.name())
            .collect();
        assert_eq!(
            names,
            [
                "clang-19",
                "clang-tools-19",
                "libamdhip64-dev",
                "libclang-rt-19-dev",
                "lld-19",
                "llvm-19-dev",
                "rocm-device-libs",
                "nvidia-cuda-cccl-cu12",
                "nvidia-cuda-nvcc-cu12",
                "nvidia-cuda-runtime-cu12"
            ]
        );
        // Missing pieces carry where discovery looked.
        match &inv.entries[0].1 {
            State::Missing(looked) => {
                assert!(looked.iter().any(|l| l.contains("CLANG")), "{looked:?}")
            }
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn pip_piece_without_pip_brings_python3_pip() {
        let t = tmp("nolibdevice");
        let probe = full_layout(&t.0);
        fs::remove_file(t.0.join("home/nvidia/cuda_nvcc/nvvm/libdevice/libdevice.10.bc")).unwrap();
        let inv = Inventory::from_parts(&Toolchain::discover_with(&probe), llvm());
        assert_eq!(
            missing_packages(&inv, false),
            vec![
                Package::Apt("python3-pip"),
                Package::Pip("nvidia-cuda-nvcc-cu12")
            ]
        );
        assert_eq!(
            missing_packages(&inv, true),
            vec![Package::Pip("nvidia-cuda-nvcc-cu12")]
        );
    }

    #[test]
    fn wrong_clang_env_is_not_installable_and_named() {
        let t = tmp("badclang");
        let probe = full_layout(&t.0).with_env("CLANG", "/nonexistent");
        let inv = Inventory::from_parts(&Toolchain::discover_with(&probe), llvm());
        assert_eq!(missing_packages(&inv, true), vec![]);
        let e = bad_env_error(&inv).unwrap();
        assert!(e.contains("CLANG is set to /nonexistent"), "{e}");
        assert!(e.contains("/nonexistent does not exist"), "{e}");
        assert!(e.contains("unset CLANG"), "{e}");
    }

    #[test]
    fn clang_env_that_was_used_is_reported_with_its_origin() {
        let t = tmp("envclang");
        touch(&t.0, "opt/myclang");
        touch(&t.0, "opt/clang-offload-bundler");
        let probe = full_layout(&t.0).with_env("CLANG", t.0.join("opt/myclang"));
        let inv = Inventory::from_parts(&Toolchain::discover_with(&probe), llvm());
        assert!(inv.complete());
        match &inv.entries[0].1 {
            State::Found(f) => {
                assert_eq!(f.origin, "$CLANG");
                assert_eq!(f.path, t.0.join("opt/myclang"));
            }
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn no_install_error_names_every_package_and_how() {
        let e = no_install_error(
            &[
                Package::Apt("clang-19"),
                Package::Pip("nvidia-cuda-nvcc-cu12"),
            ],
            Some(Path::new("/root/.cache/iree-rs")),
        );
        assert!(e.starts_with("IREE_NO_INSTALL is set"), "{e}");
        assert!(e.contains("missing package clang-19"), "{e}");
        assert!(e.contains("missing package nvidia-cuda-nvcc-cu12"), "{e}");
        assert!(
            e.contains("apt-get install -y clang-19")
                && e.contains(
                    "python3 -m pip install --target /root/.cache/iree-rs nvidia-cuda-nvcc-cu12==12.9.86"
                ),
            "{e}"
        );
        assert!(e.ends_with("or unset IREE_NO_INSTALL to let provisioning install them"));
    }
}
