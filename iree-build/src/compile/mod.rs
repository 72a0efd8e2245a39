//! One (source, target) → object file(s), with clang-19.
//!
//! This is the seed's `hip_kernel_hsaco_clang` CMake function as a library:
//! each target kind has its own recipe (`amd`, `nvidia`, `host`), and all
//! share the same frame: check the toolchain, write our headers into
//! `OUT_DIR`, consult the content-hash cache, run clang
//! with a depfile, read the depfile, record the result.
//!
//! [`compile`] touches only files named after its job (source and target),
//! so jobs for different (source, target) pairs can run on any threads at
//! once; the lead's `Build` schedules them under cargo's jobserver.

mod amd;
pub(crate) mod cached;
pub(crate) mod cuda_root;
pub mod depfile;
mod host;
mod nvidia;
pub mod plugin;
pub mod wrapper;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cache::{self, KeyInputs};
use crate::config::CompileEnv;
use crate::target::{Format, Platform, TargetId};
use crate::toolchain::{Located, Toolchain, ToolchainError};

/// Our NVIDIA headers (`include/nvidia/**`): relative path and contents.
/// They map HIP's spelling onto CUDA's device headers (which clang finds
/// through `--cuda-path`, `compile::cuda_root`): `hip/hip_runtime.h` is the one
/// kernels include, the others are HIP's fp16, bf16 and cooperative-groups
/// headers, and `hip/iree_cuda_include.h` brackets their CUDA includes.
pub const NVIDIA_HEADERS: &[(&str, &str)] = &[
    (
        "hip/hip_runtime.h",
        include_str!("../../include/nvidia/hip/hip_runtime.h"),
    ),
    (
        "hip/hip_runtime_api.h",
        include_str!("../../include/nvidia/hip/hip_runtime_api.h"),
    ),
    (
        "hip/iree_cuda_include.h",
        include_str!("../../include/nvidia/hip/iree_cuda_include.h"),
    ),
    (
        "hip/hip_fp16.h",
        include_str!("../../include/nvidia/hip/hip_fp16.h"),
    ),
    (
        "hip/hip_bf16.h",
        include_str!("../../include/nvidia/hip/hip_bf16.h"),
    ),
    (
        "hip/hip_bfloat16.h",
        include_str!("../../include/nvidia/hip/hip_bfloat16.h"),
    ),
    (
        "hip/hip_cooperative_groups.h",
        include_str!("../../include/nvidia/hip/hip_cooperative_groups.h"),
    ),
    (
        NVIDIA_HINTS_H,
        include_str!("../../include/nvidia/iree_nvidia_hints.h"),
    ),
];
/// The NVIDIA header every `sm_*` compile force-includes (`-include`): the
/// cache-hint loads and stores clang's CUDA wrapper leaves out.
pub const NVIDIA_HINTS_H: &str = "iree_nvidia_hints.h";
/// The host HIP header (`include/host/hip/hip_runtime.h`), mirroring
/// `runtime_hip::host::abi`.
pub const HOST_HIP_RUNTIME_H: &str = include_str!("../../include/host/hip/hip_runtime.h");
/// Every host header (`include/host/**`, then [`SHARED_HEADERS`]): relative
/// path and contents. The HIP runtime header includes the warps
/// (`iree_host_warp.h`); cooperative groups come in CUDA's and HIP's
/// spellings; fp16 and bf16 are the host's own (never `/usr/include/hip`).
pub const HOST_HEADERS: &[(&str, &str)] = &[
    ("hip/hip_runtime.h", HOST_HIP_RUNTIME_H),
    (
        "iree_host_warp.h",
        include_str!("../../include/host/iree_host_warp.h"),
    ),
    (
        "cooperative_groups.h",
        include_str!("../../include/host/cooperative_groups.h"),
    ),
    (
        "hip/hip_cooperative_groups.h",
        include_str!("../../include/host/hip/hip_cooperative_groups.h"),
    ),
    (
        "hip/hip_fp16.h",
        include_str!("../../include/host/hip/hip_fp16.h"),
    ),
    (
        "hip/hip_bfloat16.h",
        include_str!("../../include/host/hip/hip_bfloat16.h"),
    ),
];
/// The AMD `gfx*` layer over the system HIP headers (`include/amdgcn/**`,
/// then [`SHARED_HEADERS`]), first on the include path of every gfx*
/// compile: `hip/hip_runtime.h` reads the system one (`#include_next`) and
/// adds what Debian's HIP 5.2 lacks or gets wrong for clang-19
/// (`iree_amd_device.h`); cooperative groups replace HIP's.
pub const AMD_HEADERS: &[(&str, &str)] = &[
    (
        "hip/hip_runtime.h",
        include_str!("../../include/amdgcn/hip/hip_runtime.h"),
    ),
    (
        "iree_amd_device.h",
        include_str!("../../include/amdgcn/iree_amd_device.h"),
    ),
    (
        "hip/hip_cooperative_groups.h",
        include_str!("../../include/amdgcn/hip/hip_cooperative_groups.h"),
    ),
    (
        "cooperative_groups.h",
        include_str!("../../include/amdgcn/cooperative_groups.h"),
    ),
];
/// Headers the host and AMD share (`include/common/**`), written into both
/// include dirs: CUDA's header names mapped onto the platform's HIP headers
/// (bring a CUDA kernel unchanged), the cooperative groups implementation,
/// mixed-type integer `min`/`max`, CUDA's cache-hint loads and stores.
pub const SHARED_HEADERS: &[(&str, &str)] = &[
    (
        "cuda_runtime.h",
        include_str!("../../include/common/cuda_runtime.h"),
    ),
    ("cuda.h", include_str!("../../include/common/cuda.h")),
    (
        "cuda_runtime_api.h",
        include_str!("../../include/common/cuda_runtime_api.h"),
    ),
    (
        "device_launch_parameters.h",
        include_str!("../../include/common/device_launch_parameters.h"),
    ),
    (
        "cuda_fp16.h",
        include_str!("../../include/common/cuda_fp16.h"),
    ),
    (
        "cuda_bf16.h",
        include_str!("../../include/common/cuda_bf16.h"),
    ),
    (
        "math_constants.h",
        include_str!("../../include/common/math_constants.h"),
    ),
    (
        "iree_minmax.h",
        include_str!("../../include/common/iree_minmax.h"),
    ),
    (
        "iree_cache_hints.h",
        include_str!("../../include/common/iree_cache_hints.h"),
    ),
    (
        "iree_cooperative_groups.h",
        include_str!("../../include/common/iree_cooperative_groups.h"),
    ),
    (
        "cooperative_groups/reduce.h",
        include_str!("../../include/common/cooperative_groups/reduce.h"),
    ),
    (
        "cooperative_groups/scan.h",
        include_str!("../../include/common/cooperative_groups/scan.h"),
    ),
];

