//! The seam between the device-independent runtime and each platform.
//!
//! `Device`, `DeviceBuffer`, `Stream` and the launch path in `dispatch` are
//! written once against these traits; `drivers::amd`, `drivers::nvidia` and
//! `host` each implement them. Keeping the platforms behind one trait is what
//! lets the safety argument (in `memory`, with the fences of `hazards`) be
//! made once.

use std::sync::Arc;

use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::host::HostEntry;
use crate::Error;

/// A device address. On GPUs an address in the driver's unified space; on
/// the host platform a plain pointer into host memory. Never 0 for a live
/// allocation.
pub(crate) type DevicePtr = u64;

/// A kernel ready to launch on one device.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KernelHandle {
    /// `hipFunction_t` / `CUfunction`, as the driver returned it.
    Gpu(usize),
    /// Host entry points linked into this program.
    #[allow(dead_code)] // constructed by the host platform (src/host)
    Host(HostEntry),
}

/// One opened device of one platform.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Name, target id and limits, queried once when the device was opened.
    fn info(&self) -> &DeviceInfo;
    /// Allocates `bytes` (> 0) of device memory, zero-filled.
    fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error>;
    /// Frees memory from `alloc_zeroed`.
    ///
    /// # Safety
    /// `ptr` came from this backend's `alloc_zeroed`, is freed once, and no
    /// queued or running work still uses it (the memory module waits for
    /// the fence of every launch that bound it first).
    unsafe fn free(&self, ptr: DevicePtr);
    /// Copies host bytes to device memory, synchronously.
    ///
    /// # Safety
    /// `[dst, dst + src.len())` lies in a live allocation of this device that
    /// no queued work uses (its fences were waited for).
    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error>;
    /// Copies device memory to host bytes, synchronously.
    ///
    /// # Safety
    /// `[src, src + dst.len())` lies in a live allocation of this device that
    /// no queued work writes (its writer's fence was waited for).
    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error>;
    /// Waits until all work queued on every stream of this device is done.
    /// Launch failures are left to their streams (`BackendStream::
    /// synchronize` reports them); an `Err` here is the device's own.
    fn synchronize(&self) -> Result<(), Error>;
    /// Creates a stream (a queue of launches executed in order).
    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error>;
    /// Loads one variant and resolves the named functions, in order.
    /// `host` carries the linked-in entry points on the host platform (one
    /// per function; `dispatch` loads host variants one export at a time)
    /// and is ignored by GPU backends, which are given every export of the
    /// executable at once. The returned handles must stay valid for as long
    /// as the backend lives (GPU backends unload their modules on drop).
    /// `dispatch` caches the result, so this runs once per (device,
    /// executable) on GPUs and once per (device, export) on the host.
    fn load(
        &self,
        variant: &VariantView<'_>,
        functions: &[&str],
        host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error>;
    /// The static shared memory (`__shared__` variables) of a function
    /// `load` returned, in bytes, which a launch's dynamic shared memory
    /// shares the per-workgroup limit with. GPU drivers report it for the
    /// loaded function (`hipFuncGetAttribute` / `cuFuncGetAttribute` with
    /// `SHARED_SIZE_BYTES`); the host's `__shared__` variables are per
    /// worker thread, outside its dynamic shared memory limit, so 0.
    fn static_shared_bytes(&self, kernel: KernelHandle) -> Result<u32, Error> {
        let _ = kernel;
        Ok(0)
    }
    /// Checks that `[ptr, ptr + bytes)` is inside memory this device
    /// allocated and that is still alive; `Err(Error::ForeignBuffer)`
    /// otherwise. The host platform must implement this (its kernels
    /// dereference bindings on the CPU). The GPU backends implement it too,
    /// with a registry of their allocations, so that a buffer of another
    /// device is an error instead of a device fault; `Stream::read`/`write`
    /// rely on it to refuse slices of other devices.
    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error>;
    /// Captures `commands` into a driver graph that replays them with one
    /// call ([`BackendStream::launch_graph`]): CUDA graphs and HIP graphs,
    /// captured on a stream of their own. `Ok(None)` where the platform
    /// replays a list instead (the host).
    ///
    /// # Safety
    /// Every command meets [`BackendStream::submit`]'s or
    /// [`BackendStream::transfer`]'s contract at every launch of the graph
    /// (the command buffer checks its buffers before each replay).
    unsafe fn capture(&self, commands: &[Command<'_>]) -> Result<Option<Box<dyn Graph>>, Error> {
        let _ = commands;
        Ok(None)
    }
    /// Allocates `bytes` (> 0) of host memory that this device's streams
    /// can copy from and into asynchronously: page-locked on the GPU
    /// drivers (`hipHostMalloc` / `cuMemHostAlloc`, portable to every
    /// device of the driver), plain aligned memory on the host platform.
    /// Not zeroed. Returns the address.
    fn alloc_host(&self, bytes: usize) -> Result<usize, Error> {
        plain_host_alloc(bytes, &self.info().name)
    }
    /// Frees memory from [`Backend::alloc_host`].
    ///
    /// # Safety
    /// `ptr` came from this backend's `alloc_host(bytes)`, is freed once,
    /// and no queued copy still uses it (`HostBuffer` waits for its fences).
    unsafe fn free_host(&self, ptr: usize, bytes: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { plain_host_free(ptr, bytes) }
    }
    /// This device as one side of a peer copy: its driver, device and
    /// context as that driver names them. `None` where it cannot be one.
    fn as_peer(&self) -> Option<Peer> {
        None
    }
    /// Whether this device's streams can copy directly from the memory of
    /// device `src` ([`Transfer::Peer`]), enabling peer access the first
    /// time it is asked for a device (`hipDeviceEnablePeerAccess` /
    /// `cuCtxEnablePeerAccess`). `Ok(false)`: copies between the two are
    /// staged through the host (other drivers, no peer path, a driver
    /// without the entry points).
    fn peer_access(&self, src: Peer) -> Result<bool, Error> {
        let _ = src;
        Ok(false)
    }
    /// Checks every binding of one launch; `Err` carries the index of the
    /// first bad one. Zero-byte ranges always pass (their address is not
    /// used). Backends override this to take their allocation lock once per
    /// launch instead of once per binding: it is on the launch fast path.
    fn check_bindings(&self, bindings: &[(DevicePtr, usize)]) -> Result<(), (usize, Error)> {
        for (i, &(ptr, bytes)) in bindings.iter().enumerate() {
            if bytes != 0 {
                self.check_binding(ptr, bytes).map_err(|e| (i, e))?;
            }
        }
        Ok(())
    }
}

/// Alignment of plain host memory for [`Backend::alloc_host`] (a cache
/// line, as the host platform's device memory).
const HOST_ALIGN: usize = 64;

/// [`Backend::alloc_host`] with the global allocator.
pub(crate) fn plain_host_alloc(bytes: usize, device: &str) -> Result<usize, Error> {
    let oom = |reason: &str| Error::OutOfMemory {
        bytes,
        device: device.to_string(),
        reason: reason.to_string(),
    };
    let layout = std::alloc::Layout::from_size_align(bytes.max(1), HOST_ALIGN)
        .map_err(|_| oom("larger than the address space"))?;
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc(layout) };
    if p.is_null() {
        return Err(oom("the allocator returned null"));
    }
    Ok(p as usize)
}

