//! The in-process LLVM path (feature `llvm`) on the seed's kernels and on a
//! math kernel, for every GPU target the project ships.
//!
//! Tools come from `Toolchain::discover`, as for a real build; a test whose
//! inputs are missing prints why and passes, so the suite runs on machines without
//! ROCm device libraries or the CUDA wheel.
#![cfg(feature = "llvm")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use iree_build::llvm::{compile_amd, compile_nvptx, LlvmError, LlvmJob};
use iree_build::toolchain::Toolchain;

const AMD_CHIPS: &[&str] = &["gfx90a", "gfx942", "gfx1100", "gfx1201"];
const SMS: &[&str] = &["sm_80", "sm_90"];

/// `softplus(x) = log(1 + exp(x))`: one `expf`, one `logf`.
const MATH_KERNEL: &str = r#"
#include <hip/hip_runtime.h>
extern "C" __global__ void softplus(const float* __restrict__ x, float* __restrict__ y, int n) {
  int i = blockDim.x * blockIdx.x + threadIdx.x;
  if (i < n) y[i] = logf(1.0f + expf(x[i]));
}
"#;

/// Just enough HIP for CUDA-mode clang with `-nocudainc`: builtin variables,
/// the function qualifiers, and math routed to libdevice.
const NV_HIP_RUNTIME_H: &str = r#"
#pragma once
#include <__clang_cuda_builtin_vars.h>
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
extern "C" __device__ float __nv_expf(float);
extern "C" __device__ float __nv_logf(float);
static __device__ __attribute__((always_inline)) inline float expf(float x) { return __nv_expf(x); }
static __device__ __attribute__((always_inline)) inline float logf(float x) { return __nv_logf(x); }
"#;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seed_kernels() -> PathBuf {
    manifest_dir().join("../examples/custom_dispatch/kernels/kernels.cu")
}

/// The build's own discovery: the same clang, lld, device libraries and
/// CUDA wheel a `Build` would use (`cargo xtask doctor` shows what it finds).
fn toolchain() -> &'static Toolchain {
    static TC: OnceLock<Toolchain> = OnceLock::new();
    TC.get_or_init(Toolchain::discover)
}

fn clang() -> PathBuf {
    toolchain()
        .clang()
        .map_or_else(|| "clang-19".into(), |l| l.path.clone())
}

fn lld() -> PathBuf {
    toolchain()
        .lld()
        .map_or_else(|| "ld.lld-19".into(), |l| l.path.clone())
}

/// `llvm-readelf` of the same LLVM: next to clang (its own directory or the
/// one its symlink points into), else on `PATH`.
fn readelf() -> PathBuf {
    static READELF: OnceLock<PathBuf> = OnceLock::new();
    READELF
        .get_or_init(|| {
            let clang = clang();
            let dirs = [
                clang.parent().map(Path::to_path_buf),
                std::fs::canonicalize(&clang)
                    .ok()
                    .and_then(|c| c.parent().map(Path::to_path_buf)),
            ];
            dirs.into_iter()
                .flatten()
                .flat_map(|d| [d.join("llvm-readelf-19"), d.join("llvm-readelf")])
                .find(|p| p.is_file())
                .or_else(|| which::which("llvm-readelf-19").ok())
                .unwrap_or_else(|| "llvm-readelf-19".into())
        })
        .clone()
}

fn runs(tool: &Path) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn device_lib_dir() -> Option<PathBuf> {
    let dir = toolchain().device_libs()?.path.clone();
    dir.join("ocml.bc").is_file().then_some(dir)
}

/// `libdevice.10.bc` as discovery finds it (the provisioned CUDA wheel in
/// the toolchain home, `CUDA_PATH`, ...).
fn libdevice() -> Option<PathBuf> {
    Some(toolchain().libdevice()?.path.clone())
}

fn ptxas() -> Option<PathBuf> {
    Some(toolchain().ptxas()?.path.clone())
}