/// Environment variables clang itself reads that change what it compiles:
/// part of the cache key, and a build script should emit
/// `cargo:rerun-if-env-changed` for each (besides `toolchain::ENV_VARS`).
pub const ENV_VARS: &[&str] = &[
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "ROCM_PATH",
    "HIP_PATH",
    "HIP_DEVICE_LIB_PATH",
];

/// One source compiled for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileJob {
    /// The HIP source (`.cu`); relative paths are taken from the current dir.
    pub source: PathBuf,
    /// What to compile for.
    pub target: TargetId,
    /// Where outputs, depfiles, stamps and our headers go (`OUT_DIR`).
    pub out_dir: PathBuf,
    /// Extra `-I` directories, searched before the system ones.
    pub include_dirs: Vec<PathBuf>,
    /// `-D name` or `-D name=value`.
    pub defines: Vec<(String, Option<String>)>,
    /// The kernels the declarations export, as they name them. A host
    /// object exports each (`IREE_HOST_EXPORT(k)`, or
    /// `IREE_HOST_EXPORT_AS(id, name)` for a C++ name); a GPU compile
    /// references the C++ names from a wrapper TU ([`wrapper`]), which
    /// instantiates templates the source does not.
    pub host_exports: Vec<String>,
    /// Host target only: compile just the exports' signature tables (no
    /// entry points, no lockstep pass, `-O0`), for checking declarations when
    /// `host` is not a target. Its object is never linked or bundled.
    pub signature_only: bool,
}

