//! A tiny OpenCL 1.2 host API, loaded at run time from `libOpenCL.so.1`
//! (the ICD loader; Debian's `ocl-icd-libopencl1`), for running the peer
//! executor's kernels (pocl, `pocl-opencl-icd`). Loading at run time keeps
//! OpenCL an install-only dependency of the benchmark: without it the bench
//! still builds and runs, and only the pocl column is skipped.
//!
//! Only what the benchmark needs: the first CPU device of the first
//! platform that has one, one in-order queue, programs built from source,
//! `float` buffers, and kernel launches that wait for completion.
//!
//! Safety: the OpenCL objects are owned by RAII types that release them
//! once; buffers know their length and every copy is checked against it.
//! What a kernel does with its arguments cannot be checked from here, so
//! [`Kernel::launch`] is `unsafe`; the benchmark's safe launchers
//! (`pocl.rs`) check the sizes each kernel's source relies on.

use std::ffi::{c_char, c_void, CString};
use std::fmt;
use std::ptr;
use std::sync::Arc;

type Handle = *mut c_void;
type ClInt = i32;
type ClUint = u32;

const CL_SUCCESS: ClInt = 0;
const CL_DEVICE_TYPE_CPU: u64 = 1 << 1;
const CL_DEVICE_NOT_FOUND: ClInt = -1;
const CL_PLATFORM_NOT_FOUND_KHR: ClInt = -1001;
const CL_PLATFORM_NAME: ClUint = 0x0902;
const CL_PLATFORM_VERSION: ClUint = 0x0901;
const CL_DEVICE_NAME: ClUint = 0x102B;
const CL_DEVICE_MAX_COMPUTE_UNITS: ClUint = 0x1002;
const CL_PROGRAM_BUILD_LOG: ClUint = 0x1183;
const CL_MEM_READ_WRITE: u64 = 1 << 0;
const CL_TRUE: ClUint = 1;

/// What the Debian package names are, for the messages of a missing loader
/// or platform.
pub const INSTALL_HINT: &str =
    "install pocl to get this column: apt-get install pocl-opencl-icd ocl-icd-libopencl1";

/// The entry points used, resolved once from the loader.
struct Api {
    get_platform_ids: unsafe extern "C" fn(ClUint, *mut Handle, *mut ClUint) -> ClInt,
    get_platform_info:
        unsafe extern "C" fn(Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt,
    get_device_ids: unsafe extern "C" fn(Handle, u64, ClUint, *mut Handle, *mut ClUint) -> ClInt,
    get_device_info: unsafe extern "C" fn(Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt,
    create_context: unsafe extern "C" fn(
        *const isize,
        ClUint,
        *const Handle,
        *const c_void,
        *mut c_void,
        *mut ClInt,
    ) -> Handle,
    create_command_queue: unsafe extern "C" fn(Handle, Handle, u64, *mut ClInt) -> Handle,
    create_program_with_source: unsafe extern "C" fn(
        Handle,
        ClUint,
        *const *const c_char,
        *const usize,
        *mut ClInt,
    ) -> Handle,
    build_program: unsafe extern "C" fn(
        Handle,
        ClUint,
        *const Handle,
        *const c_char,
        *const c_void,
        *mut c_void,
    ) -> ClInt,
    get_program_build_info:
        unsafe extern "C" fn(Handle, Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt,
    create_kernel: unsafe extern "C" fn(Handle, *const c_char, *mut ClInt) -> Handle,
    set_kernel_arg: unsafe extern "C" fn(Handle, ClUint, usize, *const c_void) -> ClInt,
    create_buffer: unsafe extern "C" fn(Handle, u64, usize, *mut c_void, *mut ClInt) -> Handle,
    enqueue_write_buffer: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        usize,
        usize,
        *const c_void,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    enqueue_read_buffer: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        usize,
        usize,
        *mut c_void,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    enqueue_nd_range_kernel: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        *const usize,
        *const usize,
        *const usize,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    finish: unsafe extern "C" fn(Handle) -> ClInt,
    release_mem_object: unsafe extern "C" fn(Handle) -> ClInt,
    release_kernel: unsafe extern "C" fn(Handle) -> ClInt,
    release_program: unsafe extern "C" fn(Handle) -> ClInt,
    release_command_queue: unsafe extern "C" fn(Handle) -> ClInt,
    release_context: unsafe extern "C" fn(Handle) -> ClInt,
    /// Keeps the entry points above mapped.
    _lib: libloading::Library,
}

impl Api {
    fn load() -> Result<Api, String> {
        // SAFETY: loading the ICD loader runs its initialisers, which have
        // no preconditions; it stays loaded as long as `_lib` lives.
        let lib = ["libOpenCL.so.1", "libOpenCL.so"]
            .iter()
            .find_map(|name| unsafe { libloading::Library::new(name) }.ok())
            .ok_or_else(|| format!("no libOpenCL.so.1 on this machine; {INSTALL_HINT}"))?;
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol is the OpenCL 1.2 function of that name,
                // whose C signature the field's type spells.
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e| format!("libOpenCL has no {}: {e}", $name))?
            };
        }
        Ok(Api {
            get_platform_ids: sym!("clGetPlatformIDs"),
            get_platform_info: sym!("clGetPlatformInfo"),
            get_device_ids: sym!("clGetDeviceIDs"),
            get_device_info: sym!("clGetDeviceInfo"),
            create_context: sym!("clCreateContext"),
            create_command_queue: sym!("clCreateCommandQueue"),
            create_program_with_source: sym!("clCreateProgramWithSource"),
            build_program: sym!("clBuildProgram"),
            get_program_build_info: sym!("clGetProgramBuildInfo"),
            create_kernel: sym!("clCreateKernel"),
            set_kernel_arg: sym!("clSetKernelArg"),
            create_buffer: sym!("clCreateBuffer"),
            enqueue_write_buffer: sym!("clEnqueueWriteBuffer"),
            enqueue_read_buffer: sym!("clEnqueueReadBuffer"),
            enqueue_nd_range_kernel: sym!("clEnqueueNDRangeKernel"),
            finish: sym!("clFinish"),
            release_mem_object: sym!("clReleaseMemObject"),
            release_kernel: sym!("clReleaseKernel"),
            release_program: sym!("clReleaseProgram"),
            release_command_queue: sym!("clReleaseCommandQueue"),
            release_context: sym!("clReleaseContext"),
            _lib: lib,
        })
    }
}

