// The targets the device suites (examples/device_api, examples/warps) are
// built for: AMD's CDNA (wave64) and RDNA (wave32) generations, NVIDIA's
// Ampere and Hopper, and the host CPU. Included by both crates' build.rs and
// their objects tests (tests/defines), so the lists cannot drift apart.

/// The AMD targets.
#[allow(dead_code)]
pub const AMD: [&str; 4] = ["gfx90a", "gfx942", "gfx1100", "gfx1201"];
/// The NVIDIA targets: PTX, or a cubin when ptxas was found.
#[allow(dead_code)]
pub const NVIDIA: [&str; 2] = ["sm_80", "sm_90"];
/// Every target, as `Build::targets` takes them.
#[allow(dead_code)]
pub const TARGETS: [&str; 7] = [AMD[0], AMD[1], AMD[2], AMD[3], NVIDIA[0], NVIDIA[1], "host"];
