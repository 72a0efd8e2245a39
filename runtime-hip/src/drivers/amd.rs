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

use super::common::{
    self, FuncGetAttribute, Library, LimitAttr, ModuleGetFunction, ModuleLoadDataEx, Status,
};
use super::gpu::{GpuApi, GpuDevice, HandleCall, NoArgs};
use super::graph::unsupported;
use super::graph::GraphApi;
use super::stream::{EventApi, LaunchKernel, StreamApi, StreamCall};
use super::symbols::optional;
use super::{buf_text, cstr, open_first};
use crate::backend::{Backend, DevicePtr, Peer, Transfer};
use crate::bundle::VariantView;
use crate::device::DeviceInfo;
use crate::target::{Format, Platform, TargetId};
use crate::Error;

type HipError = Status;

/// `hipErrorPeerAccessAlreadyEnabled`: another user of the library enabled
/// it first, which is what was asked.
const PEER_ACCESS_ALREADY_ENABLED: HipError = 704;

/// The error of a peer copy reaching a library without peer entry points
/// (`peer_access` never says yes for one).
fn no_peers(reason: &str) -> Error {
    Error::NotSupported {
        feature: "peer copies",
        reason: reason.to_string(),
    }
}

/// `hipHostMallocPortable`: page-locked memory every device may copy with.
const HOST_ALLOC_PORTABLE: c_uint = 1;

// hipDeviceAttribute_t values (HIP 5.2 header; unchanged in ROCm 6).
const ATTR_MAX_BLOCK_DIM_X: c_int = 26;
const ATTR_MAX_GRID_DIM_X: c_int = 29;
const ATTR_MAX_THREADS_PER_BLOCK: c_int = 56;
const ATTR_MULTIPROCESSOR_COUNT: c_int = 63;
const ATTR_MAX_SHARED_MEMORY_PER_BLOCK: c_int = 74;
const ATTR_WARP_SIZE: c_int = 87;

