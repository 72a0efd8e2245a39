//! Finding the tools a build needs: clang-19, ld.lld, the ROCm device
//! libraries, the HIP headers, `ptxas`, `libdevice.10.bc` and CUDA's device
//! headers (runtime, `crt/`, CCCL), and the optional LLVM 19 headers the host lockstep plugin is compiled against.
//!
//! Every piece is looked up the same way, most explicit first: an environment
//! variable that names it (`CLANG`, `ROCM_PATH`, ...), then `PATH`, then the
//! places things get installed: the per-user toolchain [`home`] that
//! `iree-build provision` fills (`~/.cache/iree-rs`), the Python environment's
//! package directories (a plain `pip install nvidia-cuda-nvcc-cu12`, the
//! user site, an active virtualenv), and the well-known directories of the
//! layouts we support (`/opt/rocm`, Debian's
//! `/usr/lib/x86_64-linux-gnu/amdgcn/bitcode`, `/usr/local/cuda`). So a crate
//! anywhere finds what was installed once, with no variable set.
//! A variable that is set but points nowhere is an error, never silently
//! skipped: the user set it for a reason.
//!
//! Discovery never fails; what is missing is recorded with every place that
//! was looked at and the command that installs it ([`advice`]), so `iree-build
//! doctor` and the build's error messages tell the same story.
//! [`Probe`] abstracts the environment, `PATH` and the filesystem root so the
//! layouts can be tested in a temporary directory.
//!
//! Modules: [`probe`] (the environment), `search` (one lookup), `find` (the
//! order per piece), [`home`], [`advice`], `version`.

// `Missing` (every place looked, and what else to install) is the error of
// every lookup; it is built once per piece, not on a hot path.
#[macro_use]
#[allow(clippy::result_large_err)]
mod search;
pub mod advice;
#[allow(clippy::result_large_err)]
mod find;
pub mod home;
pub mod probe;
mod version;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use crate::target::{Platform, TargetId};
use advice::Package;
use find::*;
use search::Found;
use version::{
    cccl_version, cuda_h_version, debian_package_version, hip_version, llvm_header_version,
    rocm_version, wheel_version,
};

pub(crate) use probe::cargo_target_dir_above;
pub use probe::Probe;
pub use version::{parse_version, tool_version};

/// Every environment variable discovery may read, so a build script can emit
/// `cargo:rerun-if-env-changed` for each (`PATH` is deliberately left out:
/// it differs between shells and IDEs and would cause rebuild ping-pong).
pub const ENV_VARS: &[&str] = &[
    "CLANG",
    "LLD",
    "HIP_CLANG_PATH",
    "ROCM_PATH",
    "HIP_PATH",
    "HIP_DEVICE_LIB_PATH",
    "CUDA_PATH",
    home::HOME_ENV,
    "XDG_CACHE_HOME",
    "HOME",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONUSERBASE",
    "IREE_LLVM_INCLUDE",
    "LLVM_CONFIG",
];

/// Where a tool was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// From an environment variable (its name).
    Env(String),
    /// From a search of `PATH`.
    Path,
    /// From one of the well-known install directories (the one it was in).
    WellKnown(PathBuf),
    /// From the per-user toolchain home (`~/.cache/iree-rs`).
    Home(PathBuf),
    /// From a Python package directory (`pip install`, a virtualenv).
    PythonSite(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => write!(f, "${var}"),
            Origin::Path => f.write_str("PATH"),
            Origin::WellKnown(dir) => write!(f, "well-known dir {}", dir.display()),
            Origin::Home(dir) => write!(f, "toolchain home {}", dir.display()),
            Origin::PythonSite(dir) => write!(f, "Python packages {}", dir.display()),
        }
    }
}

/// A tool (or directory) that was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The executable, file or directory.
    pub path: PathBuf,
    /// What it says its version is, when it can tell.
    pub version: Option<String>,
    /// How it was found.
    pub origin: Origin,
}

/// The pieces of the toolchain, each looked up independently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    /// `clang-19`: compiles every target.
    Clang,
    /// `ld.lld`: links AMD code objects (clang calls it).
    Lld,
    /// The ROCm device-library bitcode directory (`ocml.bc`, `ockl.bc`, ...).
    DeviceLibs,
    /// The HIP headers directory (holding `hip/hip_runtime.h`).
    HipInclude,
    /// NVIDIA's PTX assembler: turns PTX into a cubin.
    Ptxas,
    /// `libdevice.10.bc`: NVIDIA's math library as bitcode.
    Libdevice,
    /// CUDA's device headers: the directory holding `cuda_runtime.h`,
    /// `cuda_fp16.h`, `cuda_bf16.h` and `cooperative_groups/`.
    CudaHeaders,
    /// The directory holding CUDA's `crt/` headers (`crt/host_config.h`),
    /// which `cuda_runtime.h` includes; the nvcc wheel ships them.
    CudaCrt,
    /// CUDA's C++ core libraries (CCCL): the directory holding `nv/target`
    /// (which `cuda_fp16.h` and cooperative groups include), CUB and Thrust.
    Cccl,
    /// LLVM's C++ headers (the directory holding `llvm/Passes/PassPlugin.h`)
    /// of the same major version as clang: the host lockstep pass plugin
    /// is compiled against them. Optional: host kernels build without it.
    LlvmInclude,
}

