//! NVIDIA: the CUDA driver API (libcuda) loaded at run time.
//!
//! Library candidates, in order: `$IREE_NVIDIA_LIBRARY` (an explicit path),
//! `libcuda.so.1` (what the driver installs), `libcuda.so`. The CUDA SDK's
//! `lib64/stubs/libcuda.so` is deliberately not tried: it loads but every
//! call fails. `CUDA_VISIBLE_DEVICES` is applied by the library itself.
//!
//! Each device uses its primary context (`cuDevicePrimaryCtxRetain`, the one
//! the CUDA runtime shares), made current on the calling thread before every
//! call, since the current context is per thread and a `Device` may be used
//! from any thread. PTX is JIT-compiled by `cuModuleLoadDataEx` with an error
//! log buffer whose text ends up in [`Error::ModuleLoad`].

use std::ffi::c_void;
use std::os::raw::{c_char, c_int, c_uint};
use std::sync::{Arc, OnceLock};

use super::common::{
    self, FuncGetAttribute, Library, LimitAttr, ModuleGetFunction, ModuleLoadDataEx, Status,
};
use super::gpu::{GpuApi, GpuDevice, HandleCall, NoArgs};
use super::graph::{unsupported, GraphApi};
use super::open_first;
use super::stream::{EventApi, LaunchKernel, StreamApi, StreamCall};
use super::symbols::optional;
use crate::backend::{Backend, DevicePtr, Peer, Transfer};
use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::target::{Format, Platform, TargetId};
use crate::Error;

type CuResult = Status;

/// `CU_MEMHOSTALLOC_PORTABLE`: page-locked memory every context may use.
const HOST_ALLOC_PORTABLE: c_uint = 1;

// CUdevice_attribute values (cuda.h).
const ATTR_MAX_THREADS_PER_BLOCK: c_int = 1;
const ATTR_MAX_BLOCK_DIM_X: c_int = 2;
const ATTR_MAX_GRID_DIM_X: c_int = 5;
const ATTR_MAX_SHARED_MEMORY_PER_BLOCK: c_int = 8;
const ATTR_WARP_SIZE: c_int = 10;
const ATTR_MULTIPROCESSOR_COUNT: c_int = 16;
const ATTR_COMPUTE_CAPABILITY_MAJOR: c_int = 75;
const ATTR_COMPUTE_CAPABILITY_MINOR: c_int = 76;

