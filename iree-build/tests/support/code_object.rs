//! For the `code_object_*` and `amd_hipcc` tests: compile real kernels
//! with clang-19 (and ptxas when found) into a temporary directory, and read
//! what `llvm-readelf-19` says about them.

use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(unused_imports)] // each test binary uses a different part
pub use super::seed_kernels;

pub fn clang() -> String {
    std::env::var("IREE_CLANG").unwrap_or_else(|_| "clang-19".into())
}

/// Debian's ROCm device libraries (only gfx90a-era chips have ISA libs).
pub fn device_libs() -> PathBuf {
    std::env::var_os("ROCM_DEVICE_LIB_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/lib/x86_64-linux-gnu/amdgcn/bitcode".into())
}

/// Runs a command, panicking with its output when it fails.
pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is clang-19 installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A self-contained AMD kernel source: no HIP headers, no device libs, so it
/// builds for every chip (Debian's device libs lack gfx1100+).
pub const AMD_STANDALONE: &str = r#"
#define __global__ __attribute__((global))
extern "C" __global__ void __attribute__((amdgpu_flat_work_group_size(1, 256)))
scale(float* __restrict__ p, const float* __restrict__ q, float a, unsigned n) {
  unsigned i = __builtin_amdgcn_workgroup_id_x() * 256 + __builtin_amdgcn_workitem_id_x();
  if (i < n) p[i] = q[i] * a;
}
extern "C" __global__ void lds(float* p) {
  __attribute__((shared)) static float t[64];
  unsigned i = __builtin_amdgcn_workitem_id_x();
  t[i] = p[i];
  __builtin_amdgcn_s_barrier();
  p[i] = t[63 - i];
}
"#;

/// Compiles `source` for an AMD target id into a raw HSACO (or, with
/// `bundle`, clang's offload bundle for all of `archs`).
pub fn amd_object(
    dir: &Path,
    source: &Path,
    archs: &[&str],
    standalone: bool,
    extra: &[&str],
) -> Vec<u8> {
    let out = dir.join(format!("{}.co", archs.join("_").replace(':', "_")));
    let mut cmd = Command::new(clang());
    cmd.args([
        "-x",
        "hip",
        "--offload-device-only",
        "-fuse-cuid=none",
        "-O3",
    ]);
    for a in archs {
        cmd.arg(format!("--offload-arch={a}"));
    }
    if archs.len() == 1 && !extra.contains(&"--gpu-bundle-output") {
        cmd.arg("--no-gpu-bundle-output");
    }
    if standalone {
        cmd.args(["-nogpulib", "-nogpuinc"]);
    } else {
        cmd.arg("--rocm-path=/usr");
        cmd.arg(format!(
            "--rocm-device-lib-path={}",
            device_libs().display()
        ));
    }
    cmd.args(extra.iter().filter(|e| **e != "--gpu-bundle-output"));
    cmd.arg(source).arg("-o").arg(&out);
    run(&mut cmd);
    std::fs::read(&out).unwrap()
}

/// Writes [`AMD_STANDALONE`] into `dir` and returns its path.
pub fn standalone_source(dir: &Path) -> PathBuf {
    let p = dir.join("standalone.cu");
    std::fs::write(&p, AMD_STANDALONE).unwrap();
    p
}

/// A tiny `hip/hip_runtime.h` for clang's CUDA mode: built-in variables and
/// attribute macros, enough for the seed kernels.
pub fn nvidia_include(dir: &Path) -> PathBuf {
    let inc = dir.join("nvinc");
    std::fs::create_dir_all(inc.join("hip")).unwrap();
    std::fs::write(
        inc.join("hip/hip_runtime.h"),
        "#pragma once\n#include <__clang_cuda_builtin_vars.h>\n\
         #define __global__ __attribute__((global))\n\
         #define __device__ __attribute__((device))\n\
         #define __shared__ __attribute__((shared))\n\
         #define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))\n",
    )
    .unwrap();
    inc
}

/// More NVIDIA kernels: a struct by value, small scalars, launch bounds,
/// static shared memory.
pub const NV_EXTRA: &str = r#"
#include <hip/hip_runtime.h>
struct S { float a[3]; double d; };
extern "C" __global__ void __launch_bounds__(128) lb(float* p, S s, char c, short h, double d) {
  p[threadIdx.x] = s.a[0] + c + h + d + s.d;
}
extern "C" __global__ void shm(float* p) {
  __shared__ float t[256];
  t[threadIdx.x] = p[threadIdx.x];
  __syncthreads();
  p[threadIdx.x] = t[255 - threadIdx.x];
}
"#;

