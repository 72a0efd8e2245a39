//! One test per fuzz target: every seed is replayed (and at least one must
//! be accepted, so the seeds are real inputs of that parser), then a fixed,
//! deterministic number of mutations runs. Any panic, hang or huge
//! allocation fails the test with the saved input's path.

use std::time::Duration;

use runtime_hip_fuzz::driver::{self, Budget};
use runtime_hip_fuzz::targets::by_name;

#[global_allocator]
static ALLOC: runtime_hip_fuzz::limits::Capped = runtime_hip_fuzz::limits::Capped;

/// Mutations per target in `cargo test` (the xtask fuzz step runs longer).
const ITERATIONS: u64 = 1500;

fn check(name: &'static str) {
    let target = by_name(name).expect("a target of that name");
    let budget = Budget {
        iterations: ITERATIONS,
        time: Duration::from_secs(60),
        ..Budget::default()
    };
    let report = driver::with_big_stack(move || driver::fuzz(target, budget))
        .unwrap_or_else(|finding| panic!("{finding}"));
    assert!(report.seeds > 0, "{name} has no seeds: {report}");
    assert!(
        report.seeds_accepted > 0,
        "{name} accepted none of its seeds: {report}"
    );
    assert_eq!(report.mutations, ITERATIONS, "{report}");
}

#[test]
fn bundle() {
    check("bundle");
}

#[test]
fn amd() {
    check("amd");
}

#[test]
fn amd_metadata() {
    check("amd_metadata");
}

#[test]
fn ptx() {
    check("ptx");
}

#[test]
fn cubin() {
    check("cubin");
}

#[test]
fn host_object() {
    check("host_object");
}

#[test]
fn offload_bundle() {
    check("offload_bundle");
}

#[test]
fn layout() {
    check("layout");
}

#[test]
fn declarations() {
    check("declarations");
}

/// Every target has a test above.
#[test]
fn every_target_is_tested() {
    let tested = [
        "bundle",
        "amd",
        "amd_metadata",
        "ptx",
        "cubin",
        "host_object",
        "offload_bundle",
        "layout",
        "declarations",
    ];
    let all: Vec<_> = runtime_hip_fuzz::targets::TARGETS
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(all, tested);
}
