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
use crate::cache::{self, KeyInputs};
use crate::compile::{
    self, cached, depfile, CompileError, CompileJob, CompiledObject, ToolFailure,
};
use crate::target::{Format, Platform, TargetId};
use crate::toolchain::Toolchain;

/// Compiles `job` through the in-process pipeline, stamping each kernel named
/// in `kernel_workgroup_sizes` with its declared size (kernels not named keep
/// clang's bounds), or reuses the cached outputs when nothing it reads
/// changed. Host jobs go to [`compile::compile`].
///
/// Dumps (`IREE_BUILD_DUMP`) are named after the source's file stem
/// (`kernels.gfx942.linked.ll`) and kept in `<object>.dump/` beside the
/// objects, from where [`crate::dump`] copies them on every build; whether
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
    kernel_workgroup_sizes: &BTreeMap<String, [u32; 3]>,
) -> Result<CompiledObject, CompileError> {
    let target = &job.target;
    let platform = target.platform();
    if platform == Platform::Host {
        return compile::compile(job, tc);
    }
    tc.require_for(target)?;
    let io_err = |action, path| cached::io_err(target, action, path);
    let clang = tc.clang().expect("require_for checked clang");
    let source = std::fs::canonicalize(&job.source).map_err(io_err("read", &job.source))?;
    let headers =
        compile::write_headers(&job.out_dir).map_err(io_err("write headers into", &job.out_dir))?;
    let stem = source
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("source")
        .to_string();
    // The clang path's directory for this source (`compile::JobPaths`).
    let dir = job.out_dir.join("iree-objects").join(format!(
        "{stem}-{}",
        cache::short_hash(&source.to_string_lossy())
    ));
    std::fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
    let base = format!("{}.llvm", target.to_string().replace(':', "_"));
    let file = |ext: &str| dir.join(format!("{base}.{ext}"));
    let depfile_path = file("d");
    let stamp_path = file("stamp");
    let cwd = std::env::current_dir().map_err(io_err("read", Path::new(".")))?;

    let lld = tc
        .lld()
        .map(|l| l.path.clone())
        .unwrap_or_else(|| PathBuf::from("ld.lld"));
    let mut lj = LlvmJob::new(&stem, &source, target.clone(), &clang.path, lld);
    // The stages go beside the objects, where a cached build still has them
    // for `crate::dump` to copy out; whether they are kept is in the key.
    let main_ext = if platform == Platform::Amd {
        "co"
    } else {
        "ptx"
    };
    lj.dump_dir = lj
        .dump_dir
        .take()
        .map(|_| crate::dump::stages_dir(&file(main_ext)));
    lj.kernel_workgroup_sizes = kernel_workgroup_sizes.clone();
    lj.stamp_unlisted = false;
    lj.defines = job.defines.clone();
    // Our headers first, as `compile` orders them, then the user's.
    let mut key_files = vec![source.clone()];
    let mut extra_words = Vec::new();
    match platform {
        Platform::Amd => {
            let libs = &tc.device_libs().expect("require_for checked").path;
            for lib in ["ocml.bc", "ockl.bc"] {
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
        Platform::Nvidia => {
            let libdevice = &tc.libdevice().expect("require_for checked").path;
            key_files.push(libdevice.clone());
            lj.libdevice = Some(libdevice.clone());
            lj.include_dirs.push(headers.nvidia.clone());
            if let Some(p) = tc.ptxas() {
                extra_words.push(format!(
                    "ptxas {} {}",
                    p.path.display(),
                    p.version.as_deref().unwrap_or("?")
                ));
            }
        }
        Platform::Host => unreachable!("host jobs returned above"),
    }
    lj.include_dirs
        .extend(job.include_dirs.iter().map(|d| cwd.join(d)));
    lj.clang_args.extend([
        "-fno-color-diagnostics".into(),
        "-MD".into(),
        "-MF".into(),
        depfile_path.to_string_lossy().into_owned(),
    ]);

    let ptxas = match platform {
        Platform::Nvidia => tc.ptxas().map(|p| (p.path.clone(), file("cubin"))),
        _ => None,
    };
    let main = match platform {
        Platform::Amd => (Format::Hsaco, file("co")),
        _ => (Format::Ptx, file("ptx")),
    };
    let mut outputs = vec![main.clone()];
    if let Some((_, cubin)) = &ptxas {
        outputs.push((Format::Cubin, cubin.clone()));
    }

    let mut key = KeyInputs::default();
    let (major, minor, patch) = inkwell::support::get_llvm_version();
    key.words.extend([
        format!("iree-build {}", env!("CARGO_PKG_VERSION")),
        format!("llvm in-process {major}.{minor}.{patch}"),
        format!(
            "clang {} {}",
            clang.path.display(),
            clang.version.as_deref().unwrap_or("?")
        ),
    ]);
    key.words.extend(extra_words);
    for var in compile::ENV_VARS {
        if let Some(v) = std::env::var_os(var) {
            key.words.push(format!("{var}={}", v.to_string_lossy()));
        }
    }
    // Every field: tools, libraries, flags, the workgroup sizes, the dump dir.
    key.words.push(format!("{lj:?}"));
    key.files = key_files;

    let stamped = cached::Stamped {
        job,
        source: &source,
        stamp_path: &stamp_path,
        key: &key,
    };
    if let Some(hit) = stamped.reuse_or_clear(&outputs) {
        return Ok(hit);
    }
    // What a hand run of the front end looks like; the rest happens in process.
    let front_end = device_bitcode_command(&lj, &file("bc")).map_err(|e| llvm_error(e, job))?;
    let mut commands = vec![argv(&front_end)];
    let (bytes, mut diagnostics) = match platform {
        Platform::Amd => amd::compile(&lj),
        _ => nvptx::compile(&lj).map(|(ptx, warnings)| (ptx.into_bytes(), warnings)),
    }
    .map_err(|e| llvm_error(e, job))?;
    cache::write_atomic(&main.1, &bytes).map_err(io_err("write", &main.1))?;
    let dep_text = std::fs::read_to_string(&depfile_path).map_err(io_err("read", &depfile_path))?;
    let read = depfile::parse(&dep_text, &cwd);

    if let (Some((ptxas, cubin)), TargetId::Nvidia { sm }) = (&ptxas, target) {
        let mut cmd = Command::new(ptxas);
        cmd.arg(format!("-arch=sm_{sm}"))
            .arg(&main.1)
            .arg("-o")
            .arg(cubin);
        commands.push(argv(&cmd));
        diagnostics += &run_ptxas(cmd, job, ptxas, &main.1)?;
    }

    stamped.record(read, outputs, diagnostics, commands)
}

/// Runs ptxas, returning its warnings, or its diagnostics as a tool failure.
fn run_ptxas(
    mut cmd: Command,
    job: &CompileJob,
    ptxas: &Path,
    ptx: &Path,
) -> Result<String, CompileError> {
    let out = cmd
        .output()
        .map_err(cached::io_err(&job.target, "run", ptxas))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        return Ok(stderr);
    }
    Err(CompileError::Tool(Box::new(ToolFailure {
        target: job.target.clone(),
        tool: "ptxas".into(),
        file: ptx.to_path_buf(),
        status: out.status.to_string(),
        stderr,
        command: super::clang::render(&cmd),
    })))
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
