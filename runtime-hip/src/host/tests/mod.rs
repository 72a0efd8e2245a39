//! The host backend against real kernels compiled with clang-19 and the host
//! HIP header: the fixture (the kernel library, [`entry`], [`Dev`]) and the
//! tests, one module per subject.
//!
//! The product links host objects statically into the program. These tests
//! compile the kernels (`kernels.cu`) into a shared library at run time
//! (`compile.rs`) and `dlopen` it instead, only for convenience (no build
//! script needed). A test executable does not export `__iree_host_barrier`
//! dynamically, so the library carries a shim (`shim.cc`) defining it that
//! forwards to a function pointer the test sets to
//! [`super::__iree_host_barrier`]: the same function the static link
//! resolves to directly (and likewise `__iree_host_simd_level`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libloading::Library;

use super::abi::{HostEntry, HostKernelFn};
use super::backend::HostBackend;
use super::barrier::Switch;
use super::simd::{capped, Level};
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle, LaunchSpec};

mod backend;
mod barriers;
mod bench;
mod compile;
mod kernels;
mod simd;
mod warp_refs;
mod warps;

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let cu = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/custom_dispatch/kernels/kernels.cu");
        load_library(
            "kernels",
            &["kernels.cu", "warps.cu"],
            &[format!("-DKERNELS_CU=\"{}\"", cu.display())],
        )
    })
}

/// The warp kernels (`warps.cu`) compiled for 64-lane warps, as a
/// `subgroup_size = 64` declaration compiles them.
fn library64() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        load_library(
            "warps64",
            &["warps.cu"],
            &["-DIREE_HOST_WARP_SIZE=64".into()],
        )
    })
}