/// Assembles PTX with `ptxas` when it is around: the independent check that
/// the text is valid for the SM, not just plausible.
fn assemble(ptx: &str, sm: &str) {
    let Some(ptxas) = ptxas() else {
        eprintln!("note: no ptxas; PTX for {sm} not assembled");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("k.ptx");
    std::fs::write(&input, ptx).unwrap();
    let out = Command::new(&ptxas)
        .arg(format!("-arch={sm}"))
        .arg("-o")
        .arg(dir.path().join("k.cubin"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ptxas rejected the PTX for {sm}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the AMD tests can run; prints what is missing when not.
fn amd_ready() -> bool {
    for tool in [clang(), lld(), readelf()] {
        if !runs(&tool) {
            eprintln!("skipping: {} not found", tool.display());
            return false;
        }
    }
    true
}

fn nv_ready() -> bool {
    if !runs(&clang()) {
        eprintln!("skipping: {} not found", clang().display());
        return false;
    }
    true
}

fn amd_job(name: &str, source: &Path, chip: &str) -> LlvmJob {
    let mut job = LlvmJob::new(name, source, chip.parse().unwrap(), clang(), lld());
    job.device_lib_dir = device_lib_dir();
    job.workgroup_size = [64, 1, 1];
    job.dump_dir = None;
    job
}

fn nv_job(name: &str, source: &Path, sm: &str, include: &Path) -> LlvmJob {
    let mut job = LlvmJob::new(name, source, sm.parse().unwrap(), clang(), lld());
    job.libdevice = libdevice();
    job.include_dirs.push(include.to_path_buf());
    job.workgroup_size = [64, 1, 1];
    job.dump_dir = None;
    job
}

/// A temp dir holding the math kernel and the CUDA-mode `hip/hip_runtime.h`.
fn sources() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("math.cu"), MATH_KERNEL).unwrap();
    std::fs::create_dir_all(dir.path().join("nvinc/hip")).unwrap();
    std::fs::write(dir.path().join("nvinc/hip/hip_runtime.h"), NV_HIP_RUNTIME_H).unwrap();
    dir
}

/// Kernel name → `.max_flat_workgroup_size`, read by `llvm-readelf --notes`
/// (an independent reader of the msgpack metadata).
fn max_flat_workgroup_sizes(hsaco: &[u8]) -> BTreeMap<String, u32> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.hsaco");
    std::fs::write(&path, hsaco).unwrap();
    let out = Command::new(readelf())
        .arg("--notes")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut kernels = BTreeMap::new();
    let (mut name, mut size) = (None, None);
    let mut flush = |name: &mut Option<String>, size: &mut Option<u32>| {
        if let (Some(n), Some(s)) = (name.take(), size.take()) {
            kernels.insert(n, s);
        }
    };
    let mut in_kernels = false;
    for line in text.lines() {
        if line.starts_with("amdhsa.kernels:") {
            in_kernels = true;
            continue;
        }
        if !in_kernels {
            continue;
        }
        if !line.starts_with(' ') {
            break;
        }
        // Kernel entries start at "  - "; their own keys sit at 4 spaces, the
        // args' keys deeper.
        if line.starts_with("  - ") {
            flush(&mut name, &mut size);
        }
        let key_line = line
            .strip_prefix("  - ")
            .or_else(|| line.strip_prefix("    "));
        let Some(kv) = key_line.filter(|l| l.starts_with('.')) else {
            continue;
        };
        let (key, value) = kv.split_once(':').unwrap();
        match key {
            ".name" => name = Some(value.trim().to_string()),
            ".max_flat_workgroup_size" => size = Some(value.trim().parse().unwrap()),
            _ => {}
        }
    }
    flush(&mut name, &mut size);
    kernels
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn assert_amd_elf(hsaco: &[u8]) {
    assert_eq!(&hsaco[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([hsaco[18], hsaco[19]]),
        224,
        "e_machine is not AMDGPU"
    );
}

#[test]
fn llvm_amd_seed_kernels_stamp_declared_workgroup_size() {
    if !amd_ready() {
        return;
    }
    for chip in AMD_CHIPS {
        let mut job = amd_job("custom_dispatch", &seed_kernels(), chip);
        job.kernel_workgroup_sizes
            .insert("simple_mul_inplace".into(), [128, 2, 1]);
        let hsaco = compile_amd(&job).unwrap_or_else(|e| panic!("{chip}: {e}"));
        assert_amd_elf(&hsaco);
        let sizes = max_flat_workgroup_sizes(&hsaco);
        assert_eq!(sizes.get("simple_mul"), Some(&64), "{chip}: {sizes:?}");
        assert_eq!(
            sizes.get("simple_mul_inplace"),
            Some(&256),
            "{chip}: {sizes:?}"
        );
        assert!(
            contains(&hsaco, "simple_mul.kd"),
            "{chip}: no kernel descriptor"
        );
    }
}

#[test]
fn llvm_amd_kernel_without_math_links_no_ocml() {
    if !amd_ready() {
        return;
    }
    let dump = tempfile::tempdir().unwrap();
    for chip in AMD_CHIPS {
        let mut job = amd_job("plain", &seed_kernels(), chip);
        job.dump_dir = Some(dump.path().to_path_buf());
        let hsaco = compile_amd(&job).unwrap_or_else(|e| panic!("{chip}: {e}"));
        assert!(!contains(&hsaco, "__ocml_"), "{chip}: ocml in the object");
        let stem = format!("plain.{chip}");
        let linked =
            std::fs::read_to_string(dump.path().join(format!("{stem}.linked.ll"))).unwrap();
        assert!(!linked.contains("__ocml_"), "{chip}: ocml linked");
    }
}

#[test]
fn llvm_amd_math_kernel_links_needed_ocml_for_every_chip() {
    if !amd_ready() {
        return;
    }
    if device_lib_dir().is_none() {
        eprintln!("skipping: no ocml.bc in the discovered device libraries");
        return;
    }
    let src = sources();
    let dump = tempfile::tempdir().unwrap();
    for chip in AMD_CHIPS {
        let mut job = amd_job("math", &src.path().join("math.cu"), chip);
        job.dump_dir = Some(dump.path().to_path_buf());
        let hsaco = compile_amd(&job).unwrap_or_else(|e| panic!("{chip}: {e}"));
        assert_amd_elf(&hsaco);
        assert_eq!(max_flat_workgroup_sizes(&hsaco).get("softplus"), Some(&64));
        let linked =
            std::fs::read_to_string(dump.path().join(format!("math.{chip}.linked.ll"))).unwrap();
        // Linked, internal, and only what is needed.
        assert!(
            linked.contains("define internal float @__ocml_log_f32"),
            "{chip}"
        );
        assert!(
            !linked.contains("@__ocml_sin_f32"),
            "{chip}: all of ocml linked"
        );
        // The chip's ISA version is set in-process (no oclc_isa_version_*.bc).
        let isa = iree_build::target::amd_chip(chip).unwrap().isa_version;
        assert!(
            linked.contains("@__oclc_ISA_version = private")
                && linked.contains(&format!("i32 {isa}")),
            "{chip}: __oclc_ISA_version not set to {isa}"
        );
        // Nothing is left for the loader to resolve.
        assert!(!contains(&hsaco, "__ocml_"), "{chip}");
    }
}

#[test]
fn llvm_amd_missing_device_libs_is_an_error_naming_the_library() {
    if !amd_ready() {
        return;
    }
    let src = sources();
    let mut job = amd_job("math", &src.path().join("math.cu"), "gfx1100");
    job.device_lib_dir = Some(src.path().join("no-such-dir"));
    match compile_amd(&job) {
        Err(e @ LlvmError::MissingLibrary { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("ocml.bc") && msg.contains("__ocml_"), "{msg}");
        }
        other => panic!("expected MissingLibrary, got {other:?}"),
    }
}

#[test]
fn llvm_amd_waves_per_eu_and_kernarg_preload() {
    if !amd_ready() {
        return;
    }
    let dump = tempfile::tempdir().unwrap();
    for chip in ["gfx942", "gfx90a", "gfx1100"] {
        let mut job = amd_job("attrs", &seed_kernels(), chip);
        job.waves_per_eu = Some(2);
        job.dump_dir = Some(dump.path().to_path_buf());
        compile_amd(&job).unwrap_or_else(|e| panic!("{chip}: {e}"));
        let linked =
            std::fs::read_to_string(dump.path().join(format!("attrs.{chip}.linked.ll"))).unwrap();
        assert!(linked.contains("\"amdgpu-waves-per-eu\"=\"2\""), "{chip}");
        assert!(
            linked.contains("\"amdgpu-flat-work-group-size\"=\"1,64\""),
            "{chip}"
        );
        let asm =
            std::fs::read_to_string(dump.path().join(format!("attrs.{chip}.rocmasm"))).unwrap();
        let preloads = asm.contains(".amdhsa_user_sgpr_kernarg_preload_length");
        let expected = chip != "gfx1100";
        assert_eq!(preloads, expected, "{chip}: kernarg preload");
    }
}

#[test]
fn llvm_amd_links_user_bitcode() {
    if !amd_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.cu"),
        "#include <hip/hip_runtime.h>\nextern \"C\" __device__ float iree_scale(float x) { return x * 3.0f; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("k.cu"),
        "#include <hip/hip_runtime.h>\nextern \"C\" __device__ float iree_scale(float);\n\
         extern \"C\" __global__ void scale(float* p) { p[threadIdx.x] = iree_scale(p[threadIdx.x]); }\n",
    )
    .unwrap();
    let lib = dir.path().join("lib.bc");
    let st = Command::new(clang())
        .args([
            "-x",
            "hip",
            "--offload-device-only",
            "--no-gpu-bundle-output",
        ])
        // -fgpu-rdc: a device library keeps its unreferenced extern functions.
        .args([
            "--offload-arch=gfx1100",
            "-nogpulib",
            "-fgpu-rdc",
            "-emit-llvm",
            "-c",
            "-O3",
        ])
        .arg("-o")
        .arg(&lib)
        .arg(dir.path().join("lib.cu"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut job = amd_job("user", &dir.path().join("k.cu"), "gfx1100");
    job.user_bitcode.push(lib);
    job.dump_dir = Some(dir.path().to_path_buf());
    let hsaco = compile_amd(&job).unwrap();
    assert_eq!(max_flat_workgroup_sizes(&hsaco).get("scale"), Some(&64));
    let optimized = std::fs::read_to_string(dir.path().join("user.gfx1100.optimized.ll")).unwrap();
    assert!(
        !optimized.contains("declare float @iree_scale"),
        "user bitcode not linked"
    );
    assert!(
        optimized.contains("3.000000e+00"),
        "user function not inlined"
    );
}

#[test]
fn llvm_nvptx_seed_kernels_carry_maxntid() {
    if !nv_ready() {
        return;
    }
    let src = sources();
    for sm in SMS {
        let mut job = nv_job(
            "custom_dispatch",
            &seed_kernels(),
            sm,
            &src.path().join("nvinc"),
        );
        job.kernel_workgroup_sizes
            .insert("simple_mul_inplace".into(), [128, 2, 1]);
        let ptx = compile_nvptx(&job).unwrap_or_else(|e| panic!("{sm}: {e}"));
        assert!(ptx.contains(&format!(".target {sm}")), "{sm}");
        assert!(ptx.contains(".entry simple_mul("), "{sm}");
        assert!(ptx.contains(".entry simple_mul_inplace("), "{sm}");
        assert!(ptx.contains(".maxntid 64, 1, 1"), "{sm}");
        assert!(ptx.contains(".maxntid 128, 2, 1"), "{sm}");
        assert!(!ptx.contains(".extern .func"), "{sm}");
        assemble(&ptx, sm);
    }
}

#[test]
fn llvm_nvptx_math_kernel_links_libdevice() {
    if !nv_ready() {
        return;
    }
    if libdevice().is_none() {
        eprintln!("skipping: no libdevice.10.bc (`cargo xtask provision` installs one)");
        return;
    }
    let src = sources();
    for sm in SMS {
        let job = nv_job(
            "math",
            &src.path().join("math.cu"),
            sm,
            &src.path().join("nvinc"),
        );
        let ptx = compile_nvptx(&job).unwrap_or_else(|e| panic!("{sm}: {e}"));
        assert!(ptx.contains(".entry softplus("), "{sm}");
        assert!(
            !ptx.contains(".extern .func"),
            "{sm}: unresolved libdevice call"
        );
        assert!(!ptx.contains("__nv_"), "{sm}: libdevice not inlined");
        assert!(!ptx.contains("__nvvm_reflect"), "{sm}: reflect not folded");
        assemble(&ptx, sm);
    }
}

#[test]
fn llvm_nvptx_without_libdevice_is_an_error() {
    if !nv_ready() {
        return;
    }
    let src = sources();
    let mut job = nv_job(
        "math",
        &src.path().join("math.cu"),
        "sm_90",
        &src.path().join("nvinc"),
    );
    job.libdevice = None;
    let err = compile_nvptx(&job).unwrap_err();
    assert!(matches!(err, LlvmError::MissingLibrary { .. }), "{err}");
    assert!(err.to_string().contains("__nv_"), "{err}");
}

#[test]
fn llvm_dump_dir_gets_every_intermediate() {
    if !amd_ready() {
        return;
    }
    let src = sources();
    let dump = tempfile::tempdir().unwrap();
    let mut job = amd_job("custom_dispatch", &seed_kernels(), "gfx942");
    job.dump_dir = Some(dump.path().join("nested"));
    compile_amd(&job).unwrap();
    let mut job = nv_job(
        "custom_dispatch",
        &seed_kernels(),
        "sm_90",
        &src.path().join("nvinc"),
    );
    job.dump_dir = Some(dump.path().join("nested"));
    let ptx = compile_nvptx(&job).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(dump.path().join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "custom_dispatch.gfx942.linked.ll",
            "custom_dispatch.gfx942.optimized.ll",
            "custom_dispatch.gfx942.rocmasm",
            "custom_dispatch.sm_90.linked.ll",
            "custom_dispatch.sm_90.optimized.ll",
            "custom_dispatch.sm_90.ptx",
        ]
    );
    let dumped =
        std::fs::read_to_string(dump.path().join("nested/custom_dispatch.sm_90.ptx")).unwrap();
    assert_eq!(dumped, ptx);
    let asm =
        std::fs::read_to_string(dump.path().join("nested/custom_dispatch.gfx942.rocmasm")).unwrap();
    assert!(asm.contains(".amdhsa_kernel simple_mul"));
}

#[test]
fn llvm_host_target_is_rejected() {
    let job = LlvmJob::new("x", seed_kernels(), "host".parse().unwrap(), clang(), lld());
    assert!(matches!(
        compile_amd(&job),
        Err(LlvmError::UnsupportedTarget { .. })
    ));
    assert!(matches!(
        compile_nvptx(&job),
        Err(LlvmError::UnsupportedTarget { .. })
    ));
}

#[test]
fn llvm_amd_subgroup_size_picks_the_wavefront() {
    if !amd_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut job = amd_job("wave", &seed_kernels(), "gfx1100");
    job.subgroup_size = Some(64);
    job.dump_dir = Some(dir.path().to_path_buf());
    let hsaco = compile_amd(&job).unwrap();
    let notes = notes(&hsaco);
    assert!(notes.contains(".wavefront_size: 64"), "{notes}");
    let default = compile_amd(&amd_job("wave", &seed_kernels(), "gfx1100")).unwrap();
    assert!(notes_of_default_wave(&default, 32));
    let mut job = amd_job("wave", &seed_kernels(), "gfx942");
    job.subgroup_size = Some(32);
    assert!(matches!(
        compile_amd(&job),
        Err(LlvmError::UnsupportedTarget { .. })
    ));
}

fn notes(hsaco: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.hsaco");
    std::fs::write(&path, hsaco).unwrap();
    let out = Command::new(readelf())
        .arg("--notes")
        .arg(&path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn notes_of_default_wave(hsaco: &[u8], wave: u32) -> bool {
    notes(hsaco).contains(&format!(".wavefront_size: {wave}"))
}

/// `e_flags` carry the target id's xnack/sramecc settings (code object v4+:
/// 0x100 any, 0x200 off, 0x300 on for xnack; 0x400/0x800/0xc00 for sramecc).
#[test]
fn llvm_amd_target_id_features_reach_e_flags() {
    if !amd_ready() {
        return;
    }
    for (id, mach, xnack, sramecc) in [
        ("gfx90a", 0x3f, 0x100, 0x400),
        ("gfx90a:xnack-", 0x3f, 0x200, 0x400),
        ("gfx942:sramecc+:xnack-", 0x4c, 0x200, 0xc00),
    ] {
        let hsaco = compile_amd(&amd_job("ids", &seed_kernels(), id))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let flags = u32::from_le_bytes(hsaco[48..52].try_into().unwrap());
        assert_eq!(flags & 0xff, mach, "{id}: {flags:#x}");
        assert_eq!(flags & 0x300, xnack, "{id}: {flags:#x}");
        assert_eq!(flags & 0xc00, sramecc, "{id}: {flags:#x}");
    }
}