impl CompileJob {
    /// A job with no extra include dirs, defines or host exports.
    pub fn new(source: impl Into<PathBuf>, target: TargetId, out_dir: impl Into<PathBuf>) -> Self {
        CompileJob {
            source: source.into(),
            target,
            out_dir: out_dir.into(),
            include_dirs: Vec::new(),
            defines: Vec::new(),
            host_exports: Vec::new(),
            signature_only: false,
        }
    }

    /// The host-side signature compile of `source` for `exports` (see
    /// [`CompileJob::signature_only`]).
    pub fn signatures(
        source: impl Into<PathBuf>,
        out_dir: impl Into<PathBuf>,
        exports: Vec<String>,
    ) -> Self {
        CompileJob {
            host_exports: exports,
            signature_only: true,
            ..CompileJob::new(source, TargetId::Host, out_dir)
        }
    }
}

/// What a job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledObject {
    /// The target compiled for.
    pub target: TargetId,
    /// The objects, best first: `[(Hsaco, ..)]`, `[(Ptx, ..), (Cubin, ..)]`
    /// (cubin only when ptxas was found), or `[(Host, ..)]`.
    pub outputs: Vec<(Format, PathBuf)>,
    /// Every file the compile read that a user may edit (the source and each
    /// header it includes, from clang's depfile; our generated files in
    /// `out_dir` excluded): emit `cargo:rerun-if-changed` for each.
    pub deps: Vec<PathBuf>,
    /// True when the outputs came from the cache and no compiler ran.
    pub cached: bool,
    /// Warnings clang printed (empty when cached), for `cargo:warning`.
    pub diagnostics: String,
    /// The commands that ran, in order, program first (empty when cached):
    /// what a user would type to reproduce this job by hand.
    pub commands: Vec<Vec<String>>,
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A tool the target needs is missing.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// clang (or ptxas) rejected the input: its output, as it printed it.
    #[error("{0}")]
    Tool(Box<ToolFailure>),
    /// A file could not be read or written, or a tool not started.
    #[error("{target}: cannot {action} {}: {error}", path.display())]
    Io {
        /// The target being built.
        target: TargetId,
        /// What was being done (`read`, `write`, `run`).
        action: &'static str,
        /// The file or program.
        path: PathBuf,
        /// The underlying error.
        #[source]
        error: io::Error,
    },
}

/// A tool that ran and failed.
#[derive(Debug)]
pub struct ToolFailure {
    /// The target the failure happened for.
    pub target: TargetId,
    /// `clang-19` or `ptxas`.
    pub tool: String,
    /// The file it was compiling.
    pub file: PathBuf,
    /// Its exit status.
    pub status: String,
    /// Everything it printed to stderr (diagnostics with `file:line:col`).
    pub stderr: String,
    /// The command line, for reproducing by hand.
    pub command: String,
}

impl fmt::Display for ToolFailure {
    /// `<target>: <tool> failed on <file> (<status>):`, then the tool's own
    /// output unchanged, then the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} failed on {} ({}):\n{}",
            self.target,
            self.tool,
            self.file.display(),
            self.status,
            self.stderr.trim_end()
        )?;
        write!(f, "\ncommand: {}", self.command)
    }
}