// SAFETY (of every `CudaFns::load`): each prototype below is the C one from
// cuda.h (CUdevice and the enums are `int`, CUdeviceptr is a 64-bit integer,
// handles are pointers), with the `_v2` entry points the header maps to. The
// order is the one they are resolved in, so the first missing one is the one
// reported.
super::symbols::driver_symbols! {
    /// The CUDA driver entry points used, copied out of the library once.
    struct CudaFns for Platform::Nvidia {
        init: "cuInit" fn(c_uint) -> CuResult,
        get_error_name: "cuGetErrorName" fn(CuResult, *mut *const c_char) -> CuResult,
        get_error_string: "cuGetErrorString" fn(CuResult, *mut *const c_char) -> CuResult,
        device_get_count: "cuDeviceGetCount" fn(*mut c_int) -> CuResult,
        device_get: "cuDeviceGet" fn(*mut c_int, c_int) -> CuResult,
        device_get_name: "cuDeviceGetName" fn(*mut c_char, c_int, c_int) -> CuResult,
        device_get_attribute: "cuDeviceGetAttribute" fn(*mut c_int, c_int, c_int) -> CuResult,
        primary_ctx_retain: "cuDevicePrimaryCtxRetain" fn(*mut *mut c_void, c_int) -> CuResult,
        /// `_v2` since CUDA 11; older drivers only have the first version.
        primary_ctx_release: "cuDevicePrimaryCtxRelease_v2" | "cuDevicePrimaryCtxRelease"
            fn(c_int) -> CuResult,
        ctx_set_current: "cuCtxSetCurrent" fn(*mut c_void) -> CuResult,
        ctx_synchronize: "cuCtxSynchronize" fn() -> CuResult,
        mem_alloc: "cuMemAlloc_v2" fn(*mut u64, usize) -> CuResult,
        mem_free: "cuMemFree_v2" fn(u64) -> CuResult,
        memset_d8: "cuMemsetD8_v2" fn(u64, u8, usize) -> CuResult,
        memcpy_htod: "cuMemcpyHtoD_v2" fn(u64, *const c_void, usize) -> CuResult,
        memcpy_dtoh: "cuMemcpyDtoH_v2" fn(*mut c_void, u64, usize) -> CuResult,
        mem_host_alloc: "cuMemHostAlloc" fn(*mut *mut c_void, usize, c_uint) -> CuResult,
        mem_free_host: "cuMemFreeHost" fn(*mut c_void) -> CuResult,
        memcpy_htod_async: "cuMemcpyHtoDAsync_v2"
            fn(u64, *const c_void, usize, *mut c_void) -> CuResult,
        memcpy_dtoh_async: "cuMemcpyDtoHAsync_v2"
            fn(*mut c_void, u64, usize, *mut c_void) -> CuResult,
        memcpy_dtod_async: "cuMemcpyDtoDAsync_v2" fn(u64, u64, usize, *mut c_void) -> CuResult,
        memset_d32_async: "cuMemsetD32Async" fn(u64, c_uint, usize, *mut c_void) -> CuResult,
        stream_create: "cuStreamCreate" fn(*mut *mut c_void, c_uint) -> CuResult,
        stream_destroy: "cuStreamDestroy_v2" fn(*mut c_void) -> CuResult,
        stream_synchronize: "cuStreamSynchronize" fn(*mut c_void) -> CuResult,
        stream_wait_event: "cuStreamWaitEvent" fn(*mut c_void, *mut c_void, c_uint) -> CuResult,
        event_create: "cuEventCreate" fn(*mut *mut c_void, c_uint) -> CuResult,
        event_record: "cuEventRecord" fn(*mut c_void, *mut c_void) -> CuResult,
        event_synchronize: "cuEventSynchronize" fn(*mut c_void) -> CuResult,
        event_query: "cuEventQuery" fn(*mut c_void) -> CuResult,
        event_destroy: "cuEventDestroy_v2" fn(*mut c_void) -> CuResult,
        event_elapsed_time: "cuEventElapsedTime" fn(*mut f32, *mut c_void, *mut c_void) -> CuResult,
        module_load_data_ex: "cuModuleLoadDataEx"
            fn(*mut *mut c_void, *const c_void, c_uint, *mut c_int, *mut *mut c_void) -> CuResult,
        module_unload: "cuModuleUnload" fn(*mut c_void) -> CuResult,
        module_get_function: "cuModuleGetFunction"
            fn(*mut *mut c_void, *mut c_void, *const c_char) -> CuResult,
        func_get_attribute: "cuFuncGetAttribute"
            fn(*mut c_int, c_int, *mut c_void) -> CuResult,
        launch_kernel: "cuLaunchKernel" fn(
            *mut c_void, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint,
            *mut c_void, *mut *mut c_void, *mut *mut c_void,
        ) -> CuResult,
    }
}

// SAFETY (of `CudaGraphFns::load`): as for `CudaFns`.
super::symbols::driver_symbols! {
    /// CUDA graphs (optional: without them command buffers replay as lists).
    struct CudaGraphFns for Platform::Nvidia {
        stream_begin_capture: "cuStreamBeginCapture_v2" fn(*mut c_void, c_int) -> CuResult,
        stream_end_capture: "cuStreamEndCapture" fn(*mut c_void, *mut *mut c_void) -> CuResult,
        graph_instantiate: "cuGraphInstantiateWithFlags"
            fn(*mut *mut c_void, *mut c_void, u64) -> CuResult,
        graph_launch: "cuGraphLaunch" fn(*mut c_void, *mut c_void) -> CuResult,
        graph_exec_destroy: "cuGraphExecDestroy" fn(*mut c_void) -> CuResult,
        graph_destroy: "cuGraphDestroy" fn(*mut c_void) -> CuResult,
    }
}

