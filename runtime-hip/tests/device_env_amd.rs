//! `IREE_DEVICE=amd` on a machine without an AMD GPU: a clean `Err` naming
//! the libraries tried or what the driver answered. One test per binary, so
//! the environment variable cannot race with other tests.

use runtime_hip::{Device, Error, Platform};

#[test]
fn iree_device_amd_without_a_gpu_is_a_clean_error() {
    std::env::set_var("IREE_DEVICE", "amd");
    let err = Device::default().expect_err("no AMD GPU on this machine");
    let text = err.to_string();
    eprintln!("{text}");
    match &err {
        // libamdhip64 present (e.g. Debian's libamdhip64.so.5), no GPU: the
        // error names the library and what hipInit / hipGetDeviceCount said.
        Error::NoDevice { platform, reason } => {
            assert_eq!(*platform, Platform::Amd);
            assert!(reason.contains("libamdhip64"), "{text}");
            assert!(
                reason.contains("hipInit") || reason.contains("hipGetDeviceCount"),
                "{text}"
            );
        }
        // No library at all: every candidate named.
        Error::DriverNotFound { platform, tried } => {
            assert_eq!(*platform, Platform::Amd);
            for name in ["libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"] {
                assert!(tried.iter().any(|t| t.starts_with(name)), "{text}");
            }
        }
        other => panic!("unexpected error: {other:?}"),
    }
    // The same answer from an explicit open, and again (failures are not
    // cached as devices).
    assert!(Device::open(Platform::Amd, 0).unwrap_err().is_unavailable());
    assert_eq!(Device::count(Platform::Amd), 0);
}
