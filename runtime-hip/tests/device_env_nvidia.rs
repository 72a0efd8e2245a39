//! `IREE_DEVICE=nvidia` on a machine without libcuda: `DriverNotFound`
//! naming every library tried. One test per binary (environment).

use runtime_hip::{Device, Error, Platform};

#[test]
fn iree_device_nvidia_without_a_driver_names_every_library() {
    std::env::set_var("IREE_DEVICE", "nvidia:0");
    let err = Device::default().expect_err("no NVIDIA driver on this machine");
    let text = err.to_string();
    eprintln!("{text}");
    match &err {
        Error::DriverNotFound { platform, tried } => {
            assert_eq!(*platform, Platform::Nvidia);
            for name in ["libcuda.so.1", "libcuda.so"] {
                assert!(tried.iter().any(|t| t.starts_with(name)), "{text}");
                assert!(text.contains(name), "{text}");
            }
        }
        // A driver without a GPU.
        Error::NoDevice { platform, reason } => {
            assert_eq!(*platform, Platform::Nvidia);
            assert!(reason.contains("libcuda"), "{text}");
        }
        other => panic!("unexpected error: {other:?}"),
    }
    assert_eq!(Device::count(Platform::Nvidia), 0);
}
