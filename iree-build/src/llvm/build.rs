//! The pipeline as a [`compile`] job, for `Build::llvm`: same toolchain
//! discovery, same headers, same output directory, same content-hash cache
//! as the clang path, with results the rest of the build cannot tell apart
//! from clang's (an HSACO, or PTX plus a cubin when ptxas is around).
//!
//! Files sit next to the clang path's in
//! `OUT_DIR/iree-objects/<stem>-<hash>/`, named `<target>.llvm.*`, and the
//! cache key carries `llvm` and the stamped workgroup sizes, so the two paths
//! never hand each other's outputs out, and a changed declaration rebuilds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{amd, device_bitcode_command, nvptx, LlvmError, LlvmJob};
use crate::cache;
use crate::compile::{
    self, CompileError, CompileJob, CompiledObject, Frame, Plan, Ran, Recipe, ToolFailure,
};
use crate::config::BuildEnv;
use crate::target::{Format, Platform};
use crate::toolchain::Toolchain;

/// Compiles `job` through the in-process pipeline, stamping each kernel named
/// in `kernel_workgroup_sizes` with its declared size (kernels not named keep
/// clang's bounds), or reuses the cached outputs when nothing it reads
/// changed. Host jobs go to clang (`compile::compile_with`, with the
/// build's `lockstep` plugin). The job frame (cache, depfile, ptxas) is
/// the clang path's (`compile::run_job`); only running the compiler differs.
///
/// Dumps (`IREE_BUILD_DUMP`, from `env`) are named after the source's file stem
/// (`kernels.gfx942.linked.ll`) and kept in `<object>.dump/` beside the
/// objects, from where `crate::dump` copies them on every build; whether
/// they are kept is part of the cache key, so setting the variable the
/// first time rebuilds once.
///
/// Errors are [`CompileError`]s: clang's and ptxas's diagnostics come back as
/// they printed them ([`CompileError::Tool`]); a failure inside LLVM (a
/// missing device library, a module that does not verify) is a `Tool`
/// failure of `llvm` carrying LLVM's message.
pub fn compile_job(
    job: &CompileJob,
    tc: &Toolchain,
    env: &BuildEnv,
    lockstep: Option<&Path>,
    kernel_workgroup_sizes: &BTreeMap<String, [u32; 3]>,
) -> Result<CompiledObject, CompileError> {
    if job.target.platform() == Platform::Host {
        return compile::compile_with(job, tc, &env.compile, lockstep);
    }
    let recipe = InProcess {
        kernel_workgroup_sizes,
        dump: env.dump.as_deref().is_some_and(|d| !d.is_empty()),
    };
    compile::run_job(job, tc, &env.compile, &recipe)
}

/// The in-process recipe: clang's front end, then LLVM here.
struct InProcess<'a> {
    kernel_workgroup_sizes: &'a BTreeMap<String, [u32; 3]>,
    /// Whether to keep the stages for `IREE_BUILD_DUMP`.
    dump: bool,
}

impl Recipe for InProcess<'_> {
    type Prepared = LlvmJob;

    fn tag(&self) -> &'static str {
        ".llvm"
    }

    fn plan(&self, f: &Frame<'_>) -> Result<(Plan, LlvmJob), CompileError> {
        let platform = f.job.target.platform();
        let (ptxas, output) = match platform {
            Platform::Amd => (None, (Format::Hsaco, f.paths.file("co"))),
            _ => (
                f.tc.ptxas()
                    .map(|p| (p.path.clone(), f.paths.file("cubin"))),
                (Format::Ptx, f.paths.file("ptx")),
            ),
        };
        let depfile = f.paths.file("d");
        let (mut lj, key_files, extra_words) = self.llvm_job(f, &output.1, &depfile)?;
        lj.include_dirs
            .extend(f.job.include_dirs.iter().map(|d| f.cwd.join(d)));
        let (major, minor, patch) = inkwell::support::get_llvm_version();
        let mut tool_words = vec![
            format!("llvm in-process {major}.{minor}.{patch}"),
            format!(
                "clang {} {}",
                f.clang.path.display(),
                f.clang.version.as_deref().unwrap_or("?")
            ),
        ];
        tool_words.extend(extra_words);
        let plan = Plan {
            tool_words,
            // Every field: tools, libraries, flags, the workgroup sizes, the dump dir.
            arg_words: vec![format!("{lj:?}")],
            key_files,
            output,
            depfile,
            ptxas,
        };
        Ok((plan, lj))
    }

    fn run(&self, f: &Frame<'_>, plan: &Plan, lj: LlvmJob) -> Result<Ran, CompileError> {
        let job = f.job;
        // What a hand run of the front end looks like; the rest happens in process.
        let front_end =
            device_bitcode_command(&lj, &f.paths.file("bc")).map_err(|e| llvm_error(e, job))?;
        let (bytes, diagnostics) = match job.target.platform() {
            Platform::Amd => amd::compile(&lj),
            _ => nvptx::compile(&lj).map(|(ptx, warnings)| (ptx.into_bytes(), warnings)),
        }
        .map_err(|e| llvm_error(e, job))?;
        let main = &plan.output.1;
        cache::write_atomic(main, &bytes).map_err(f.io_err("write", main))?;
        Ok(Ran {
            commands: vec![argv(&front_end)],
            diagnostics,
        })
    }
}