// SAFETY (of every `HipFns::load`): each prototype below is the C one from
// HIP's hip_runtime_api.h (hipDevice_t, hipDeviceAttribute_t and hipJitOption
// are `int`; handles are pointers). The order is the one they are resolved
// in, so the first missing one is the one reported.
super::symbols::driver_symbols! {
    /// The HIP entry points used, copied out of the library once.
    struct HipFns for Platform::Amd {
        /// ROCm 6 renamed it when `hipDeviceProp_t` changed layout; the
        /// layout does not matter here (see the module doc).
        get_device_properties: "hipGetDevicePropertiesR0600" | "hipGetDeviceProperties"
            fn(*mut c_void, c_int) -> HipError,
        init: "hipInit" fn(c_uint) -> HipError,
        get_error_name: "hipGetErrorName" fn(HipError) -> *const c_char,
        get_error_string: "hipGetErrorString" fn(HipError) -> *const c_char,
        get_device_count: "hipGetDeviceCount" fn(*mut c_int) -> HipError,
        set_device: "hipSetDevice" fn(c_int) -> HipError,
        device_get: "hipDeviceGet" fn(*mut c_int, c_int) -> HipError,
        device_get_name: "hipDeviceGetName" fn(*mut c_char, c_int, c_int) -> HipError,
        device_get_attribute: "hipDeviceGetAttribute" fn(*mut c_int, c_int, c_int) -> HipError,
        malloc: "hipMalloc" fn(*mut *mut c_void, usize) -> HipError,
        free: "hipFree" fn(*mut c_void) -> HipError,
        memset: "hipMemset" fn(*mut c_void, c_int, usize) -> HipError,
        memcpy_htod: "hipMemcpyHtoD" fn(*mut c_void, *mut c_void, usize) -> HipError,
        memcpy_dtoh: "hipMemcpyDtoH" fn(*mut c_void, *mut c_void, usize) -> HipError,
        host_malloc: "hipHostMalloc" fn(*mut *mut c_void, usize, c_uint) -> HipError,
        host_free: "hipHostFree" fn(*mut c_void) -> HipError,
        memcpy_htod_async: "hipMemcpyHtoDAsync"
            fn(*mut c_void, *mut c_void, usize, *mut c_void) -> HipError,
        memcpy_dtoh_async: "hipMemcpyDtoHAsync"
            fn(*mut c_void, *mut c_void, usize, *mut c_void) -> HipError,
        memcpy_dtod_async: "hipMemcpyDtoDAsync"
            fn(*mut c_void, *mut c_void, usize, *mut c_void) -> HipError,
        memset_d32_async: "hipMemsetD32Async" fn(*mut c_void, c_int, usize, *mut c_void) -> HipError,
        device_synchronize: "hipDeviceSynchronize" fn() -> HipError,
        stream_create: "hipStreamCreate" fn(*mut *mut c_void) -> HipError,
        stream_create_with_flags: "hipStreamCreateWithFlags"
            fn(*mut *mut c_void, c_uint) -> HipError,
        stream_destroy: "hipStreamDestroy" fn(*mut c_void) -> HipError,
        stream_synchronize: "hipStreamSynchronize" fn(*mut c_void) -> HipError,
        stream_wait_event: "hipStreamWaitEvent" fn(*mut c_void, *mut c_void, c_uint) -> HipError,
        event_create: "hipEventCreateWithFlags" fn(*mut *mut c_void, c_uint) -> HipError,
        event_record: "hipEventRecord" fn(*mut c_void, *mut c_void) -> HipError,
        event_synchronize: "hipEventSynchronize" fn(*mut c_void) -> HipError,
        event_query: "hipEventQuery" fn(*mut c_void) -> HipError,
        event_destroy: "hipEventDestroy" fn(*mut c_void) -> HipError,
        event_elapsed_time: "hipEventElapsedTime"
            fn(*mut f32, *mut c_void, *mut c_void) -> HipError,
        module_load_data_ex: "hipModuleLoadDataEx"
            fn(*mut *mut c_void, *const c_void, c_uint, *mut c_int, *mut *mut c_void) -> HipError,
        module_unload: "hipModuleUnload" fn(*mut c_void) -> HipError,
        module_get_function: "hipModuleGetFunction"
            fn(*mut *mut c_void, *mut c_void, *const c_char) -> HipError,
        func_get_attribute: "hipFuncGetAttribute"
            fn(*mut c_int, c_int, *mut c_void) -> HipError,
        module_launch_kernel: "hipModuleLaunchKernel" fn(
            *mut c_void, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint,
            *mut c_void, *mut *mut c_void, *mut *mut c_void,
        ) -> HipError,
    }
}

// SAFETY (of `HipGraphFns::load`): as for `HipFns`.
super::symbols::driver_symbols! {
    /// HIP graphs (optional: without them command buffers replay as lists).
    struct HipGraphFns for Platform::Amd {
        stream_begin_capture: "hipStreamBeginCapture" fn(*mut c_void, c_int) -> HipError,
        stream_end_capture: "hipStreamEndCapture" fn(*mut c_void, *mut *mut c_void) -> HipError,
        graph_instantiate: "hipGraphInstantiate"
            fn(*mut *mut c_void, *mut c_void, *mut *mut c_void, *mut c_char, usize) -> HipError,
        graph_launch: "hipGraphLaunch" fn(*mut c_void, *mut c_void) -> HipError,
        graph_exec_destroy: "hipGraphExecDestroy" fn(*mut c_void) -> HipError,
        graph_destroy: "hipGraphDestroy" fn(*mut c_void) -> HipError,
    }
}

// SAFETY (of `HipPeerFns::load`): as for `HipFns`.
super::symbols::driver_symbols! {
    /// Peer access between devices (optional: without it copies between
    /// devices are staged through the host).
    struct HipPeerFns for Platform::Amd {
        can_access_peer: "hipDeviceCanAccessPeer" fn(*mut c_int, c_int, c_int) -> HipError,
        enable_peer_access: "hipDeviceEnablePeerAccess" fn(c_int, c_uint) -> HipError,
        memcpy_peer_async: "hipMemcpyPeerAsync"
            fn(*mut c_void, c_int, *const c_void, c_int, usize, *mut c_void) -> HipError,
    }
}

