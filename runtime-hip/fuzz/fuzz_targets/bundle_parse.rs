//! `cargo +nightly fuzz run bundle_parse` (from `runtime-hip/`): the bundle
//! reader must return `Ok` or `Err` for any input, never panic, and every
//! accessor of a bundle it accepted must work. Seed the corpus with real
//! bundles (any `BundleSpec::to_bytes` output, or a build's `OUT_DIR` bundle)
//! to get past the header quickly.
//!
//! Without cargo-fuzz, on stable (from `runtime-hip/fuzz`):
//!
//! ```text
//! RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
//!   -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
//!   -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
//!   --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
//!   cargo build --release --target x86_64-unknown-linux-gnu --bin bundle_parse
//! target/x86_64-unknown-linux-gnu/release/bundle_parse corpus -max_total_time=120
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime_hip::bundle::Bundle;

fuzz_target!(|data: &[u8]| {
    // `parse` stops at the content id for almost every mutated input, so
    // fuzz the structural checks directly as well.
    let _ = Bundle::parse(data);
    if let Ok(b) = Bundle::parse_structure(data) {
        for e in b.executables() {
            let _ = e.name();
            for x in e.exports() {
                let _ = (x.name(), x.ordinal(), x.block_dims(), x.constant_count());
                let _ = (x.workgroup_local_memory(), x.binding_flags().count());
            }
            for v in e.variants() {
                let _ = (v.target_str(), v.target(), v.format(), v.data().len());
            }
            let _ = (e.export(0), e.export_named("simple_mul"));
        }
        let _ = format!("{b:?}");
    }
});
