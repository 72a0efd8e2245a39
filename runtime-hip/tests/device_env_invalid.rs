//! A malformed `IREE_DEVICE` is an error, not a silent fallback.

use runtime_hip::{Device, Error};

#[test]
fn malformed_iree_device_is_refused() {
    for bad in ["gpu", "amd:one", "nvidia:"] {
        std::env::set_var("IREE_DEVICE", bad);
        let err = Device::default().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidDeviceSelector { value, .. } if value == bad),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("amd, nvidia or host"), "{err}");
    }
}