/// libamdhip64, kept loaded with its entry points; the optional tables
/// are `Err` with the reason when the library lacks them.
struct Hip {
    _lib: libloading::Library,
    path: String,
    fns: HipFns,
    graphs: Result<HipGraphFns, String>,
    peers: Result<HipPeerFns, String>,
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
        // SAFETY: the table's prototypes are HIP's (see `HipFns`); `lib`
        // moves into the struct that owns the pointers and lives for the
        // rest of the process.
        let fns = unsafe { HipFns::load(&lib, &path) }?;
        // SAFETY: as above.
        let graphs = optional(unsafe { HipGraphFns::load(&lib, &path) });
        // SAFETY: as above.
        let peers = optional(unsafe { HipPeerFns::load(&lib, &path) });
        let init = fns.init;
        let h = Hip {
            _lib: lib,
            path,
            fns,
            graphs,
            peers,
        };
        // SAFETY: hipInit takes a plain flags word, which must be 0.
        common::initialised(h, "hipInit(0)", unsafe { init(0) })
    })
}

impl Library for Hip {
    const HIDDEN_BY: &'static str = "HIP_VISIBLE_DEVICES";
    const PLATFORM: Platform = Platform::Amd;

    fn path(&self) -> &str {
        &self.path
    }

    fn device_count_entry(&self) -> (common::DeviceCount, &'static str) {
        (self.fns.get_device_count, "hipGetDeviceCount")
    }

