//! A stream of either GPU driver: the one `BackendStream` both implement
//! through [`StreamApi`], HIP's and CUDA's stream calls having the same
//! prototypes.

use std::ffi::c_void;
use std::os::raw::c_uint;
use std::sync::Arc;

use super::common::{Library, Status};
use super::KernelParams;
use crate::backend::{BackendStream, DevicePtr, KernelHandle};
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
    /// Makes the stream's device current on this thread before a call,
    /// where the driver needs that; `ctx` is [`GpuStream::ctx`].
    fn enter(&self, ctx: usize) -> Result<(), Error>;
}

/// A driver stream, destroyed on drop.
pub(crate) struct GpuStream<D: StreamApi> {
    pub(crate) driver: Arc<D>,
    /// Driver state [`StreamApi::enter`] needs (NVIDIA: the context).
    pub(crate) ctx: usize,
    pub(crate) stream: usize,
}

impl<D: StreamApi> BackendStream for GpuStream<D> {
    unsafe fn launch(
        &self,
        kernel: KernelHandle,
        grid: [u32; 3],
        block: [u32; 3],
        shared_bytes: u32,
        bindings: &[DevicePtr],
        constants: &[u32],
    ) -> Result<(), Error> {
        let mut params = KernelParams::new();
        let f = prepare_launch(kernel, D::DRIVER, bindings, constants, &mut params)?;
        self.driver.enter(self.ctx)?;
        let (launch_kernel, call) = self.driver.launch_kernel();
        // SAFETY: `f` came from the driver's GetFunction for this stream's
        // device, current now; the parameter array matches the kernel per
        // the caller's contract and lives until the call returns (the
        // driver copies it).
        let rc = unsafe {
            call_launch(
                launch_kernel,
                f,
                grid,
                block,
                shared_bytes,
                self.stream,
                &mut params,
            )
        };
        self.driver.check(call, rc)
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.driver.enter(self.ctx)?;
        let (sync, call) = self.driver.stream_synchronize();
        // SAFETY: the stream is alive until drop.
        self.driver
            .check(call, unsafe { sync(self.stream as *mut c_void) })
    }
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

/// The driver function of `kernel`, with `bindings` and `constants` packed
/// into `params`; `driver` names the driver in the error for a host handle.
fn prepare_launch(
    kernel: KernelHandle,
    driver: &str,
    bindings: &[DevicePtr],
    constants: &[u32],
    params: &mut KernelParams,
) -> Result<*mut c_void, Error> {
    let KernelHandle::Gpu(f) = kernel else {
        return Err(Error::Launch {
            kernel: String::new(),
            reason: format!("a host kernel handle reached the {driver} driver"),
        });
    };
    KernelParams::pack(bindings, constants, params).map_err(|reason| Error::Launch {
        kernel: String::new(),
        reason,
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
    grid: [u32; 3],
    block: [u32; 3],
    shared_bytes: u32,
    stream: usize,
    params: &mut KernelParams,
) -> Status {
    // SAFETY: per the caller's contract; the driver copies the parameter
    // array before returning.
    unsafe {
        launch(
            f,
            grid[0],
            grid[1],
            grid[2],
            block[0],
            block[1],
            block[2],
            shared_bytes,
            stream as *mut c_void,
            params.as_ptr(),
            std::ptr::null_mut(),
        )
    }
}