/// Where [`write_headers`] put our headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludeDirs {
    /// `-I` dir for NVIDIA targets (holds `hip/hip_runtime.h`).
    pub nvidia: PathBuf,
    /// `-I` dir for the host target (holds `hip/hip_runtime.h`).
    pub host: PathBuf,
    /// `-I` dir for AMD targets (the layer over the system HIP headers,
    /// [`AMD_HEADERS`]), also holding generated bitcode (platform globals).
    pub amdgcn: PathBuf,
}

/// Writes our headers from the crate's embedded copies into
/// `out_dir/iree-include/{nvidia,host,amdgcn}`, so user crates never depend on
/// this crate's source path. Rewrites only what changed.
pub fn write_headers(out_dir: &Path) -> io::Result<IncludeDirs> {
    let root = out_dir.join("iree-include");
    let dirs = IncludeDirs {
        nvidia: root.join("nvidia"),
        host: root.join("host"),
        amdgcn: root.join("amdgcn"),
    };
    for (rel, text) in NVIDIA_HEADERS {
        cache::write_if_changed(&dirs.nvidia.join(rel), text.as_bytes())?;
    }
    // An older iree-build wrote a stand-in `crt/sm_70_rt.hpp` here, which
    // would now hide CUDA's own from clang: an `OUT_DIR` that has it lets
    // it go.
    let stale = dirs.nvidia.join("crt");
    if stale.is_dir() {
        // Another job of this build may be removing it too.
        let _ = std::fs::remove_dir_all(&stale);
    }
    for (rel, text) in HOST_HEADERS.iter().chain(SHARED_HEADERS) {
        cache::write_if_changed(&dirs.host.join(rel), text.as_bytes())?;
    }
    for (rel, text) in AMD_HEADERS.iter().chain(SHARED_HEADERS) {
        cache::write_if_changed(&dirs.amdgcn.join(rel), text.as_bytes())?;
    }
    Ok(dirs)
}

/// What a clang recipe (`amd`, `nvidia`, `host`) decided: the clang
/// command and the files around it.
struct ClangPlan {
    /// Arguments to clang.
    args: Vec<OsString>,
    /// The file clang compiles (the source, or the host wrapper TU).
    input: PathBuf,
    /// The main output.
    output: (Format, PathBuf),
    /// Where clang writes the depfile.
    depfile: PathBuf,
    /// Files whose bytes matter but that the depfile will not list.
    extra_inputs: Vec<PathBuf>,
    /// Words besides the args that change the output (tool versions).
    extra_words: Vec<String>,
    /// ptxas to run on the PTX: (ptxas, cubin path).
    ptxas: Option<(Located, PathBuf)>,
}

/// Paths of one job's files: `out_dir/iree-objects/<stem>-<hash>/<target>.*`.
pub(crate) struct JobPaths {
    dir: PathBuf,
    base: String,
}

impl JobPaths {
    /// `tag` sets one recipe's files apart from another's (`.llvm`).
    fn new(job: &CompileJob, source: &Path, tag: &str) -> JobPaths {
        let stem = source
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("source");
        let dir = job.out_dir.join("iree-objects").join(format!(
            "{stem}-{}",
            cache::short_hash(&source.to_string_lossy())
        ));
        let mut base = job.target.to_string().replace(':', "_");
        base.push_str(tag);
        if job.signature_only {
            base.push_str("-signature");
        }
        JobPaths { dir, base }
    }

    /// `<dir>/<base>.<ext>`.
    pub(crate) fn file(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.base))
    }
}

/// What every recipe's job starts from, set up by [`run_job`].
pub(crate) struct Frame<'a> {
    pub(crate) job: &'a CompileJob,
    pub(crate) tc: &'a Toolchain,
    /// The discovered clang (`require_for` checked it).
    pub(crate) clang: &'a Located,
    /// The canonical source path.
    pub(crate) source: PathBuf,
    /// Our headers, written into `out_dir`.
    pub(crate) headers: IncludeDirs,
    /// Where the job's files go (the directory exists).
    pub(crate) paths: JobPaths,
    /// The directory relative include dirs and depfile paths are read from.
    pub(crate) cwd: PathBuf,
}