// SAFETY (of `CudaPeerFns::load`): as for `CudaFns`.
super::symbols::driver_symbols! {
    /// Peer access between devices (optional: without it copies between
    /// devices are staged through the host).
    struct CudaPeerFns for Platform::Nvidia {
        can_access_peer: "cuDeviceCanAccessPeer" fn(*mut c_int, c_int, c_int) -> CuResult,
        enable_peer_access: "cuCtxEnablePeerAccess" fn(*mut c_void, c_uint) -> CuResult,
        memcpy_peer_async: "cuMemcpyPeerAsync"
            fn(u64, *mut c_void, u64, *mut c_void, usize, *mut c_void) -> CuResult,
    }
}

/// libcuda, kept loaded with its entry points; the optional tables are
/// `Err` with the reason when the library lacks them.
struct Cuda {
    _lib: libloading::Library,
    path: String,
    fns: CudaFns,
    graphs: Result<CudaGraphFns, String>,
    peers: Result<CudaPeerFns, String>,
}

/// `CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED`: another user of the context
/// enabled it first, which is what was asked.
const PEER_ACCESS_ALREADY_ENABLED: CuResult = 704;

/// The candidate library names, in the order they are tried.
pub(crate) fn candidates() -> Vec<String> {
    let mut c = Vec::new();
    if let Ok(p) = std::env::var("IREE_NVIDIA_LIBRARY") {
        c.push(p);
    }
    c.push("libcuda.so.1".into());
    c.push("libcuda.so".into());
    c
}

static CUDA: OnceLock<Arc<Cuda>> = OnceLock::new();

fn cuda() -> Result<Arc<Cuda>, Error> {
    common::loaded(&CUDA, || {
        let (lib, path) = open_first(Platform::Nvidia, &candidates())?;
        // SAFETY: the table's prototypes are CUDA's (see `CudaFns`); `lib`
        // moves into the struct that owns the pointers for the process
        // lifetime.
        let fns = unsafe { CudaFns::load(&lib, &path) }?;
        // SAFETY: as above.
        let graphs = optional(unsafe { CudaGraphFns::load(&lib, &path) });
        // SAFETY: as above.
        let peers = optional(unsafe { CudaPeerFns::load(&lib, &path) });
        let init = fns.init;
        let c = Cuda {
            _lib: lib,
            path,
            fns,
            graphs,
            peers,
        };
        // SAFETY: cuInit takes a plain flags word, which must be 0.
        common::initialised(c, "cuInit(0)", unsafe { init(0) })
    })
}

impl Library for Cuda {
    const HIDDEN_BY: &'static str = "CUDA_VISIBLE_DEVICES";
    const PLATFORM: Platform = Platform::Nvidia;

    fn path(&self) -> &str {
        &self.path
    }

    fn device_count_entry(&self) -> (common::DeviceCount, &'static str) {
        (self.fns.device_get_count, "cuDeviceGetCount")
    }

    fn names(&self, rc: CuResult) -> (String, String) {
        let mut name: *const c_char = std::ptr::null();
        let mut msg: *const c_char = std::ptr::null();
        // SAFETY: valid out-pointers; on an unknown code the driver leaves
        // them null (and returns an error we ignore), and `cstr` maps null
        // to "".
        unsafe {
            (self.fns.get_error_name)(rc, &mut name);
            (self.fns.get_error_string)(rc, &mut msg);
            let name = super::cstr(name);
            let msg = super::cstr(msg);
            (
                if name.is_empty() {
                    format!("CUresult {rc}")
                } else {
                    name
                },
                msg,
            )
        }
    }
}

/// How many NVIDIA devices the driver reports.
pub(crate) fn device_count() -> Result<usize, Error> {
    cuda()?.device_count()
}

