//! The one `Backend` of both GPU drivers, written against [`GpuApi`].
//!
//! An AMD and an NVIDIA device do the same things in the same order (make
//! the device current, call the driver, check the status); only the entry
//! points, their names in errors and how a device is made current differ.
//! Those are what `amd` and `nvidia` supply through [`GpuApi`], together
//! with opening a device (limits, the target id, contexts).

use std::ffi::c_void;
use std::sync::Arc;

use super::common::{
    self, FuncGetAttribute, ModuleGetFunction, ModuleLoadDataEx, Modules, Status,
    FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
};
use super::stream::{GpuStream, StreamApi};
use super::Allocations;
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle, Peer};
use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::host::HostEntry;
use crate::Error;

/// A driver entry point taking no arguments (`hipDeviceSynchronize`, …).
pub(crate) type NoArgs = unsafe extern "C" fn() -> Status;
/// A driver entry point taking one handle (`hipModuleUnload`, …).
pub(crate) type HandleCall = unsafe extern "C" fn(*mut c_void) -> Status;

/// What a [`GpuDevice`] needs from its driver beyond [`StreamApi`]: the
/// calls HIP and CUDA spell differently, each with the name its errors
/// report.
pub(crate) trait GpuApi: StreamApi {
    /// What an open device keeps of the driver (AMD: the ordinal; NVIDIA:
    /// the device and its retained primary context).
    type Context: Send + Sync + 'static;
    /// How errors name the platform's devices (`amd` in `amd:0 (name)`).
    const LABEL: &'static str;
    /// What a module is called in "the {target} {noun} has no such kernel".
    const MODULE_NOUN: &'static str;

    /// Makes the device current on this thread (per-thread state in both
    /// drivers, and a device may be used from any thread).
    fn make_current(&self, ctx: &Self::Context) -> Result<(), Error>;
    /// Makes the device current before it is closed; whether to go on
    /// waiting for it and unloading its modules.
    fn current_for_close(&self, ctx: &Self::Context) -> bool;
    /// What the device's streams pass to [`StreamApi::enter`].
    fn stream_context(ctx: &Self::Context) -> usize;
    /// The device number and context a peer copy names the device by
    /// ([`Peer::device`], [`Peer::ctx`]).
    fn peer_ids(ctx: &Self::Context) -> (std::ffi::c_int, usize);
    /// Whether this device (current) can access `src`'s memory, enabling
    /// the access if so; `Ok(false)` also when the library has no peer
    /// entry points.
    fn enable_peer(&self, ctx: &Self::Context, src: Peer) -> Result<bool, Error>;
    /// Releases what `open` acquired for the device, after its modules are
    /// unloaded.
    ///
    /// # Safety
    /// Called once per device, when it is dropped: `ctx` is not used again.
    unsafe fn release(&self, ctx: &Self::Context);

