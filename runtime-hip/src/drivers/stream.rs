//! A stream of either GPU driver: the one `BackendStream` both implement
//! through [`StreamApi`], HIP's and CUDA's stream calls having the same
//! prototypes.

use std::ffi::c_void;
use std::os::raw::c_uint;
use std::sync::{Arc, Mutex};

use super::common::{Library, Status};
use super::KernelParams;
use crate::backend::{
    next_stream_id, BackendStream, Fence, FenceRef, KernelHandle, LaunchSpec, Transfer, WaitError,
};
use crate::Error;

/// `hipModuleLaunchKernel` / `cuLaunchKernel`.
pub(crate) type LaunchKernel = unsafe extern "C" fn(
    *mut c_void,
    c_uint,
    c_uint,
    c_uint,
    c_uint,
    c_uint,
    c_uint,
    c_uint,
    *mut c_void,
    *mut *mut c_void,
    *mut *mut c_void,
) -> Status;
/// A stream call taking only the stream (`hipStreamSynchronize`, …).
pub(crate) type StreamCall = unsafe extern "C" fn(*mut c_void) -> Status;
/// `hipEventCreateWithFlags` / `cuEventCreate`.
pub(crate) type EventCreate = unsafe extern "C" fn(*mut *mut c_void, c_uint) -> Status;
/// `hipEventRecord` / `cuEventRecord`: (event, stream).
pub(crate) type EventRecord = unsafe extern "C" fn(*mut c_void, *mut c_void) -> Status;
/// `hipStreamWaitEvent` / `cuStreamWaitEvent`: (stream, event, flags).
pub(crate) type StreamWaitEvent = unsafe extern "C" fn(*mut c_void, *mut c_void, c_uint) -> Status;
/// `hipEventElapsedTime` / `cuEventElapsedTime`: (milliseconds, start, end).
pub(crate) type EventElapsed = unsafe extern "C" fn(*mut f32, *mut c_void, *mut c_void) -> Status;

/// `hipEventDisableTiming` / `CU_EVENT_DISABLE_TIMING`: events used only
/// for ordering are cheaper without timestamps.
const EVENT_DISABLE_TIMING: c_uint = 2;

