// The suites' shared target list (AMD, NVIDIA, host).
include!("targets.rs");

fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(TARGETS)
        .compile("device_api");
}
