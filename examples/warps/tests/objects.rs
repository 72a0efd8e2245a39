//! The warp kernels build for every GPU target: the one executable (one
//! kernel file) holds a code object per target of `build.rs`, and each
//! object defines every kernel the declarations export (`<name>.kd`, AMD's
//! kernel descriptor; a PTX `.entry` or cubin symbol; the host's block
//! entry).

use object::{Object, ObjectSymbol};
use runtime_hip::bundle::Bundle;

/// The AMD targets of `build.rs`.
const AMD: [&str; 4] = ["gfx90a", "gfx942", "gfx1100", "gfx1201"];
/// The NVIDIA targets of `build.rs`: PTX, or a cubin when ptxas was found.
const NVIDIA: [&str; 2] = ["sm_80", "sm_90"];

/// The kernels of `warps.cu`, as the declarations export them.
const KERNELS: [&str; 10] = [
    "warp_block_sum",
    "warp_allreduce",
    "shfl_scan",
    "ballot_compact",
    "tile_ops",
    "tile_reduce_mixed",
    "partial_masks",
    "widths",
    "softmax_rows",
    "layernorm_rows",
];

#[test]
fn every_gpu_object_exists_and_defines_every_kernel() {
    let bytes = std::fs::read(concat!(env!("OUT_DIR"), "/iree/warps.bundle")).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exes: Vec<_> = bundle.executables().collect();
    assert_eq!(exes.len(), 1, "one kernel file, one executable");
    let exe = &exes[0];
    let mut exports: Vec<&str> = exe.exports().map(|x| x.name()).collect();
    exports.dedup();
    assert_eq!(exports, KERNELS, "exports of {}", exe.name());
    for target in NVIDIA {
        let variant = exe
            .variants()
            .find(|v| v.target_str() == target)
            .unwrap_or_else(|| panic!("no {target} object"));
        nvidia_defines(variant.data(), target);
    }
    for target in AMD.iter().chain(&["host"]) {
        let variant = exe
            .variants()
            .find(|v| v.target_str() == *target)
            .unwrap_or_else(|| panic!("no {target} object"));
        let elf =
            object::File::parse(variant.data()).unwrap_or_else(|e| panic!("{target} object: {e}"));
        let symbols: Vec<&str> = elf.symbols().filter_map(|s| s.name().ok()).collect();
        for k in KERNELS {
            let wanted = if *target == "host" {
                format!("__iree_host_block_{k}")
            } else {
                format!("{k}.kd")
            };
            assert!(
                symbols
                    .iter()
                    .any(|s| *s == wanted || s.ends_with(&format!("_{wanted}"))),
                "{target} object lacks {wanted}: {symbols:?}"
            );
        }
    }
}

/// A cubin's symbols or the PTX's `.entry` lines name every kernel.
fn nvidia_defines(data: &[u8], target: &str) {
    if data.starts_with(b"\x7fELF") {
        let elf = object::File::parse(data).unwrap_or_else(|e| panic!("{target} cubin: {e}"));
        let symbols: Vec<&str> = elf.symbols().filter_map(|s| s.name().ok()).collect();
        for k in KERNELS {
            assert!(
                symbols.contains(&k),
                "{target} cubin lacks {k}: {symbols:?}"
            );
        }
    } else {
        let ptx = String::from_utf8_lossy(data);
        for k in KERNELS {
            assert!(
                ptx.lines()
                    .any(|l| l.contains(".entry") && l.contains(&format!("{k}("))),
                "{target} PTX lacks the entry {k}"
            );
        }
    }
}