impl Tool {
    /// All pieces, in the order a report lists them.
    pub const ALL: [Tool; 10] = [
        Tool::Clang,
        Tool::Lld,
        Tool::DeviceLibs,
        Tool::HipInclude,
        Tool::Ptxas,
        Tool::Libdevice,
        Tool::CudaHeaders,
        Tool::CudaCrt,
        Tool::Cccl,
        Tool::LlvmInclude,
    ];

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Clang => "clang-19",
            Tool::Lld => "ld.lld",
            Tool::DeviceLibs => "ROCm device libraries",
            Tool::HipInclude => "HIP headers",
            Tool::Ptxas => "ptxas",
            Tool::Libdevice => "libdevice.10.bc",
            Tool::CudaHeaders => "CUDA headers",
            Tool::CudaCrt => "CUDA crt headers",
            Tool::Cccl => "CUDA CCCL headers",
            Tool::LlvmInclude => "LLVM 19 headers",
        }
    }

    /// The package that provides it.
    pub fn package(self) -> Package {
        match self {
            Tool::Clang => Package::Apt("clang-19"),
            Tool::Lld => Package::Apt("lld-19"),
            Tool::DeviceLibs => Package::Apt("rocm-device-libs"),
            Tool::HipInclude => Package::Apt("libamdhip64-dev"),
            Tool::Ptxas | Tool::Libdevice | Tool::CudaCrt => Package::Pip("nvidia-cuda-nvcc-cu12"),
            Tool::CudaHeaders => Package::Pip("nvidia-cuda-runtime-cu12"),
            Tool::Cccl => Package::Pip("nvidia-cuda-cccl-cu12"),
            Tool::LlvmInclude => Package::Apt("llvm-19-dev"),
        }
    }

    /// What it is needed for, for the doctor's report.
    pub fn needed_for(self) -> &'static str {
        match self {
            Tool::Clang => "every target",
            Tool::Lld => "AMD targets",
            Tool::DeviceLibs => "AMD targets",
            Tool::HipInclude => "AMD targets",
            Tool::Ptxas => "NVIDIA cubins (optional: PTX is emitted without it)",
            Tool::Libdevice | Tool::CudaHeaders | Tool::CudaCrt | Tool::Cccl => "NVIDIA targets",
            Tool::LlvmInclude => {
                "the host lockstep plugin (optional: host kernels build without it)"
            }
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A piece that was not found: what, where it was looked for, what to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The piece.
    pub tool: Tool,
    /// Every place looked at, in order, with why it did not qualify.
    pub looked: Vec<String>,
    /// Set when an environment variable named a file that does not exist:
    /// `(variable, value)`. Such a setting stops the search.
    pub bad_env: Option<(String, PathBuf)>,
    /// The toolchain home a pip fix installs into (where discovery looks).
    pub home: Option<PathBuf>,
    /// Other packages the same target is missing ([`Toolchain::require_for`]
    /// fills it), installed by the same command: one fix, not one per
    /// rebuild.
    pub with: Vec<Package>,
}

impl Missing {
    /// The shell command that installs the piece (and [`Missing::with`]) so
    /// that discovery finds it.
    pub fn install_command(&self) -> String {
        let mut pkgs = vec![self.tool.package()];
        pkgs.extend(self.with.iter().copied());
        advice::install_command(&pkgs, self.home.as_deref())
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.bad_env {
            Some((var, path)) => write!(
                f,
                "{} not found: the environment variable {var} is set to `{}`, which does not exist",
                self.tool,
                path.display()
            )?,
            None => write!(f, "{} not found", self.tool)?,
        }
        f.write_str("\n  looked at:")?;
        for place in &self.looked {
            write!(f, "\n    {place}")?;
        }
        match &self.bad_env {
            // Installing cannot fix a variable that points nowhere.
            Some((var, _)) => write!(
                f,
                "\n  to fix it: unset {var} (discovery then searches PATH and the usual places), or point it at an existing {}",
                self.tool
            ),
            None => write!(f, "\n  to install it: {}", self.install_command()),
        }
    }
}

