//! The runtime's one error type.
//!
//! Every failure a caller may want to react to has its own variant with the
//! facts needed to act on it (which library was tried, what the driver said,
//! what the bundle holds), so that code can `match` on the kind and people can
//! read the `Display` text without looking anything up.

use crate::bundle::BundleError;
use crate::target::Platform;

/// Everything that can go wrong at run time. Variants are meant to be matched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The platform's driver loaded but reports no usable device (no GPU,
    /// driver not initialisable, ordinal out of range, platform not built).
    #[error("no {platform} device: {reason}")]
    NoDevice {
        /// The platform asked for.
        platform: Platform,
        /// What the driver answered, including the library it came from.
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
    /// A driver call failed.
    #[error("{platform} driver call {call} failed: {name} ({code}): {message}")]
    Driver {
        /// The platform.
        platform: Platform,
        /// The driver function, e.g. `hipMalloc`.
        call: &'static str,
        /// The raw `hipError_t` / `CUresult`.
        code: i32,
        /// `hipGetErrorName` / `cuGetErrorName`.
        name: String,
        /// `hipGetErrorString` / `cuGetErrorString`.
        message: String,
    },
    /// The driver reported a device this runtime's target table does not
    /// know, so no bundle variant could ever be chosen for it.
    #[error("{platform} device {ordinal} ({name}) reports target `{reported}`, which this runtime does not know: {reason}")]
    UnsupportedDevice {
        /// The platform.
        platform: Platform,
        /// Ordinal within the platform.
        ordinal: usize,
        /// Device name.
        name: String,
        /// What the driver reported as its architecture.
        reported: String,
        /// Why it was not accepted.
        reason: String,
    },
    /// `IREE_DEVICE` (or a string given to [`Device::parse_selector`]) is
    /// not `amd|nvidia|host[:N]`.
    ///
    /// [`Device::parse_selector`]: crate::Device::parse_selector
    #[error("invalid device selector `{value}`: {reason}; expected amd, nvidia or host, optionally followed by `:N`")]
    InvalidDeviceSelector {
        /// The selector as given.
        value: String,
        /// What is wrong with it.
        reason: String,
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
    /// The bundle has no such executable or export (the wrapper and the
    /// bundle it includes disagree: a stale build).
    #[error("bundle has no {what}")]
    MissingExport {
        /// What was looked for.
        what: String,
    },
    /// The driver rejected a variant's object.
    #[error("loading `{executable}` for {target} ({format}) failed: {source}{}", if log.is_empty() { String::new() } else { format!("\ndriver log:\n{log}") })]
    ModuleLoad {
        /// The executable.
        executable: String,
        /// The variant's target id.
        target: String,
        /// The variant's format.
        format: crate::target::Format,
        /// The failing driver call.
        source: Box<Error>,
        /// The JIT error log text (empty when the driver wrote none).
        log: String,
    },
    /// A launch was refused before reaching the driver, or the driver failed it.
    #[error("launch of `{kernel}` failed: {reason}")]
    Launch {
        /// The export name.
        kernel: String,
        /// Why.
        reason: String,
    },
    /// With `IREE_HOST_CHECK=1`, a host kernel read or wrote outside one of
    /// its bindings. An access in a guard stopped the kernel there (so what
    /// it wrote is incomplete); a write just below a binding's start is
    /// found when the launch completes. Nothing outside the guards and
    /// padding of the bindings was touched.
    #[error("kernel `{kernel}` {} binding {binding} out of bounds: byte offset {offset} from the binding's start, which has {len} bytes (found by IREE_HOST_CHECK=1): check the kernel's index arithmetic against the lengths the launch passes", if *write { "wrote" } else { "read" })]
    KernelOutOfBounds {
        /// The export name.
        kernel: String,
        /// Position of the binding among the kernel's buffer parameters.
        binding: usize,
        /// Whether the access was a store (else a load).
        write: bool,
        /// The faulting byte's offset from the address the kernel received
        /// for this binding: `index * size_of::<T>()` of the bad access;
        /// negative before the start.
        offset: i64,
        /// Bytes from the binding's address to the end of its buffer.
        len: usize,
    },
    /// The bundle bytes are malformed.
    #[error("bad bundle: {0}")]
    Bundle(#[from] BundleError),
    /// A host/device copy whose lengths disagree, or a range outside a
    /// buffer.
    #[error("out of bounds: {0}")]
    OutOfBounds(String),
    /// A buffer used with a device or stream it does not belong to.
    #[error("buffer at {ptr:#x} ({bytes} bytes) does not belong to {device}")]
    ForeignBuffer {
        /// The buffer's device address.
        ptr: u64,
        /// Its size.
        bytes: usize,
        /// The device it was used with.
        device: String,
    },
    /// A size computation overflowed (`len * size_of::<T>()`).
    #[error("allocation of {len} elements of {elem_size} bytes overflows")]
    SizeOverflow {
        /// Elements asked for.
        len: usize,
        /// `size_of::<T>()`.
        elem_size: usize,
    },
}

impl Error {
    /// Whether this error means "the platform is not usable here" (no
    /// driver, no device) rather than a failure of something that was
    /// present; `Device::default()` moves on to the next platform on these.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::NoDevice { .. } | Error::DriverNotFound { .. } | Error::UnsupportedDevice { .. }
        )
    }
}
