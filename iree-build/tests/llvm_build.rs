//! `Build::llvm(true)` end to end: the repository's example crate and small
//! crates of our own built through the in-process LLVM path, then inspected,
//! verified and bundled like clang's objects.
#![cfg(feature = "llvm")]

use std::path::{Path, PathBuf};

use iree_build::code_object;
use runtime_hip::bundle::Bundle;
use runtime_hip::{Format, TargetId};

const ALL: [&str; 7] = [
    "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_80", "sm_90", "host",
];

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn build(crate_dir: &Path, targets: &[&str], out: &Path, llvm: bool) -> iree_build::Output {
    iree_build::Build::new()
        .crate_dir(crate_dir)
        .out_dir(out)
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(targets)
        .llvm(llvm)
        .try_compile("llvm_build")
        .unwrap_or_else(|e| panic!("{e}"))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every GPU variant in the bundle as (target, format, inspected info, bytes).
fn gpu_variants(bundle: &Bundle<'_>) -> Vec<(String, Format, code_object::ObjectInfo, Vec<u8>)> {
    let mut out = Vec::new();
    for exe in bundle.executables() {
        for v in exe.variants() {
            if matches!(v.format(), Format::Hsaco | Format::Ptx) {
                let info = code_object::inspect(v.data(), v.format())
                    .unwrap_or_else(|e| panic!("{}: {e}", v.target_str()));
                out.push((
                    v.target_str().to_string(),
                    v.format(),
                    info,
                    v.data().to_vec(),
                ));
            }
        }
    }
    out
}

#[test]
fn llvm_build_custom_dispatch_for_every_target_stamps_the_declared_size() {
    let out = tempfile::tempdir().unwrap();
    let built = build(&example("custom_dispatch"), &ALL, out.path(), true);
    assert!(built.errors.is_empty(), "{:?}", built.errors);
    assert!(built.compiler_runs > 0);
    // The GPU jobs went through the LLVM path: clang only emitted bitcode.
    let front_ends = built
        .commands
        .iter()
        .filter(|c| c[0].iter().any(|a| a == "-disable-llvm-passes"))
        .count();
    // Two sources × six GPU targets.
    assert_eq!(front_ends, 12, "{:#?}", built.commands);

    let bytes = std::fs::read(&built.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let variants = gpu_variants(&bundle);
    for t in ALL {
        let t: TargetId = t.parse().unwrap();
        if t == TargetId::Host {
            continue;
        }
        assert!(
            variants.iter().any(|(vt, ..)| *vt == t.to_string()),
            "no variant for {t}"
        );
    }
    let mut kernels_seen = 0;
    for (target, format, info, data) in &variants {
        for k in &info.kernels {
            kernels_seen += 1;
            match format {
                Format::Hsaco => {
                    // The declared [64, 1, 1], not clang's default 1024.
                    assert_eq!(k.max_flat_workgroup_size, Some(64), "{target} {}", k.name);
                }
                _ => assert_eq!(k.maxntid, Some([64, 1, 1]), "{target} {}", k.name),
            }
        }
        match format {
            Format::Hsaco => {
                // No math in these kernels: no ocml linked.
                assert!(!contains(data, "__ocml_"), "{target}: ocml in the object");
            }
            _ => {
                let ptx = std::str::from_utf8(data).unwrap();
                assert!(ptx.contains(".maxntid 64, 1, 1"), "{target}");
                assert!(!ptx.contains(".extern .func"), "{target}");
            }
        }
    }
    // simple_mul, simple_mul_inplace and add on each of six GPU targets.
    assert_eq!(kernels_seen, 18);
    // The outputs sit beside the clang path's, under their own names.
    let llvm_outputs = walk(&out.path().join("iree-objects"))
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".llvm.co") || name.ends_with(".llvm.ptx")
        })
        .count();
    assert_eq!(llvm_outputs, 12);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn llvm_build_is_cached_and_never_shares_outputs_with_clang() {
    let out = tempfile::tempdir().unwrap();
    let crate_dir = example("custom_dispatch");
    let targets = ["gfx942", "sm_90", "host"];
    let first = build(&crate_dir, &targets, out.path(), true);
    assert_eq!(first.compiler_runs, 6, "{:#?}", first.commands);
    let again = build(&crate_dir, &targets, out.path(), true);
    assert_eq!(again.compiler_runs, 0, "ran: {:#?}", again.commands);
    // The clang path compiles its GPU objects itself (host is shared: clang
    // builds host objects either way).
    let clang = build(&crate_dir, &targets, out.path(), false);
    assert_eq!(clang.compiler_runs, 4, "{:#?}", clang.commands);
    assert!(clang
        .commands
        .iter()
        .all(|c| !c[0].iter().any(|a| a == "-disable-llvm-passes")));
    // ... and leaves the LLVM path's cache alone.
    let back = build(&crate_dir, &targets, out.path(), true);
    assert_eq!(back.compiler_runs, 0, "ran: {:#?}", back.commands);
}