/// Frees memory from [`plain_host_alloc`].
///
/// # Safety
/// `ptr` came from `plain_host_alloc(bytes)` and is freed once.
pub(crate) unsafe fn plain_host_free(ptr: usize, bytes: usize) {
    let layout = std::alloc::Layout::from_size_align(bytes.max(1), HOST_ALIGN)
        .expect("the layout was valid when allocated");
    // SAFETY: per the caller's contract, allocated with this layout.
    unsafe { std::alloc::dealloc(ptr as *mut u8, layout) }
}

/// A device as its driver names it for peer copies ([`Backend::as_peer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Peer {
    /// The driver (`StreamApi::DRIVER`, or "host").
    pub(crate) driver: &'static str,
    /// The driver's device number (`hipDevice_t` / `CUdevice`; the
    /// ordinal on the host).
    pub(crate) device: i32,
    /// The device's context (NVIDIA's primary context; 0 elsewhere).
    pub(crate) ctx: usize,
}

/// One stream-ordered copy or fill, as a stream receives it. Host
/// addresses are plain addresses (`usize`) of `HostBuffer` memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transfer {
    /// `bytes` from host memory at `src` to device memory at `dst`.
    ToDevice {
        dst: DevicePtr,
        src: usize,
        bytes: usize,
    },
    /// `bytes` from device memory at `src` to host memory at `dst`.
    ToHost {
        dst: usize,
        src: DevicePtr,
        bytes: usize,
    },
    /// `bytes` between two ranges of this device's memory.
    OnDevice {
        dst: DevicePtr,
        src: DevicePtr,
        bytes: usize,
    },
    /// `words` 32-bit copies of `value` at `dst`.
    Fill32 {
        dst: DevicePtr,
        value: u32,
        words: usize,
    },
    /// `bytes` from memory of another device of the same driver, `src`
    /// on `src_device`, to this device's `dst` (`dst_device`, the
    /// stream's), queued only after [`Backend::peer_access`] said yes.
    Peer {
        dst: DevicePtr,
        src: DevicePtr,
        bytes: usize,
        dst_device: Peer,
        src_device: Peer,
    },
}

