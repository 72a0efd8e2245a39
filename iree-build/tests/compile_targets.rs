//! Compiles the seed's kernels.cu and a math kernel for every kind of target
//! with the real clang-19 and checks what came out.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use iree_build::compile::{compile, CompileJob, CompiledObject};
use iree_build::target::{Format, TargetId};
use object::{Object, ObjectSymbol};
use support::*;

const EM_AMDGPU: u16 = 224;
const EM_CUDA: u16 = 190;
const EM_X86_64: u16 = 62;

/// Compiles `source` for all targets at once, on one thread each, into one
/// out_dir: also shows `compile` is safe to run concurrently.
fn compile_all(
    source: PathBuf,
    exports: &[&str],
) -> (tempfile::TempDir, BTreeMap<String, CompiledObject>) {
    let tc = toolchain();
    let out = tempfile::tempdir().unwrap();
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = TARGETS
            .iter()
            .map(|name| {
                let mut job = CompileJob::new(&source, t(name), out.path());
                job.host_exports = exports.iter().map(|s| s.to_string()).collect();
                let tc = &tc;
                s.spawn(move || (name.to_string(), compile(&job, tc)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let mut map = BTreeMap::new();
    for (name, r) in results {
        let obj = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!obj.cached, "{name}: fresh out_dir cannot be cached");
        map.insert(name, obj);
    }
    (out, map)
}

fn output(obj: &CompiledObject, format: Format) -> Option<Vec<u8>> {
    obj.outputs
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, p)| std::fs::read(p).unwrap())
}

fn check_outputs(objs: &BTreeMap<String, CompiledObject>, kernels: &[&str], have_ptxas: bool) {
    for (name, obj) in objs {
        let target = t(name);
        assert_eq!(obj.target, target);
        match &target {
            TargetId::Amd { .. } => {
                let co = output(obj, Format::Hsaco).expect("hsaco output");
                assert_eq!(
                    elf_machine(&co),
                    Some(EM_AMDGPU),
                    "{name}: not an AMD code object"
                );
                let chip = target.amd_chip().unwrap();
                assert_eq!(elf_flags(&co) & 0xff, chip.elf_mach, "{name}: e_flags mach");
                let file = object::File::parse(&*co).unwrap();
                for k in kernels {
                    let kd = format!("{k}.kd");
                    assert!(
                        file.symbols().any(|s| s.name() == Ok(&kd)),
                        "{name}: no {kd}"
                    );
                }
                let undefined: Vec<_> = file
                    .symbols()
                    .filter(|s| s.is_undefined() && !s.name().unwrap_or("").is_empty())
                    .map(|s| s.name().unwrap_or("").to_string())
                    .collect();
                assert!(
                    undefined.is_empty(),
                    "{name}: undefined symbols {undefined:?}"
                );
            }
            TargetId::Nvidia { sm } => {
                let ptx = String::from_utf8(output(obj, Format::Ptx).expect("ptx output")).unwrap();
                assert!(
                    ptx.lines().any(|l| l.starts_with(".version ")),
                    "{name}: no .version"
                );
                assert!(
                    ptx.lines().any(|l| l.trim() == format!(".target sm_{sm}")),
                    "{name}: .target"
                );
                for k in kernels {
                    assert!(
                        ptx.contains(&format!(".entry {k}(")),
                        "{name}: no .entry {k}"
                    );
                }
                assert!(
                    !ptx.contains(".extern .func"),
                    "{name}: unresolved call in PTX:\n{ptx}"
                );
                match output(obj, Format::Cubin) {
                    Some(cubin) => {
                        assert_eq!(
                            elf_machine(&cubin),
                            Some(EM_CUDA),
                            "{name}: cubin e_machine"
                        );
                        let file = object::File::parse(&*cubin).unwrap();
                        for k in kernels {
                            assert!(
                                file.symbols().any(|s| s.name() == Ok(k)),
                                "{name}: cubin lacks {k}"
                            );
                        }
                    }
                    None => assert!(!have_ptxas, "{name}: ptxas found but no cubin"),
                }
                assert_eq!(obj.outputs[0].0, Format::Ptx, "PTX first");
            }
            TargetId::Host => {
                let o = output(obj, Format::Host).expect("host output");
                assert_eq!(elf_machine(&o), Some(EM_X86_64));
                let file = object::File::parse(&*o).unwrap();
                for k in kernels {
                    for sym in [
                        format!("__iree_host_block_{k}"),
                        format!("__iree_host_thread_{k}"),
                        format!("__iree_host_sig_{k}"),
                    ] {
                        assert!(
                            file.symbols()
                                .any(|s| s.name() == Ok(&sym) && s.is_definition()),
                            "host: no {sym}"
                        );
                    }
                }
            }
        }
        // Every target reads a hip_runtime.h (HIP's or ours); ours live in
        // OUT_DIR and are left out, so AMD lists HIP's and the others only
        // the system headers ours pull in.
        assert!(obj.deps.len() > 1, "{name}: deps {:?}", obj.deps);
    }
}

#[test]
fn seed_kernels_build_for_every_target() {
    let have_ptxas = toolchain().ptxas().is_some();
    let kernels = ["simple_mul", "simple_mul_inplace"];
    let (_out, objs) = compile_all(seed_kernels(), &kernels);
    check_outputs(&objs, &kernels, have_ptxas);
    // The source is always a dependency, by absolute path.
    for obj in objs.values() {
        assert!(
            obj.deps[0].is_absolute() && obj.deps[0].ends_with("kernels.cu"),
            "{:?}",
            obj.deps
        );
    }
}

#[test]
fn math_kernels_build_for_every_target_with_device_libs_linked() {
    let have_ptxas = toolchain().ptxas().is_some();
    let kernels = ["softplus", "block_sqrt_sum"];
    let (_out, objs) = compile_all(math_kernels(), &kernels);
    check_outputs(&objs, &kernels, have_ptxas);

    // Cross-check one object with an independent reader: the wave32 chip
    // must say so (our generated __oclc_wavefrontsize64 = 0 agrees).
    let gfx1100 = &objs["gfx1100"].outputs[0].1;
    let notes = Command::new("llvm-readelf-19")
        .arg("--notes")
        .arg(gfx1100)
        .output();
    match notes {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(".name:           softplus"), "{text}");
            assert!(text.contains(".wavefront_size: 32"), "{text}");
            assert!(text.contains("amdgcn-amd-amdhsa--gfx1100"), "{text}");
        }
        _ => eprintln!("note: llvm-readelf-19 not available; cross-check skipped"),
    }
}

