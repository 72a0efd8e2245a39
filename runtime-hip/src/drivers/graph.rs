//! CUDA graphs and HIP graphs: how both GPU drivers back a
//! `CommandBuffer`, as IREE's CUDA driver backs its command buffers.
//!
//! The commands are captured once on a non-blocking stream of their own
//! (`cuStreamBeginCapture` / `hipStreamBeginCapture` in thread-local mode,
//! so other threads' calls are not disturbed), the captured graph is
//! instantiated, and each replay is one `cuGraphLaunch` / `hipGraphLaunch`
//! on the replaying stream. The executable graph is destroyed with the
//! command buffer, which waits for nothing itself: the driver lets
//! launched graphs finish first, and the buffers they use are kept alive
//! by the replay's fence like any other work's.
//!
//! The graph entry points are optional (`symbols`): with a driver that
//! lacks them, [`StreamApi::graphs`] is `Err(NotSupported)`, `capture`
//! returns it before making any driver call, and the command buffer keeps
//! it as its `capture_error` and replays as a list.

use std::ffi::c_void;
use std::os::raw::c_int;
use std::sync::Arc;

use super::common::Status;
use super::gpu::{GpuApi, HandleCall};
use super::stream::{GpuStream, StreamApi};
use crate::backend::{BackendStream, Command, Graph};
use crate::Error;

/// `cuStreamBeginCapture_v2` / `hipStreamBeginCapture`: (stream, mode).
pub(crate) type BeginCapture = unsafe extern "C" fn(*mut c_void, c_int) -> Status;
/// `cuStreamEndCapture` / `hipStreamEndCapture`: (stream, graph out).
pub(crate) type EndCapture = unsafe extern "C" fn(*mut c_void, *mut *mut c_void) -> Status;
/// `cuGraphLaunch` / `hipGraphLaunch`: (executable graph, stream).
pub(crate) type GraphLaunch = unsafe extern "C" fn(*mut c_void, *mut c_void) -> Status;

/// `CU_STREAM_CAPTURE_MODE_THREAD_LOCAL` = `hipStreamCaptureModeThreadLocal`.
const CAPTURE_THREAD_LOCAL: c_int = 1;

/// The graph entry points of a driver (all present or none), with their
/// names for errors; instantiation, whose prototype differs, is
/// [`GpuApi::instantiate`].
#[derive(Clone, Copy)]
pub(crate) struct GraphApi {
    pub(crate) begin: (BeginCapture, &'static str),
    pub(crate) end: (EndCapture, &'static str),
    pub(crate) graph_destroy: HandleCall,
    pub(crate) launch: (GraphLaunch, &'static str),
    pub(crate) exec_destroy: HandleCall,
}

/// What [`StreamApi::graphs`] returns for a library that lacks them:
/// `reason` is the optional table's load error.
pub(crate) fn unsupported(driver: &'static str, reason: &str) -> Error {
    Error::NotSupported {
        feature: if driver == "NVIDIA" {
            "CUDA graphs"
        } else {
            "HIP graphs"
        },
        reason: format!("{reason}; command buffers replay their commands one by one"),
    }
}

/// An executable graph of driver `D`, destroyed on drop.
pub(crate) struct GpuGraph<D: StreamApi> {
    driver: Arc<D>,
    ctx: usize,
    exec: usize,
    exec_destroy: HandleCall,
    commands: usize,
}

// SAFETY: an executable graph is an opaque driver handle that any thread
// may launch or destroy (both drivers' graph calls are thread-safe); the
// rest is an `Arc` of a `Send + Sync` driver and plain data.
unsafe impl<D: StreamApi> Send for GpuGraph<D> {}
// SAFETY: as for `Send`; `&self` only passes the handle to the driver.
unsafe impl<D: StreamApi> Sync for GpuGraph<D> {}

impl<D: StreamApi> Graph for GpuGraph<D> {
    fn gpu_graph(&self) -> (&'static str, usize) {
        (D::DRIVER, self.exec)
    }

    fn commands(&self) -> usize {
        self.commands
    }
}

impl<D: StreamApi> Drop for GpuGraph<D> {
    fn drop(&mut self) {
        let _ = self.driver.enter(self.ctx);
        // SAFETY: instantiated by `capture`, destroyed once; the driver
        // lets launches of it that are queued finish first.
        unsafe { (self.exec_destroy)(self.exec as *mut c_void) };
    }
}

/// Captures `commands` on a new non-blocking stream of the current device
/// (`ctx` its [`StreamApi::enter`] state) and instantiates the graph.
///
/// # Safety
/// As `Backend::capture`; the device is current.
pub(crate) unsafe fn capture<A: GpuApi>(
    api: &Arc<A>,
    ctx: usize,
    commands: &[Command<'_>],
) -> Result<GpuGraph<A>, Error> {
    // Before any driver call: a library without graphs makes none.
    let c = api.graphs()?;
    let raw = api.create_capture_stream()?;
    // Destroys the capture stream on every path.
    let stream = GpuStream::new(api.clone(), ctx, raw);
    // SAFETY: a live stream of the current device.
    api.check(c.begin.1, unsafe {
        (c.begin.0)(raw as *mut c_void, CAPTURE_THREAD_LOCAL)
    })?;
    let mut queued = Ok(());
    for cmd in commands {
        // SAFETY: forwarded from the caller; captured work does not run.
        queued = unsafe {
            match cmd {
                Command::Launch(l) => stream.submit(l),
                Command::Transfer(t) => stream.transfer(t),
            }
        };
        if queued.is_err() {
            break;
        }
    }
    let mut graph: *mut c_void = std::ptr::null_mut();
    // SAFETY: the stream is capturing (begun above); ending it on every
    // path leaves it usable for its destroy.
    let ended = api.check(c.end.1, unsafe {
        (c.end.0)(raw as *mut c_void, &mut graph)
    });
    queued?;
    ended?;
    // SAFETY: a graph the capture just made.
    let exec = unsafe { api.instantiate(graph) };
    // SAFETY: the graph is no longer needed once instantiated (or not).
    unsafe { (c.graph_destroy)(graph) };
    Ok(GpuGraph {
        driver: api.clone(),
        ctx,
        exec: exec?,
        exec_destroy: c.exec_destroy,
        commands: commands.len(),
    })
}

/// `BackendStream::launch_graph` for a stream of driver `D`.
///
/// # Safety
/// As `BackendStream::launch_graph`; `stream` is live and its device
/// current.
pub(crate) unsafe fn launch<D: StreamApi>(
    driver: &D,
    graph: &dyn Graph,
    stream: usize,
) -> Result<(), Error> {
    let (name, exec) = graph.gpu_graph();
    if name != D::DRIVER {
        return Err(Error::StaleCommandBuffer {
            reason: format!("a {name} graph reached a {} stream", D::DRIVER),
        });
    }
    // A graph exists, so the driver has the entry points.
    let (launch, call) = driver.graphs()?.launch;
    // SAFETY: a live executable graph of this driver and a live stream.
    driver.check(call, unsafe {
        launch(exec as *mut c_void, stream as *mut c_void)
    })
}
