//! Copies between two devices of one driver, against the fake drivers
//! (tests/fake) with two devices each: peer copies where the driver allows
//! them, staged through the host where it does not. One test: environment.

#[allow(dead_code)] // each test binary uses part of it
mod fake;
mod sample;

use runtime_hip::{Format, Platform};

#[test]
fn copies_between_two_fake_devices() {
    let (Some(hip), Some(cuda)) = (fake::build("HIP"), fake::build("CUDA")) else {
        return;
    };
    std::env::set_var("FAKE_DEVICES", "2");
    std::env::set_var("IREE_AMD_LIBRARY", &hip);
    std::env::set_var("IREE_NVIDIA_LIBRARY", &cuda);
    let amd = fake::bundle(&[("gfx942", Format::Hsaco)], false);
    fake::check_between_devices(Platform::Amd, &hip, amd, true);
    let nvidia = fake::bundle(&[("sm_90", Format::Ptx)], false);
    fake::check_between_devices(Platform::Nvidia, &cuda, nvidia, true);
}