/// A crate with a math kernel declared at `size` threads, a barrier kernel
/// (`__syncthreads` is `hip.bc`'s `__atomic_work_item_fence` on AMD) and a
/// kernel no declaration names.
fn math_crate(size: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("math.cu"),
        r#"#include <hip/hip_runtime.h>
extern "C" __global__ void softplus(const float* __restrict__ x, float* __restrict__ y, int n) {
  int i = blockDim.x * blockIdx.x + threadIdx.x;
  if (i < n) y[i] = logf(1.0f + expf(x[i]));
}
extern "C" __global__ void undeclared(float* p) { p[threadIdx.x] = 0.0f; }
extern "C" __global__ void rotate(float* p) {
  __shared__ float s[64];
  s[threadIdx.x] = p[threadIdx.x];
  __syncthreads();
  p[threadIdx.x] = s[(threadIdx.x + 1) % 64];
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        format!(
            r#"
#[iree_macros::extern_dispatch(source = "math.cu", workgroup_size = [{size}, 1, 1])]
pub fn softplus(x: &DeviceSlice<f32>, y: &mut DeviceSlice<f32>, n: i32);
#[iree_macros::extern_dispatch(source = "math.cu", workgroup_size = [64, 1, 1])]
pub fn rotate(p: &mut DeviceSlice<f32>);
"#
        ),
    )
    .unwrap();
    dir
}

#[test]
fn llvm_build_math_kernel_gets_its_own_size_and_undeclared_kernels_keep_clangs() {
    let dir = math_crate(128);
    let out = dir.path().join("out");
    let built = build(dir.path(), &["gfx90a", "gfx1201", "sm_80"], &out, true);
    assert!(built.errors.is_empty(), "{:?}", built.errors);
    let bytes = std::fs::read(&built.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let variants = gpu_variants(&bundle);
    assert_eq!(variants.len(), 3);
    assert_eq!(built.warnings, Vec::<String>::new());
    for (target, format, info, data) in &variants {
        let kernel = |name: &str| {
            info.kernels
                .iter()
                .find(|k| k.name == name)
                .unwrap_or_else(|| panic!("{target}: no {name}"))
        };
        if *format == Format::Hsaco {
            assert_eq!(kernel("softplus").max_flat_workgroup_size, Some(128));
            assert_eq!(kernel("undeclared").max_flat_workgroup_size, Some(1024));
            // ocml and hip.bc are linked into the object, nothing left to resolve.
            assert!(!contains(data, "__ocml_"), "{target}");
            assert!(!contains(data, "__atomic_work_item_fence"), "{target}");
            assert_eq!(kernel("rotate").max_flat_workgroup_size, Some(64));
        } else {
            assert_eq!(kernel("softplus").maxntid, Some([128, 1, 1]), "{target}");
            assert_eq!(kernel("undeclared").maxntid, None, "{target}");
            assert!(!contains(data, ".extern .func"), "{target}");
        }
    }
    // A new declared size rebuilds (the sizes are in the cache key).
    std::fs::write(
        dir.path().join("src/lib.rs"),
        std::fs::read_to_string(math_crate(256).path().join("src/lib.rs")).unwrap(),
    )
    .unwrap();
    let rebuilt = build(dir.path(), &["gfx90a"], &out, true);
    assert_eq!(rebuilt.compiler_runs, 1);
    let bytes = std::fs::read(&rebuilt.bundle_path).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let (_, _, info, _) = &gpu_variants(&bundle)[0];
    let softplus = info.kernels.iter().find(|k| k.name == "softplus").unwrap();
    assert_eq!(softplus.max_flat_workgroup_size, Some(256));
}

#[test]
fn llvm_build_kernel_syntax_error_fails_with_clangs_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.cu"),
        "#include <hip/hip_runtime.h>\nextern \"C\" __global__ void k(int n) { n + ; }\n",
    )
    .unwrap();
    for target in ["gfx1100", "sm_90"] {
        let err = iree_build::Build::new()
            .crate_dir(dir.path())
            .out_dir(dir.path().join("out"))
            .cargo_metadata(false)
            .source("bad.cu")
            .targets([target])
            .llvm(true)
            .try_compile("bad")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.cu:2:"), "{target}: {err}");
        assert!(err.contains("clang-19 failed"), "{target}: {err}");
        assert!(err.contains("-disable-llvm-passes"), "{target}: {err}");
    }
}

#[test]
fn llvm_build_passes_clangs_warnings_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("warn.cu"),
        "#include <hip/hip_runtime.h>\nextern \"C\" __global__ void k(int* p) { int x = 1.5; p[0] = x; }\n",
    )
    .unwrap();
    let built = iree_build::Build::new()
        .crate_dir(dir.path())
        .out_dir(dir.path().join("out"))
        .cargo_metadata(false)
        .source("warn.cu")
        .targets(["gfx942", "sm_80"])
        .llvm(true)
        .try_compile("warn")
        .unwrap_or_else(|e| panic!("{e}"));
    for target in ["gfx942", "sm_80"] {
        assert!(
            built.warnings.iter().any(|w| w.starts_with(target)
                && w.contains("warn.cu:2:")
                && w.contains("warning:")),
            "{target}: {:#?}",
            built.warnings
        );
    }
}
