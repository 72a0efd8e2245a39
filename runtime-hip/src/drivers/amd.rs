//! AMD: libamdhip64 loaded at run time.
//!
//! Library candidates, in order: `$IREE_AMD_LIBRARY` (an explicit path),
//! `$ROCM_PATH/lib/libamdhip64.so*`, `libamdhip64.so`, `libamdhip64.so.6`,
//! `libamdhip64.so.5` (the dynamic linker's search path), then
//! `/opt/rocm/lib/libamdhip64.so*`. `HIP_VISIBLE_DEVICES` /
//! `ROCR_VISIBLE_DEVICES` are applied by the library itself: ordinals here
//! are the ones it reports.
//!
//! # Device properties across ROCm versions
//!
//! `hipDeviceProp_t` changed layout in ROCm 6 (`hipGetDevicePropertiesR0600`),
//! so no field offset is hard-coded here. Limits come from
//! `hipDeviceGetAttribute`, whose enum values (from HIP 5.2's header,
//! `hipDeviceAttributeMaxBlockDimX = 26` …) did not change in ROCm 6, and
//! the name from `hipDeviceGetName`. The target id, which only exists as the
//! `gcnArchName` string inside the struct, is found by filling an oversized
//! zeroed buffer with whichever properties entry point the library has and
//! taking the first NUL-terminated string after the 256-byte `name` that
//! starts with `gfx` and parses as a target id.
//!
//! All calls run with the device made current (`hipSetDevice`) on the
//! calling thread, since HIP's current device is per thread; launches go to
//! the stream's own device.

use std::ffi::c_void;
use std::os::raw::{c_char, c_int, c_uint};
use std::sync::{Arc, OnceLock};

use super::common::{self, Library, LimitAttr, Modules, Status};
use super::stream::{
    EventApi, EventCreate, EventRecord, GpuStream, LaunchKernel, StreamApi, StreamCall,
    StreamWaitEvent,
};
use super::{buf_text, cstr, open_first, sym, Allocations};
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle};
use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::host::HostEntry;
use crate::target::{Format, Platform, TargetId};
use crate::Error;

type HipError = Status;

// hipDeviceAttribute_t values (HIP 5.2 header; unchanged in ROCm 6).
const ATTR_MAX_BLOCK_DIM_X: c_int = 26;
const ATTR_MAX_GRID_DIM_X: c_int = 29;
const ATTR_MAX_THREADS_PER_BLOCK: c_int = 56;
const ATTR_MULTIPROCESSOR_COUNT: c_int = 63;
const ATTR_MAX_SHARED_MEMORY_PER_BLOCK: c_int = 74;
const ATTR_WARP_SIZE: c_int = 87;

/// The entry points used, copied out of the library once.
struct Hip {
    _lib: libloading::Library,
    path: String,
    get_error_name: unsafe extern "C" fn(HipError) -> *const c_char,
    get_error_string: unsafe extern "C" fn(HipError) -> *const c_char,
    get_device_count: common::DeviceCount,
    set_device: unsafe extern "C" fn(c_int) -> HipError,
    device_get: unsafe extern "C" fn(*mut c_int, c_int) -> HipError,
    device_get_name: common::DeviceGetName,
    device_get_attribute: unsafe extern "C" fn(*mut c_int, c_int, c_int) -> HipError,
    get_device_properties: unsafe extern "C" fn(*mut c_void, c_int) -> HipError,
    malloc: unsafe extern "C" fn(*mut *mut c_void, usize) -> HipError,
    free: unsafe extern "C" fn(*mut c_void) -> HipError,
    memset: unsafe extern "C" fn(*mut c_void, c_int, usize) -> HipError,
    memcpy_htod: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> HipError,
    memcpy_dtoh: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> HipError,
    device_synchronize: unsafe extern "C" fn() -> HipError,
    stream_create: unsafe extern "C" fn(*mut *mut c_void) -> HipError,
    stream_destroy: StreamCall,
    stream_synchronize: StreamCall,
    stream_wait_event: StreamWaitEvent,
    event_create: EventCreate,
    event_record: EventRecord,
    event_synchronize: StreamCall,
    event_query: StreamCall,
    event_destroy: StreamCall,
    module_load_data_ex: common::ModuleLoadDataEx,
    module_unload: unsafe extern "C" fn(*mut c_void) -> HipError,
    module_get_function: common::ModuleGetFunction,
    module_launch_kernel: LaunchKernel,
}

