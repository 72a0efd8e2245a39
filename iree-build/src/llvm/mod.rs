//! The in-process LLVM path (cargo feature `llvm`), after the seed's
//! `ROCMTarget::serializeExecutable`.
//!
//! A plain `clang --offload-arch=…` build cannot do what IREE's serializer
//! does between front end and code generator, and those steps are why this
//! path exists:
//!
//! - device libraries are linked only when the module calls into them, and only
//!   the functions it needs, internalised (module `link`); a kernel without math
//!   carries no `ocml` at all, and Debian's ROCm 5.2 missing the ISA control
//!   libraries for newer chips stops mattering because
//! - the HIP platform globals (`__oclc_ISA_version`, wavefront size, denormal
//!   and math modes, ABI version) are set directly for the exact chip
//!   (module `amd`), the way the seed's `setHIPGlobals` does;
//! - every kernel is stamped with what the *declaration* says (flat workgroup
//!   size, waves per EU, kernarg preloading on gfx9; `maxntid` on NVIDIA), so
//!   the code object's metadata tells the verifier and the runtime the truth;
//! - the module is optimised once, at O3, for the real target machine.
//!
//! clang still does the front-end work: it emits device bitcode with LLVM's
//! optimisations disabled (`-O3 -Xclang -disable-llvm-passes`, which keeps the
//! O3 front-end shape without `optnone`), and everything after that happens in
//! this process through `inkwell`. AMD results are linked into HSACO by
//! `ld.lld -shared`; NVIDIA results are PTX text.
//!
//! Tool and library paths are parameters ([`LlvmJob`]) rather than discovered
//! here, so the caller's toolchain discovery stays the one place that knows
//! where things live.
//!
//! `IREE_BUILD_DUMP=<dir>` ([`DUMP_ENV`]) asks for the intermediates, as the
//! seed's `dumpIntermediatesPath` does: `<name>.<target>.linked.ll`,
//! `.optimized.ll`, and `.rocmasm` (AMD) or `.ptx` (NVIDIA), with `:` in a
//! target id written as `_` (`gfx90a_xnack-`).
//!
//! Where this differs from the seed, and why:
//! - kernels are the functions clang made kernels (`amdgpu_kernel`, or
//!   `nvvm.annotations` `kernel`) plus any named in
//!   [`LlvmJob::kernel_workgroup_sizes`]; every other definition is
//!   internalised before deciding whether device libraries are needed, so
//!   helpers the HIP headers define but no kernel calls (`__assert_fail`) do
//!   not drag `ockl` in. HIP's `blockDim` is `__ockl_get_local_size`, so most
//!   real kernels do link three small `ockl` functions — but no `ocml`
//!   unless they do math;
//! - the C API cannot set `TargetOptions` (`NoNaNsFPMath`, FP-op fusion), so
//!   the target machine uses LLVM's defaults; fusion still follows clang's
//!   per-function `-ffp-contract` (`fast-honor-pragmas` for HIP);
//! - xnack/sramecc come from the target id, not a fixed `+sramecc,-xnack`.

mod amd;
mod build;
mod clang;
mod link;
mod nvptx;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use inkwell::module::Module;

use crate::target::TargetId;

pub use build::compile_job;
pub use clang::{device_bitcode_command, emit_device_bitcode};

/// The environment variable naming the directory for intermediate files,
/// read by [`LlvmJob::new`] so a user can look at every stage of a build
/// without touching `build.rs` (defined in `crate::dump`).
pub use crate::dump::DUMP_ENV;