    /// Allocates `bytes` of device memory (not yet zeroed); the device is
    /// current.
    fn malloc(&self, bytes: usize) -> Result<DevicePtr, Error>;
    /// Queues zeroing `bytes` at `p`.
    ///
    /// # Safety
    /// `p` is a live allocation of at least `bytes` of the current device.
    unsafe fn memset_zero(&self, p: DevicePtr, bytes: usize) -> Result<(), Error>;
    /// Frees `p`; a failure cannot be reported (callers are destructors or
    /// error paths), so the memory then leaks.
    ///
    /// # Safety
    /// `p` came from [`GpuApi::malloc`], is freed once and no work uses it.
    unsafe fn free(&self, p: DevicePtr);
    /// `Backend::copy_h2d`, with the device current.
    ///
    /// # Safety
    /// As `Backend::copy_h2d`.
    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error>;
    /// `Backend::copy_d2h`, with the device current.
    ///
    /// # Safety
    /// As `Backend::copy_d2h`.
    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error>;
    /// `Backend::alloc_host` (page-locked, portable), with the device
    /// current.
    fn host_alloc(&self, bytes: usize) -> Result<usize, Error>;
    /// Frees memory from [`GpuApi::host_alloc`].
    ///
    /// # Safety
    /// As `Backend::free_host`.
    unsafe fn host_free(&self, p: usize);
    /// The wait-for-the-current-device entry point and its name.
    fn synchronize_entry(&self) -> (NoArgs, &'static str);
    /// Creates a stream of the current device.
    fn create_stream(&self) -> Result<usize, Error>;
    /// Creates a non-blocking stream of the current device, to capture a
    /// graph on (not ordered with the legacy stream the synchronous copies
    /// use, which would invalidate the capture).
    fn create_capture_stream(&self) -> Result<usize, Error>;
    /// Instantiates a captured graph; the executable graph's handle.
    ///
    /// # Safety
    /// `graph` is a live graph of the current device.
    unsafe fn instantiate(&self, graph: *mut c_void) -> Result<usize, Error>;
    /// The image of `variant` to load (an aligned copy the driver may parse
    /// in place), or `Err` when this driver cannot load its format.
    fn image(&self, variant: &VariantView<'_>, functions: &[&str]) -> Result<Vec<u64>, Error>;
    /// The module load entry point and its name.
    fn module_load_entry(&self) -> (ModuleLoadDataEx, &'static str);
    /// The function lookup entry point and its name.
    fn module_get_function_entry(&self) -> (ModuleGetFunction, &'static str);
    /// The module unload entry point.
    fn module_unload_entry(&self) -> HandleCall;
    /// The function attribute query and its name.
    fn func_get_attribute_entry(&self) -> (FuncGetAttribute, &'static str);
}

/// An open GPU device of driver `A`.
pub(crate) struct GpuDevice<A: GpuApi> {
    api: Arc<A>,
    ctx: A::Context,
    info: DeviceInfo,
    allocs: Allocations,
    modules: Modules,
    /// [`Backend::peer_access`]'s answers so far, per source device: the
    /// driver is asked (and access enabled) once per pair.
    peers: std::sync::Mutex<Vec<(Peer, bool)>>,
}

impl<A: GpuApi> GpuDevice<A> {
    /// A device `open` found, with `ctx` released when it is dropped.
    pub(crate) fn new(api: Arc<A>, ctx: A::Context, info: DeviceInfo) -> GpuDevice<A> {
        GpuDevice {
            api,
            ctx,
            info,
            allocs: Allocations::default(),
            modules: Modules::default(),
            peers: Default::default(),
        }
    }

    /// How binding errors name this device.
    fn label(&self) -> String {
        format!("{}:{} ({})", A::LABEL, self.info.ordinal, self.info.name)
    }

    fn current(&self) -> Result<(), Error> {
        self.api.make_current(&self.ctx)
    }

    /// Waits for all work of the current device.
    fn wait_idle(&self) -> Result<(), Error> {
        let (sync, call) = self.api.synchronize_entry();
        // SAFETY: the entry point takes no arguments and only waits for the
        // current device, which callers made current.
        self.api.check(call, unsafe { sync() })
    }
}

impl<A: GpuApi> Backend for GpuDevice<A> {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error> {
        self.current()?;
        common::alloc_zeroed(
            &self.allocs,
            bytes,
            &self.label(),
            || self.api.malloc(bytes),
            // SAFETY: `p` is a fresh allocation of `bytes`; the memset is
            // waited for so the buffer is zero before any stream can use it.
            |p| unsafe { self.api.memset_zero(p, bytes) }.and_then(|()| self.wait_idle()),
            // SAFETY: `p` came from `malloc` just now, is freed once here,
            // and no work was ever queued on it.
            |p| unsafe { self.api.free(p) },
        )
    }

    unsafe fn free(&self, ptr: DevicePtr) {
        self.allocs.remove(ptr);
        let _ = self.current();
        // SAFETY: per the trait contract, `ptr` is ours, live and unused.
        // A failure cannot be reported from a destructor; it leaks.
        unsafe { self.api.free(ptr) };
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        self.current()?;
        // SAFETY: forwarded from the caller; the device is current.
        unsafe { self.api.copy_h2d(dst, src) }
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        self.current()?;
        // SAFETY: forwarded from the caller; the device is current.
        unsafe { self.api.copy_d2h(dst, src) }
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.current()?;
        self.wait_idle()
    }

    unsafe fn capture(
        &self,
        commands: &[crate::backend::Command<'_>],
    ) -> Result<Option<Box<dyn crate::backend::Graph>>, Error> {
        self.current()?;
        // SAFETY: forwarded from the caller; the device is current.
        let g =
            unsafe { super::graph::capture(&self.api, A::stream_context(&self.ctx), commands) }?;
        Ok(Some(Box::new(g)))
    }

    fn alloc_host(&self, bytes: usize) -> Result<usize, Error> {
        self.current()?;
        self.api.host_alloc(bytes).map_err(|e| Error::OutOfMemory {
            bytes,
            device: self.label(),
            reason: format!("page-locked host memory: {e}"),
        })
    }

    unsafe fn free_host(&self, ptr: usize, _bytes: usize) {
        let _ = self.current();
        // SAFETY: forwarded from the caller.
        unsafe { self.api.host_free(ptr) };
    }

    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error> {
        self.current()?;
        let s = self.api.create_stream()?;
        Ok(Arc::new(GpuStream::new(
            self.api.clone(),
            A::stream_context(&self.ctx),
            s,
        )))
    }

    fn load(
        &self,
        variant: &VariantView<'_>,
        functions: &[&str],
        _host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error> {
        let image = self.api.image(variant, functions)?;
        self.current()?;
        let api = common::ModuleApi {
            load_data_ex: self.api.module_load_entry(),
            get_function: self.api.module_get_function_entry(),
            check: &|call, rc| self.api.check(call, rc),
            noun: A::MODULE_NOUN,
        };
        // SAFETY: the library's entry points; the device is current.
        unsafe { common::load_module(&api, &self.modules, &image, variant, functions) }
    }

    fn static_shared_bytes(&self, kernel: KernelHandle) -> Result<u32, Error> {
        let KernelHandle::Gpu(func) = kernel else {
            return Ok(0);
        };
        self.current()?;
        let (get, call) = self.api.func_get_attribute_entry();
        let mut bytes: std::ffi::c_int = 0;
        // SAFETY: `func` is a function this device's `load` resolved, whose
        // module stays loaded while the device lives; `bytes` is a valid
        // out-pointer; the device is current.
        let rc = unsafe {
            get(
                &mut bytes,
                FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                func as *mut c_void,
            )
        };
        self.api.check(call, rc)?;
        // A negative size would be a driver bug: count it as the whole limit.
        Ok(u32::try_from(bytes).unwrap_or(u32::MAX))
    }

    fn check_bindings(&self, bindings: &[(DevicePtr, usize)]) -> Result<(), (usize, Error)> {
        self.allocs.check_all(bindings, || self.label())
    }

    fn as_peer(&self) -> Option<Peer> {
        let (device, ctx) = A::peer_ids(&self.ctx);
        Some(Peer {
            driver: A::DRIVER,
            device,
            ctx,
        })
    }

    fn peer_access(&self, src: Peer) -> Result<bool, Error> {
        if src.driver != A::DRIVER || Some(src) == self.as_peer() {
            return Ok(false);
        }
        // Held while asking, so that two threads enable a pair once.
        let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(_, ok)) = peers.iter().find(|(p, _)| *p == src) {
            return Ok(ok);
        }
        self.current()?;
        let ok = self.api.enable_peer(&self.ctx, src)?;
        peers.push((src, ok));
        Ok(ok)
    }

    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        self.allocs.check(ptr, bytes, || self.label())
    }
}

impl<A: GpuApi> Drop for GpuDevice<A> {
    fn drop(&mut self) {
        if self.api.current_for_close(&self.ctx) {
            let (sync, _) = self.api.synchronize_entry();
            let unload = self.api.module_unload_entry();
            // SAFETY: wait for all work first, so that no queued launch
            // still uses a module; each module was loaded by this device
            // and is unloaded once.
            unsafe {
                sync();
                for m in self.modules.take() {
                    unload(m as *mut c_void);
                }
            }
        }
        // SAFETY: the device is being dropped; nothing uses `ctx` after.
        unsafe { self.api.release(&self.ctx) };
    }
}
