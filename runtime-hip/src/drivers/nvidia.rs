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

use super::common::{self, Library, LimitAttr, Modules, Status};
use super::stream::{
    EventApi, EventCreate, EventRecord, GpuStream, LaunchKernel, StreamApi, StreamCall,
    StreamWaitEvent,
};
use super::{open_first, sym, Allocations};
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle};
use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::host::HostEntry;
use crate::target::{Format, Platform, TargetId};
use crate::Error;

type CuResult = Status;

// CUdevice_attribute values (cuda.h).
const ATTR_MAX_THREADS_PER_BLOCK: c_int = 1;
const ATTR_MAX_BLOCK_DIM_X: c_int = 2;
const ATTR_MAX_GRID_DIM_X: c_int = 5;
const ATTR_MAX_SHARED_MEMORY_PER_BLOCK: c_int = 8;
const ATTR_WARP_SIZE: c_int = 10;
const ATTR_MULTIPROCESSOR_COUNT: c_int = 16;
const ATTR_COMPUTE_CAPABILITY_MAJOR: c_int = 75;
const ATTR_COMPUTE_CAPABILITY_MINOR: c_int = 76;

/// The entry points used, copied out of the library once.
struct Cuda {
    _lib: libloading::Library,
    path: String,
    get_error_name: unsafe extern "C" fn(CuResult, *mut *const c_char) -> CuResult,
    get_error_string: unsafe extern "C" fn(CuResult, *mut *const c_char) -> CuResult,
    device_get_count: common::DeviceCount,
    device_get: unsafe extern "C" fn(*mut c_int, c_int) -> CuResult,
    device_get_name: common::DeviceGetName,
    device_get_attribute: unsafe extern "C" fn(*mut c_int, c_int, c_int) -> CuResult,
    primary_ctx_retain: unsafe extern "C" fn(*mut *mut c_void, c_int) -> CuResult,
    primary_ctx_release: unsafe extern "C" fn(c_int) -> CuResult,
    ctx_set_current: unsafe extern "C" fn(*mut c_void) -> CuResult,
    ctx_synchronize: unsafe extern "C" fn() -> CuResult,
    mem_alloc: unsafe extern "C" fn(*mut u64, usize) -> CuResult,
    mem_free: unsafe extern "C" fn(u64) -> CuResult,
    memset_d8: unsafe extern "C" fn(u64, u8, usize) -> CuResult,
    memcpy_htod: unsafe extern "C" fn(u64, *const c_void, usize) -> CuResult,
    memcpy_dtoh: unsafe extern "C" fn(*mut c_void, u64, usize) -> CuResult,
    stream_create: unsafe extern "C" fn(*mut *mut c_void, c_uint) -> CuResult,
    stream_destroy: StreamCall,
    stream_synchronize: StreamCall,
    stream_wait_event: StreamWaitEvent,
    event_create: EventCreate,
    event_record: EventRecord,
    event_synchronize: StreamCall,
    event_query: StreamCall,
    event_destroy: StreamCall,
    module_load_data_ex: common::ModuleLoadDataEx,
    module_unload: unsafe extern "C" fn(*mut c_void) -> CuResult,
    module_get_function: common::ModuleGetFunction,
    launch_kernel: LaunchKernel,
}

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
        // SAFETY: each type below is the C prototype from cuda.h (CUdevice and
        // the enums are `int`, CUdeviceptr is a 64-bit integer, handles are
        // pointers), with the `_v2` entry points the header maps to; `lib`
        // moves into the struct that owns the pointers for the process lifetime.
        unsafe {
            let p = Platform::Nvidia;
            let init: unsafe extern "C" fn(c_uint) -> CuResult = sym(&lib, p, &path, "cuInit")?;
            let c = Cuda {
                get_error_name: sym(&lib, p, &path, "cuGetErrorName")?,
                get_error_string: sym(&lib, p, &path, "cuGetErrorString")?,
                device_get_count: sym(&lib, p, &path, "cuDeviceGetCount")?,
                device_get: sym(&lib, p, &path, "cuDeviceGet")?,
                device_get_name: sym(&lib, p, &path, "cuDeviceGetName")?,
                device_get_attribute: sym(&lib, p, &path, "cuDeviceGetAttribute")?,
                primary_ctx_retain: sym(&lib, p, &path, "cuDevicePrimaryCtxRetain")?,
                primary_ctx_release: sym(&lib, p, &path, "cuDevicePrimaryCtxRelease_v2")
                    .or_else(|_| sym(&lib, p, &path, "cuDevicePrimaryCtxRelease"))?,
                ctx_set_current: sym(&lib, p, &path, "cuCtxSetCurrent")?,
                ctx_synchronize: sym(&lib, p, &path, "cuCtxSynchronize")?,
                mem_alloc: sym(&lib, p, &path, "cuMemAlloc_v2")?,
                mem_free: sym(&lib, p, &path, "cuMemFree_v2")?,
                memset_d8: sym(&lib, p, &path, "cuMemsetD8_v2")?,
                memcpy_htod: sym(&lib, p, &path, "cuMemcpyHtoD_v2")?,
                memcpy_dtoh: sym(&lib, p, &path, "cuMemcpyDtoH_v2")?,
                stream_create: sym(&lib, p, &path, "cuStreamCreate")?,
                stream_destroy: sym(&lib, p, &path, "cuStreamDestroy_v2")?,
                stream_synchronize: sym(&lib, p, &path, "cuStreamSynchronize")?,
                stream_wait_event: sym(&lib, p, &path, "cuStreamWaitEvent")?,
                event_create: sym(&lib, p, &path, "cuEventCreate")?,
                event_record: sym(&lib, p, &path, "cuEventRecord")?,
                event_synchronize: sym(&lib, p, &path, "cuEventSynchronize")?,
                event_query: sym(&lib, p, &path, "cuEventQuery")?,
                event_destroy: sym(&lib, p, &path, "cuEventDestroy_v2")?,
                module_load_data_ex: sym(&lib, p, &path, "cuModuleLoadDataEx")?,
                module_unload: sym(&lib, p, &path, "cuModuleUnload")?,
                module_get_function: sym(&lib, p, &path, "cuModuleGetFunction")?,
                launch_kernel: sym(&lib, p, &path, "cuLaunchKernel")?,
                _lib: lib,
                path,
            };
            common::initialised(c, "cuInit(0)", init(0))
        }
    })
}