/// Compiles a `.cu` to PTX for `sm`.
pub fn ptx(dir: &Path, source: &Path, sm: u32) -> Vec<u8> {
    let inc = nvidia_include(dir);
    let stem = source.file_stem().unwrap().to_string_lossy();
    let out = dir.join(format!("{stem}_sm{sm}.ptx"));
    run(Command::new(clang())
        .args([
            "-x",
            "cuda",
            "--cuda-device-only",
            "-nocudainc",
            "-nocudalib",
            "-O3",
            "-S",
        ])
        .arg(format!("--offload-arch=sm_{sm}"))
        .arg("-I")
        .arg(&inc)
        .arg(source)
        .arg("-o")
        .arg(&out));
    std::fs::read(&out).unwrap()
}

/// `ptxas` as toolchain discovery finds it (the toolchain home, `$CUDA_PATH`,
/// PATH, a pip install).
pub fn find_ptxas() -> Option<PathBuf> {
    let tc = iree_build::toolchain::Toolchain::discover();
    tc.ptxas().map(|l| l.path.clone())
}

/// Assembles PTX into a cubin for `sm` with `ptxas`.
pub fn cubin(dir: &Path, ptxas: &Path, ptx: &[u8], sm: u32, name: &str) -> Vec<u8> {
    let src = dir.join(format!("{name}.ptx"));
    let out = dir.join(format!("{name}.cubin"));
    std::fs::write(&src, ptx).unwrap();
    run(Command::new(ptxas)
        .arg(format!("-arch=sm_{sm}"))
        .arg(&src)
        .arg("-o")
        .arg(&out));
    std::fs::read(&out).unwrap()
}

/// A stand-in for the host header, following the convention of
/// docs/ARCHITECTURE.md ("Host kernels"): kernels in `.text.iree_kernel`,
/// `__syncthreads()` an inline call of `__iree_host_barrier`,
/// `IREE_HOST_EXPORT(k)` emitting the thunks and `__iree_host_sig_k`.
pub const HOST_HEADER: &str = r#"
#pragma once
#include <stddef.h>
#include <utility>
extern "C" void __iree_host_barrier(void);
static thread_local unsigned iree_thread_index;
static inline unsigned __iree_host_thread_index(void) { return iree_thread_index; }
#define __global__ __attribute__((section(".text.iree_kernel")))
#define __device__
static inline void __syncthreads() { __iree_host_barrier(); }
template <class... A> struct IreeSig { unsigned v[1 + sizeof...(A)]; };
template <class... A> constexpr IreeSig<A...> iree_make_sig(void (*)(A...)) {
  return {{unsigned(sizeof...(A)), unsigned(sizeof(A))...}};
}
template <class... A, size_t... I>
void iree_call(void (*f)(A...), void** args, std::index_sequence<I...>) {
  f(*static_cast<A*>(args[I])...);
}
#define IREE_HOST_EXPORT(k)                                                  \
  extern "C" const decltype(iree_make_sig(k)) __iree_host_sig_##k = iree_make_sig(k); \
  extern "C" void __iree_host_thread_##k(void** args) {                      \
    iree_call(k, args, std::make_index_sequence<sizeof(__iree_host_sig_##k.v) / 4 - 1>{}); \
  }                                                                           \
  extern "C" void __iree_host_block_##k(unsigned n, void** args) {           \
    for (unsigned i = 0; i < n; ++i) __iree_host_thread_##k(args);           \
  }
"#;

pub const HOST_KERNELS: &str = r#"
#include "host_header.h"
extern "C" __global__ void simple_mul(const float* a, const float* b, float* c, int n) {
  unsigned i = __iree_host_thread_index();
  if ((int)i < n) c[i] = a[i] * b[i];
}
extern "C" __global__ void with_barrier(float* p, int n) {
  unsigned i = __iree_host_thread_index();
  float v = p[(i + 1) % n];
  __syncthreads();
  p[i] = v;
}
__attribute__((noinline)) static void helper(float* p) {
  p[__iree_host_thread_index()] += 1.0f;
  __syncthreads();
}
__attribute__((noinline)) static void no_barrier_helper(float* p) {
  p[__iree_host_thread_index()] += 2.0f;
}
extern "C" __global__ void indirect(float* p, double d, char c) {
  helper(p);
  p[0] += d + c;
}
extern "C" __global__ void calls_plain_helper(float* p, short s) {
  no_barrier_helper(p);
  p[1] += s;
}
// Not extern "C": found through its thunk.
__global__ void mangled(float* p) { helper(p); }
IREE_HOST_EXPORT(simple_mul)
IREE_HOST_EXPORT(with_barrier)
IREE_HOST_EXPORT(indirect)
IREE_HOST_EXPORT(calls_plain_helper)
IREE_HOST_EXPORT(mangled)
"#;

