//! The driver-independent halves of the AMD and NVIDIA backends.
//!
//! HIP's module API is CUDA's driver API under other names: the same
//! argument lists, the same integer status codes (0 for success), the same
//! JIT options. What each driver does with those calls in the same way lives
//! here, written against the shared C prototypes below (streams, in
//! `stream`); `amd` and `nvidia` keep only what is their own (loading the
//! library, contexts, error names, finding the target id).

use std::ffi::c_void;
use std::os::raw::{c_char, c_int, c_uint};
use std::sync::{Arc, Mutex, OnceLock};

use super::buf_text;
use crate::backend::{DevicePtr, KernelHandle};
use crate::bundle::VariantView;
use crate::device::Limits;
use crate::target::Platform;
use crate::Error;

/// A driver call's status: `hipError_t` / `CUresult`, 0 on success.
pub(crate) type Status = c_int;
/// Success in both drivers.
pub(crate) const SUCCESS: Status = 0;

/// `hipModuleLoadDataEx` / `cuModuleLoadDataEx`.
pub(crate) type ModuleLoadDataEx = unsafe extern "C" fn(
    *mut *mut c_void,
    *const c_void,
    c_uint,
    *mut c_int,
    *mut *mut c_void,
) -> Status;
/// `hipModuleGetFunction` / `cuModuleGetFunction`.
pub(crate) type ModuleGetFunction =
    unsafe extern "C" fn(*mut *mut c_void, *mut c_void, *const c_char) -> Status;
/// `hipFuncGetAttribute` / `cuFuncGetAttribute`: (value, attribute, function).
pub(crate) type FuncGetAttribute = unsafe extern "C" fn(*mut c_int, c_int, *mut c_void) -> Status;
/// `HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES` = `CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES`
/// (hipFunction_attribute uses CUfunction_attribute's numbering): a
/// function's static shared memory.
pub(crate) const FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: c_int = 1;
/// `hipGetDeviceCount` / `cuDeviceGetCount`.
pub(crate) type DeviceCount = unsafe extern "C" fn(*mut c_int) -> Status;
/// `hipDeviceGetName` / `cuDeviceGetName`.
pub(crate) type DeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> Status;

// JIT option values (hipJitOption uses CUjit_option's numbering).
const JIT_ERROR_LOG_BUFFER: c_int = 5;
const JIT_ERROR_LOG_BUFFER_SIZE_BYTES: c_int = 6;

/// Bytes of JIT error log kept for [`Error::ModuleLoad`].
const LOG_SIZE: usize = 16 * 1024;

/// A loaded driver library, as the shared code sees it.
pub(crate) trait Library: Sized {
    /// The platform its errors name.
    const PLATFORM: Platform;
    /// The variable that may hide devices (`HIP_VISIBLE_DEVICES`, …).
    const HIDDEN_BY: &'static str;

    /// The file it was loaded from.
    fn path(&self) -> &str;

    /// The name and message the driver gives for `rc`.
    fn names(&self, rc: Status) -> (String, String);