/// Why a target cannot be built with this toolchain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ToolchainError {
    /// A required piece is missing.
    #[error("cannot build for {target}: {missing}")]
    Missing {
        /// The target that needs it.
        target: String,
        /// What is missing and where it was looked for.
        missing: Box<Missing>,
    },
}

/// Everything discovery found (and did not find).
#[derive(Clone, Debug)]
pub struct Toolchain {
    clang: Found,
    lld: Found,
    device_libs: Found,
    hip_include: Found,
    ptxas: Found,
    libdevice: Found,
    cuda_headers: Found,
    cuda_crt: Found,
    cccl: Found,
    llvm_include: Found,
    env_vars: Vec<String>,
    home: Option<PathBuf>,
}

impl Toolchain {
    /// Looks everything up in the real environment. Never fails.
    pub fn discover() -> Toolchain {
        Toolchain::discover_with(&Probe::from_env())
    }

    /// Looks everything up in `probe`'s environment. Never fails.
    pub fn discover_with(probe: &Probe) -> Toolchain {
        let mut clang = find_clang(probe);
        if let Ok(l) = &mut clang {
            l.version = tool_version(&l.path);
        }
        let mut lld = find_lld(probe);
        if let Ok(l) = &mut lld {
            l.version = tool_version(&l.path);
        }
        let mut device_libs = find_device_libs(probe);
        if let Ok(l) = &mut device_libs {
            l.version = rocm_version(&l.path).or_else(|| {
                debian_package_version(
                    &probe.well_known("/var/lib/dpkg/status"),
                    "rocm-device-libs",
                )
            });
        }
        let mut hip_include = find_hip_include(probe);
        if let Ok(l) = &mut hip_include {
            l.version = hip_version(&l.path);
        }
        let mut ptxas = find_ptxas(probe);
        if let Ok(l) = &mut ptxas {
            l.version = tool_version(&l.path);
        }
        let mut libdevice = find_libdevice(probe, ptxas.as_ref().ok());
        if let Ok(l) = &mut libdevice {
            l.version = Some("10".into());
        }
        let mut cuda_headers = find_cuda_headers(probe);
        if let Ok(l) = &mut cuda_headers {
            l.version = wheel_version(&l.path, "nvidia_cuda_runtime_cu12")
                .or_else(|| cuda_h_version(&l.path));
        }
        let mut cuda_crt = find_cuda_crt(probe, libdevice.as_ref().ok());
        if let Ok(l) = &mut cuda_crt {
            l.version =
                wheel_version(&l.path, "nvidia_cuda_nvcc_cu12").or_else(|| cuda_h_version(&l.path));
        }
        let mut cccl = find_cccl(probe);
        if let Ok(l) = &mut cccl {
            l.version =
                wheel_version(&l.path, "nvidia_cuda_cccl_cu12").or_else(|| cccl_version(&l.path));
        }
        let mut llvm_include = find_llvm_include(probe, clang.as_ref().ok());
        if let Ok(l) = &mut llvm_include {
            l.version = llvm_header_version(&l.path);
        }
        let home = probe.home().map(|h| h.dir);
        for found in [
            &mut clang,
            &mut lld,
            &mut device_libs,
            &mut hip_include,
            &mut ptxas,
            &mut libdevice,
            &mut cuda_headers,
            &mut cuda_crt,
            &mut cccl,
            &mut llvm_include,
        ] {
            if let Err(m) = found {
                m.home = home.clone();
            }
        }
        let mut env_vars: BTreeSet<String> = probe.vars_read().into_iter().collect();
        env_vars.extend(ENV_VARS.iter().map(|s| s.to_string()));
        Toolchain {
            clang,
            lld,
            device_libs,
            hip_include,
            ptxas,
            libdevice,
            cuda_headers,
            cuda_crt,
            cccl,
            llvm_include,
            env_vars: env_vars.into_iter().collect(),
            home,
        }
    }

    /// What discovery found for `tool`, or why not.
    pub fn get(&self, tool: Tool) -> Result<&Located, &Missing> {
        match tool {
            Tool::Clang => self.clang.as_ref(),
            Tool::Lld => self.lld.as_ref(),
            Tool::DeviceLibs => self.device_libs.as_ref(),
            Tool::HipInclude => self.hip_include.as_ref(),
            Tool::Ptxas => self.ptxas.as_ref(),
            Tool::Libdevice => self.libdevice.as_ref(),
            Tool::CudaHeaders => self.cuda_headers.as_ref(),
            Tool::CudaCrt => self.cuda_crt.as_ref(),
            Tool::Cccl => self.cccl.as_ref(),
            Tool::LlvmInclude => self.llvm_include.as_ref(),
        }
    }

    /// clang-19, when found.
    pub fn clang(&self) -> Option<&Located> {
        self.clang.as_ref().ok()
    }

    /// ld.lld, when found.
    pub fn lld(&self) -> Option<&Located> {
        self.lld.as_ref().ok()
    }

