//! The suite builds for every GPU target: each kernel file's executable
//! holds a code object per target (`build.rs`), and each object defines
//! every kernel the declarations export, as a kernel (`<name>.kd`, AMD's
//! kernel descriptor) beside its entry symbol.

use runtime_hip::bundle::Bundle;

mod defines;

/// Every executable (one per kernel file) and the kernels it exports.
const FILES: [&[&str]; 10] = [
    &["shuffles_cuda", "warp_sums_cuda"],
    &["shuffles_hip"],
    &["votes_cuda"],
    &["votes_hip"],
    &["groups_cuda"],
    &["groups_hip"],
    &["fp16_cuda"],
    &["fp16_hip"],
    &["bf16_cuda"],
    &["bf16_hip"],
];
const MORE_FILES: [&[&str]; 9] = [
    &["atomics_cuda"],
    &["atomics_hip"],
    &["math_float_cuda"],
    &["math_double_cuda"],
    &["math_hip"],
    &["hints_cuda"],
    &["hints_hip"],
    &["print_cuda"],
    &["print_hip"],
];

#[test]
fn every_gpu_object_exists_and_defines_its_kernels() {
    let bytes = std::fs::read(concat!(env!("OUT_DIR"), "/iree/device_api.bundle")).unwrap();
    let bundle = Bundle::parse(&bytes).unwrap();
    for kernels in FILES.iter().chain(&MORE_FILES) {
        let exe = bundle
            .executables()
            .find(|e| e.exports().any(|x| x.name() == kernels[0]))
            .unwrap_or_else(|| panic!("no executable exports {}", kernels[0]));
        let exports: Vec<&str> = exe.exports().map(|x| x.name()).collect();
        assert_eq!(exports, *kernels, "exports of {}", exe.name());
        defines::check_objects(&exe, kernels);
    }
}