    /// The device-count entry point and its name.
    fn device_count_entry(&self) -> (DeviceCount, &'static str);

    /// How many devices the driver reports.
    fn device_count(&self) -> Result<usize, Error> {
        let (get_count, call) = self.device_count_entry();
        let mut n: c_int = 0;
        // SAFETY: `n` is a valid out-pointer.
        let rc = unsafe { get_count(&mut n) };
        if rc != SUCCESS {
            return Err(self.no_device(call, rc));
        }
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// `hipErrorNoDevice (100): no ROCm-capable device is detected`.
    fn describe(&self, rc: Status) -> String {
        let (name, msg) = self.names(rc);
        format!("{name} ({rc}): {msg}")
    }

    /// `Ok` for [`SUCCESS`], else [`Error::Driver`] for `call`.
    fn check(&self, call: &'static str, rc: Status) -> Result<(), Error> {
        if rc == SUCCESS {
            return Ok(());
        }
        let (name, message) = self.names(rc);
        Err(Error::Driver {
            platform: Self::PLATFORM,
            call,
            code: rc,
            name,
            message,
        })
    }

    /// [`Error::NoDevice`]: `call` (init, device count) returned `rc`.
    fn no_device(&self, call: &str, rc: Status) -> Error {
        Error::NoDevice {
            platform: Self::PLATFORM,
            reason: format!("{}: {call} returned {}", self.path(), self.describe(rc)),
        }
    }

    /// `Err(NoDevice)` unless device `ordinal` exists.
    fn check_ordinal(&self, ordinal: usize) -> Result<(), Error> {
        let count = self.device_count()?;
        if ordinal >= count {
            return Err(Error::NoDevice {
                platform: Self::PLATFORM,
                reason: format!(
                    "{}: device {ordinal} asked for, {count} present ({} may hide some)",
                    self.path(),
                    Self::HIDDEN_BY
                ),
            });
        }
        Ok(())
    }
}

/// `lib`, once its init `call` returned `rc` = [`SUCCESS`]; otherwise
/// [`Error::NoDevice`].
pub(crate) fn initialised<L: Library>(lib: L, call: &str, rc: Status) -> Result<L, Error> {
    if rc != SUCCESS {
        let e = lib.no_device(call, rc);
        // Never unload a driver whose init ran: it may have registered
        // exit handlers that point into it.
        std::mem::forget(lib);
        return Err(e);
    }
    Ok(lib)
}

/// The library in `cell`, loaded and initialised once per process by
/// `load` (failures are retried on the next call).
pub(crate) fn loaded<L>(
    cell: &OnceLock<Arc<L>>,
    load: impl FnOnce() -> Result<L, Error>,
) -> Result<Arc<L>, Error> {
    if let Some(l) = cell.get() {
        return Ok(l.clone());
    }
    let l = load()?;
    Ok(cell.get_or_init(|| Arc::new(l)).clone())
}

/// The device's name, from `hipDeviceGetName` / `cuDeviceGetName`.
///
/// # Safety
/// `get_name` is the driver's entry point and `dev` a device handle it gave.
pub(crate) unsafe fn device_name(
    get_name: DeviceGetName,
    dev: c_int,
    check: impl FnOnce(Status) -> Result<(), Error>,
) -> Result<String, Error> {
    let mut name = [0u8; 256];
    // SAFETY: the buffer holds 256 bytes, the length passed; the rest per
    // the caller's contract.
    check(unsafe { get_name(name.as_mut_ptr().cast(), 256, dev) })?;
    Ok(buf_text(&name))
}

/// One device attribute [`read_limits`] asks for.
#[derive(Clone, Copy)]
pub(crate) enum LimitAttr {
    /// The maximum block size in dimension 0, 1 or 2.
    MaxBlockDim(usize),
    /// The maximum grid size in dimension 0, 1 or 2.
    MaxGridDim(usize),
    MaxThreadsPerBlock,
    MaxSharedMemoryPerBlock,
    WarpSize,
    MultiprocessorCount,
}

/// The limits of a device, each read with `attr`, in a fixed order.
pub(crate) fn read_limits(
    mut attr: impl FnMut(LimitAttr) -> Result<u32, Error>,
) -> Result<Limits, Error> {
    let mut block = [0u32; 3];
    let mut grid = [0u32; 3];
    for i in 0..3 {
        block[i] = attr(LimitAttr::MaxBlockDim(i))?;
        grid[i] = attr(LimitAttr::MaxGridDim(i))?;
    }
    Ok(Limits {
        max_block_dims: block,
        max_threads_per_block: attr(LimitAttr::MaxThreadsPerBlock)?,
        max_grid_dims: grid,
        shared_memory_per_block: attr(LimitAttr::MaxSharedMemoryPerBlock)?,
        warp_size: attr(LimitAttr::WarpSize)?,
        multiprocessor_count: attr(LimitAttr::MultiprocessorCount)?,
    })
}

/// `Backend::alloc_zeroed` for a GPU: `alloc` the bytes, `zero` them (and
/// wait, so no stream sees them before), `free` them again if zeroing
/// failed, and register the allocation in `allocs`.
pub(crate) fn alloc_zeroed(
    allocs: &super::Allocations,
    bytes: usize,
    device: &str,
    alloc: impl FnOnce() -> Result<DevicePtr, Error>,
    zero: impl FnOnce(DevicePtr) -> Result<(), Error>,
    free: impl FnOnce(DevicePtr),
) -> Result<DevicePtr, Error> {
    let ptr = alloc().map_err(|e| out_of_memory(e, bytes, device))?;
    if let Err(e) = zero(ptr) {
        free(ptr);
        return Err(e);
    }
    allocs.insert(ptr, bytes);
    Ok(ptr)
}

/// `hipErrorOutOfMemory` / `CUDA_ERROR_OUT_OF_MEMORY` (both 2).
const OUT_OF_MEMORY: Status = 2;

/// A failed allocation call as [`Error::OutOfMemory`] when the driver says
/// memory ran out; other failures unchanged.
fn out_of_memory(e: Error, bytes: usize, device: &str) -> Error {
    match e {
        Error::Driver {
            code: OUT_OF_MEMORY,
            ..
        } => Error::OutOfMemory {
            bytes,
            device: device.to_string(),
            reason: e.to_string(),
        },
        e => e,
    }
}

/// An 8-byte-aligned copy of `data` followed by at least `zeros` zero bytes
/// (drivers parse an ELF in place; PTX must end in a NUL).
pub(crate) fn aligned_image(data: &[u8], zeros: usize) -> Vec<u64> {
    let mut v = vec![0u64; (data.len() + zeros).div_ceil(8)];
    // SAFETY: `v` is a fresh vector of at least `data.len()` bytes, so the
    // destination is valid for the copy and cannot overlap `data`.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), v.as_mut_ptr().cast::<u8>(), data.len())
    };
    v
}

/// A device's loaded modules, unloaded when the device is dropped (kernel
/// handles must stay valid as long as the backend lives).
#[derive(Default)]
pub(crate) struct Modules(Mutex<Vec<usize>>);

impl Modules {
    fn push(&self, module: *mut c_void) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(module as usize);
    }