    /// The ROCm device-library bitcode directory, when found.
    pub fn device_libs(&self) -> Option<&Located> {
        self.device_libs.as_ref().ok()
    }

    /// The directory holding `hip/hip_runtime.h`, when found.
    pub fn hip_include(&self) -> Option<&Located> {
        self.hip_include.as_ref().ok()
    }

    /// ptxas, when found (cubins are produced only then).
    pub fn ptxas(&self) -> Option<&Located> {
        self.ptxas.as_ref().ok()
    }

    /// `libdevice.10.bc`, when found.
    pub fn libdevice(&self) -> Option<&Located> {
        self.libdevice.as_ref().ok()
    }

    /// CUDA's device headers (the directory holding `cuda_runtime.h`), when found.
    pub fn cuda_headers(&self) -> Option<&Located> {
        self.cuda_headers.as_ref().ok()
    }

    /// The directory holding CUDA's `crt/` headers, when found.
    pub fn cuda_crt(&self) -> Option<&Located> {
        self.cuda_crt.as_ref().ok()
    }

    /// CCCL's headers (the directory holding `nv/target` and `cub/`), when found.
    pub fn cccl(&self) -> Option<&Located> {
        self.cccl.as_ref().ok()
    }

    /// The LLVM headers for the host lockstep plugin (the directory holding
    /// `llvm/Passes/PassPlugin.h`), when found. No target requires them.
    pub fn llvm_include(&self) -> Option<&Located> {
        self.llvm_include.as_ref().ok()
    }

    /// The pieces `target` cannot be built without.
    pub fn required_for(target: &TargetId) -> &'static [Tool] {
        match target.platform() {
            Platform::Amd => &[Tool::Clang, Tool::Lld, Tool::DeviceLibs, Tool::HipInclude],
            Platform::Nvidia => &[
                Tool::Clang,
                Tool::Libdevice,
                Tool::CudaHeaders,
                Tool::CudaCrt,
                Tool::Cccl,
            ],
            Platform::Host => &[Tool::Clang],
        }
    }

    /// Checks that everything `target` needs was found; the error names
    /// what is missing, every place looked, and what to install.
    pub fn require_for(&self, target: &TargetId) -> Result<(), ToolchainError> {
        let needed = Self::required_for(target);
        for (i, tool) in needed.iter().enumerate() {
            if let Err(missing) = self.get(*tool) {
                let mut missing = missing.clone();
                if missing.bad_env.is_none() {
                    // What else the target lacks comes with the same command
                    // (the CUDA wheels are three packages).
                    for other in &needed[i + 1..] {
                        let pkg = other.package();
                        let lacks = self.get(*other).is_err_and(|m| m.bad_env.is_none());
                        if lacks && pkg != tool.package() && !missing.with.contains(&pkg) {
                            missing.with.push(pkg);
                        }
                    }
                }
                return Err(ToolchainError::Missing {
                    target: target.to_string(),
                    missing: Box::new(missing),
                });
            }
        }
        Ok(())
    }

    /// The per-user toolchain home ([`home`]): where pip pieces are
    /// installed and looked for first. `None` without `HOME`.
    pub fn home(&self) -> Option<&std::path::Path> {
        self.home.as_deref()
    }

    /// Every environment variable discovery depends on (for
    /// `cargo:rerun-if-env-changed`).
    pub fn env_vars(&self) -> &[String] {
        &self.env_vars
    }

    /// One row per piece, for `cargo xtask doctor`.
    pub fn report(&self) -> Vec<ReportRow<'_>> {
        Tool::ALL
            .iter()
            .map(|&tool| ReportRow {
                tool,
                found: self.get(tool),
            })
            .collect()
    }
}

/// One line of the doctor's report.
#[derive(Clone, Copy, Debug)]
pub struct ReportRow<'t> {
    /// The piece.
    pub tool: Tool,
    /// Where it is, or why it is not.
    pub found: Result<&'t Located, &'t Missing>,
}

impl fmt::Display for ReportRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            Ok(l) => write!(
                f,
                "ok       {:<22} {} (version {}, from {})",
                self.tool.name(),
                l.path.display(),
                l.version.as_deref().unwrap_or("unknown"),
                l.origin
            ),
            Err(m) => {
                write!(
                    f,
                    "MISSING  {:<22} needed for {}; ",
                    self.tool.name(),
                    self.tool.needed_for()
                )?;
                let text = m.to_string();
                let mut lines = text.lines();
                f.write_str(lines.next().unwrap_or_default())?;
                for line in lines {
                    write!(f, "\n         {line}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Toolchain {
    /// The doctor's report: one row per piece.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for row in self.report() {
            writeln!(f, "{row}")?;
        }
        Ok(())
    }
}
