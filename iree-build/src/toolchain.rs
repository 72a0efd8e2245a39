//! Finding the tools a build needs: clang-19, ld.lld, the ROCm device
//! libraries, the HIP headers, `ptxas` and `libdevice.10.bc`, and the
//! optional LLVM 19 headers the host lockstep plugin is compiled against.
//!
//! Every piece is looked up the same way, most explicit first: an environment
//! variable that names it (`CLANG`, `ROCM_PATH`, ...), then `PATH`, then the
//! well-known directories of the layouts we support (`/opt/rocm`, Debian's
//! `/usr/lib/x86_64-linux-gnu/amdgcn/bitcode`, the `nvidia-cuda-nvcc-cu12`
//! wheel that `cargo xtask provision` unpacks into `<target>/iree-toolchain`).
//! A variable that is set but points nowhere is an error, never silently
//! skipped: the user set it for a reason.
//!
//! Discovery never fails; what is missing is recorded with every place that
//! was looked at and the package that provides it, so `cargo xtask doctor`
//! and the build's error messages tell the same story.
//! [`Probe`] abstracts the environment, `PATH` and the filesystem root so the
//! layouts can be tested in a temporary directory.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::target::{Platform, TargetId};

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
    "IREE_TOOLCHAIN_DIR",
    "CARGO_TARGET_DIR",
    "IREE_LLVM_INCLUDE",
    "LLVM_CONFIG",
];

/// Where the wheel's files live below a toolchain dir (`pip install --target`).
const WHEEL_NVCC: &str = "nvidia/cuda_nvcc";

/// Where a tool was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// From an environment variable (its name).
    Env(String),
    /// From a search of `PATH`.
    Path,
    /// From one of the well-known install directories (the one it was in).
    WellKnown(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => write!(f, "${var}"),
            Origin::Path => f.write_str("PATH"),
            Origin::WellKnown(dir) => write!(f, "well-known dir {}", dir.display()),
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
    /// LLVM's C++ headers (the directory holding `llvm/Passes/PassPlugin.h`)
    /// of the same major version as clang: the host lockstep pass plugin
    /// is compiled against them. Optional: host kernels build without it.
    LlvmInclude,
}

impl Tool {
    /// All pieces, in the order a report lists them.
    pub const ALL: [Tool; 7] = [
        Tool::Clang,
        Tool::Lld,
        Tool::DeviceLibs,
        Tool::HipInclude,
        Tool::Ptxas,
        Tool::Libdevice,
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
            Tool::LlvmInclude => "LLVM 19 headers",
        }
    }

    /// How to install it (Debian package or PyPI wheel).
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Clang => "apt-get install clang-19",
            Tool::Lld => "apt-get install lld-19",
            Tool::DeviceLibs => "apt-get install rocm-device-libs",
            Tool::HipInclude => "apt-get install libamdhip64-dev",
            Tool::Ptxas | Tool::Libdevice => {
                "pip install nvidia-cuda-nvcc-cu12 (`cargo xtask provision` installs it into target/iree-toolchain; or set IREE_TOOLCHAIN_DIR or CUDA_PATH)"
            }
            Tool::LlvmInclude => "apt-get install llvm-19-dev (or set IREE_LLVM_INCLUDE)",
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
            Tool::Libdevice => "NVIDIA targets",
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
        write!(f, "\n  to install it: {}", self.tool.install_hint())
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

/// The environment discovery looks at: variables, `PATH`, the filesystem
/// root that well-known directories hang from, and candidate cargo target
/// directories (for `<target>/iree-toolchain`).
///
/// [`Probe::from_env`] is the real process environment; [`Probe::fake`]
/// builds one for tests. Every variable read is recorded.
#[derive(Debug)]
pub struct Probe {
    env: Option<BTreeMap<String, OsString>>,
    path: Vec<PathBuf>,
    root: PathBuf,
    target_dirs: Vec<PathBuf>,
    read: Mutex<BTreeSet<String>>,
}