impl Frame<'_> {
    /// [`CompileError::Io`] for this job's target.
    pub(crate) fn io_err<'p>(
        &'p self,
        action: &'static str,
        path: &'p Path,
    ) -> impl FnOnce(io::Error) -> CompileError + 'p {
        cached::io_err(&self.job.target, action, path)
    }
}

/// What a recipe's plan tells the frame: the cache key's parts, the files
/// it will write and whether ptxas follows.
pub(crate) struct Plan {
    /// Key words after iree-build's version, before the environment: the
    /// tools and their versions.
    pub(crate) tool_words: Vec<String>,
    /// Key words after the environment: the full command or job.
    pub(crate) arg_words: Vec<String>,
    /// Files whose bytes are part of the key (the source first).
    pub(crate) key_files: Vec<PathBuf>,
    /// The main output.
    pub(crate) output: (Format, PathBuf),
    /// The depfile the compile writes.
    pub(crate) depfile: PathBuf,
    /// ptxas to run on the PTX output: (ptxas, cubin path).
    pub(crate) ptxas: Option<(PathBuf, PathBuf)>,
}

/// What running the compiler produced besides its output file.
pub(crate) struct Ran {
    /// The command lines, program first.
    pub(crate) commands: Vec<Vec<String>>,
    /// What it printed (warnings).
    pub(crate) diagnostics: String,
}