/// Opens NVIDIA device `ordinal`.
pub(crate) fn open(ordinal: usize) -> Result<Arc<dyn Backend>, Error> {
    let cu = cuda()?;
    cu.check_ordinal(ordinal)?;
    let mut dev: c_int = 0;
    // SAFETY: valid out-pointer, ordinal in range.
    cu.check("cuDeviceGet", unsafe {
        (cu.fns.device_get)(&mut dev, ordinal as c_int)
    })?;
    // SAFETY: the library's entry point and a device it gave.
    let name = unsafe {
        common::device_name(cu.fns.device_get_name, dev, |rc| {
            cu.check("cuDeviceGetName", rc)
        })
    }?;
    let attr = |a: c_int| -> Result<u32, Error> {
        let mut v: c_int = 0;
        // SAFETY: valid out-pointer; unknown attributes are an error code.
        cu.check("cuDeviceGetAttribute", unsafe {
            (cu.fns.device_get_attribute)(&mut v, a, dev)
        })?;
        Ok(u32::try_from(v).unwrap_or(0))
    };
    let limits = common::read_limits(|a| {
        attr(match a {
            LimitAttr::MaxBlockDim(i) => ATTR_MAX_BLOCK_DIM_X + i as c_int,
            LimitAttr::MaxGridDim(i) => ATTR_MAX_GRID_DIM_X + i as c_int,
            LimitAttr::MaxThreadsPerBlock => ATTR_MAX_THREADS_PER_BLOCK,
            // Without opt-in (cuFuncSetAttribute), 48 KiB on every sm.
            LimitAttr::MaxSharedMemoryPerBlock => ATTR_MAX_SHARED_MEMORY_PER_BLOCK,
            LimitAttr::WarpSize => ATTR_WARP_SIZE,
            LimitAttr::MultiprocessorCount => ATTR_MULTIPROCESSOR_COUNT,
        })
    })?;
    let sm = attr(ATTR_COMPUTE_CAPABILITY_MAJOR)? * 10 + attr(ATTR_COMPUTE_CAPABILITY_MINOR)?;
    let mut ctx: *mut c_void = std::ptr::null_mut();
    // SAFETY: valid out-pointer; released in Drop.
    cu.check("cuDevicePrimaryCtxRetain", unsafe {
        (cu.fns.primary_ctx_retain)(&mut ctx, dev)
    })?;
    let info = DeviceInfo {
        name,
        platform: Platform::Nvidia,
        ordinal,
        // Any compute capability is a valid id here, in the table or not:
        // PTX for an older sm still fits it.
        target: TargetId::Nvidia { sm },
        limits,
    };
    let ctx = PrimaryContext {
        dev,
        ctx: ctx as usize,
    };
    Ok(Arc::new(GpuDevice::new(cu, ctx, info)))
}

/// An NVIDIA device's driver state: the device and its primary context,
/// retained in `open` and released when the device is dropped.
struct PrimaryContext {
    dev: c_int,
    ctx: usize,
}

fn set_current(cu: &Cuda, ctx: usize) -> Result<(), Error> {
    // SAFETY: `ctx` is a retained primary context.
    cu.check("cuCtxSetCurrent", unsafe {
        (cu.fns.ctx_set_current)(ctx as *mut c_void)
    })
}

/// An NVIDIA device: its primary context is made current before each call.
impl GpuApi for Cuda {
    type Context = PrimaryContext;
    const LABEL: &'static str = "nvidia";
    const MODULE_NOUN: &'static str = "module";

    fn make_current(&self, c: &PrimaryContext) -> Result<(), Error> {
        set_current(self, c.ctx)
    }

    /// Without its context current nothing of the device can be waited for
    /// or unloaded.
    fn current_for_close(&self, c: &PrimaryContext) -> bool {
        self.make_current(c).is_ok()
    }

    fn stream_context(c: &PrimaryContext) -> usize {
        c.ctx
    }

    fn peer_ids(c: &PrimaryContext) -> (c_int, usize) {
        (c.dev, c.ctx)
    }

    /// `cuDeviceCanAccessPeer`, then `cuCtxEnablePeerAccess` in this
    /// (current) context for the source's context.
    fn enable_peer(&self, c: &PrimaryContext, src: Peer) -> Result<bool, Error> {
        let Ok(peers) = &self.peers else {
            return Ok(false);
        };
        let mut can: c_int = 0;
        // SAFETY: valid out-pointer; both devices came from cuDeviceGet.
        self.check("cuDeviceCanAccessPeer", unsafe {
            (peers.can_access_peer)(&mut can, c.dev, src.device)
        })?;
        if can == 0 {
            return Ok(false);
        }
        // SAFETY: a retained primary context (the source device's, alive
        // while its device is); flags must be 0.
        let rc = unsafe { (peers.enable_peer_access)(src.ctx as *mut c_void, 0) };
        if rc != PEER_ACCESS_ALREADY_ENABLED {
            self.check("cuCtxEnablePeerAccess", rc)?;
        }
        Ok(true)
    }