    fn names(&self, rc: HipError) -> (String, String) {
        // SAFETY: both return static strings (or null) for any value.
        unsafe {
            (
                cstr((self.fns.get_error_name)(rc)),
                cstr((self.fns.get_error_string)(rc)),
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
    hip.check("hipSetDevice", unsafe { (hip.fns.set_device)(ord) })?;
    let mut dev: c_int = 0;
    // SAFETY: valid out-pointer, ordinal in range.
    hip.check("hipDeviceGet", unsafe {
        (hip.fns.device_get)(&mut dev, ord)
    })?;
    // SAFETY: the library's entry point and a device it gave.
    let name = unsafe {
        common::device_name(hip.fns.device_get_name, dev, |rc| {
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
            (hip.fns.device_get_attribute)(&mut v, attr, ord)
        })?;
        Ok(u32::try_from(v).unwrap_or(0))
    })?;

    // Oversized: larger than every known hipDeviceProp_t (792 bytes in ROCm
    // 5, about 1.5 KiB in ROCm 6).
    let mut props = vec![0u64; 1024];
    // SAFETY: the buffer (8 KiB, 8-aligned) is larger than the struct the
    // library writes.
    hip.check("hipGetDeviceProperties", unsafe {
        (hip.fns.get_device_properties)(props.as_mut_ptr().cast(), ord)
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
    Ok(Arc::new(GpuDevice::new(hip, ord, info)))
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

/// An AMD device: its context is its ordinal, made current with
/// `hipSetDevice`.
impl GpuApi for Hip {
    type Context = c_int;
    const LABEL: &'static str = "amd";
    const MODULE_NOUN: &'static str = "code object";

    fn make_current(&self, ordinal: &c_int) -> Result<(), Error> {
        // SAFETY: the ordinal was in range when the device was opened.
        self.check("hipSetDevice", unsafe { (self.fns.set_device)(*ordinal) })
    }

    /// A device that cannot be made current is still waited for and its
    /// modules unloaded.
    fn current_for_close(&self, ordinal: &c_int) -> bool {
        let _ = self.make_current(ordinal);
        true
    }

    fn stream_context(_: &c_int) -> usize {
        0
    }

    fn peer_ids(ordinal: &c_int) -> (c_int, usize) {
        (*ordinal, 0)
    }

    /// `hipDeviceCanAccessPeer`, then `hipDeviceEnablePeerAccess` on this
    /// (current) device for the source's memory.
    fn enable_peer(&self, ordinal: &c_int, src: Peer) -> Result<bool, Error> {
        let Ok(peers) = &self.peers else {
            return Ok(false);
        };
        let mut can: c_int = 0;
        // SAFETY: valid out-pointer; both ordinals were in range when
        // their devices were opened.
        self.check("hipDeviceCanAccessPeer", unsafe {
            (peers.can_access_peer)(&mut can, *ordinal, src.device)
        })?;
        if can == 0 {
            return Ok(false);
        }
        // SAFETY: a device ordinal in range; flags must be 0.
        let rc = unsafe { (peers.enable_peer_access)(src.device, 0) };
        if rc != PEER_ACCESS_ALREADY_ENABLED {
            self.check("hipDeviceEnablePeerAccess", rc)?;
        }
        Ok(true)
    }

    unsafe fn release(&self, _: &c_int) {}

    fn malloc(&self, bytes: usize) -> Result<DevicePtr, Error> {
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: `hipMalloc` writes one pointer through a valid out-pointer
        // to a local.
        let rc = unsafe { (self.fns.malloc)(&mut p, bytes) };
        self.check("hipMalloc", rc)?;
        Ok(p as DevicePtr)
    }

    unsafe fn memset_zero(&self, p: DevicePtr, bytes: usize) -> Result<(), Error> {
        // SAFETY: per the caller's contract, `p` holds `bytes`.
        self.check("hipMemset", unsafe {
            (self.fns.memset)(p as *mut c_void, 0, bytes)
        })
    }

    unsafe fn free(&self, p: DevicePtr) {
        // SAFETY: per the caller's contract.
        unsafe { (self.fns.free)(p as *mut c_void) };
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        // SAFETY: per the trait contract `dst..dst+len` is a live allocation
        // of this device; `src` is readable for its length (HIP takes a
        // non-const pointer but only reads).
        self.check("hipMemcpyHtoD", unsafe {
            (self.fns.memcpy_htod)(dst as *mut c_void, src.as_ptr() as *mut c_void, src.len())
        })
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        // SAFETY: per the trait contract; `dst` is writable for its length.
        self.check("hipMemcpyDtoH", unsafe {
            (self.fns.memcpy_dtoh)(dst.as_mut_ptr().cast(), src as *mut c_void, dst.len())
        })
    }

    fn synchronize_entry(&self) -> (NoArgs, &'static str) {
        (self.fns.device_synchronize, "hipDeviceSynchronize")
    }

    fn host_alloc(&self, bytes: usize) -> Result<usize, Error> {
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; hipHostMallocPortable (1): usable by
        // the streams of every device.
        self.check("hipHostMalloc", unsafe {
            (self.fns.host_malloc)(&mut p, bytes, HOST_ALLOC_PORTABLE)
        })?;
        Ok(p as usize)
    }

    unsafe fn host_free(&self, p: usize) {
        // SAFETY: per the caller's contract.
        unsafe { (self.fns.host_free)(p as *mut c_void) };
    }

    fn create_stream(&self) -> Result<usize, Error> {
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer.
        self.check("hipStreamCreate", unsafe {
            (self.fns.stream_create)(&mut s)
        })?;
        Ok(s as usize)
    }

    fn create_capture_stream(&self) -> Result<usize, Error> {
        let mut s: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer; 1 = hipStreamNonBlocking.
        self.check("hipStreamCreateWithFlags", unsafe {
            (self.fns.stream_create_with_flags)(&mut s, 1)
        })?;
        Ok(s as usize)
    }

    unsafe fn instantiate(&self, graph: *mut c_void) -> Result<usize, Error> {
        let g = self
            .graphs
            .as_ref()
            .map_err(|r| unsupported(Self::DRIVER, r))?;
        let mut exec: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid out-pointer, a live graph; no error node or log.
        self.check("hipGraphInstantiate", unsafe {
            (g.graph_instantiate)(
                &mut exec,
                graph,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        })?;
        Ok(exec as usize)
    }

    fn image(&self, variant: &VariantView<'_>, functions: &[&str]) -> Result<Vec<u64>, Error> {
        if variant.format() != Format::Hsaco {
            return Err(Error::NoSuchKernel {
                kernel: functions.join(", "),
                reason: format!("an AMD device cannot load a {} variant", variant.format()),
            });
        }
        // The driver parses the ELF in place: give it 8-byte alignment.
        Ok(common::aligned_image(variant.data(), 0))
    }

    fn module_load_entry(&self) -> (ModuleLoadDataEx, &'static str) {
        (self.fns.module_load_data_ex, "hipModuleLoadDataEx")
    }

    fn module_get_function_entry(&self) -> (ModuleGetFunction, &'static str) {
        (self.fns.module_get_function, "hipModuleGetFunction")
    }

    fn func_get_attribute_entry(&self) -> (FuncGetAttribute, &'static str) {
        (self.fns.func_get_attribute, "hipFuncGetAttribute")
    }

    fn module_unload_entry(&self) -> HandleCall {
        self.fns.module_unload
    }
}

/// Launches go to the stream's own device: nothing to make current.
impl StreamApi for Hip {
    const DRIVER: &'static str = "AMD";

    fn launch_kernel(&self) -> (LaunchKernel, &'static str) {
        (self.fns.module_launch_kernel, "hipModuleLaunchKernel")
    }

    fn stream_synchronize(&self) -> (StreamCall, &'static str) {
        (self.fns.stream_synchronize, "hipStreamSynchronize")
    }

    fn stream_destroy(&self) -> StreamCall {
        self.fns.stream_destroy
    }

    fn events(&self) -> EventApi {
        EventApi {
            create: (self.fns.event_create, "hipEventCreateWithFlags"),
            record: (self.fns.event_record, "hipEventRecord"),
            stream_wait: (self.fns.stream_wait_event, "hipStreamWaitEvent"),
            synchronize: (self.fns.event_synchronize, "hipEventSynchronize"),
            query: (self.fns.event_query, "hipEventQuery"),
            destroy: self.fns.event_destroy,
            elapsed: (self.fns.event_elapsed_time, "hipEventElapsedTime"),
        }
    }

    fn enter(&self, _ctx: usize) -> Result<(), Error> {
        Ok(())
    }

    fn graphs(&self) -> Result<GraphApi, Error> {
        let g = self
            .graphs
            .as_ref()
            .map_err(|r| unsupported(Self::DRIVER, r))?;
        Ok(GraphApi {
            begin: (g.stream_begin_capture, "hipStreamBeginCapture"),
            end: (g.stream_end_capture, "hipStreamEndCapture"),
            graph_destroy: g.graph_destroy,
            launch: (g.graph_launch, "hipGraphLaunch"),
            exec_destroy: g.graph_exec_destroy,
        })
    }

    unsafe fn transfer(&self, t: &Transfer, stream: *mut c_void) -> Result<(), Error> {
        let f = &self.fns;
        let p = |a: u64| a as *mut c_void;
        // SAFETY: per the caller's contract (`BackendStream::transfer`):
        // every range is live for the copy's duration; `stream` is alive.
        let (call, rc) = unsafe {
            match *t {
                Transfer::ToDevice { dst, src, bytes } => (
                    "hipMemcpyHtoDAsync",
                    (f.memcpy_htod_async)(p(dst), src as *mut c_void, bytes, stream),
                ),
                Transfer::ToHost { dst, src, bytes } => (
                    "hipMemcpyDtoHAsync",
                    (f.memcpy_dtoh_async)(dst as *mut c_void, p(src), bytes, stream),
                ),
                Transfer::OnDevice { dst, src, bytes } => (
                    "hipMemcpyDtoDAsync",
                    (f.memcpy_dtod_async)(p(dst), p(src), bytes, stream),
                ),
                Transfer::Fill32 { dst, value, words } => (
                    "hipMemsetD32Async",
                    (f.memset_d32_async)(p(dst), value as c_int, words, stream),
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
                    let peers = self.peers.as_ref().map_err(|r| no_peers(r))?;
                    (
                        "hipMemcpyPeerAsync",
                        (peers.memcpy_peer_async)(
                            p(dst),
                            dst_device.device,
                            src as *const c_void,
                            src_device.device,
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