impl Transfer {
    /// What it is called in errors, and how many bytes it moves.
    pub(crate) fn what(&self) -> (&'static str, usize) {
        match *self {
            Transfer::ToDevice { bytes, .. } => ("an upload", bytes),
            Transfer::ToHost { bytes, .. } => ("a download", bytes),
            Transfer::OnDevice { bytes, .. } => ("a device copy", bytes),
            Transfer::Fill32 { words, .. } => ("a fill", words * 4),
            Transfer::Peer { bytes, .. } => ("a peer copy", bytes),
        }
    }
}

/// One recorded command, as [`Backend::capture`] receives it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Command<'a> {
    Launch(LaunchSpec<'a>),
    Transfer(Transfer),
}

/// A driver graph made by [`Backend::capture`], destroyed on drop.
pub(crate) trait Graph: Send + Sync {
    /// The driver's name and its executable graph handle.
    fn gpu_graph(&self) -> (&'static str, usize);
    /// How many commands it replays (errors name a graph launch by it).
    fn commands(&self) -> usize;
}

/// One launch as a stream receives it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LaunchSpec<'a> {
    /// The function to run.
    pub(crate) kernel: KernelHandle,
    /// The export name, for errors reported later.
    pub(crate) name: &'static str,
    /// Workgroup count.
    pub(crate) grid: [u32; 3],
    /// Workgroup size.
    pub(crate) block: [u32; 3],
    /// Bytes of dynamic shared memory per workgroup.
    pub(crate) shared_bytes: u32,
    /// Binding addresses, in the kernel's parameter order.
    pub(crate) bindings: &'a [DevicePtr],
    /// 32-bit push constants (IREE's layout: after the bindings).
    pub(crate) constants: &'a [u32],
    /// The kernel's parameters in its own order: which binding or which
    /// constant words each is (empty: IREE's order, every binding, then
    /// every constant as a 4-byte value). Checked against the counts when
    /// the export was resolved.
    pub(crate) params: &'a [crate::dispatch::ParamSlot],
}

#[cfg(test)]
impl LaunchSpec<'_> {
    /// A launch of `kernel` for tests, which name only the fields they need
    /// (`LaunchSpec { grid, ..LaunchSpec::test(kernel) }`): one workgroup of
    /// one invocation, no shared memory, bindings or constants.
    pub(crate) fn test(kernel: KernelHandle) -> Self {
        LaunchSpec {
            kernel,
            name: "(test kernel)",
            grid: [1, 1, 1],
            block: [1, 1, 1],
            shared_bytes: 0,
            bindings: &[],
            constants: &[],
            params: &[],
        }
    }
}