impl Probe {
    /// The real environment of this process.
    ///
    /// Cargo target directories are derived from `CARGO_TARGET_DIR`, else by
    /// walking up from `OUT_DIR` (build scripts) or the running executable
    /// (tests, xtask) to the directory cargo marked with `CACHEDIR.TAG`, else
    /// `target/` next to the workspace of `CARGO_MANIFEST_DIR`.
    pub fn from_env() -> Probe {
        let mut probe = Probe {
            env: None,
            path: std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
            root: PathBuf::from("/"),
            target_dirs: Vec::new(),
            read: Mutex::new(BTreeSet::new()),
        };
        let mut dirs = Vec::new();
        if let Some(dir) = probe.var("CARGO_TARGET_DIR") {
            // Cargo takes a relative one from the current directory.
            let dir = PathBuf::from(dir);
            dirs.push(std::path::absolute(&dir).unwrap_or(dir));
        }
        let starts = [
            std::env::var_os("OUT_DIR").map(PathBuf::from),
            std::env::current_exe().ok(),
        ];
        for start in starts.into_iter().flatten() {
            if let Some(dir) = cargo_target_dir_above(&start) {
                dirs.push(dir);
            }
        }
        if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
            for dir in Path::new(&manifest).ancestors() {
                if dir.join("Cargo.lock").is_file() || dir.join("target").is_dir() {
                    dirs.push(dir.join("target"));
                    break;
                }
            }
        }
        for dir in dirs {
            if !probe.target_dirs.contains(&dir) {
                probe.target_dirs.push(dir);
            }
        }
        probe
    }

    /// An empty environment whose well-known directories hang from `root`
    /// (`/opt/rocm` is looked up as `<root>/opt/rocm`).
    pub fn fake(root: impl Into<PathBuf>) -> Probe {
        Probe {
            env: Some(BTreeMap::new()),
            path: Vec::new(),
            root: root.into(),
            target_dirs: Vec::new(),
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

    /// Adds a cargo target directory whose `iree-toolchain` is searched.
    pub fn with_target_dir(mut self, dir: impl Into<PathBuf>) -> Probe {
        self.target_dirs.push(dir.into());
        self
    }

    /// Every variable read so far (set or not), sorted.
    pub fn vars_read(&self) -> Vec<String> {
        self.read
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn var(&self, name: &str) -> Option<OsString> {
        if let Ok(mut read) = self.read.lock() {
            read.insert(name.to_string());
        }
        let value = match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var_os(name),
        };
        value.filter(|v| !v.is_empty())
    }

    fn well_known(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    fn which(&self, name: &str) -> Option<PathBuf> {
        let paths = std::env::join_paths(&self.path).ok()?;
        which::which_in(name, Some(paths), &self.root).ok()
    }
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

/// What one lookup found.
type Found = Result<Located, Missing>;

/// A search for one tool: candidates are tried in order and every one tried
/// is remembered for the error message.
struct Search<'p> {
    probe: &'p Probe,
    tool: Tool,
    looked: Vec<String>,
    accept: &'p dyn Fn(&Path) -> Result<(), String>,
}

enum Step {
    Found(Located),
    Stop(Missing),
    Next,
}

impl<'p> Search<'p> {
    fn new(probe: &'p Probe, tool: Tool, accept: &'p dyn Fn(&Path) -> Result<(), String>) -> Self {
        Search {
            probe,
            tool,
            looked: Vec::new(),
            accept,
        }
    }

    /// A variable naming the tool itself: if set, it decides.
    fn env_file(&mut self, var: &str) -> Step {
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
                })
            }
        }
    }

    /// A variable naming a directory under which `rels` are tried.
    fn env_dir(&mut self, var: &str, rels: &[&str]) -> Step {
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

    fn path(&mut self, names: &[&str]) -> Step {
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
    fn well_known(&mut self, dir: &Path, rels: &[&str]) -> Step {
        for rel in rels {
            let origin = || Origin::WellKnown(dir.to_path_buf());
            if let Some(found) = self.try_candidate(joined(dir, rel), origin, "") {
                return found;
            }
        }
        Step::Next
    }

    /// `Found(path)` when it passes [`Self::check`]; otherwise notes
    /// `{looked_as}{path} ({why})` among the places looked and returns `None`.
    fn try_candidate(
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

    fn missing(self) -> Missing {
        Missing {
            tool: self.tool,
            looked: self.looked,
            bad_env: None,
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

fn is_file(p: &Path) -> Result<(), String> {
    if p.is_file() {
        Ok(())
    } else {
        Err("not a file".into())
    }
}

fn is_bitcode_dir(p: &Path) -> Result<(), String> {
    if p.join("ocml.bc").is_file() && p.join("ockl.bc").is_file() {
        Ok(())
    } else {
        Err("no ocml.bc/ockl.bc in it".into())
    }
}

fn is_hip_include(p: &Path) -> Result<(), String> {
    if p.join("hip/hip_runtime.h").is_file() {
        Ok(())
    } else {
        Err("no hip/hip_runtime.h in it".into())
    }
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
    llvm_include: Found,
    env_vars: Vec<String>,
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
        let mut llvm_include = find_llvm_include(probe, clang.as_ref().ok());
        if let Ok(l) = &mut llvm_include {
            l.version = llvm_header_version(&l.path);
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
            llvm_include,
            env_vars: env_vars.into_iter().collect(),
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

    /// The LLVM headers for the host lockstep plugin (the directory holding
    /// `llvm/Passes/PassPlugin.h`), when found. No target requires them.
    pub fn llvm_include(&self) -> Option<&Located> {
        self.llvm_include.as_ref().ok()
    }

    /// The pieces `target` cannot be built without.
    pub fn required_for(target: &TargetId) -> &'static [Tool] {
        match target.platform() {
            Platform::Amd => &[Tool::Clang, Tool::Lld, Tool::DeviceLibs, Tool::HipInclude],
            Platform::Nvidia => &[Tool::Clang, Tool::Libdevice],
            Platform::Host => &[Tool::Clang],
        }
    }

    /// Checks that everything `target` needs was found; the error names
    /// what is missing, every place looked, and what to install.
    pub fn require_for(&self, target: &TargetId) -> Result<(), ToolchainError> {
        for tool in Self::required_for(target) {
            if let Err(missing) = self.get(*tool) {
                return Err(ToolchainError::Missing {
                    target: target.to_string(),
                    missing: Box::new(missing.clone()),
                });
            }
        }
        Ok(())
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

fn find_clang(p: &Probe) -> Found {
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

fn find_lld(p: &Probe) -> Found {
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

fn find_device_libs(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::DeviceLibs, &is_bitcode_dir);
    search! { s;
        s.env_dir("HIP_DEVICE_LIB_PATH", &[""]);
        s.env_dir("ROCM_PATH", &["amdgcn/bitcode", "lib/llvm/amdgcn/bitcode"]);
        s.well_known(&p.well_known("/opt/rocm"), &["amdgcn/bitcode"]);
        s.well_known(&p.well_known("/usr/lib/x86_64-linux-gnu"), &["amdgcn/bitcode"]);
        s.well_known(&p.well_known("/usr/lib"), &["amdgcn/bitcode"]);
    }
}

fn find_hip_include(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::HipInclude, &is_hip_include);
    search! { s;
        s.env_dir("HIP_PATH", &["include"]);
        s.env_dir("ROCM_PATH", &["include"]);
        s.well_known(&p.well_known("/opt/rocm"), &["include"]);
        s.well_known(&p.well_known("/usr"), &["include"]);
    }
}

/// `<dir>/nvidia/cuda_nvcc/...` for every toolchain dir: the one named by
/// `IREE_TOOLCHAIN_DIR` first (Env), then `<target>/iree-toolchain` (WellKnown).
fn wheel_dirs(p: &Probe) -> Vec<PathBuf> {
    p.target_dirs
        .iter()
        .map(|t| t.join("iree-toolchain"))
        .collect()
}

fn find_ptxas(p: &Probe) -> Found {
    let mut s = Search::new(p, Tool::Ptxas, &is_file);
    let rel = format!("{WHEEL_NVCC}/bin/ptxas");
    search! { s;
        s.env_dir("IREE_TOOLCHAIN_DIR", &[&rel]);
        s.env_dir("CUDA_PATH", &["bin/ptxas"]);
        s.path(&["ptxas"]);
        {
            let mut step = Step::Next;
            for dir in wheel_dirs(p) {
                step = s.well_known(&dir, &[&rel]);
                if !matches!(step, Step::Next) {
                    break;
                }
            }
            step
        };
        s.well_known(&p.well_known("/usr/local/cuda"), &["bin/ptxas"]);
    }
}

fn find_libdevice(p: &Probe, ptxas: Option<&Located>) -> Found {
    let mut s = Search::new(p, Tool::Libdevice, &is_file);
    let rel = format!("{WHEEL_NVCC}/nvvm/libdevice/libdevice.10.bc");
    search! { s;
        s.env_dir("IREE_TOOLCHAIN_DIR", &[&rel]);
        s.env_dir("CUDA_PATH", &["nvvm/libdevice/libdevice.10.bc"]);
        // Beside a ptxas found on PATH: `<root>/bin/ptxas` ships with
        // `<root>/nvvm/libdevice` in both the SDK and the wheel.
        match ptxas {
            Some(l) if l.origin == Origin::Path => {
                let root = l.path.parent().and_then(Path::parent).map(Path::to_path_buf);
                match root.map(|r| r.join("nvvm/libdevice/libdevice.10.bc")) {
                    Some(path) if path.is_file() => Step::Found(Located {
                        path,
                        version: None,
                        origin: Origin::Path,
                    }),
                    Some(path) => {
                        s.looked.push(format!("beside ptxas on PATH: {} (does not exist)", path.display()));
                        Step::Next
                    }
                    None => Step::Next,
                }
            }
            _ => Step::Next,
        };
        {
            let mut step = Step::Next;
            for dir in wheel_dirs(p) {
                step = s.well_known(&dir, &[&rel]);
                if !matches!(step, Step::Next) {
                    break;
                }
            }
            step
        };
        s.well_known(&p.well_known("/usr/local/cuda"), &["nvvm/libdevice/libdevice.10.bc"]);
        s.well_known(&p.well_known("/usr/lib/nvidia-cuda-toolkit"), &["libdevice/libdevice.10.bc"]);
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
fn find_llvm_include(p: &Probe, clang: Option<&Located>) -> Found {
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

/// `LLVM_VERSION_STRING` from `llvm/Config/llvm-config.h`.
fn llvm_header_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("llvm/Config/llvm-config.h")).ok()?;
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define")?.trim_start();
        let v = rest.strip_prefix("LLVM_VERSION_STRING")?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

/// The major number of a dotted version.
fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Runs `tool --version` and picks the first dotted number out of what it
/// prints (`Debian clang version 19.1.7`, `LLD 19.1.7`, `release 12.4, V12.4.131`).
pub fn tool_version(tool: &Path) -> Option<String> {
    // ETXTBSY: a just-written executable can still be open in a child that
    // another thread forked; it goes away at that child's exec.
    let mut tries = 0;
    let out = loop {
        match Command::new(tool).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            r => break r.ok()?,
        }
    };
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    parse_version(&text)
}

/// The first whitespace- or comma-separated token that looks like a dotted
/// version number (a leading `V` is dropped).
pub fn parse_version(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_start_matches(['V', 'v']))
        .find(|t| {
            t.starts_with(|c: char| c.is_ascii_digit())
                && t.contains('.')
                && t.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c.is_ascii_alphabetic())
        })
        .map(str::to_string)
}

/// ROCm's version file, when the device libs are inside a ROCm install.
fn rocm_version(bitcode_dir: &Path) -> Option<String> {
    bitcode_dir.ancestors().skip(1).take(3).find_map(|d| {
        std::fs::read_to_string(d.join(".info/version"))
            .ok()
            .map(|v| v.trim().to_string())
    })
}

/// The version dpkg records for `package` (Debian's device libraries carry
/// no version file of their own).
fn debian_package_version(status: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(status).ok()?;
    text.split("\n\n").find_map(|para| {
        let mut lines = para.lines();
        lines
            .any(|l| l.strip_prefix("Package: ") == Some(package))
            .then_some(())?;
        para.lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .map(|v| v.trim().to_string())
    })
}

/// `HIP_VERSION_MAJOR.MINOR.PATCH` from `hip/hip_version.h`.
fn hip_version(include: &Path) -> Option<String> {
    let text = std::fs::read_to_string(include.join("hip/hip_version.h")).ok()?;
    let get = |name: &str| {
        text.lines().find_map(|l| {
            let rest = l.trim().strip_prefix("#define")?.trim_start();
            let value = rest.strip_prefix(name)?;
            value
                .starts_with(char::is_whitespace)
                .then(|| value.trim().to_string())
        })
    };
    Some(format!(
        "{}.{}.{}",
        get("HIP_VERSION_MAJOR")?,
        get("HIP_VERSION_MINOR")?,
        get("HIP_VERSION_PATCH").unwrap_or_else(|| "0".into())
    ))
}

/// `base` joined with `rel`; `base` itself for an empty `rel`.
fn joined(base: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_tool_banners() {
        assert_eq!(
            parse_version("Debian clang version 19.1.7 (3+b1)\nTarget: x86_64").as_deref(),
            Some("19.1.7")
        );
        assert_eq!(
            parse_version("Debian LLD 19.1.7 (compatible with GNU linkers)").as_deref(),
            Some("19.1.7")
        );
        assert_eq!(
            parse_version(
                "ptxas: NVIDIA (R) Ptx optimizing assembler\nCopyright (c) 2005-2024 NVIDIA Corporation\nCuda compilation tools, release 12.4, V12.4.131"
            )
            .as_deref(),
            Some("12.4")
        );
    }

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
}
