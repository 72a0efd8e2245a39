//! The front end: clang emits unoptimised device bitcode for one target.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{LlvmError, LlvmJob, Result};
use crate::target::TargetId;

/// Runs clang on `job.source` and writes device bitcode to `out`.
///
/// `-O3 -Xclang -disable-llvm-passes` gives the IR clang would optimise at O3
/// (no `optnone`/`noinline`, TBAA and lifetime markers present) without running
/// a single LLVM pass, so the one optimisation run happens later, after linking
/// and stamping, for the real target machine. Device libraries are never linked
/// by clang (`-nogpulib`, `-nocudalib`): that is this path's job.
///
/// NVIDIA sources are compiled in CUDA mode against the job's CUDA
/// installation (`--cuda-path`, as `compile` does), or with `-nocudainc`
/// when it has none: then the caller's include directories must provide a
/// `hip/hip_runtime.h` for CUDA clang.
pub fn emit_device_bitcode(job: &LlvmJob, out: &Path) -> Result<()> {
    emit(job, out).map(drop)
}

/// [`emit_device_bitcode`], returning the warnings clang printed.
pub(super) fn emit(job: &LlvmJob, out: &Path) -> Result<String> {
    run(device_bitcode_command(job, out)?, "clang", &job.clang)
}

/// The clang command [`emit_device_bitcode`] runs, for recording or running
/// by hand.
pub fn device_bitcode_command(job: &LlvmJob, out: &Path) -> Result<Command> {
    let mut cmd = Command::new(&job.clang);
    match &job.target {
        TargetId::Amd { .. } => {
            cmd.args([
                "-x",
                "hip",
                "--offload-device-only",
                "--no-gpu-bundle-output",
            ])
            .arg(format!("--offload-arch={}", job.target))
            .arg("-nogpulib");
            // The kernels' own `target-features` must agree with the target
            // machine's wavefront size.
            if let (Some(64), Some(chip)) = (job.subgroup_size, job.target.amd_chip()) {
                if chip.wavefront_size == 32 {
                    cmd.arg("-mwavefrontsize64");
                }
            }
        }
        TargetId::Nvidia { sm } => {
            cmd.args(["-x", "cuda", "--cuda-device-only"])
                .arg(format!("--cuda-gpu-arch=sm_{sm}"))
                .arg("-nocudalib");
            let ptx = job.ptx_version.or_else(|| super::nvptx::min_ptx(*sm));
            match &job.cuda_path {
                Some(root) => {
                    let mut path = std::ffi::OsString::from("--cuda-path=");
                    path.push(root);
                    cmd.arg(path).arg("-Wno-unknown-cuda-version");
                    // clang would give the front end the CUDA release's
                    // newest PTX ISA: give it the one the back end emits.
                    if let Some(ptx) = ptx {
                        cmd.arg(format!("--cuda-feature=+ptx{ptx}"));
                    }
                }
                None => {
                    cmd.arg("-nocudainc");
                    // Without a CUDA install clang enables no PTX ISA
                    // feature, and the `*_sync` warp builtins need one: give
                    // the front end the PTX version the back end will emit.
                    if let Some(ptx) = ptx {
                        cmd.args(["-Xclang", "-target-feature", "-Xclang"])
                            .arg(format!("+ptx{ptx}"));
                    }
                }
            }
        }
        TargetId::Host => {
            return Err(LlvmError::UnsupportedTarget {
                target: job.target.to_string(),
                why: "host objects are built by `compile`, not the GPU LLVM path".into(),
            })
        }
    }
    cmd.args([
        "-std=c++17",
        "-emit-llvm",
        "-c",
        "-O3",
        "-Xclang",
        "-disable-llvm-passes",
    ]);
    for dir in &job.include_dirs {
        cmd.arg("-I").arg(dir);
    }
    for (name, value) in &job.defines {
        match value {
            Some(v) => cmd.arg(format!("-D{name}={v}")),
            None => cmd.arg(format!("-D{name}")),
        };
    }
    cmd.args(&job.clang_args);
    cmd.arg("-o").arg(out).arg(&job.source);
    Ok(cmd)
}

/// Runs a tool, returning what it printed to stderr (warnings), or turning a
/// failure into an error that carries the command line.
pub(super) fn run(mut cmd: Command, tool: &'static str, path: &Path) -> Result<String> {
    let output = cmd.output().map_err(|source| LlvmError::Spawn {
        tool,
        path: PathBuf::from(path),
        source,
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Err(LlvmError::Tool {
        tool,
        status: output.status.to_string(),
        command: render(&cmd),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

pub(super) fn render(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
