//! libFuzzer entry of the `ptx` target (README.md: how to build and run it).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime_hip_fuzz::targets::run("ptx", data);
});