/// A failed OpenCL call: which one, and its error code.
#[derive(Debug, Clone)]
pub struct ClError {
    /// The function that failed, e.g. `clBuildProgram`.
    pub call: &'static str,
    /// Its `cl_int` error code.
    pub code: i32,
    /// More context (a build log, a size mismatch), if any.
    pub detail: String,
}

impl fmt::Display for ClError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with CL error {}", self.call, self.code)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

fn check(call: &'static str, code: ClInt) -> Result<(), ClError> {
    if code == CL_SUCCESS {
        Ok(())
    } else {
        Err(ClError {
            call,
            code,
            detail: String::new(),
        })
    }
}

/// Why there is no OpenCL CPU device: a one-line note for the report.
#[derive(Debug, Clone)]
pub struct Absent(pub String);

/// An OpenCL CPU device with a context and an in-order queue on it.
pub struct Device {
    api: Arc<Api>,
    device: Handle,
    context: Handle,
    queue: Handle,
    /// `platform name version / device name, N compute units`.
    pub description: String,
}

/// Reads a string-valued `clGet*Info` parameter.
fn info_string(
    f: unsafe extern "C" fn(Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt,
    object: Handle,
    param: ClUint,
) -> String {
    let mut buf = vec![0u8; 1024];
    let mut len = 0usize;
    // SAFETY: `buf` has room for `buf.len()` bytes; `len` receives the size.
    let code = unsafe { f(object, param, buf.len(), buf.as_mut_ptr().cast(), &mut len) };
    if code != CL_SUCCESS {
        return "?".into();
    }
    buf.truncate(len.min(buf.len()));
    String::from_utf8_lossy(&buf)
        .trim_end_matches('\0')
        .trim()
        .to_string()
}

impl Device {
    /// The first CPU device of the first platform that has one; [`Absent`]
    /// (naming the packages to install) when there is no loader, no
    /// platform or no CPU device.
    pub fn first_cpu() -> Result<Device, Absent> {
        let api = Arc::new(Api::load().map_err(Absent)?);
        let mut count = 0;
        // SAFETY: asking for the count only, into a valid out-pointer.
        let code = unsafe { (api.get_platform_ids)(0, ptr::null_mut(), &mut count) };
        if code == CL_PLATFORM_NOT_FOUND_KHR || count == 0 {
            return Err(Absent(format!(
                "libOpenCL found no OpenCL platform; {INSTALL_HINT}"
            )));
        }
        check("clGetPlatformIDs", code).map_err(|e| Absent(e.to_string()))?;
        let mut platforms = vec![ptr::null_mut(); count as usize];
        // SAFETY: `platforms` has room for `count` handles.
        let code = unsafe { (api.get_platform_ids)(count, platforms.as_mut_ptr(), &mut count) };
        check("clGetPlatformIDs", code).map_err(|e| Absent(e.to_string()))?;
        for &platform in &platforms {
            let mut device = ptr::null_mut();
            let mut n = 0;
            // SAFETY: room for one device handle.
            let code = unsafe {
                (api.get_device_ids)(platform, CL_DEVICE_TYPE_CPU, 1, &mut device, &mut n)
            };
            if code == CL_DEVICE_NOT_FOUND || n == 0 {
                continue;
            }
            check("clGetDeviceIDs", code).map_err(|e| Absent(e.to_string()))?;
            return Device::on(api.clone(), platform, device).map_err(|e| Absent(e.to_string()));
        }
        Err(Absent(format!(
            "no OpenCL platform has a CPU device; {INSTALL_HINT}"
        )))
    }

    fn on(api: Arc<Api>, platform: Handle, device: Handle) -> Result<Device, ClError> {
        let mut units: ClUint = 0;
        // SAFETY: `units` is a cl_uint, the parameter's type.
        unsafe {
            (api.get_device_info)(
                device,
                CL_DEVICE_MAX_COMPUTE_UNITS,
                std::mem::size_of::<ClUint>(),
                (&mut units as *mut ClUint).cast(),
                ptr::null_mut(),
            )
        };
        let description = format!(
            "{} ({}), device {}, {units} compute units",
            info_string(api.get_platform_info, platform, CL_PLATFORM_NAME),
            info_string(api.get_platform_info, platform, CL_PLATFORM_VERSION),
            info_string(api.get_device_info, device, CL_DEVICE_NAME),
        );
        let mut code = 0;
        // SAFETY: one valid device; no properties, no callback.
        let context = unsafe {
            (api.create_context)(
                ptr::null(),
                1,
                &device,
                ptr::null(),
                ptr::null_mut(),
                &mut code,
            )
        };
        check("clCreateContext", code)?;
        // SAFETY: a live context and its device; in-order, no profiling.
        let queue = unsafe { (api.create_command_queue)(context, device, 0, &mut code) };
        if let Err(e) = check("clCreateCommandQueue", code) {
            // SAFETY: the context was created above and is released once.
            unsafe { (api.release_context)(context) };
            return Err(e);
        }
        Ok(Device {
            api,
            device,
            context,
            queue,
            description,
        })
    }

    /// Builds `source` (OpenCL C) and returns its kernel `name`; the build
    /// log is in the error when it fails.
    pub fn kernel(&self, source: &str, name: &str) -> Result<Kernel, ClError> {
        let api = &self.api;
        let (ptr_, len) = (source.as_ptr().cast::<c_char>(), source.len());
        let mut code = 0;
        // SAFETY: one string of `len` bytes (no terminator needed with a length).
        let program =
            unsafe { (api.create_program_with_source)(self.context, 1, &ptr_, &len, &mut code) };
        check("clCreateProgramWithSource", code)?;
        let program = Program {
            api: api.clone(),
            handle: program,
        };
        // SAFETY: a live program for this context's one device; no options.
        let built = unsafe {
            (api.build_program)(
                program.handle,
                1,
                &self.device,
                ptr::null(),
                ptr::null(),
                ptr::null_mut(),
            )
        };
        if built != CL_SUCCESS {
            let mut size = 0usize;
            // SAFETY: size query, then a buffer of that size.
            unsafe {
                (api.get_program_build_info)(
                    program.handle,
                    self.device,
                    CL_PROGRAM_BUILD_LOG,
                    0,
                    ptr::null_mut(),
                    &mut size,
                )
            };
            let mut log = vec![0u8; size];
            // SAFETY: `log` has room for the `size` bytes just reported.
            unsafe {
                (api.get_program_build_info)(
                    program.handle,
                    self.device,
                    CL_PROGRAM_BUILD_LOG,
                    size,
                    log.as_mut_ptr().cast(),
                    ptr::null_mut(),
                )
            };
            return Err(ClError {
                call: "clBuildProgram",
                code: built,
                detail: format!(
                    "kernel `{name}`: {}",
                    String::from_utf8_lossy(&log).trim_end_matches('\0').trim()
                ),
            });
        }
        let cname = CString::new(name).expect("kernel names have no NUL");
        // SAFETY: a built program and a NUL-terminated name.
        let handle = unsafe { (api.create_kernel)(program.handle, cname.as_ptr(), &mut code) };
        check("clCreateKernel", code).map_err(|mut e| {
            e.detail = format!("no kernel `{name}` in its source");
            e
        })?;
        Ok(Kernel {
            api: api.clone(),
            handle,
            _program: program,
        })
    }

    /// A buffer holding a copy of `data`.
    pub fn upload(&self, data: &[f32]) -> Result<Buffer, ClError> {
        let b = self.alloc(data.len())?;
        // SAFETY: a blocking write of exactly the buffer's size from `data`.
        let code = unsafe {
            (self.api.enqueue_write_buffer)(
                self.queue,
                b.handle,
                CL_TRUE,
                0,
                std::mem::size_of_val(data),
                data.as_ptr().cast(),
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        };
        check("clEnqueueWriteBuffer", code)?;
        Ok(b)
    }

    /// A buffer of `len` floats (contents unspecified until written).
    pub fn alloc(&self, len: usize) -> Result<Buffer, ClError> {
        let mut code = 0;
        let bytes = (len * 4).max(4);
        // SAFETY: no host pointer; the size is positive.
        let handle = unsafe {
            (self.api.create_buffer)(
                self.context,
                CL_MEM_READ_WRITE,
                bytes,
                ptr::null_mut(),
                &mut code,
            )
        };
        check("clCreateBuffer", code)?;
        Ok(Buffer {
            api: self.api.clone(),
            handle,
            len,
        })
    }

    /// The contents of `b`, after all queued work.
    pub fn download(&self, b: &Buffer) -> Result<Vec<f32>, ClError> {
        let mut out = vec![0f32; b.len];
        // SAFETY: a blocking read of exactly the buffer's size into `out`.
        let code = unsafe {
            (self.api.enqueue_read_buffer)(
                self.queue,
                b.handle,
                CL_TRUE,
                0,
                b.len * 4,
                out.as_mut_ptr().cast(),
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        };
        check("clEnqueueReadBuffer", code)?;
        Ok(out)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: created in `on`, released once; finish first so no
        // queued work outlives the queue.
        unsafe {
            (self.api.finish)(self.queue);
            (self.api.release_command_queue)(self.queue);
            (self.api.release_context)(self.context);
        }
    }
}

struct Program {
    api: Arc<Api>,
    handle: Handle,
}

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: created by clCreateProgramWithSource, released once.
        unsafe { (self.api.release_program)(self.handle) };
    }
}

/// A `float` buffer of a known length.
pub struct Buffer {
    api: Arc<Api>,
    handle: Handle,
    len: usize,
}

impl Buffer {
    /// Its length in floats.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no floats.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: created by clCreateBuffer, released once (OpenCL keeps it
        // alive itself while a queued kernel still uses it).
        unsafe { (self.api.release_mem_object)(self.handle) };
    }
}

