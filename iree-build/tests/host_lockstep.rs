//! Host compiles with the lockstep plugin, as `compile` and `Build` see the
//! process environment. One test, run in its own binary, because it changes
//! `IREE_HOST_LOCKSTEP`. The objects are inspected too: with the plugin the
//! reduction's block entry runs whole blocks (lockstep, no coroutines);
//! without it the kernel is a barrier kernel again.

use std::path::Path;

use iree_build::code_object::{self, KernelInfo};
use iree_build::compile::{self, plugin, CompileJob, CompiledObject};
use iree_build::target::TargetId;
use iree_build::toolchain::Toolchain;

fn perf_crate() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/perf")
}

fn compile_host(tc: &Toolchain, out: &Path) -> CompiledObject {
    let mut job = CompileJob::new(perf_crate().join("kernels/reduce.cu"), TargetId::Host, out);
    job.host_exports = vec!["block_sum".into(), "barriers".into()];
    compile::compile(&job, tc).unwrap_or_else(|e| panic!("{e}"))
}

fn build(out: &Path) -> iree_build::Output {
    iree_build::Build::new()
        .crate_dir(perf_crate())
        .out_dir(out)
        .cargo_metadata(false)
        .bridge("src/kernels.rs")
        .targets(["host"])
        .try_compile("perf")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// What inspection says of each kernel of a host compile.
fn kernels(obj: &CompiledObject) -> Vec<KernelInfo> {
    let (format, path) = &obj.outputs[0];
    let bytes = std::fs::read(path).unwrap();
    code_object::inspect(&bytes, *format).unwrap().kernels
}

fn kernel<'k>(ks: &'k [KernelInfo], name: &str) -> &'k KernelInfo {
    ks.iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("{name} in {ks:?}"))
}

/// Whether any command of the build loads a plugin.
fn loads_plugin(commands: &[Vec<String>]) -> bool {
    commands
        .iter()
        .flatten()
        .any(|a| a.starts_with("-fpass-plugin="))
}

#[test]
fn host_compiles_load_the_plugin_unless_iree_host_lockstep_is_0() {
    std::env::remove_var(plugin::ENV_VAR);
    let tc = Toolchain::discover();
    assert!(
        tc.llvm_include().is_some(),
        "this test needs LLVM 19 headers (`cargo xtask provision` installs llvm-19-dev)\n{tc}"
    );
    let out = tempfile::tempdir().unwrap();
    let so = plugin::for_host(&tc, out.path());
    let so = so.plugin().unwrap_or_else(|| panic!("{so:?}"));

    let on = compile_host(&tc, out.path());
    let cmd = &on.commands[0];
    assert!(
        cmd.contains(&format!("-fpass-plugin={}", so.display())),
        "{cmd:?}"
    );
    assert!(cmd.iter().any(|a| a == "-DIREE_HOST_LOCKSTEP=1"), "{cmd:?}");
    // The pass transformed both kernels (barriers, and the reduction's
    // grid-stride loop): their block entries run whole blocks.
    let ks = kernels(&on);
    for name in ["block_sum", "barriers"] {
        let k = kernel(&ks, name);
        assert_eq!(
            (k.lockstep, k.uses_barrier),
            (Some(true), Some(false)),
            "{k:?}"
        );
    }

    let built = build(out.path());
    assert!(built.compiler_runs > 0);
    assert!(
        built.commands.iter().all(|c| loads_plugin(c)),
        "{:?}",
        built.commands
    );
    assert!(
        !built.warnings.iter().any(|w| w.contains("lockstep")),
        "{:?}",
        built.warnings
    );

    std::env::set_var(plugin::ENV_VAR, "0");
    let off = compile_host(&tc, out.path());
    assert!(
        !off.cached,
        "turning the plugin off changes the command and the key"
    );
    assert!(!loads_plugin(&off.commands), "{:?}", off.commands);
    let ks = kernels(&off);
    let k = kernel(&ks, "block_sum");
    assert_eq!(
        (k.lockstep, k.uses_barrier),
        (Some(false), Some(true)),
        "{k:?}"
    );
    assert!(!off.commands[0]
        .iter()
        .any(|a| a.contains("IREE_HOST_LOCKSTEP")));
    let built = build(out.path());
    assert!(built.compiler_runs > 0);
    assert!(
        built.commands.iter().all(|c| !loads_plugin(c)),
        "{:?}",
        built.commands
    );
    std::env::remove_var(plugin::ENV_VAR);
}
