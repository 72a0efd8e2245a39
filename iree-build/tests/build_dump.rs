//! `IREE_BUILD_DUMP` through `Build` on the clang path: every object of
//! every (source, target) lands in the dump directory, on a build that ran
//! the compilers and on one answered from the cache alike. The variable is
//! read from the process environment, so this test has a binary of its own.

use std::path::Path;

mod support;
use support::listing;

#[test]
fn dump_holds_every_object_also_when_they_come_from_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    // The only test in this binary: nothing else reads the environment.
    std::env::set_var("IREE_BUILD_DUMP", &dump);
    let out = tmp.path().join("out");
    let build = || {
        iree_build::Build::new()
            .crate_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch"))
            .out_dir(&out)
            .cargo_metadata(false)
            .bridge("src/lib.rs")
            .targets(["gfx1100", "sm_80", "host"])
            .try_compile("dumped")
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let first = build();
    assert!(first.compiler_runs > 0);
    let cubin = iree_build::toolchain::Toolchain::discover()
        .ptxas()
        .is_some();
    let mut expected = Vec::new();
    for stem in ["add", "kernels"] {
        for file in ["gfx1100.co", "sm_80.ptx", "host.o"] {
            expected.push(format!("{stem}.{file}"));
        }
        if cubin {
            expected.push(format!("{stem}.sm_80.cubin"));
        }
    }
    expected.sort();
    assert_eq!(listing(&dump), expected);
    // The copies are the objects the bundle was made of.
    let ptx = std::fs::read_to_string(dump.join("kernels.sm_80.ptx")).unwrap();
    assert!(ptx.contains(".entry simple_mul"), "{ptx}");
    let co = std::fs::read(dump.join("kernels.gfx1100.co")).unwrap();
    assert_eq!(&co[..4], b"\x7fELF");

    std::fs::remove_dir_all(&dump).unwrap();
    let second = build();
    assert_eq!(second.compiler_runs, 0, "{:#?}", second.commands);
    assert_eq!(listing(&dump), expected);
}
