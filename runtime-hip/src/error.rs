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
    /// A launch's arguments were refused by the code that builds them: the
    /// `#[extern_dispatch]` wrapper (a `count` closure result that is not a
    /// `u32`) or user code (a length that does not fit the kernel's `int`).
    /// The runtime itself reports every refusal with its own variant below.
    #[error("launch of `{kernel}` refused: {reason}")]
    Launch {
        /// The export name.
        kernel: String,
        /// Why.
        reason: String,
    },
    /// Device memory ran out: the driver (or the host allocator) could not
    /// provide `bytes`. Free buffers (drop them) or allocate less.
    #[error("out of memory on {device}: cannot allocate {bytes} bytes ({reason})")]
    OutOfMemory {
        /// Bytes asked for.
        bytes: usize,
        /// The device (its `Display`).
        device: String,
        /// What the driver or allocator said.
        reason: String,
    },
    /// A launch passed a number of bindings or constants other than the
    /// export's layout has (the wrapper is out of date with its bundle).
    #[error("launch of `{kernel}` passed {bindings} bindings and {constants} constants; the export takes {expected_bindings} and {expected_constants}")]
    WrongArguments {
        /// The export name.
        kernel: String,
        /// Bindings the export takes.
        expected_bindings: u32,
        /// 32-bit constants the export takes.
        expected_constants: u32,
        /// Bindings passed.
        bindings: usize,
        /// Constants passed.
        constants: usize,
    },
    /// A workgroup count above the device's maximum; launch fewer
    /// workgroups (e.g. a grid-stride loop) or split the work.
    #[error(
        "launch of `{kernel}` with workgroup count {grid:?} exceeds the device's maximum {max:?}"
    )]
    GridTooLarge {
        /// The export name.
        kernel: String,
        /// The workgroup count asked for.
        grid: [u32; 3],
        /// The device's maximum per dimension.
        max: [u32; 3],
    },
    /// The launch's shared memory does not fit a workgroup of the device:
    /// the dynamic bytes asked for (the declaration's constant
    /// `workgroup_local_memory`, or what its closure computed for this
    /// launch) plus the kernel's static `__shared__` bytes exceed the
    /// device's per-workgroup limit. Nothing was queued.
    #[error("launch of `{kernel}` asks for {requested} bytes of dynamic shared memory; with the kernel's {static_bytes} bytes of static shared memory that exceeds the {limit} bytes a workgroup of the device may use (at most {} dynamic bytes fit)", limit.saturating_sub(*static_bytes))]
    SharedMemoryTooLarge {
        /// The export name.
        kernel: String,
        /// Dynamic shared memory asked for, in bytes.
        requested: u64,
        /// The kernel's static shared memory, in bytes (as the driver
        /// reports it for the loaded function; 0 on the host, whose
        /// `__shared__` variables are per worker, outside the limit).
        static_bytes: u32,
        /// The device's shared memory per workgroup, in bytes.
        limit: u32,
    },
    /// A binding the export may write was passed read-only; pass it with
    /// `DeviceSlice::binding_mut` (from `&mut`).
    #[error("launch of `{kernel}`: binding {binding} is writable in the export but was passed read-only (use binding_mut)")]
    ReadOnlyBinding {
        /// The export name.
        kernel: String,
        /// The binding's index.
        binding: usize,
    },
    /// A binding that is not live memory of the launch's device.
    #[error("launch of `{kernel}`: binding {binding}: {source}")]
    BadBinding {
        /// The export name.
        kernel: String,
        /// The binding's index.
        binding: usize,
        /// Why it was refused (usually [`Error::ForeignBuffer`]).
        source: Box<Error>,
    },
    /// The kernel's fixed launch shape (block size, shared memory, argument
    /// count) does not fit the device or the runtime.
    #[error("kernel `{kernel}` cannot run on {device}: {reason}")]
    KernelUnfit {
        /// The export name.
        kernel: String,
        /// The device (its `Display`).
        device: String,
        /// The limit exceeded.
        reason: String,
    },
    /// The loaded executable has no usable function for the kernel (a
    /// module without it, a program built without the `host` target).
    #[error("kernel `{kernel}` is not available: {reason}")]
    NoSuchKernel {
        /// The export name.
        kernel: String,
        /// Why, with what to do about it.
        reason: String,
    },
    /// A queued launch failed while it ran. Reported once to its stream
    /// (its next `synchronize` or launch) and to every host read of a
    /// buffer it was writing, and to nothing else.
    #[error("kernel `{kernel}` (grid {grid:?}) on stream #{stream} failed: {reason}")]
    KernelFailed {
        /// The export name.
        kernel: String,
        /// Its workgroup count.
        grid: [u32; 3],
        /// The stream it ran on ([`Stream::id`](crate::Stream::id)).
        stream: u64,
        /// What went wrong.
        reason: String,
    },
    /// A wait that cannot finish: code running inside a kernel of stream
    /// `stream` (a kernel calling back into Rust) waited for that stream's
    /// own work, which cannot complete before the kernel returns.
    #[error("{what} from inside a kernel running on stream #{stream} would wait for that kernel itself; wait after the launch returns, on the host thread that queued it")]
    WaitInsideKernel {
        /// The stream whose kernel is running on this thread.
        stream: u64,
        /// The wait asked for (`Stream::synchronize`, a download, …).
        what: String,
    },
    /// An event used with a stream or event it cannot be related to: timing
    /// an event against one of another device, or events recorded without
    /// timing.
    #[error("event misuse: {reason}")]
    ForeignEvent {
        /// What was asked, and of which devices.
        reason: String,
    },
    /// A copy or fill the runtime cannot express: a fill value whose size
    /// does not divide 4 bytes, lengths that differ, a slice of another
    /// device, a transfer inside a command buffer recording.
    #[error("transfer refused: {reason}")]
    BadTransfer {
        /// What was asked and how to fix it.
        reason: String,
    },
    /// A recorded [`CommandBuffer`](crate::CommandBuffer) cannot replay:
    /// a buffer it binds has been freed since recording (its address may
    /// now belong to another buffer), or the stream is of another device.
    #[error("command buffer cannot replay: {reason}")]
    StaleCommandBuffer {
        /// Which command and buffer.
        reason: String,
    },
    /// The driver library lacks an optional feature's entry points (CUDA or
    /// HIP graphs, peer copies). What uses it falls back where it can (a
    /// command buffer then replays as a list: its
    /// [`capture_error`](crate::CommandBuffer::capture_error) is this); a
    /// newer driver brings it.
    #[error("{feature} not available: {reason}")]
    NotSupported {
        /// The feature ("CUDA graphs", "peer copies", …).
        feature: &'static str,
        /// Why: the missing entry point and the library.
        reason: String,
    },
    /// Queued work other than a kernel (a copy, a fill, a command buffer's
    /// graph launch) failed while it ran, or the driver reported a failure
    /// after it was the stream's last work. Reported like
    /// [`Error::KernelFailed`] is for kernels.
    #[error("{work} on stream #{stream} failed: {reason}")]
    WorkFailed {
        /// What the work was (`hipMemcpyDtoDAsync of 256 bytes`, `replay
        /// of a command buffer (3 commands) as one graph launch`).
        work: String,
        /// The stream it ran on ([`Stream::id`](crate::Stream::id)).
        stream: u64,
        /// What went wrong.
        reason: String,
    },
    /// A stream could not be created or no longer runs work.
    #[error("stream unavailable: {reason}")]
    StreamUnavailable {
        /// Why.
        reason: String,
    },
    /// With `IREE_HOST_CHECK=1`, a host kernel read or wrote outside one of
    /// its bindings. An access in a guard stopped the kernel there (so what
    /// it wrote is incomplete); a write just below a binding's start is
    /// found when the launch completes. Nothing outside the guards and
    /// padding of the bindings was touched.
    #[error("kernel `{kernel}` (grid {grid:?}) on stream #{stream} {} binding {binding} out of bounds: byte offset {offset} from the binding's start, which has {len} bytes (found by IREE_HOST_CHECK=1): check the kernel's index arithmetic against the lengths the launch passes", if *write { "wrote" } else { "read" })]
    KernelOutOfBounds {
        /// The export name.
        kernel: String,
        /// Its workgroup count.
        grid: [u32; 3],
        /// The stream it ran on ([`Stream::id`](crate::Stream::id)).
        stream: u64,
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