/// Compiles [`HOST_KERNELS`] with real clang-19 at `opt` (`-O0`, `-O3`).
pub fn host_object(dir: &Path, opt: &str) -> Vec<u8> {
    std::fs::write(dir.join("host_header.h"), HOST_HEADER).unwrap();
    compile_cxx(dir, "host", HOST_KERNELS, opt)
}

/// Compiles C++ `source` (as `<dir>/<name>.cpp`, with `dir` on the include
/// path) into a host object with real clang-19 at `opt`; its bytes.
pub fn compile_cxx(dir: &Path, name: &str, source: &str, opt: &str) -> Vec<u8> {
    let src = dir.join(format!("{name}.cpp"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(format!("{name}{opt}.o"));
    run(Command::new(clang())
        .args([
            "-x",
            "c++",
            "-std=c++17",
            "-fPIC",
            "-ffunction-sections",
            "-fno-exceptions",
            "-c",
            opt,
        ])
        .arg("-I")
        .arg(dir)
        .arg(&src)
        .arg("-o")
        .arg(&out));
    std::fs::read(&out).unwrap()
}

/// One kernel as `llvm-readelf-19 --notes` prints it.
#[derive(Debug, Default)]
pub struct ReadelfKernel {
    /// The kernel's own fields (`.name`, `.kernarg_segment_size`, …).
    pub fields: Vec<(String, String)>,
    /// Each argument's fields, hidden arguments included.
    pub args: Vec<Vec<(String, String)>>,
}

/// What `llvm-readelf-19 --notes` prints for `NT_AMDGPU_METADATA`.
#[derive(Debug, Default)]
pub struct Notes {
    /// `amdhsa.kernels`.
    pub kernels: Vec<ReadelfKernel>,
    /// `amdhsa.target`, e.g. `amdgcn-amd-amdhsa--gfx90a`.
    pub target: String,
    /// `amdhsa.version`: `[1, 1]` is code object v4, `[1, 2]` v5.
    pub version: Vec<u32>,
}

/// Parses the YAML that `llvm-readelf-19 --notes` prints for the AMD code
/// object at `path`.
pub fn readelf_notes(path: &Path) -> Notes {
    let out = run(Command::new("llvm-readelf-19").arg("--notes").arg(path));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut notes = Notes::default();
    let mut section = "";
    let kv = |l: &str| {
        let (k, v) = l.trim().trim_start_matches("- ").split_once(':').unwrap();
        (k.trim().to_string(), v.trim().to_string())
    };
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("amdhsa.target:") {
            notes.target = t.trim().trim_matches('\'').to_string();
        }
        if !line.starts_with(' ') && !line.is_empty() {
            section = line.split(':').next().unwrap_or("");
            continue;
        }
        if section == "amdhsa.version" {
            if let Some(n) = line.trim().strip_prefix("- ") {
                notes.version.push(n.trim().parse().unwrap());
            }
        }
        if section != "amdhsa.kernels" || !line.contains(':') {
            continue;
        }
        let kernels = &mut notes.kernels;
        let indent = line.len() - line.trim_start().len();
        let (k, v) = kv(line);
        match (indent, line.trim_start().starts_with("- ")) {
            (2, true) => {
                kernels.push(ReadelfKernel::default());
                kernels.last_mut().unwrap().fields.push((k, v));
            }
            (4, false) => kernels.last_mut().unwrap().fields.push((k, v)),
            (6, true) => kernels.last_mut().unwrap().args.push(vec![(k, v)]),
            (8, false) => kernels
                .last_mut()
                .unwrap()
                .args
                .last_mut()
                .unwrap()
                .push((k, v)),
            _ => {}
        }
    }
    notes
}

/// The value of `key` among readelf's `fields`.
pub fn field<'a>(f: &'a [(String, String)], key: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}