/// One way to compile a job: everything else (cache, depfile, ptxas,
/// record) is the frame's, in [`run_job`].
pub(crate) trait Recipe {
    /// What [`Recipe::plan`] hands [`Recipe::run`] besides the [`Plan`].
    type Prepared;
    /// Sets this recipe's files apart in the job directory (`""`, `.llvm`).
    fn tag(&self) -> &'static str;
    /// Decides the command and files.
    fn plan(&self, frame: &Frame<'_>) -> Result<(Plan, Self::Prepared), CompileError>;
    /// Runs the compiler; it writes `plan.output` and `plan.depfile`.
    fn run(
        &self,
        frame: &Frame<'_>,
        plan: &Plan,
        prepared: Self::Prepared,
    ) -> Result<Ran, CompileError>;
}

/// Compiles `job.source` for `job.target`, or reuses the cached outputs when
/// nothing the compile reads has changed; reads the process environment
/// ([`CompileEnv::from_process`]).
///
/// Host jobs load the lockstep plugin when [`plugin::for_host`] has one
/// (building it on first use); why it is missing is not reported here:
/// a caller that wants the warning asks [`plugin::Lockstep::warn_once`].
/// A build resolves both once and hands them to every job.
pub fn compile(job: &CompileJob, tc: &Toolchain) -> Result<CompiledObject, CompileError> {
    tc.require_for(&job.target)?;
    let lockstep = match job.target.platform() {
        Platform::Host if job.signature_only => plugin::Lockstep::Disabled,
        Platform::Host => plugin::for_host(tc, &job.out_dir),
        Platform::Amd | Platform::Nvidia => plugin::Lockstep::Disabled,
    };
    compile_with(job, tc, &CompileEnv::from_process(), lockstep.plugin())
}

/// [`compile`] with the environment and the host lockstep plugin given
/// (`None`: without it; signature-only jobs never load it).
pub(crate) fn compile_with(
    job: &CompileJob,
    tc: &Toolchain,
    env: &CompileEnv,
    lockstep: Option<&Path>,
) -> Result<CompiledObject, CompileError> {
    let lockstep = lockstep.filter(|_| !job.signature_only);
    run_job(job, tc, env, &Clang { env, lockstep })
}

/// The job frame every recipe runs in: check the toolchain, write our
/// headers, plan, consult the stamp cache, run, read the depfile, run
/// ptxas on PTX, record.
pub(crate) fn run_job<R: Recipe>(
    job: &CompileJob,
    tc: &Toolchain,
    env: &CompileEnv,
    recipe: &R,
) -> Result<CompiledObject, CompileError> {
    tc.require_for(&job.target)?;
    let frame = frame(job, tc, recipe.tag())?;
    let (plan, prepared) = recipe.plan(&frame)?;
    let key = key(env, &plan);
    let stamp_path = frame.paths.file("stamp");
    let mut outputs = vec![plan.output.clone()];
    if let Some((_, cubin)) = &plan.ptxas {
        outputs.push((Format::Cubin, cubin.clone()));
    }
    let stamped = cached::Stamped {
        job,
        source: &frame.source,
        stamp_path: &stamp_path,
        key: &key,
    };
    if let Some(hit) = stamped.reuse_or_clear(&outputs) {
        return Ok(hit);
    }
    let Ran {
        mut commands,
        mut diagnostics,
    } = recipe.run(&frame, &plan, prepared)?;
    let dep_text =
        std::fs::read_to_string(&plan.depfile).map_err(frame.io_err("read", &plan.depfile))?;
    let read = depfile::parse(&dep_text, &frame.cwd);
    if let (Some((ptxas, cubin)), TargetId::Nvidia { sm }) = (&plan.ptxas, &job.target) {
        let args: Vec<OsString> = vec![
            format!("-arch=sm_{sm}").into(),
            plan.output.1.clone().into(),
            "-o".into(),
            cubin.clone().into(),
        ];
        diagnostics += &run(&job.target, ptxas, "ptxas", &args, &plan.output.1)?;
        commands.push(argv(ptxas, &args));
    }
    stamped.record(read, outputs, diagnostics, commands)
}

/// Sets up a job's [`Frame`].
fn frame<'a>(job: &'a CompileJob, tc: &'a Toolchain, tag: &str) -> Result<Frame<'a>, CompileError> {
    let io_err = |action, path| cached::io_err(&job.target, action, path);
    let clang = tc.clang().expect("require_for checked clang");
    let source = std::fs::canonicalize(&job.source).map_err(io_err("read", &job.source))?;
    let headers =
        write_headers(&job.out_dir).map_err(io_err("write headers into", &job.out_dir))?;
    let paths = JobPaths::new(job, &source, tag);
    std::fs::create_dir_all(&paths.dir).map_err(io_err("create", &paths.dir))?;
    let cwd = std::env::current_dir().map_err(io_err("read", Path::new(".")))?;
    Ok(Frame {
        job,
        tc,
        clang,
        source,
        headers,
        paths,
        cwd,
    })
}

/// The cache key: iree-build's version, the tools, the variables clang
/// reads, the command, the files.
fn key(env: &CompileEnv, plan: &Plan) -> KeyInputs {
    let mut key = KeyInputs::default();
    key.words
        .push(format!("iree-build {}", env!("CARGO_PKG_VERSION")));
    key.words.extend(plan.tool_words.iter().cloned());
    for (var, value) in &env.clang_vars {
        key.words.push(format!("{var}={value}"));
    }
    key.words.extend(plan.arg_words.iter().cloned());
    key.files = plan.key_files.clone();
    key
}

/// `clang -o …`: the recipe of the `amd`, `nvidia` and `host` modules.
struct Clang<'a> {
    env: &'a CompileEnv,
    lockstep: Option<&'a Path>,
}

