//! The raw side of each figure: the CUDA driver API called directly, loaded
//! the way runtime-hip loads it (`$IREE_NVIDIA_LIBRARY`, else
//! `libcuda.so.1`). In one process `dlopen` returns the library the runtime
//! already holds, and both sides use the device's primary context, so the
//! two sides of a figure differ only in the code between the caller and
//! `cuLaunchKernel`.
//!
//! Every handle below is owned by a guard that frees it on drop, and every
//! call's result is checked; an error names the call and the driver's name
//! for the code.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

type CuResult = c_int;
type Ptr = *mut c_void;

runtime_hip::driver_symbols! {
    /// The driver entry points this module calls, declared the way the
    /// runtime declares its own (`cuda.h` prototypes; `_v2` where `cuda.h`
    /// maps to it).
    struct CudaFns for runtime_hip::Platform::Nvidia {
        init: "cuInit" fn(c_uint) -> CuResult,
        get_error_name: "cuGetErrorName" fn(CuResult, *mut *const c_char) -> CuResult,
        driver_get_version: "cuDriverGetVersion" fn(*mut c_int) -> CuResult,
        device_get: "cuDeviceGet" fn(*mut c_int, c_int) -> CuResult,
        device_get_name: "cuDeviceGetName" fn(*mut c_char, c_int, c_int) -> CuResult,
        primary_ctx_retain: "cuDevicePrimaryCtxRetain" fn(*mut Ptr, c_int) -> CuResult,
        primary_ctx_release: "cuDevicePrimaryCtxRelease_v2" fn(c_int) -> CuResult,
        ctx_set_current: "cuCtxSetCurrent" fn(Ptr) -> CuResult,
        mem_alloc: "cuMemAlloc_v2" fn(*mut u64, usize) -> CuResult,
        mem_free: "cuMemFree_v2" fn(u64) -> CuResult,
        memcpy_htod: "cuMemcpyHtoD_v2" fn(u64, *const c_void, usize) -> CuResult,
        memcpy_dtoh: "cuMemcpyDtoH_v2" fn(*mut c_void, u64, usize) -> CuResult,
        memcpy_dtod_async: "cuMemcpyDtoDAsync_v2" fn(u64, u64, usize, Ptr) -> CuResult,
        stream_create: "cuStreamCreate" fn(*mut Ptr, c_uint) -> CuResult,
        stream_destroy: "cuStreamDestroy_v2" fn(Ptr) -> CuResult,
        stream_synchronize: "cuStreamSynchronize" fn(Ptr) -> CuResult,
        module_load_data: "cuModuleLoadData" fn(*mut Ptr, *const c_void) -> CuResult,
        module_unload: "cuModuleUnload" fn(Ptr) -> CuResult,
        module_get_function: "cuModuleGetFunction" fn(*mut Ptr, Ptr, *const c_char) -> CuResult,
        launch_kernel: "cuLaunchKernel" fn(
            Ptr, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, Ptr, *mut Ptr, *mut Ptr,
        ) -> CuResult,
    }
}

/// The CUDA driver, kept loaded with its entry points.
pub struct Cuda {
    _lib: libloading::Library,
    /// Where the library was found.
    pub path: String,
    fns: CudaFns,
}

/// The library names tried, in order (runtime-hip's own list, less the
/// unversioned development name).
pub fn candidates() -> Vec<String> {
    let mut c: Vec<String> = std::env::var("IREE_NVIDIA_LIBRARY").into_iter().collect();
    c.push("libcuda.so.1".into());
    c
}

impl Cuda {
    /// Loads the driver and calls `cuInit(0)`.
    pub fn load() -> Result<Cuda, String> {
        let mut tried = Vec::new();
        for name in candidates() {
            // SAFETY: loading the CUDA driver runs its initialisers, which
            // have no preconditions.
            match unsafe { libloading::Library::new(&name) } {
                Ok(lib) => return Cuda::from_library(lib, name),
                Err(e) => tried.push(format!("{name}: {e}")),
            }
        }
        Err(format!(
            "no CUDA driver could be loaded (tried {}); on a machine with an NVIDIA GPU \
             the driver installs libcuda.so.1, or set IREE_NVIDIA_LIBRARY to its path",
            tried.join("; ")
        ))
    }

    fn from_library(lib: libloading::Library, path: String) -> Result<Cuda, String> {
        // SAFETY: the table's prototypes are cuda.h's; the pointers live as
        // long as `lib`, which moves into the same struct.
        let fns = unsafe { CudaFns::load(&lib, &path) }.map_err(|e| e.to_string())?;
        let cu = Cuda {
            _lib: lib,
            path,
            fns,
        };
        // SAFETY: cuInit is the library's documented first call; flags 0.
        cu.check("cuInit", unsafe { (cu.fns.init)(0) })?;
        Ok(cu)
    }

