//! libFuzzer entry of the `amd` target (README.md: how to build and run it).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime_hip_fuzz::targets::run("amd", data);
});