impl Library for Cuda {
    const HIDDEN_BY: &'static str = "CUDA_VISIBLE_DEVICES";
    const PLATFORM: Platform = Platform::Nvidia;

    fn path(&self) -> &str {
        &self.path
    }

    fn device_count_entry(&self) -> (common::DeviceCount, &'static str) {
        (self.device_get_count, "cuDeviceGetCount")
    }

    fn names(&self, rc: CuResult) -> (String, String) {
        let mut name: *const c_char = std::ptr::null();
        let mut msg: *const c_char = std::ptr::null();
        // SAFETY: valid out-pointers; on an unknown code the driver leaves
        // them null (and returns an error we ignore), and `cstr` maps null
        // to "".
        unsafe {
            (self.get_error_name)(rc, &mut name);
            (self.get_error_string)(rc, &mut msg);
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
        (cu.device_get)(&mut dev, ordinal as c_int)
    })?;
    // SAFETY: the library's entry point and a device it gave.
    let name = unsafe {
        common::device_name(cu.device_get_name, dev, |rc| {
            cu.check("cuDeviceGetName", rc)
        })
    }?;
    let attr = |a: c_int| -> Result<u32, Error> {
        let mut v: c_int = 0;
        // SAFETY: valid out-pointer; unknown attributes are an error code.
        cu.check("cuDeviceGetAttribute", unsafe {
            (cu.device_get_attribute)(&mut v, a, dev)
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
        (cu.primary_ctx_retain)(&mut ctx, dev)
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
    Ok(Arc::new(NvidiaDevice {
        cu,
        dev,
        ctx: ctx as usize,
        info,
        allocs: Allocations::default(),
        modules: Modules::default(),
    }))
}

struct NvidiaDevice {
    cu: Arc<Cuda>,
    dev: c_int,
    ctx: usize,
    info: DeviceInfo,
    allocs: Allocations,
    modules: Modules,
}

fn set_current(cu: &Cuda, ctx: usize) -> Result<(), Error> {
    // SAFETY: `ctx` is a retained primary context.
    cu.check("cuCtxSetCurrent", unsafe {
        (cu.ctx_set_current)(ctx as *mut c_void)
    })
}

impl NvidiaDevice {
    /// How binding errors name this device.
    fn label(&self) -> String {
        format!("nvidia:{} ({})", self.info.ordinal, self.info.name)
    }

    fn current(&self) -> Result<(), Error> {
        set_current(&self.cu, self.ctx)
    }
}

impl Backend for NvidiaDevice {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error> {
        self.current()?;
        common::alloc_zeroed(
            &self.allocs,
            bytes,
            &self.label(),
            || {
                let mut p: u64 = 0;
                // SAFETY: `cuMemAlloc` writes one address through a valid
                // out-pointer to a local; the context is current.
                let rc = unsafe { (self.cu.mem_alloc)(&mut p, bytes) };
                self.cu.check("cuMemAlloc", rc)?;
                Ok(p)
            },
            // SAFETY: fresh allocation of `bytes`; waited for so the buffer
            // is zero before any stream can use it.
            |p| unsafe {
                self.cu
                    .check("cuMemsetD8", (self.cu.memset_d8)(p, 0, bytes))
                    .and_then(|()| {
                        self.cu
                            .check("cuCtxSynchronize", (self.cu.ctx_synchronize)())
                    })
            },
            // SAFETY: `p` came from cuMemAlloc just now, is freed once here,
            // and no work was ever queued on it.
            |p| unsafe {
                (self.cu.mem_free)(p);
            },
        )
    }

    unsafe fn free(&self, ptr: DevicePtr) {
        self.allocs.remove(ptr);
        let _ = self.current();
        // SAFETY: per the trait contract, `ptr` is ours, live and unused.
        unsafe { (self.cu.mem_free)(ptr) };
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        self.current()?;
        // SAFETY: per the trait contract; `src` readable for its length.
        self.cu.check("cuMemcpyHtoD", unsafe {
            (self.cu.memcpy_htod)(dst, src.as_ptr().cast(), src.len())
        })
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        self.current()?;
        // SAFETY: per the trait contract; `dst` writable for its length.
        self.cu.check("cuMemcpyDtoH", unsafe {
            (self.cu.memcpy_dtoh)(dst.as_mut_ptr().cast(), src, dst.len())
        })
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.current()?;
        // SAFETY: cuCtxSynchronize takes no arguments and only waits for the
        // current context, made current above.
        self.cu
            .check("cuCtxSynchronize", unsafe { (self.cu.ctx_synchronize)() })
    }

    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error> {
        self.current()?;
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; flags 0 = CU_STREAM_DEFAULT (ordered
        // with the legacy stream the synchronous copies use).
        self.cu.check("cuStreamCreate", unsafe {
            (self.cu.stream_create)(&mut s, 0)
        })?;
        Ok(Arc::new(GpuStream::new(
            self.cu.clone(),
            self.ctx,
            s as usize,
        )))
    }

    fn load(
        &self,
        variant: &VariantView<'_>,
        functions: &[&str],
        _host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error> {
        // PTX must be NUL-terminated; a cubin is an ELF the driver parses in
        // place, so give both an 8-aligned copy with a trailing NUL.
        let image = match variant.format() {
            Format::Ptx | Format::Cubin => common::aligned_image(variant.data(), 1),
            other => {
                return Err(Error::NoSuchKernel {
                    kernel: functions.join(", "),
                    reason: format!("an NVIDIA device cannot load a {other} variant"),
                })
            }
        };
        self.current()?;
        let api = common::ModuleApi {
            load_data_ex: (self.cu.module_load_data_ex, "cuModuleLoadDataEx"),
            get_function: (self.cu.module_get_function, "cuModuleGetFunction"),
            check: &|call, rc| self.cu.check(call, rc),
            noun: "module",
        };
        // SAFETY: the library's entry points; the context is current.
        unsafe { common::load_module(&api, &self.modules, &image, variant, functions) }
    }

    fn check_bindings(&self, bindings: &[(DevicePtr, usize)]) -> Result<(), (usize, Error)> {
        self.allocs.check_all(bindings, || self.label())
    }

    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        self.allocs.check(ptr, bytes, || self.label())
    }
}

impl Drop for NvidiaDevice {
    fn drop(&mut self) {
        // SAFETY: wait for all work, then unload our modules once each and
        // release the primary context retained in `open`.
        unsafe {
            if self.current().is_ok() {
                (self.cu.ctx_synchronize)();
                for m in self.modules.take() {
                    (self.cu.module_unload)(m as *mut c_void);
                }
            }
            (self.cu.primary_ctx_release)(self.dev);
        }
    }
}

/// Every stream call runs with the stream's context current.
impl StreamApi for Cuda {
    const DRIVER: &'static str = "NVIDIA";

    fn launch_kernel(&self) -> (LaunchKernel, &'static str) {
        (self.launch_kernel, "cuLaunchKernel")
    }

    fn stream_synchronize(&self) -> (StreamCall, &'static str) {
        (self.stream_synchronize, "cuStreamSynchronize")
    }

    fn stream_destroy(&self) -> StreamCall {
        self.stream_destroy
    }

    fn events(&self) -> EventApi {
        EventApi {
            create: (self.event_create, "cuEventCreate"),
            record: (self.event_record, "cuEventRecord"),
            stream_wait: (self.stream_wait_event, "cuStreamWaitEvent"),
            synchronize: (self.event_synchronize, "cuEventSynchronize"),
            query: (self.event_query, "cuEventQuery"),
            destroy: self.event_destroy,
        }
    }

    fn enter(&self, ctx: usize) -> Result<(), Error> {
        set_current(self, ctx)
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