/// The candidate library names, in the order they are tried.
pub(crate) fn candidates() -> Vec<String> {
    let mut c = Vec::new();
    if let Ok(p) = std::env::var("IREE_AMD_LIBRARY") {
        c.push(p);
    }
    let versions = ["libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"];
    if let Ok(root) = std::env::var("ROCM_PATH") {
        for v in versions {
            c.push(format!("{root}/lib/{v}"));
        }
    }
    c.extend(versions.iter().map(|v| v.to_string()));
    for v in versions {
        c.push(format!("/opt/rocm/lib/{v}"));
    }
    c
}

static HIP: OnceLock<Arc<Hip>> = OnceLock::new();

/// The library, loaded and initialised once per process (failures are
/// retried on the next call).
fn hip() -> Result<Arc<Hip>, Error> {
    common::loaded(&HIP, || {
        let (lib, path) = open_first(Platform::Amd, &candidates())?;
        // SAFETY: each type below is the C prototype from HIP's
        // hip_runtime_api.h (hipDevice_t, hipDeviceAttribute_t and hipJitOption
        // are `int`; handles are pointers); `lib` moves into the struct that
        // owns the pointers and lives for the rest of the process.
        unsafe {
            let p = Platform::Amd;
            let props = sym(&lib, p, &path, "hipGetDevicePropertiesR0600")
                .or_else(|_| sym(&lib, p, &path, "hipGetDeviceProperties"))?;
            let init: unsafe extern "C" fn(c_uint) -> HipError = sym(&lib, p, &path, "hipInit")?;
            let h = Hip {
                get_error_name: sym(&lib, p, &path, "hipGetErrorName")?,
                get_error_string: sym(&lib, p, &path, "hipGetErrorString")?,
                get_device_count: sym(&lib, p, &path, "hipGetDeviceCount")?,
                set_device: sym(&lib, p, &path, "hipSetDevice")?,
                device_get: sym(&lib, p, &path, "hipDeviceGet")?,
                device_get_name: sym(&lib, p, &path, "hipDeviceGetName")?,
                device_get_attribute: sym(&lib, p, &path, "hipDeviceGetAttribute")?,
                get_device_properties: props,
                malloc: sym(&lib, p, &path, "hipMalloc")?,
                free: sym(&lib, p, &path, "hipFree")?,
                memset: sym(&lib, p, &path, "hipMemset")?,
                memcpy_htod: sym(&lib, p, &path, "hipMemcpyHtoD")?,
                memcpy_dtoh: sym(&lib, p, &path, "hipMemcpyDtoH")?,
                device_synchronize: sym(&lib, p, &path, "hipDeviceSynchronize")?,
                stream_create: sym(&lib, p, &path, "hipStreamCreate")?,
                stream_destroy: sym(&lib, p, &path, "hipStreamDestroy")?,
                stream_synchronize: sym(&lib, p, &path, "hipStreamSynchronize")?,
                stream_wait_event: sym(&lib, p, &path, "hipStreamWaitEvent")?,
                event_create: sym(&lib, p, &path, "hipEventCreateWithFlags")?,
                event_record: sym(&lib, p, &path, "hipEventRecord")?,
                event_synchronize: sym(&lib, p, &path, "hipEventSynchronize")?,
                event_query: sym(&lib, p, &path, "hipEventQuery")?,
                event_destroy: sym(&lib, p, &path, "hipEventDestroy")?,
                module_load_data_ex: sym(&lib, p, &path, "hipModuleLoadDataEx")?,
                module_unload: sym(&lib, p, &path, "hipModuleUnload")?,
                module_get_function: sym(&lib, p, &path, "hipModuleGetFunction")?,
                module_launch_kernel: sym(&lib, p, &path, "hipModuleLaunchKernel")?,
                _lib: lib,
                path,
            };
            common::initialised(h, "hipInit(0)", init(0))
        }
    })
}

