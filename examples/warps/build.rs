/// The targets of the device-API suite (examples/device_api/build.rs): AMD's
/// CDNA (wave64) and RDNA (wave32) generations, NVIDIA's Ampere and Hopper,
/// and the host CPU.
const TARGETS: [&str; 7] = [
    "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_80", "sm_90", "host",
];

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