    unsafe fn release(&self, c: &PrimaryContext) {
        // SAFETY: releases the primary context retained in `open`, once
        // (per the caller's contract).
        unsafe { (self.fns.primary_ctx_release)(c.dev) };
    }

    fn malloc(&self, bytes: usize) -> Result<DevicePtr, Error> {
        let mut p: u64 = 0;
        // SAFETY: `cuMemAlloc` writes one address through a valid
        // out-pointer to a local; the context is current.
        let rc = unsafe { (self.fns.mem_alloc)(&mut p, bytes) };
        self.check("cuMemAlloc", rc)?;
        Ok(p)
    }

    unsafe fn memset_zero(&self, p: DevicePtr, bytes: usize) -> Result<(), Error> {
        // SAFETY: per the caller's contract, `p` holds `bytes`.
        self.check("cuMemsetD8", unsafe { (self.fns.memset_d8)(p, 0, bytes) })
    }

    unsafe fn free(&self, p: DevicePtr) {
        // SAFETY: per the caller's contract.
        unsafe { (self.fns.mem_free)(p) };
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        // SAFETY: per the trait contract; `src` readable for its length.
        self.check("cuMemcpyHtoD", unsafe {
            (self.fns.memcpy_htod)(dst, src.as_ptr().cast(), src.len())
        })
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        // SAFETY: per the trait contract; `dst` writable for its length.
        self.check("cuMemcpyDtoH", unsafe {
            (self.fns.memcpy_dtoh)(dst.as_mut_ptr().cast(), src, dst.len())
        })
    }

    fn host_alloc(&self, bytes: usize) -> Result<usize, Error> {
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; CU_MEMHOSTALLOC_PORTABLE (1): usable
        // by every context.
        self.check("cuMemHostAlloc", unsafe {
            (self.fns.mem_host_alloc)(&mut p, bytes, HOST_ALLOC_PORTABLE)
        })?;
        Ok(p as usize)
    }

    unsafe fn host_free(&self, p: usize) {
        // SAFETY: per the caller's contract.
        unsafe { (self.fns.mem_free_host)(p as *mut c_void) };
    }

    /// cuCtxSynchronize waits for the current context.
    fn synchronize_entry(&self) -> (NoArgs, &'static str) {
        (self.fns.ctx_synchronize, "cuCtxSynchronize")
    }

    fn create_stream(&self) -> Result<usize, Error> {
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; flags 0 = CU_STREAM_DEFAULT (ordered
        // with the legacy stream the synchronous copies use).
        self.check("cuStreamCreate", unsafe {
            (self.fns.stream_create)(&mut s, 0)
        })?;
        Ok(s as usize)
    }

    fn create_capture_stream(&self) -> Result<usize, Error> {
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; 1 = CU_STREAM_NON_BLOCKING.
        self.check("cuStreamCreate", unsafe {
            (self.fns.stream_create)(&mut s, 1)
        })?;
        Ok(s as usize)
    }

    unsafe fn instantiate(&self, graph: *mut c_void) -> Result<usize, Error> {
        let g = self
            .graphs
            .as_ref()
            .map_err(|r| unsupported(Self::DRIVER, r))?;
        let mut exec: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer, a live graph; no flags.
        self.check("cuGraphInstantiateWithFlags", unsafe {
            (g.graph_instantiate)(&mut exec, graph, 0)
        })?;
        Ok(exec as usize)
    }

    fn image(&self, variant: &VariantView<'_>, functions: &[&str]) -> Result<Vec<u64>, Error> {
        // PTX must be NUL-terminated; a cubin is an ELF the driver parses in
        // place, so give both an 8-aligned copy with a trailing NUL.
        match variant.format() {
            Format::Ptx | Format::Cubin => Ok(common::aligned_image(variant.data(), 1)),
            other => Err(Error::NoSuchKernel {
                kernel: functions.join(", "),
                reason: format!("an NVIDIA device cannot load a {other} variant"),
            }),
        }
    }

    fn module_load_entry(&self) -> (ModuleLoadDataEx, &'static str) {
        (self.fns.module_load_data_ex, "cuModuleLoadDataEx")
    }

    fn module_get_function_entry(&self) -> (ModuleGetFunction, &'static str) {
        (self.fns.module_get_function, "cuModuleGetFunction")
    }

    fn func_get_attribute_entry(&self) -> (FuncGetAttribute, &'static str) {
        (self.fns.func_get_attribute, "cuFuncGetAttribute")
    }

    fn module_unload_entry(&self) -> HandleCall {
        self.fns.module_unload
    }
}

/// Every stream call runs with the stream's context current.
impl StreamApi for Cuda {
    const DRIVER: &'static str = "NVIDIA";