/// Compiles `sources` (in this directory) with the shim into a library and
/// loads it, its barrier forwarded to the runtime's. The library is deleted
/// once loaded unless `IREE_HOST_TEST_KEEP` is set (a profiler then finds
/// its symbols).
fn load_library(name: &str, sources: &[&str], defines: &[String]) -> Library {
    {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/host/tests");
        let dir =
            std::env::temp_dir().join(format!("iree-host-test-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let so = dir.join(format!("lib{name}.so"));
        let paths: Vec<PathBuf> = sources
            .iter()
            .chain(&["shim.cc"])
            .map(|s| here.join(s))
            .collect();
        let paths: Vec<&std::path::Path> = paths.iter().map(PathBuf::as_path).collect();
        compile::compile_host_library(&paths, defines, &so);
        // SAFETY: a library we just built; its initialisers are the C++
        // runtime's for trivial globals.
        let lib = unsafe { Library::new(&so) }.unwrap();
        // SAFETY: the shim's setter has exactly this signature.
        unsafe {
            let set: libloading::Symbol<unsafe extern "C" fn(extern "C" fn())> =
                lib.get(b"iree_test_set_barrier").unwrap();
            set(super::__iree_host_barrier);
            let set: libloading::Symbol<unsafe extern "C" fn(extern "C" fn() -> u32)> =
                lib.get(b"iree_test_set_simd_level").unwrap();
            set(super::simd::__iree_host_simd_level);
        }
        if std::env::var_os("IREE_HOST_TEST_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        lib
    }
}

/// Whether iree-build's lockstep pass transformed kernel `name` (the test
/// kernels are compiled with it when `IREE_HOST_TEST_CFLAGS` loads it): its
/// block entry then runs whole blocks, barriers included.
fn lockstep(lib: &Library, name: &str) -> bool {
    // SAFETY: only the symbol's presence is read.
    unsafe {
        lib.get::<*const u8>(iree_abi::host::lockstep_symbol(name).as_bytes())
            .is_ok()
    }
}

/// The entry points of kernel `name`; `uses_barrier` is what the build
/// would record without the lockstep pass (with it, the build records false
/// for the kernels the pass transformed, as done here).
pub(super) fn entry(name: &str, uses_barrier: bool) -> HostEntry {
    entry_in(library(), name, uses_barrier)
}

/// [`entry`] of a kernel of `lib`.
fn entry_in(lib: &'static Library, name: &str, uses_barrier: bool) -> HostEntry {
    let lockstep = lockstep(lib, name);
    let uses_barrier = uses_barrier && !lockstep;
    let get = |prefix: &str| -> HostKernelFn {
        // SAFETY: the header defines `__iree_host_{block,thread}_<k>` with
        // the `HostKernelFn` signature.
        unsafe {
            *lib.get::<HostKernelFn>(format!("{prefix}{name}").as_bytes())
                .unwrap()
        }
    };
    HostEntry {
        block: get(iree_abi::host::BLOCK_PREFIX),
        thread: get(iree_abi::host::THREAD_PREFIX),
        uses_barrier,
        lockstep,
    }
}

/// The signature table of kernel `name`: its argument count, then each
/// argument's size in bytes.
fn sig(name: &str) -> Vec<u32> {
    let lib = library();
    // SAFETY: the header defines `__iree_host_sig_<k>` as `unsigned[]`
    // starting with its own argument count.
    unsafe {
        let p = *lib
            .get::<*const u32>(iree_abi::host::sig_symbol(name).as_bytes())
            .unwrap();
        let argc = *p as usize;
        std::slice::from_raw_parts(p, argc + 1).to_vec()
    }
}

/// A host device and a stream on it, with the uploads, downloads and
/// launches the tests make.
pub(super) struct Dev {
    pub(super) backend: Arc<HostBackend>,
    pub(super) stream: Arc<dyn BackendStream>,
    /// The widest SIMD entries this device's launches run
    /// ([`crate::host::simd::capped`]).
    cap: Level,
}

impl Dev {
    fn new() -> Dev {
        Dev::with_check(false)
    }

    /// One device per way barrier kernels can switch threads
    /// ([`Switch::ALL`]), each with every SIMD level the CPU has (AVX-512,
    /// AVX2, scalar: a lockstep kernel runs vector rounds of either width or
    /// scalar ones), for the barrier tests to run on each; a failing test's
    /// output names the one it failed on.
    fn each_switch() -> impl Iterator<Item = Dev> {
        let mut caps = vec![Level::Avx512, Level::Avx2, Level::Scalar];
        caps.dedup_by_key(|cap| Level::detected().at_most(*cap));
        Switch::ALL.iter().flat_map(move |&switch| {
            caps.clone().into_iter().map(move |cap| {
                println!(
                    "barrier kernel threads switched by {switch:?}, SIMD level {:?}",
                    Level::detected().at_most(cap)
                );
                Dev {
                    cap,
                    ..Dev::on(HostBackend::with_switch(switch))
                }
            })
        })
    }

    fn on(backend: Arc<HostBackend>) -> Dev {
        let stream = backend.create_stream().unwrap();
        Dev {
            backend,
            stream,
            cap: Level::Avx512,
        }
    }

    /// A device whose kernels run bounds-checked when `checked` (check.rs).
    pub(super) fn with_check(checked: bool) -> Dev {
        Dev::on(HostBackend::with_check(checked))
    }

    pub(super) fn upload<T: bytemuck::Pod>(&self, data: &[T]) -> DevicePtr {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let p = self.backend.alloc_zeroed(bytes.len().max(1)).unwrap();
        // SAFETY: a fresh allocation of at least this size, unused by work.
        unsafe { self.backend.copy_h2d(p, bytes).unwrap() };
        p
    }

    pub(super) fn zeros<T: bytemuck::Pod>(&self, n: usize) -> DevicePtr {
        self.backend.alloc_zeroed(n * size_of::<T>()).unwrap()
    }

    pub(super) fn download<T: bytemuck::Pod>(&self, p: DevicePtr, n: usize) -> Vec<T> {
        self.backend.synchronize().unwrap();
        let mut v = vec![T::zeroed(); n];
        // SAFETY: `p` is an allocation of at least `n` elements; the device
        // is synchronised.
        unsafe {
            self.backend
                .copy_d2h(bytemuck::cast_slice_mut(&mut v), p)
                .unwrap()
        };
        v
    }

    pub(super) fn launch(
        &self,
        e: HostEntry,
        grid: [u32; 3],
        block: [u32; 3],
        bindings: &[DevicePtr],
        constants: &[u32],
    ) {
        for &b in bindings {
            self.backend.check_binding(b, 4).unwrap();
        }
        capped(self.cap, || {
            // SAFETY: each test passes exactly the kernel's parameters, with
            // buffers large enough for the indices the kernel touches.
            unsafe {
                self.stream
                    .submit(&LaunchSpec {
                        grid,
                        block,
                        bindings,
                        constants,
                        ..LaunchSpec::test(KernelHandle::Host(e))
                    })
                    .unwrap()
            }
        })
    }
}