impl Library for Hip {
    const HIDDEN_BY: &'static str = "HIP_VISIBLE_DEVICES";
    const PLATFORM: Platform = Platform::Amd;

    fn path(&self) -> &str {
        &self.path
    }

    fn device_count_entry(&self) -> (common::DeviceCount, &'static str) {
        (self.get_device_count, "hipGetDeviceCount")
    }

    fn names(&self, rc: HipError) -> (String, String) {
        // SAFETY: both return static strings (or null) for any value.
        unsafe {
            (
                cstr((self.get_error_name)(rc)),
                cstr((self.get_error_string)(rc)),
            )
        }
    }
}

/// How many AMD devices the driver reports.
pub(crate) fn device_count() -> Result<usize, Error> {
    hip()?.device_count()
}

/// Opens AMD device `ordinal`.
pub(crate) fn open(ordinal: usize) -> Result<Arc<dyn Backend>, Error> {
    let hip = hip()?;
    hip.check_ordinal(ordinal)?;
    let ord = ordinal as c_int;
    // SAFETY: hipSetDevice takes a plain int; `ord` is below the device
    // count checked above.
    hip.check("hipSetDevice", unsafe { (hip.set_device)(ord) })?;
    let mut dev: c_int = 0;
    // SAFETY: valid out-pointer, ordinal in range.
    hip.check("hipDeviceGet", unsafe { (hip.device_get)(&mut dev, ord) })?;
    // SAFETY: the library's entry point and a device it gave.
    let name = unsafe {
        common::device_name(hip.device_get_name, dev, |rc| {
            hip.check("hipDeviceGetName", rc)
        })
    }?;
    let limits = common::read_limits(|a| {
        let (attr, call) = match a {
            LimitAttr::MaxBlockDim(i) => (
                ATTR_MAX_BLOCK_DIM_X + i as c_int,
                "hipDeviceGetAttribute(MaxBlockDim)",
            ),
            LimitAttr::MaxGridDim(i) => (
                ATTR_MAX_GRID_DIM_X + i as c_int,
                "hipDeviceGetAttribute(MaxGridDim)",
            ),
            LimitAttr::MaxThreadsPerBlock => (
                ATTR_MAX_THREADS_PER_BLOCK,
                "hipDeviceGetAttribute(MaxThreadsPerBlock)",
            ),
            LimitAttr::MaxSharedMemoryPerBlock => (
                ATTR_MAX_SHARED_MEMORY_PER_BLOCK,
                "hipDeviceGetAttribute(MaxSharedMemoryPerBlock)",
            ),
            LimitAttr::WarpSize => (ATTR_WARP_SIZE, "hipDeviceGetAttribute(WarpSize)"),
            LimitAttr::MultiprocessorCount => (
                ATTR_MULTIPROCESSOR_COUNT,
                "hipDeviceGetAttribute(MultiprocessorCount)",
            ),
        };
        let mut v: c_int = 0;
        // SAFETY: valid out-pointer; unknown attributes are an error code.
        hip.check(call, unsafe {
            (hip.device_get_attribute)(&mut v, attr, ord)
        })?;
        Ok(u32::try_from(v).unwrap_or(0))
    })?;

    // Oversized: larger than every known hipDeviceProp_t (792 bytes in ROCm
    // 5, about 1.5 KiB in ROCm 6).
    let mut props = vec![0u64; 1024];
    // SAFETY: the buffer (8 KiB, 8-aligned) is larger than the struct the
    // library writes.
    hip.check("hipGetDeviceProperties", unsafe {
        (hip.get_device_properties)(props.as_mut_ptr().cast(), ord)
    })?;
    let bytes: Vec<u8> = props.iter().flat_map(|w| w.to_ne_bytes()).collect();
    let target = match arch_from_properties(&bytes) {
        Ok(t) => t,
        Err(reported) => {
            return Err(Error::UnsupportedDevice {
                platform: Platform::Amd,
                ordinal,
                name,
                reason: if reported.is_empty() {
                    "no gcnArchName found in hipDeviceProp_t".into()
                } else {
                    "not in the AMD chip table (runtime_hip::target::AMD_CHIPS)".into()
                },
                reported,
            })
        }
    };
    let info = DeviceInfo {
        name,
        platform: Platform::Amd,
        ordinal,
        target,
        limits,
    };
    Ok(Arc::new(AmdDevice {
        hip,
        ordinal: ord,
        info,
        allocs: Allocations::default(),
        modules: Modules::default(),
    }))
}