    fn launch_kernel(&self) -> (LaunchKernel, &'static str) {
        (self.fns.launch_kernel, "cuLaunchKernel")
    }

    fn stream_synchronize(&self) -> (StreamCall, &'static str) {
        (self.fns.stream_synchronize, "cuStreamSynchronize")
    }

    fn stream_destroy(&self) -> StreamCall {
        self.fns.stream_destroy
    }

    fn events(&self) -> EventApi {
        EventApi {
            create: (self.fns.event_create, "cuEventCreate"),
            record: (self.fns.event_record, "cuEventRecord"),
            stream_wait: (self.fns.stream_wait_event, "cuStreamWaitEvent"),
            synchronize: (self.fns.event_synchronize, "cuEventSynchronize"),
            query: (self.fns.event_query, "cuEventQuery"),
            destroy: self.fns.event_destroy,
            elapsed: (self.fns.event_elapsed_time, "cuEventElapsedTime"),
        }
    }

    fn enter(&self, ctx: usize) -> Result<(), Error> {
        set_current(self, ctx)
    }

    fn graphs(&self) -> Result<GraphApi, Error> {
        let g = self
            .graphs
            .as_ref()
            .map_err(|r| unsupported(Self::DRIVER, r))?;
        Ok(GraphApi {
            begin: (g.stream_begin_capture, "cuStreamBeginCapture"),
            end: (g.stream_end_capture, "cuStreamEndCapture"),
            graph_destroy: g.graph_destroy,
            launch: (g.graph_launch, "cuGraphLaunch"),
            exec_destroy: g.graph_exec_destroy,
        })
    }

    unsafe fn transfer(&self, t: &Transfer, stream: *mut c_void) -> Result<(), Error> {
        let f = &self.fns;
        // SAFETY: per the caller's contract (`BackendStream::transfer`):
        // every range is live for the copy's duration; `stream` is alive
        // and its context current.
        let (call, rc) = unsafe {
            match *t {
                Transfer::ToDevice { dst, src, bytes } => (
                    "cuMemcpyHtoDAsync",
                    (f.memcpy_htod_async)(dst, src as *const c_void, bytes, stream),
                ),
                Transfer::ToHost { dst, src, bytes } => (
                    "cuMemcpyDtoHAsync",
                    (f.memcpy_dtoh_async)(dst as *mut c_void, src, bytes, stream),
                ),
                Transfer::OnDevice { dst, src, bytes } => (
                    "cuMemcpyDtoDAsync",
                    (f.memcpy_dtod_async)(dst, src, bytes, stream),
                ),
                Transfer::Fill32 { dst, value, words } => (
                    "cuMemsetD32Async",
                    (f.memset_d32_async)(dst, value, words, stream),
                ),
                Transfer::Peer {
                    dst,
                    src,
                    bytes,
                    dst_device,
                    src_device,
                } => {
                    // Only queued after `peer_access` said yes, which
                    // needs the table.
                    let peers = self.peers.as_ref().map_err(|r| Error::NotSupported {
                        feature: "peer copies",
                        reason: r.clone(),
                    })?;
                    (
                        "cuMemcpyPeerAsync",
                        (peers.memcpy_peer_async)(
                            dst,
                            dst_device.ctx as *mut c_void,
                            src,
                            src_device.ctx as *mut c_void,
                            bytes,
                            stream,
                        ),
                    )
                }
            }
        };
        self.check(call, rc)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn candidates_are_the_driver_names() {
        let c = super::candidates();
        assert!(c.iter().any(|n| n == "libcuda.so.1"));
        assert!(c.iter().any(|n| n == "libcuda.so"));
        assert!(!c.iter().any(|n| n.contains("stubs")));
    }
}
