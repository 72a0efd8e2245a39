//! The runtime's one error type. (Skeleton: the runtime issue fills it in.)

use crate::target::Platform;

/// Everything that can go wrong at run time. Variants are meant to be matched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No device of the requested platform is present.
    #[error("no {platform} device: {reason}")]
    NoDevice {
        /// The platform asked for.
        platform: Platform,
        /// What the driver answered.
        reason: String,
    },
    /// None of the driver libraries could be loaded.
    #[error("{platform} driver not found; tried: {}", tried.join("; "))]
    DriverNotFound {
        /// The platform asked for.
        platform: Platform,
        /// Each library name tried, with why it failed.
        tried: Vec<String>,
    },
    /// The bundle holds no variant this device can run.
    #[error("executable `{executable}` has no variant for device target {device_target}; the bundle holds: {}", if available.is_empty() { "nothing (was it built with IREE_BUILD_ALLOW_MISSING or DOCS_RS?)".to_string() } else { available.join(", ") })]
    NoVariant {
        /// The executable looked up.
        executable: String,
        /// The device's own target id.
        device_target: String,
        /// Every `target (format)` the bundle holds for that executable.
        available: Vec<String>,
    },
    /// A launch was refused before reaching the driver, or the driver failed it.
    #[error("launch of `{kernel}` failed: {reason}")]
    Launch {
        /// The export name.
        kernel: String,
        /// Why.
        reason: String,
    },
}