#[test]
fn amd_target_features_reach_the_code_object() {
    let tc = toolchain();
    let out = tempfile::tempdir().unwrap();
    let obj = compile(
        &CompileJob::new(seed_kernels(), t("gfx90a:xnack-"), out.path()),
        &tc,
    )
    .unwrap();
    let co = std::fs::read(&obj.outputs[0].1).unwrap();
    // EF_AMDGPU_FEATURE_XNACK_V4 field (0x300): OFF is 0x200.
    assert_eq!(
        elf_flags(&co) & 0x300,
        0x200,
        "xnack- in e_flags {:#x}",
        elf_flags(&co)
    );
    assert!(obj.outputs[0]
        .1
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .contains("gfx90a_xnack-"));
}

/// The device-side HIP API a kernel may use (shuffles, votes, dynamic shared
/// memory, `__constant__`, atomics, intrinsics, math) builds for every GPU
/// target from the same source, and the NVIDIA PTX passes ptxas.
#[test]
fn hip_device_api_builds_for_every_gpu_target() {
    let tc = toolchain();
    let out = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kernels/hip_api.cu");
    for name in [
        "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_70", "sm_75", "sm_80", "sm_86", "sm_89",
        "sm_90",
    ] {
        let obj = compile(&CompileJob::new(&source, t(name), out.path()), &tc)
            .unwrap_or_else(|e| panic!("{e}"));
        if let TargetId::Nvidia { .. } = obj.target {
            let ptx = String::from_utf8(output(&obj, Format::Ptx).unwrap()).unwrap();
            assert!(
                ptx.contains("shfl.sync.down"),
                "{name}: warp shuffle is the .sync form"
            );
            assert!(!ptx.contains(".extern .func"), "{name}: unresolved call");
            assert!(
                !obj.diagnostics.contains("deprecated"),
                "{name}: {}",
                obj.diagnostics
            );
        }
    }
}
