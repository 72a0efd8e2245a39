//! The warp kernels build for every GPU target: the one executable (one
//! kernel file) holds a code object per target of `build.rs`, and each
//! object defines every kernel the declarations export (`<name>.kd`, AMD's
//! kernel descriptor; a PTX `.entry` or cubin symbol; the host's block
//! entry).

use runtime_hip::bundle::Bundle;

#[path = "../../device_api/tests/defines/mod.rs"]
mod defines;

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
    defines::check_objects(exe, &KERNELS);
}