/// One kernel argument.
pub enum Arg<'a> {
    /// A `__global float*`.
    Buffer(&'a Buffer),
    /// An `int`.
    Int(i32),
}

/// A built kernel.
pub struct Kernel {
    api: Arc<Api>,
    handle: Handle,
    _program: Program,
}

impl Kernel {
    /// Runs the kernel over `global` work items in groups of `local` and
    /// waits for it.
    ///
    /// # Safety
    ///
    /// `args` must be the kernel's parameters in order and of their types,
    /// and the kernel must stay within the buffers for this launch shape
    /// (OpenCL does not check what a kernel reads or writes).
    pub unsafe fn launch(
        &self,
        device: &Device,
        args: &[Arg],
        global: [usize; 2],
        local: [usize; 2],
    ) -> Result<(), ClError> {
        for (i, a) in args.iter().enumerate() {
            let code = match a {
                // SAFETY: the value pointed at has the size passed.
                Arg::Buffer(b) => unsafe {
                    (self.api.set_kernel_arg)(
                        self.handle,
                        i as ClUint,
                        std::mem::size_of::<Handle>(),
                        (&b.handle as *const Handle).cast(),
                    )
                },
                Arg::Int(v) => unsafe {
                    (self.api.set_kernel_arg)(self.handle, i as ClUint, 4, (v as *const i32).cast())
                },
            };
            check("clSetKernelArg", code)?;
        }
        let dims = if global[1] > 1 || local[1] > 1 { 2 } else { 1 };
        // SAFETY: the arguments are set; the caller vouches for the shape.
        let code = unsafe {
            (self.api.enqueue_nd_range_kernel)(
                device.queue,
                self.handle,
                dims,
                ptr::null(),
                global.as_ptr(),
                local.as_ptr(),
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        };
        check("clEnqueueNDRangeKernel", code)?;
        // SAFETY: a live queue.
        check("clFinish", unsafe { (self.api.finish)(device.queue) })
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        // SAFETY: created by clCreateKernel, released once.
        unsafe { (self.api.release_kernel)(self.handle) };
    }
}