impl InProcess<'_> {
    /// The [`LlvmJob`] for the frame's job (without the user's include
    /// dirs), the files of the cache key and the tool words for it.
    fn llvm_job(
        &self,
        f: &Frame<'_>,
        main: &Path,
        depfile: &Path,
    ) -> Result<(LlvmJob, Vec<PathBuf>, Vec<String>), CompileError> {
        let (tc, source) = (f.tc, &f.source);
        let stem = source
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("source");
        let lld = tc
            .lld()
            .map(|l| l.path.clone())
            .unwrap_or_else(|| PathBuf::from("ld.lld"));
        // C++ names among the exports: compile the wrapper that instantiates
        // them, as the clang path does (`compile::wrapper`).
        let input = crate::compile::wrapper::device_source(source, &f.job.host_exports)
            .and_then(|text| {
                let path = main.with_extension("instances.cu");
                crate::cache::write_if_changed(&path, text.as_bytes()).ok()?;
                Some(path)
            })
            .unwrap_or_else(|| source.clone());
        let mut lj = LlvmJob::new(stem, &input, f.job.target.clone(), &f.clang.path, lld);
        // The stages go beside the objects, where a cached build still has them
        // for `crate::dump` to copy out; whether they are kept is in the key.
        lj.dump_dir = self.dump.then(|| crate::dump::stages_dir(main));
        lj.kernel_workgroup_sizes = self.kernel_workgroup_sizes.clone();
        lj.stamp_unlisted = false;
        lj.defines = f.job.defines.clone();
        // Our headers first, as `compile` orders them, then the user's.
        let mut key_files = vec![source.clone(), input.clone()];
        let mut extra_words = Vec::new();
        match f.job.target.platform() {
            Platform::Amd => {
                let libs = &tc.device_libs().expect("require_for checked").path;
                for &(_, lib) in super::amd::DEVICE_LIBS {
                    if libs.join(lib).is_file() {
                        key_files.push(libs.join(lib));
                    }
                }
                lj.device_lib_dir = Some(libs.clone());
                let hip = &tc.hip_include().expect("require_for checked").path;
                lj.clang_args
                    .extend(["-fuse-cuid=none".into(), "-idirafter".into()]);
                lj.clang_args.push(hip.to_string_lossy().into_owned());
                if let Some(l) = tc.lld() {
                    extra_words.push(format!("lld {}", l.version.as_deref().unwrap_or("?")));
                }
            }
            _ => {
                let libdevice = &tc.libdevice().expect("require_for checked").path;
                key_files.push(libdevice.clone());
                lj.libdevice = Some(libdevice.clone());
                lj.include_dirs.push(f.headers.nvidia.clone());
                let root = compile::cuda_root::prepare(tc, &f.job.out_dir).map_err(
                    compile::cached::io_err(
                        &f.job.target,
                        "make the CUDA installation for clang in",
                        &f.job.out_dir,
                    ),
                )?;
                lj.cuda_path = Some(root.dir);
                extra_words.push(root.identity);
                if let Some(p) = tc.ptxas() {
                    extra_words.push(format!(
                        "ptxas {} {}",
                        p.path.display(),
                        p.version.as_deref().unwrap_or("?")
                    ));
                }
            }
        }
        lj.clang_args.extend([
            "-fno-color-diagnostics".into(),
            "-MD".into(),
            "-MF".into(),
            depfile.to_string_lossy().into_owned(),
        ]);
        Ok((lj, key_files, extra_words))
    }
}

/// The pipeline's error as the build reports compile errors: tools keep
/// their own output, LLVM's failures read as a failure of `llvm`.
fn llvm_error(e: LlvmError, job: &CompileJob) -> CompileError {
    let failure = |tool: &str, status: String, stderr: String, command: String| {
        CompileError::Tool(Box::new(ToolFailure {
            target: job.target.clone(),
            tool: tool.into(),
            file: job.source.clone(),
            status,
            stderr,
            command,
        }))
    };
    match e {
        LlvmError::Tool {
            tool,
            status,
            command,
            stderr,
        } => failure(
            if tool == "clang" { "clang-19" } else { tool },
            status,
            stderr,
            command,
        ),
        LlvmError::Spawn { path, source, .. } => CompileError::Io {
            target: job.target.clone(),
            action: "run",
            path,
            error: source,
        },
        LlvmError::Io { path, source } => CompileError::Io {
            target: job.target.clone(),
            action: "read or write",
            path,
            error: source,
        },
        other @ (LlvmError::UnsupportedTarget { .. }
        | LlvmError::MissingLibrary { .. }
        | LlvmError::Llvm { .. }) => failure(
            "llvm",
            "in-process pipeline".into(),
            other.to_string(),
            "iree_build::llvm (Build::llvm / IREE_BUILD_LLVM=1)".into(),
        ),
    }
}

fn argv(cmd: &Command) -> Vec<String> {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}