/// Finds `gcnArchName` in a `hipDeviceProp_t` of unknown layout: the first
/// NUL-terminated string after the 256-byte `name` that starts with `gfx`
/// and parses as a target id. `Err` carries the first `gfx…` string seen
/// (empty if none), for the error message.
pub(crate) fn arch_from_properties(bytes: &[u8]) -> Result<TargetId, String> {
    let mut first_seen = None;
    let mut i = 256;
    while i + 3 <= bytes.len() {
        if &bytes[i..i + 3] == b"gfx" && bytes[i - 1] == 0 {
            let s = buf_text(&bytes[i..bytes.len().min(i + 256)]);
            if let Ok(t) = s.parse::<TargetId>() {
                if matches!(t, TargetId::Amd { .. }) {
                    return Ok(t);
                }
            }
            first_seen.get_or_insert(s);
        }
        i += 1;
    }
    Err(first_seen.unwrap_or_default())
}

struct AmdDevice {
    hip: Arc<Hip>,
    ordinal: c_int,
    info: DeviceInfo,
    allocs: Allocations,
    modules: Modules,
}

impl AmdDevice {
    /// How binding errors name this device.
    fn label(&self) -> String {
        format!("amd:{} ({})", self.ordinal, self.info.name)
    }

    fn current(&self) -> Result<(), Error> {
        // SAFETY: the ordinal was in range when the device was opened.
        self.hip.check("hipSetDevice", unsafe {
            (self.hip.set_device)(self.ordinal)
        })
    }
}

impl Backend for AmdDevice {
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
                let mut p: *mut c_void = std::ptr::null_mut();
                // SAFETY: `hipMalloc` writes one pointer through a valid
                // out-pointer to a local.
                let rc = unsafe { (self.hip.malloc)(&mut p, bytes) };
                self.hip.check("hipMalloc", rc)?;
                Ok(p as DevicePtr)
            },
            // SAFETY: `p` is a fresh allocation of `bytes`; the memset is
            // waited for so the buffer is zero before any stream can use it.
            |p| unsafe {
                self.hip
                    .check("hipMemset", (self.hip.memset)(p as *mut c_void, 0, bytes))
                    .and_then(|()| {
                        self.hip
                            .check("hipDeviceSynchronize", (self.hip.device_synchronize)())
                    })
            },
            // SAFETY: `p` came from hipMalloc just now, is freed once here,
            // and no work was ever queued on it.
            |p| unsafe {
                (self.hip.free)(p as *mut c_void);
            },
        )
    }

    unsafe fn free(&self, ptr: DevicePtr) {
        self.allocs.remove(ptr);
        let _ = self.current();
        // SAFETY: per the trait contract, `ptr` is ours, live and unused.
        // A failure cannot be reported from a destructor; it leaks.
        unsafe { (self.hip.free)(ptr as *mut c_void) };
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        self.current()?;
        // SAFETY: per the trait contract `dst..dst+len` is a live allocation
        // of this device; `src` is readable for its length (HIP takes a
        // non-const pointer but only reads).
        self.hip.check("hipMemcpyHtoD", unsafe {
            (self.hip.memcpy_htod)(dst as *mut c_void, src.as_ptr() as *mut c_void, src.len())
        })
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        self.current()?;
        // SAFETY: per the trait contract; `dst` is writable for its length.
        self.hip.check("hipMemcpyDtoH", unsafe {
            (self.hip.memcpy_dtoh)(dst.as_mut_ptr().cast(), src as *mut c_void, dst.len())
        })
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.current()?;
        // SAFETY: hipDeviceSynchronize takes no arguments and only waits;
        // the device was made current above.
        self.hip.check("hipDeviceSynchronize", unsafe {
            (self.hip.device_synchronize)()
        })
    }

    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error> {
        self.current()?;
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer.
        self.hip.check("hipStreamCreate", unsafe {
            (self.hip.stream_create)(&mut s)
        })?;
        Ok(Arc::new(GpuStream::new(self.hip.clone(), 0, s as usize)))
    }

    fn load(
        &self,
        variant: &VariantView<'_>,
        functions: &[&str],
        _host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error> {
        if variant.format() != Format::Hsaco {
            return Err(Error::NoSuchKernel {
                kernel: functions.join(", "),
                reason: format!("an AMD device cannot load a {} variant", variant.format()),
            });
        }
        self.current()?;
        // The driver parses the ELF in place: give it 8-byte alignment.
        let image = common::aligned_image(variant.data(), 0);
        let api = common::ModuleApi {
            load_data_ex: (self.hip.module_load_data_ex, "hipModuleLoadDataEx"),
            get_function: (self.hip.module_get_function, "hipModuleGetFunction"),
            check: &|call, rc| self.hip.check(call, rc),
            noun: "code object",
        };
        // SAFETY: the library's entry points; the device is current.
        unsafe { common::load_module(&api, &self.modules, &image, variant, functions) }
    }

    fn check_bindings(&self, bindings: &[(DevicePtr, usize)]) -> Result<(), (usize, Error)> {
        self.allocs.check_all(bindings, || self.label())
    }

    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        self.allocs.check(ptr, bytes, || self.label())
    }
}

