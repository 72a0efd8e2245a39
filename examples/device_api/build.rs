/// Every target the coverage suite is built for: AMD's CDNA and RDNA
/// generations, NVIDIA's Ampere and Hopper, and the host CPU.
const TARGETS: [&str; 7] = [
    "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_80", "sm_90", "host",
];

fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(TARGETS)
        .compile("device_api");
}