    /// `Ok` for `CUDA_SUCCESS`, else an error naming the call and the code.
    fn check(&self, call: &str, rc: CuResult) -> Result<(), String> {
        if rc == 0 {
            return Ok(());
        }
        let mut name: *const c_char = std::ptr::null();
        // SAFETY: valid out-pointer; the driver leaves it null for codes it
        // does not know, and otherwise points it at a static string.
        unsafe { (self.fns.get_error_name)(rc, &mut name) };
        let name = if name.is_null() {
            format!("CUresult {rc}")
        } else {
            // SAFETY: non-null: a NUL-terminated static string of the driver.
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        };
        Err(format!("{call} failed: {name}"))
    }

    /// `cuDriverGetVersion`: e.g. 13000 for CUDA 13.0.
    pub fn driver_version(&self) -> Result<i32, String> {
        let mut v = 0;
        // SAFETY: valid out-pointer.
        self.check("cuDriverGetVersion", unsafe {
            (self.fns.driver_get_version)(&mut v)
        })?;
        Ok(v)
    }

    /// The primary context of device `ordinal`, made current on this thread.
    pub fn context(&self, ordinal: i32) -> Result<Context<'_>, String> {
        let mut dev = 0;
        // SAFETY: valid out-pointer; a bad ordinal is an error code.
        self.check("cuDeviceGet", unsafe {
            (self.fns.device_get)(&mut dev, ordinal)
        })?;
        let mut ctx: Ptr = std::ptr::null_mut();
        // SAFETY: valid out-pointer and device; released by Context's drop.
        self.check("cuDevicePrimaryCtxRetain", unsafe {
            (self.fns.primary_ctx_retain)(&mut ctx, dev)
        })?;
        let c = Context { cu: self, dev, ctx };
        c.make_current()?;
        Ok(c)
    }
}

/// A retained primary context; everything made from it borrows it.
pub struct Context<'a> {
    cu: &'a Cuda,
    dev: c_int,
    ctx: Ptr,
}

impl Context<'_> {
    /// Makes the context current on this thread (the runtime sets its own,
    /// the same primary context, before each of its calls).
    pub fn make_current(&self) -> Result<(), String> {
        // SAFETY: `ctx` is retained until drop.
        self.cu.check("cuCtxSetCurrent", unsafe {
            (self.cu.fns.ctx_set_current)(self.ctx)
        })
    }

    /// `cuDeviceGetName`.
    pub fn device_name(&self) -> Result<String, String> {
        let mut buf = [0 as c_char; 256];
        // SAFETY: the buffer holds `len` bytes; the driver NUL-terminates.
        self.cu.check("cuDeviceGetName", unsafe {
            (self.cu.fns.device_get_name)(buf.as_mut_ptr(), buf.len() as c_int, self.dev)
        })?;
        // SAFETY: NUL-terminated within `buf` (zeroed, and the driver
        // writes at most len - 1 characters).
        Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned())
    }

    /// `bytes` of device memory, filled from `data` when given.
    pub fn alloc(&self, bytes: usize, data: Option<&[u8]>) -> Result<Buffer<'_>, String> {
        self.make_current()?;
        let mut ptr = 0u64;
        // SAFETY: valid out-pointer; freed by Buffer's drop.
        self.cu.check("cuMemAlloc", unsafe {
            (self.cu.fns.mem_alloc)(&mut ptr, bytes)
        })?;
        let b = Buffer {
            cx: self,
            ptr,
            bytes,
        };
        if let Some(d) = data {
            let n = d.len().min(bytes);
            // SAFETY: `d` is readable for `n` bytes and the allocation holds
            // at least `n`.
            self.cu.check("cuMemcpyHtoD", unsafe {
                (self.cu.fns.memcpy_htod)(ptr, d.as_ptr().cast(), n)
            })?;
        }
        Ok(b)
    }

    /// A stream of this context (flags 0, as runtime-hip creates them).
    pub fn stream(&self) -> Result<RawStream<'_>, String> {
        self.make_current()?;
        let mut s: Ptr = std::ptr::null_mut();
        // SAFETY: valid out-pointer; destroyed by RawStream's drop.
        self.cu.check("cuStreamCreate", unsafe {
            (self.cu.fns.stream_create)(&mut s, 0)
        })?;
        Ok(RawStream { cx: self, s })
    }

    /// Loads a PTX or cubin image (`cuModuleLoadData`; PTX is compiled by
    /// the driver here).
    pub fn module(&self, image: &[u8]) -> Result<Module<'_>, String> {
        self.make_current()?;
        // An 8-aligned copy with a trailing NUL: PTX must end in one, and a
        // cubin is an ELF the driver may read in place.
        let mut words = vec![0u64; image.len() / 8 + 1];
        // SAFETY: `words` holds at least image.len() + 1 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(image.as_ptr(), words.as_mut_ptr().cast(), image.len())
        };
        let mut m: Ptr = std::ptr::null_mut();
        // SAFETY: valid out-pointer; the image is readable and terminated;
        // unloaded by Module's drop.
        self.cu.check("cuModuleLoadData", unsafe {
            (self.cu.fns.module_load_data)(&mut m, words.as_ptr().cast())
        })?;
        Ok(Module { cx: self, m })
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        // SAFETY: retained in `Cuda::context`, released once; everything
        // borrowing this context was dropped before (the borrow checker
        // sees to it).
        unsafe { (self.cu.fns.primary_ctx_release)(self.dev) };
    }
}