impl Recipe for Clang<'_> {
    /// clang's arguments and input.
    type Prepared = (Vec<OsString>, PathBuf);

    fn tag(&self) -> &'static str {
        ""
    }

    fn plan(&self, f: &Frame<'_>) -> Result<(Plan, Self::Prepared), CompileError> {
        let (job, source, headers, paths) = (f.job, &f.source, &f.headers, &f.paths);
        let mut plan = match job.target.platform() {
            Platform::Amd => amd::plan(job, f.tc, source, headers, paths)?,
            Platform::Nvidia => nvidia::plan(job, f.tc, source, headers, paths)?,
            Platform::Host => host::plan(job, self.env, source, headers, paths, self.lockstep)?,
        };
        if job.target.platform() != Platform::Host {
            if let Some(text) = wrapper::device_source(source, &job.host_exports) {
                let wrapper = paths.file("instances.cu");
                cache::write_if_changed(&wrapper, text.as_bytes()).map_err(cached::io_err(
                    &job.target,
                    "write",
                    &wrapper,
                ))?;
                plan.input = wrapper;
            }
        }
        plan.args.extend(common_args(job, &f.cwd, &plan));
        let mut tool_words = vec![format!(
            "clang {} {}",
            f.clang.path.display(),
            f.clang.version.as_deref().unwrap_or("?")
        )];
        tool_words.extend(plan.extra_words);
        let mut key_files = vec![source.clone(), plan.input.clone()];
        key_files.extend(plan.extra_inputs);
        let frame_plan = Plan {
            tool_words,
            arg_words: plan
                .args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            key_files,
            output: plan.output,
            depfile: plan.depfile,
            ptxas: plan.ptxas.map(|(p, cubin)| (p.path, cubin)),
        };
        Ok((frame_plan, (plan.args, plan.input)))
    }

    fn run(
        &self,
        f: &Frame<'_>,
        _plan: &Plan,
        (args, input): Self::Prepared,
    ) -> Result<Ran, CompileError> {
        let diagnostics = run(&f.job.target, &f.clang.path, "clang-19", &args, &input)?;
        Ok(Ran {
            commands: vec![argv(&f.clang.path, &args)],
            diagnostics,
        })
    }
}

/// The arguments every clang recipe ends with: the user's include dirs and
/// defines, the depfile, the output, the input.
fn common_args(job: &CompileJob, cwd: &Path, plan: &ClangPlan) -> Vec<OsString> {
    let mut common: Vec<OsString> = Vec::new();
    for dir in &job.include_dirs {
        let mut a = OsString::from("-I");
        a.push(cwd.join(dir));
        common.push(a);
    }
    for (name, value) in &job.defines {
        common.push(match value {
            Some(v) => format!("-D{name}={v}").into(),
            None => format!("-D{name}").into(),
        });
    }
    common.extend(["-fno-color-diagnostics".into(), "-MD".into(), "-MF".into()]);
    common.push(plan.depfile.clone().into());
    common.push("-o".into());
    common.push(plan.output.1.clone().into());
    common.push(plan.input.clone().into());
    common
}

/// A command line as [`CompiledObject::commands`] lists it.
fn argv(program: &Path, args: &[OsString]) -> Vec<String> {
    std::iter::once(program.to_string_lossy().into_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect()
}

/// Runs a tool, returning what it printed on success and its diagnostics,
/// as printed, on failure.
pub(crate) fn run(
    target: &TargetId,
    program: &Path,
    tool: &str,
    args: &[OsString],
    file: &Path,
) -> Result<String, CompileError> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(cached::io_err(target, "run", program))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        return Ok(stderr);
    }
    Err(CompileError::Tool(Box::new(ToolFailure {
        target: target.clone(),
        tool: tool.to_string(),
        file: file.to_path_buf(),
        status: out.status.to_string(),
        stderr,
        command: CommandLine(program, args).to_string(),
    })))
}

/// A command line shell-quoted for display.
struct CommandLine<'a>(&'a Path, &'a [OsString]);

impl fmt::Display for CommandLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = |s: &str| {
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=./:,+@".contains(c))
            {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', r"'\''"))
            }
        };
        f.write_str(&quote(&self.0.to_string_lossy()))?;
        for a in self.1 {
            write!(f, " {}", quote(&a.to_string_lossy()))?;
        }
        Ok(())
    }
}
