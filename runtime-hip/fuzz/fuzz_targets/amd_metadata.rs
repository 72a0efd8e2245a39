//! libFuzzer entry of the `amd_metadata` target (README.md: how to build and run it).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime_hip_fuzz::targets::run("amd_metadata", data);
});