    /// Every module loaded so far, each once.
    pub(crate) fn take(&mut self) -> Vec<usize> {
        std::mem::take(self.0.get_mut().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A driver's module entry points, with the names its errors report.
pub(crate) struct ModuleApi<'a> {
    pub(crate) load_data_ex: (ModuleLoadDataEx, &'static str),
    pub(crate) get_function: (ModuleGetFunction, &'static str),
    /// The driver's status check (`Hip::check`, `Cuda::check`).
    pub(crate) check: &'a dyn Fn(&'static str, Status) -> Result<(), Error>,
    /// What a module is called in "the {target} {noun} has no such kernel".
    pub(crate) noun: &'static str,
}

/// Loads `image` (the variant's data, from [`aligned_image`]) with a JIT
/// error log, records the module in `modules`, and resolves `functions` in
/// order.
///
/// # Safety
/// The entry points of `api` are the driver's, and the device the module is
/// for is current on this thread.
pub(crate) unsafe fn load_module(
    api: &ModuleApi<'_>,
    modules: &Modules,
    image: &[u64],
    variant: &VariantView<'_>,
    functions: &[&str],
) -> Result<Vec<KernelHandle>, Error> {
    let mut log = vec![0u8; LOG_SIZE];
    let mut opts = [JIT_ERROR_LOG_BUFFER, JIT_ERROR_LOG_BUFFER_SIZE_BYTES];
    let mut vals: [*mut c_void; 2] = [log.as_mut_ptr().cast(), LOG_SIZE as *mut c_void];
    let mut module: *mut c_void = std::ptr::null_mut();
    let (load, load_call) = api.load_data_ex;
    // SAFETY: image, options and values are valid for the call; the log
    // buffer holds LOG_SIZE bytes as declared.
    let rc = unsafe {
        load(
            &mut module,
            image.as_ptr().cast(),
            2,
            opts.as_mut_ptr(),
            vals.as_mut_ptr(),
        )
    };
    if let Err(e) = (api.check)(load_call, rc) {
        return Err(Error::ModuleLoad {
            executable: String::new(),
            target: variant.target_str().to_string(),
            format: variant.format(),
            source: Box::new(e),
            log: buf_text(&log),
        });
    }
    modules.push(module);
    let (get_function, get_call) = api.get_function;
    functions
        .iter()
        .map(|f| {
            let mut c = f.as_bytes().to_vec();
            c.push(0);
            let mut func: *mut c_void = std::ptr::null_mut();
            // SAFETY: `module` was loaded above; `c` is NUL-terminated.
            let rc = unsafe { get_function(&mut func, module, c.as_ptr().cast()) };
            (api.check)(get_call, rc).map_err(|e| Error::NoSuchKernel {
                kernel: f.to_string(),
                reason: format!(
                    "the {} {} has no such kernel: {e}",
                    variant.target_str(),
                    api.noun
                ),
            })?;
            Ok(KernelHandle::Gpu(func as usize))
        })
        .collect()
}