/// One source compiled for one GPU target through the in-process pipeline.
///
/// Fields are public so a caller can fill in what its toolchain discovery
/// found; [`LlvmJob::new`] gives the defaults that match HIP's.
#[derive(Clone, Debug)]
pub struct LlvmJob {
    /// Names the executable in dump file names (`<name>.<target>.linked.ll`).
    pub name: String,
    /// The HIP source (`.cu`); compiled as HIP for AMD and CUDA for NVIDIA.
    pub source: PathBuf,
    /// The GPU to compile for; `host` is not handled by this path.
    pub target: TargetId,
    /// `clang-19` (or a clang whose bitcode LLVM 19 reads).
    pub clang: PathBuf,
    /// `ld.lld`, used to turn the AMD object into a shared HSACO; unused for NVIDIA.
    pub lld: PathBuf,
    /// Directory holding `ocml.bc` and `ockl.bc`; needed only when the module
    /// calls `__ocml_*` / `__ockl_*`.
    pub device_lib_dir: Option<PathBuf>,
    /// `libdevice.10.bc`; needed only when an NVIDIA module calls `__nv_*`.
    pub libdevice: Option<PathBuf>,
    /// The CUDA installation clang compiles NVIDIA sources against
    /// (`--cuda-path`, CUDA's device headers); `None` compiles with
    /// `-nocudainc`, where `include_dirs` must provide everything.
    pub cuda_path: Option<PathBuf>,
    /// `-I` directories for clang (our HIP headers first).
    pub include_dirs: Vec<PathBuf>,
    /// `-D` definitions for clang.
    pub defines: Vec<(String, Option<String>)>,
    /// Extra clang arguments, appended after ours (e.g. `-nogpuinc`).
    pub clang_args: Vec<String>,
    /// The declared workgroup size, applied to every kernel that has no entry
    /// in `kernel_workgroup_sizes`.
    pub workgroup_size: [u32; 3],
    /// Per-kernel workgroup sizes where exports of one source differ.
    pub kernel_workgroup_sizes: BTreeMap<String, [u32; 3]>,
    /// Whether kernels with no entry in `kernel_workgroup_sizes` are stamped
    /// with `workgroup_size` (the default). [`compile_job`] turns this off:
    /// there the map holds every declared export, and a kernel no
    /// declaration names keeps clang's bounds (`__launch_bounds__`, or
    /// 1024 threads) rather than a size nobody declared.
    pub stamp_unlisted: bool,
    /// `amdgpu-waves-per-eu` for every kernel (IREE's `waves_per_eu` target option).
    pub waves_per_eu: Option<u32>,
    /// The declared `subgroup_size` (32 or 64). On AMD chips that run both
    /// (gfx10+) it picks the wavefront size for code generation and for
    /// `__oclc_wavefrontsize64`; gfx9 accepts only 64. `None` is the chip's default.
    pub subgroup_size: Option<u32>,
    /// Whether to mark leading kernel arguments `inreg` on gfx9 chips whose
    /// LLVM 19 backend can preload kernel arguments into SGPRs.
    pub preload_kernargs: bool,
    /// The PTX ISA version (`78` = PTX 7.8) to emit; by default the lowest the
    /// SM needs, so the oldest possible driver can JIT it.
    pub ptx_version: Option<u32>,
    /// User bitcode (`.bc` or `.ll`), linked into the module before device
    /// libraries, overriding its definitions (the seed's `linkCmdlineBitcodeFiles`).
    pub user_bitcode: Vec<PathBuf>,
    /// Where to write intermediates; `None` writes nothing.
    pub dump_dir: Option<PathBuf>,
}