/// The completion of work queued on one stream: what a buffer remembers
/// about the launches that use it (an event on the GPU drivers, a
/// completion flag on the host).
pub(crate) trait Fence: Send + Sync {
    /// The stream the work was queued on ([`BackendStream::id`]).
    fn stream(&self) -> u64;
    /// Blocks until the work is done, failed or not; `Err` says how it
    /// went wrong.
    fn wait(&self) -> Result<(), WaitError>;
    /// Whether the work is done (failed or not), without blocking.
    fn is_done(&self) -> bool;
    /// The driver's event behind this fence (the driver's name and the
    /// handle), so that a stream of the same driver can wait for it on the
    /// device instead of on the host.
    fn gpu_event(&self) -> Option<(&'static str, usize)> {
        None
    }
    /// When the host platform's work behind this fence completed (the
    /// host's event timestamp); `None` while pending and on GPUs.
    fn host_time(&self) -> Option<std::time::Instant> {
        None
    }
    /// Time from `start`'s work to this fence's, both done and recorded
    /// with timing ([`BackendStream::timed_fence`]) on streams of one device.
    fn elapsed_since(&self, start: &dyn Fence) -> Result<std::time::Duration, Error> {
        match (start.host_time(), self.host_time()) {
            (Some(a), Some(b)) => Ok(b.saturating_duration_since(a)),
            _ => Err(Error::ForeignEvent {
                reason: "these events cannot be timed against each other (not both recorded \
                         with timing on one device)"
                    .into(),
            }),
        }
    }
}

/// Why [`Fence::wait`] did not return `Ok`.
#[derive(Debug)]
pub(crate) enum WaitError {
    /// The work failed, and is over: its memory may be reused.
    Failed(Error),
    /// The driver could not say whether the work is over (a GPU error,
    /// or a wait refused from inside the work itself): it may still run.
    Unknown(Error),
}

impl WaitError {
    /// The error to report.
    pub(crate) fn into_error(self) -> Error {
        match self {
            WaitError::Failed(e) | WaitError::Unknown(e) => e,
        }
    }
}

/// A shared [`Fence`].
pub(crate) type FenceRef = Arc<dyn Fence>;

/// A process-unique stream number, starting at 1.
pub(crate) fn next_stream_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A queue of launches on one device.
pub(crate) trait BackendStream: Send + Sync {
    /// This stream's process-unique number (errors name streams by it).
    fn id(&self) -> u64;

    /// Queues one launch. Returns once the launch is queued; the backend
    /// copies the bindings and constants, so they need not outlive the
    /// call. Waits while the stream's queue is full (back-pressure). A
    /// failure of earlier work on this stream not yet reported is returned
    /// instead, and the launch is not queued.
    ///
    /// # Safety
    /// The kernel's parameters are exactly what `launch.params` describes
    /// (the bindings as pointers and the values at their sizes, in its
    /// order; `Kernel::launch`'s contract); every binding is a live
    /// allocation of this device that stays alive until the launch
    /// completes (the memory module guarantees this: a buffer's drop waits
    /// for the fences of every launch that used it).
    unsafe fn submit(&self, launch: &LaunchSpec<'_>) -> Result<(), Error>;

    /// A fence for everything queued on this stream so far.
    fn fence(&self) -> Result<FenceRef, Error>;

    /// Makes work queued on this stream from now on wait until `fence`
    /// (of another stream of the same device) is done.
    fn wait_fence(&self, fence: &FenceRef) -> Result<(), Error>;

    /// A fence for everything queued so far that can also be timed
    /// ([`Fence::elapsed_since`]): a driver event created with timing on
    /// the GPUs (the hazard fences are created without, which is cheaper).
    fn timed_fence(&self) -> Result<FenceRef, Error> {
        self.fence()
    }

    /// Queues one copy or fill.
    ///
    /// # Safety
    /// Every device range lies in a live allocation of this device and
    /// every host range in live host memory, each staying alive and
    /// untouched by the host (and, where written, by other work) until the
    /// transfer completes: `Stream`'s transfers record this stream's fence
    /// on the `DeviceBuffer`s and the `HostBuffer` involved, whose drops
    /// and accesses wait for it.
    unsafe fn transfer(&self, t: &Transfer) -> Result<(), Error> {
        let _ = t;
        Err(Error::StreamUnavailable {
            reason: "this stream cannot queue copies".into(),
        })
    }

    /// Queues one launch of a graph of this stream's device.
    ///
    /// # Safety
    /// As [`Backend::capture`], for this launch.
    unsafe fn launch_graph(&self, graph: &dyn Graph) -> Result<(), Error> {
        let _ = graph;
        Err(Error::StreamUnavailable {
            reason: "this stream cannot launch graphs".into(),
        })
    }

    /// Waits until everything queued so far has finished, then reports
    /// (and forgets) the first failure of this stream's work not yet
    /// reported.
    fn synchronize(&self) -> Result<(), Error>;
}