/// Device memory, freed on drop.
pub struct Buffer<'a> {
    cx: &'a Context<'a>,
    /// The device address.
    pub ptr: u64,
    /// Its size.
    pub bytes: usize,
}

impl Buffer<'_> {
    /// The whole buffer, read back (`cuMemcpyDtoH`, which waits for the
    /// work before it on the legacy stream; callers synchronise their
    /// streams first).
    pub fn read(&self) -> Result<Vec<u8>, String> {
        self.cx.make_current()?;
        let mut out = vec![0u8; self.bytes];
        // SAFETY: `out` is writable for `bytes`, the allocation readable.
        self.cx.cu.check("cuMemcpyDtoH", unsafe {
            (self.cx.cu.fns.memcpy_dtoh)(out.as_mut_ptr().cast(), self.ptr, self.bytes)
        })?;
        Ok(out)
    }
}

impl Drop for Buffer<'_> {
    fn drop(&mut self) {
        let _ = self.cx.make_current();
        // SAFETY: allocated by `alloc`, freed once; callers synchronise the
        // streams that used it before dropping it (cuMemFree also waits).
        unsafe { (self.cx.cu.fns.mem_free)(self.ptr) };
    }
}

/// A loaded module, unloaded on drop.
pub struct Module<'a> {
    cx: &'a Context<'a>,
    m: Ptr,
}

/// A kernel function of a [`Module`].
#[derive(Clone, Copy)]
pub struct Function<'a> {
    f: Ptr,
    _module: &'a Module<'a>,
}

impl Module<'_> {
    /// `cuModuleGetFunction`.
    pub fn function(&self, name: &str) -> Result<Function<'_>, String> {
        let cname = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
        let mut f: Ptr = std::ptr::null_mut();
        // SAFETY: valid out-pointer, loaded module, NUL-terminated name.
        self.cx.cu.check("cuModuleGetFunction", unsafe {
            (self.cx.cu.fns.module_get_function)(&mut f, self.m, cname.as_ptr())
        })?;
        Ok(Function { f, _module: self })
    }
}

impl Drop for Module<'_> {
    fn drop(&mut self) {
        let _ = self.cx.make_current();
        // SAFETY: loaded by `module`, unloaded once, after the streams that
        // launched its functions were synchronised (RawStream borrows
        // outlive none of this: callers synchronise before drop).
        unsafe { (self.cx.cu.fns.module_unload)(self.m) };
    }
}

/// A stream, synchronised and destroyed on drop.
pub struct RawStream<'a> {
    cx: &'a Context<'a>,
    s: Ptr,
}

impl RawStream<'_> {
    /// Waits for everything queued.
    pub fn synchronize(&self) -> Result<(), String> {
        // SAFETY: live stream.
        self.cx.cu.check("cuStreamSynchronize", unsafe {
            (self.cx.cu.fns.stream_synchronize)(self.s)
        })
    }

    /// Queues `f` with the argument pointers `params` (`cuLaunchKernel`'s
    /// `kernelParams`), no dynamic shared memory.
    ///
    /// # Safety
    /// `params` points at one value per kernel parameter, of its type, and
    /// every pointer argument is device memory that outlives the launch and
    /// is large enough for what the kernel accesses with that grid.
    pub unsafe fn launch(
        &self,
        f: Function<'_>,
        grid: u32,
        block: u32,
        params: &mut [Ptr],
    ) -> Result<(), String> {
        // SAFETY: per the caller's contract; the driver copies the
        // parameter values before returning.
        let rc = unsafe {
            (self.cx.cu.fns.launch_kernel)(
                f.f,
                grid,
                1,
                1,
                block,
                1,
                1,
                0,
                self.s,
                params.as_mut_ptr(),
                std::ptr::null_mut(),
            )
        };
        self.cx.cu.check("cuLaunchKernel", rc)
    }

    /// Queues a device-to-device copy of `src` into `dst`, as many bytes as
    /// the smaller holds.
    ///
    /// # Safety
    /// Both buffers stay alive until this stream has been synchronised.
    pub unsafe fn copy(&self, dst: &Buffer<'_>, src: &Buffer<'_>) -> Result<(), String> {
        let n = dst.bytes.min(src.bytes);
        // SAFETY: both are live allocations of at least `n` bytes, kept
        // alive by the caller until it synchronises.
        self.cx.cu.check("cuMemcpyDtoDAsync", unsafe {
            (self.cx.cu.fns.memcpy_dtod_async)(dst.ptr, src.ptr, n, self.s)
        })
    }
}

impl Drop for RawStream<'_> {
    fn drop(&mut self) {
        let _ = self.synchronize();
        // SAFETY: created by `stream`, destroyed once, after its work.
        unsafe { (self.cx.cu.fns.stream_destroy)(self.s) };
    }
}
