//! The fake drivers (tests/fake) built without their optional entry points
//! (graphs, peer copies), as older or other vendors' drivers are: each
//! library still opens and runs kernels, command buffers replay as lists
//! and copies between devices are staged through the host. One test:
//! environment.

#[allow(dead_code)] // each test binary uses part of it
mod fake;
mod sample;

use runtime_hip::{Device, Format, Platform};

#[test]
fn drivers_without_graphs_or_peer_copies() {
    let options = ["NO_GRAPHS", "NO_PEER"];
    let (Some(hip), Some(cuda)) = (
        fake::build_with("HIP", &options),
        fake::build_with("CUDA", &options),
    ) else {
        return;
    };
    std::env::set_var("FAKE_DEVICES", "2");
    std::env::set_var("IREE_AMD_LIBRARY", &hip);
    std::env::set_var("IREE_NVIDIA_LIBRARY", &cuda);
    for (platform, lib, target, format) in [
        (Platform::Amd, &hip, "gfx942", Format::Hsaco),
        (Platform::Nvidia, &cuda, "sm_90", Format::Ptx),
    ] {
        let device = Device::open(platform, 0).unwrap();
        let ok = fake::bundle(&[(target, format)], false);
        fake::run_sample(&device, ok).unwrap();
        fake::check_replay_list(&device, lib, ok);
        fake::check_between_devices(platform, lib, ok, false);
    }
}
