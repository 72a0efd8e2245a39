//! `IREE_BUILD_DUMP` and `IREE_BUILD_LLVM` through `Build`. Both are read
//! from the process environment, so this test has a binary of its own: no
//! other test sees the variables it sets.
#![cfg(feature = "llvm")]

use std::path::Path;

mod support;
use support::listing;

#[test]
fn llvm_build_env_turns_the_path_on_and_dumps_every_intermediate() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    // The only test in this binary: nothing else reads the environment.
    std::env::set_var("IREE_BUILD_LLVM", "1");
    std::env::set_var("IREE_BUILD_DUMP", &dump);
    let build = |out: &Path| {
        iree_build::Build::new()
            .crate_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch"))
            .out_dir(out)
            .cargo_metadata(false)
            .bridge("src/lib.rs")
            .targets(["gfx942", "sm_90", "host"])
            .try_compile("dumped")
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = tmp.path().join("out");
    let built = build(&out);
    assert!(built.errors.is_empty(), "{:?}", built.errors);
    let cubin = iree_build::toolchain::Toolchain::discover()
        .ptxas()
        .is_some();
    let mut expected = Vec::new();
    for stem in ["add", "kernels"] {
        for (target, last) in [("gfx942", "rocmasm"), ("sm_90", "ptx")] {
            for ext in ["linked.ll", "optimized.ll", last] {
                expected.push(format!("{stem}.{target}.{ext}"));
            }
        }
        // The objects themselves (the sm_90 PTX is the last stage above).
        expected.push(format!("{stem}.gfx942.co"));
        expected.push(format!("{stem}.host.o"));
        if cubin {
            expected.push(format!("{stem}.sm_90.cubin"));
        }
    }
    expected.sort();
    assert_eq!(listing(&dump), expected);
    let linked = std::fs::read_to_string(dump.join("kernels.gfx942.linked.ll")).unwrap();
    assert!(linked.contains("\"amdgpu-flat-work-group-size\"=\"1,64\""));

    // A cached build writes every file again: into a dump directory that was
    // emptied, and into a new one.
    std::fs::remove_dir_all(&dump).unwrap();
    assert_eq!(build(&out).compiler_runs, 0);
    assert_eq!(listing(&dump), expected);
    let dump2 = tmp.path().join("dump2");
    std::env::set_var("IREE_BUILD_DUMP", &dump2);
    let rebuilt = build(&out);
    assert_eq!(rebuilt.compiler_runs, 0, "{:#?}", rebuilt.commands);
    assert_eq!(listing(&dump2), expected);
}