/// The event entry points of a driver, with their names for errors.
#[derive(Clone, Copy)]
pub(crate) struct EventApi {
    pub(crate) create: (EventCreate, &'static str),
    pub(crate) record: (EventRecord, &'static str),
    pub(crate) stream_wait: (StreamWaitEvent, &'static str),
    pub(crate) synchronize: (StreamCall, &'static str),
    pub(crate) query: (StreamCall, &'static str),
    pub(crate) destroy: StreamCall,
    pub(crate) elapsed: (EventElapsed, &'static str),
}

/// What a [`GpuStream`] needs from its driver.
pub(crate) trait StreamApi: Library + Send + Sync + 'static {
    /// The driver's name in errors ("AMD", "NVIDIA").
    const DRIVER: &'static str;
    /// The launch entry point and its name for errors.
    fn launch_kernel(&self) -> (LaunchKernel, &'static str);
    /// The synchronize entry point and its name for errors.
    fn stream_synchronize(&self) -> (StreamCall, &'static str);
    /// The destroy entry point.
    fn stream_destroy(&self) -> StreamCall;
    /// The event entry points.
    fn events(&self) -> EventApi;
    /// Makes the stream's device current on this thread before a call,
    /// where the driver needs that; `ctx` is [`GpuStream::ctx`].
    fn enter(&self, ctx: usize) -> Result<(), Error>;
    /// Queues a copy or fill on `stream` (its device current), with the
    /// driver's asynchronous entry point for it.
    ///
    /// # Safety
    /// As `BackendStream::transfer`; `stream` is a live stream of the
    /// current device.
    unsafe fn transfer(&self, t: &Transfer, stream: *mut c_void) -> Result<(), Error>;
    /// The graph entry points, or `Err(NotSupported)` when the library
    /// lacks them (they are optional, see `symbols`).
    fn graphs(&self) -> Result<super::graph::GraphApi, Error>;
}

/// The last work queued on a stream, which a failure the driver reports
/// later (a sticky error from a synchronize or an event) is blamed on: the
/// drivers do not say which work failed. Every piece of queued work
/// replaces it (a launch, a copy or fill, a graph launch), so a fault
/// after a copy names the copy, never an older kernel.
#[derive(Clone, Copy, Debug)]
enum LastWork {
    Launch { name: &'static str, grid: [u32; 3] },
    Transfer(Transfer),
    Graph { commands: usize },
}

impl LastWork {
    /// The error for a failure `reason` reported after this work, on
    /// stream `stream`: [`Error::KernelFailed`] for a launch,
    /// [`Error::WorkFailed`] for the rest.
    fn error(self, stream: u64, reason: String) -> Error {
        let work = match self {
            LastWork::Launch { name, grid } => {
                return Error::KernelFailed {
                    kernel: name.to_string(),
                    grid,
                    stream,
                    reason,
                }
            }
            LastWork::Transfer(t) => {
                let (what, bytes) = t.what();
                format!("{what} of {bytes} bytes")
            }
            LastWork::Graph { commands } => {
                format!("the graph launch replaying a command buffer of {commands} commands")
            }
        };
        Error::WorkFailed {
            work,
            stream,
            reason,
        }
    }
}

/// A driver stream, destroyed on drop.
pub(crate) struct GpuStream<D: StreamApi> {
    driver: Arc<D>,
    /// Driver state [`StreamApi::enter`] needs (NVIDIA: the context).
    ctx: usize,
    stream: usize,
    id: u64,
    last: Mutex<Option<LastWork>>,
}

impl<D: StreamApi> GpuStream<D> {
    /// Wraps a stream the driver created.
    pub(crate) fn new(driver: Arc<D>, ctx: usize, stream: usize) -> GpuStream<D> {
        GpuStream {
            driver,
            ctx,
            stream,
            id: next_stream_id(),
            last: Mutex::new(None),
        }
    }

    fn last(&self) -> Option<LastWork> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `work` as the last queued on this stream.
    fn queued(&self, work: LastWork) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(work);
    }

    /// A driver error of queued work, naming the last work queued before
    /// it ([`LastWork`]; the driver does not say which one).
    fn failed(&self, e: Error, last: Option<LastWork>) -> Error {
        let Some(l) = last else { return e };
        l.error(
            self.id,
            format!("{e} (reported for the work queued up to this one)"),
        )
    }
}

/// A driver event recorded on a stream: a [`Fence`].
struct GpuEvent<D: StreamApi> {
    driver: Arc<D>,
    ctx: usize,
    event: usize,
    stream: u64,
    last: Option<LastWork>,
}

// SAFETY: an event handle is an opaque driver object that the driver lets
// any thread use (HIP and CUDA events are thread-safe); the rest is plain
// data and an `Arc` of a `Send + Sync` driver.
unsafe impl<D: StreamApi> Send for GpuEvent<D> {}
// SAFETY: as for `Send`; every method only passes the handle to the driver.
unsafe impl<D: StreamApi> Sync for GpuEvent<D> {}

impl<D: StreamApi> Fence for GpuEvent<D> {
    fn stream(&self) -> u64 {
        self.stream
    }

    /// Every error is [`WaitError::Unknown`]: after a failure the drivers
    /// do not promise that the work has stopped using its memory.
    fn wait(&self) -> Result<(), WaitError> {
        self.driver.enter(self.ctx).map_err(WaitError::Unknown)?;
        let (sync, call) = self.driver.events().synchronize;
        // SAFETY: the event is alive until drop; the context is current.
        let rc = unsafe { sync(self.event as *mut c_void) };
        self.driver.check(call, rc).map_err(|e| {
            WaitError::Unknown(match self.last {
                Some(l) => l.error(self.stream, e.to_string()),
                None => e,
            })
        })
    }

    fn gpu_event(&self) -> Option<(&'static str, usize)> {
        Some((D::DRIVER, self.event))
    }

    fn elapsed_since(&self, start: &dyn Fence) -> Result<std::time::Duration, Error> {
        let Some(begin) = event_of::<D>(start) else {
            return Err(Error::ForeignEvent {
                reason: format!(
                    "timing a {} event against one of another platform",
                    D::DRIVER
                ),
            });
        };
        self.driver.enter(self.ctx)?;
        let (elapsed, call) = self.driver.events().elapsed;
        let mut ms: f32 = 0.0;
        // SAFETY: both events are alive (their fences are borrowed) and
        // done (the caller waited for them); `ms` is a valid out-pointer.
        let rc = unsafe { elapsed(&mut ms, begin as *mut c_void, self.event as *mut c_void) };
        self.driver.check(call, rc)?;
        Ok(std::time::Duration::from_secs_f64(
            f64::from(ms.max(0.0)) / 1e3,
        ))
    }

    fn is_done(&self) -> bool {
        if self.driver.enter(self.ctx).is_err() {
            return false;
        }
        let (query, _) = self.driver.events().query;
        // SAFETY: as in `wait`; a query never blocks.
        let rc = unsafe { query(self.event as *mut c_void) };
        // Only success says the work is over: after an error the driver
        // may not know, so the event counts as pending (a free then waits
        // for it, and leaks the memory if that wait fails too).
        rc == super::common::SUCCESS
    }
}

impl<D: StreamApi> Drop for GpuEvent<D> {
    fn drop(&mut self) {
        let _ = self.driver.enter(self.ctx);
        // SAFETY: created by EventCreate, destroyed once; the driver defers
        // the release until recorded work completes.
        unsafe { (self.driver.events().destroy)(self.event as *mut c_void) };
    }
}

impl<D: StreamApi> BackendStream for GpuStream<D> {
    fn id(&self) -> u64 {
        self.id
    }

    unsafe fn submit(&self, l: &LaunchSpec<'_>) -> Result<(), Error> {
        let mut params = KernelParams::new();
        let f = prepare_launch(l, D::DRIVER, &mut params)?;
        self.driver.enter(self.ctx)?;
        let (launch_kernel, call) = self.driver.launch_kernel();
        // SAFETY: `f` came from the driver's GetFunction for this stream's
        // device, current now; the parameter array matches the kernel per
        // the caller's contract and lives until the call returns (the
        // driver copies it).
        let rc = unsafe { call_launch(launch_kernel, f, l, self.stream, &mut params) };
        // An error here may be this launch's or earlier work's (the
        // drivers return sticky errors from any call): reported as is.
        self.driver.check(call, rc)?;
        self.queued(LastWork::Launch {
            name: l.name,
            grid: l.grid,
        });
        Ok(())
    }

    fn fence(&self) -> Result<FenceRef, Error> {
        self.record_event(EVENT_DISABLE_TIMING)
    }

    fn timed_fence(&self) -> Result<FenceRef, Error> {
        self.record_event(0)
    }

    unsafe fn launch_graph(&self, graph: &dyn crate::backend::Graph) -> Result<(), Error> {
        self.driver.enter(self.ctx)?;
        // SAFETY: forwarded from the caller; this stream is alive and its
        // device current.
        unsafe { super::graph::launch(&*self.driver, graph, self.stream) }?;
        self.queued(LastWork::Graph {
            commands: graph.commands(),
        });
        Ok(())
    }

    unsafe fn transfer(&self, t: &Transfer) -> Result<(), Error> {
        self.driver.enter(self.ctx)?;
        // SAFETY: forwarded from the caller; this stream is alive and its
        // device current.
        unsafe { self.driver.transfer(t, self.stream as *mut c_void) }?;
        self.queued(LastWork::Transfer(*t));
        Ok(())
    }

    fn wait_fence(&self, fence: &FenceRef) -> Result<(), Error> {
        // Fences of a device are events of its own driver; any other kind
        // (none exists) is waited for on the host.
        let any: &dyn Fence = &**fence;
        let Some(event) = event_of::<D>(any) else {
            return fence.wait().map_err(WaitError::into_error);
        };
        self.driver.enter(self.ctx)?;
        let (wait, call) = self.driver.events().stream_wait;
        // SAFETY: a live event (the `FenceRef` keeps it) recorded on a
        // stream of this device, and this live stream.
        let rc = unsafe { wait(self.stream as *mut c_void, event as *mut c_void, 0) };
        self.driver.check(call, rc)
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.driver.enter(self.ctx)?;
        let (sync, call) = self.driver.stream_synchronize();
        let last = self.last();
        // SAFETY: the stream handle is alive until this value drops, and its
        // context was made current above.
        self.driver
            .check(call, unsafe { sync(self.stream as *mut c_void) })
            .map_err(|e| self.failed(e, last))
    }
}

impl<D: StreamApi> GpuStream<D> {
    /// A new event with `flags` recorded on this stream: a [`Fence`] for
    /// everything queued so far.
    fn record_event(&self, flags: c_uint) -> Result<FenceRef, Error> {
        self.driver.enter(self.ctx)?;
        let api = self.driver.events();
        let mut event: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; the context is current.
        let rc = unsafe { (api.create.0)(&mut event, flags) };
        self.driver.check(api.create.1, rc)?;
        let fence = GpuEvent {
            driver: self.driver.clone(),
            ctx: self.ctx,
            event: event as usize,
            stream: self.id,
            last: self.last(),
        };
        // SAFETY: a fresh event and this live stream of the same context.
        let rc = unsafe { (api.record.0)(event, self.stream as *mut c_void) };
        self.driver.check(api.record.1, rc)?;
        Ok(Arc::new(fence))
    }
}

/// The driver event behind `fence`, when it is one of driver `D`.
fn event_of<D: StreamApi>(fence: &dyn Fence) -> Option<usize> {
    fence
        .gpu_event()
        .filter(|(driver, _)| *driver == D::DRIVER)
        .map(|(_, event)| event)
}

impl<D: StreamApi> Drop for GpuStream<D> {
    fn drop(&mut self) {
        // SAFETY: created by the driver's StreamCreate, destroyed once; the
        // driver lets queued work finish before releasing it.
        unsafe {
            let _ = self.driver.enter(self.ctx);
            (self.driver.stream_destroy())(self.stream as *mut c_void);
        }
    }
}

/// The driver function of the launch's kernel, with its bindings and
/// constants packed into `params`; `driver` names the driver in the error
/// for a host handle.
fn prepare_launch(
    l: &LaunchSpec<'_>,
    driver: &str,
    params: &mut KernelParams,
) -> Result<*mut c_void, Error> {
    let KernelHandle::Gpu(f) = l.kernel else {
        return Err(Error::NoSuchKernel {
            kernel: l.name.to_string(),
            reason: format!("a host kernel handle reached the {driver} driver"),
        });
    };
    KernelParams::pack(l.params, l.bindings, l.constants, params).map_err(|reason| {
        Error::KernelUnfit {
            kernel: l.name.to_string(),
            device: driver.to_string(),
            reason,
        }
    })?;
    Ok(f as *mut c_void)
}

/// Queues `f` on `stream` with the packed `params`.
///
/// # Safety
/// `launch` is the driver's entry point, `f` a function and `stream` a live
/// stream of the current device, and `params` matches the kernel.
unsafe fn call_launch(
    launch: LaunchKernel,
    f: *mut c_void,
    l: &LaunchSpec<'_>,
    stream: usize,
    params: &mut KernelParams,
) -> Status {
    let ([gx, gy, gz], [bx, by, bz]) = (l.grid, l.block);
    // SAFETY: per the caller's contract; the driver copies the parameter
    // array before returning.
    unsafe {
        launch(
            f,
            gx,
            gy,
            gz,
            bx,
            by,
            bz,
            l.shared_bytes,
            stream as *mut c_void,
            params.as_ptr(),
            std::ptr::null_mut(),
        )
    }
}
