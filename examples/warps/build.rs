// The suites' shared target list (AMD, NVIDIA, host).
include!("../device_api/targets.rs");

fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(TARGETS)
        // The kernels are the host unit tests' own file, compiled where it
        // lies (one definition); its `IREE_HOST_EXPORT` lines are for the
        // tests' hand-made library, and the build writes its own from the
        // declarations.
        .define("IREE_WARPS_NO_EXPORT", None)
        .compile("warps");
}