impl Drop for AmdDevice {
    fn drop(&mut self) {
        let _ = self.current();
        // SAFETY: wait for all work first, so that no queued launch still
        // uses a module; each module was loaded by this device and is
        // unloaded once.
        unsafe {
            (self.hip.device_synchronize)();
            for m in self.modules.take() {
                (self.hip.module_unload)(m as *mut c_void);
            }
        }
    }
}

/// Launches go to the stream's own device: nothing to make current.
impl StreamApi for Hip {
    const DRIVER: &'static str = "AMD";

    fn launch_kernel(&self) -> (LaunchKernel, &'static str) {
        (self.module_launch_kernel, "hipModuleLaunchKernel")
    }

    fn stream_synchronize(&self) -> (StreamCall, &'static str) {
        (self.stream_synchronize, "hipStreamSynchronize")
    }

    fn stream_destroy(&self) -> StreamCall {
        self.stream_destroy
    }

    fn events(&self) -> EventApi {
        EventApi {
            create: (self.event_create, "hipEventCreateWithFlags"),
            record: (self.event_record, "hipEventRecord"),
            stream_wait: (self.stream_wait_event, "hipStreamWaitEvent"),
            synchronize: (self.event_synchronize, "hipEventSynchronize"),
            query: (self.event_query, "hipEventQuery"),
            destroy: self.event_destroy,
        }
    }

    fn enter(&self, _ctx: usize) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_found_in_either_properties_layout() {
        for offset in [396usize, 1024] {
            let mut b = vec![0u8; 2048];
            b[..10].copy_from_slice(b"gfx90a GPU"); // in `name`: ignored
            let s = b"gfx90a:sramecc+:xnack-";
            b[offset..offset + s.len()].copy_from_slice(s);
            assert_eq!(
                arch_from_properties(&b).unwrap().to_string(),
                "gfx90a:sramecc+:xnack-"
            );
        }
        let mut b = vec![0u8; 1024];
        b[500..507].copy_from_slice(b"gfx9999");
        assert_eq!(arch_from_properties(&b).unwrap_err(), "gfx9999");
        assert_eq!(arch_from_properties(&[0u8; 100]).unwrap_err(), "");
    }

    #[test]
    fn candidates_cover_versioned_names() {
        let c = candidates();
        for want in [
            "libamdhip64.so",
            "libamdhip64.so.6",
            "libamdhip64.so.5",
            "/opt/rocm/lib/libamdhip64.so",
        ] {
            assert!(c.iter().any(|n| n == want), "{want} missing from {c:?}");
        }
    }
}