impl LlvmJob {
    /// A job with HIP's defaults, taking the dump directory from [`DUMP_ENV`].
    pub fn new(
        name: impl Into<String>,
        source: impl Into<PathBuf>,
        target: TargetId,
        clang: impl Into<PathBuf>,
        lld: impl Into<PathBuf>,
    ) -> LlvmJob {
        LlvmJob {
            name: name.into(),
            source: source.into(),
            target,
            clang: clang.into(),
            lld: lld.into(),
            device_lib_dir: None,
            libdevice: None,
            cuda_path: None,
            include_dirs: Vec::new(),
            defines: Vec::new(),
            clang_args: Vec::new(),
            workgroup_size: [1, 1, 1],
            kernel_workgroup_sizes: BTreeMap::new(),
            stamp_unlisted: true,
            waves_per_eu: None,
            subgroup_size: None,
            preload_kernargs: true,
            ptx_version: None,
            user_bitcode: Vec::new(),
            dump_dir: crate::config::Env::from_process()
                .var(DUMP_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The workgroup size a kernel is stamped with; `None` leaves it as
    /// clang made it.
    /// Entries are keyed by export names, which may be C++ names
    /// (`MatrixMulCUDA<16>`) of the mangled function `kernel`.
    fn workgroup_size_of(&self, kernel: &str) -> Option<[u32; 3]> {
        let named = self.kernel_workgroup_sizes.get(kernel).or_else(|| {
            self.kernel_workgroup_sizes
                .iter()
                .find(|(export, _)| {
                    !crate::code_object::matching(export, std::iter::once(kernel)).is_empty()
                })
                .map(|(_, size)| size)
        });
        match named {
            Some(size) => Some(*size),
            None => self.stamp_unlisted.then_some(self.workgroup_size),
        }
    }
}

/// Why the LLVM path failed; each variant names the stage and the input so a
/// build script can print something actionable.
#[derive(Debug, thiserror::Error)]
pub enum LlvmError {
    /// The target is not one this function compiles for.
    #[error("the LLVM path cannot compile for `{target}`: {why}")]
    UnsupportedTarget {
        /// The target id as written.
        target: String,
        /// What would be needed instead.
        why: String,
    },
    /// A tool could not be started at all.
    #[error("could not run {tool} at {}: {source}", path.display())]
    Spawn {
        /// `clang` or `ld.lld`.
        tool: &'static str,
        /// The path that was tried.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A tool ran and failed.
    #[error("{tool} failed ({status}): {command}\n{stderr}")]
    Tool {
        /// `clang` or `ld.lld`.
        tool: &'static str,
        /// Its exit status, as the OS describes it.
        status: String,
        /// The command line, for copy-paste reproduction.
        command: String,
        /// What the tool printed.
        stderr: String,
    },
    /// The module needs a library the job did not supply.
    #[error("the module calls {needed} but {what} was not found{}", path.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_else(|| " (no path given)".into()))]
    MissingLibrary {
        /// The library (`ocml.bc`, `libdevice.10.bc`).
        what: String,
        /// An example of the symbols that made it necessary.
        needed: String,
        /// Where it was looked for.
        path: Option<PathBuf>,
    },
    /// LLVM rejected something: parsing, linking, verification, passes, codegen.
    #[error("LLVM {stage} failed{}: {message}", input.as_ref().map(|p| format!(" for {}", p.display())).unwrap_or_default())]
    Llvm {
        /// The step of the pipeline.
        stage: &'static str,
        /// The file involved, when there is one.
        input: Option<PathBuf>,
        /// LLVM's message.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Shorthand for this module's results.
pub type Result<T, E = LlvmError> = std::result::Result<T, E>;

/// Compiles `job.source` for an AMD GPU and returns the HSACO bytes.
///
/// Pipeline: clang → link user bitcode → internalise non-kernels and drop what
/// they do not reach → link `ocml`/`ockl` if still called → set HIP globals →
/// stamp kernels → O3 → object → `ld.lld -shared`.
pub fn compile_amd(job: &LlvmJob) -> Result<Vec<u8>> {
    amd::compile(job).map(|(hsaco, _warnings)| hsaco)
}

/// Compiles `job.source` for an NVIDIA GPU and returns the PTX text.
///
/// Pipeline: clang (CUDA mode, `-nocudainc -nocudalib`) → link user bitcode →
/// internalise non-kernels → link libdevice if `__nv_*` is still called →
/// NVVM reflect → `maxntid` annotations → O3 → PTX.
pub fn compile_nvptx(job: &LlvmJob) -> Result<String> {
    nvptx::compile(job).map(|(ptx, _warnings)| ptx)
}

/// A temporary directory removed on drop, so failed builds leave no litter
/// (`tempfile` is only a dev-dependency of this crate).
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Result<Scratch> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "iree-build-llvm-{tag}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|source| LlvmError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the intermediates the seed's `dumpIntermediatesPath` produces.
struct Dumper<'a> {
    dir: Option<&'a Path>,
    stem: String,
}

impl<'a> Dumper<'a> {
    fn new(job: &'a LlvmJob) -> Result<Dumper<'a>> {
        if let Some(dir) = &job.dump_dir {
            std::fs::create_dir_all(dir).map_err(|source| LlvmError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        // `:` (from `gfx90a:xnack-`) is legal on Unix but not on Windows.
        let target = job.target.to_string().replace(':', "_");
        Ok(Dumper {
            dir: job.dump_dir.as_deref(),
            stem: format!("{}.{}", job.name, target),
        })
    }

    fn module(&self, suffix: &str, module: &Module<'_>) -> Result<()> {
        if self.dir.is_some() {
            self.text(suffix, module.print_to_string().to_string().as_bytes())?;
        }
        Ok(())
    }

    fn text(&self, suffix: &str, bytes: &[u8]) -> Result<()> {
        if let Some(dir) = self.dir {
            let path = dir.join(format!("{}{suffix}", self.stem));
            std::fs::write(&path, bytes).map_err(|source| LlvmError::Io { path, source })?;
        }
        Ok(())
    }

    fn wanted(&self) -> bool {
        self.dir.is_some()
    }
}

/// Turns an inkwell error string into our error, naming the stage.
fn llvm_err(stage: &'static str, input: Option<&Path>, message: impl fmt::Display) -> LlvmError {
    LlvmError::Llvm {
        stage,
        input: input.map(Path::to_path_buf),
        message: message.to_string(),
    }
}
