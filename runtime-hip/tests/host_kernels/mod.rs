//! Real kernels on the host platform for the integration tests:
//! `tests/data/soundness.cu` compiled with clang-19 and the host HIP header
//! into a shared library with `shim.cc` (by `src/host/tests/compile.rs`,
//! as the unit tests do; `dlopen`ed for convenience instead of linked by a
//! build script), wrapped in a bundle
//! with a `host` variant and launched through the public `Kernel` API the
//! `#[extern_dispatch]` wrappers use.
//!
//! The kernels call back into the test through `iree_test_callback`: 1
//! sleeps [`SLEEP`], 2 runs the action set with [`inside_kernel`], 3 waits
//! until the test opens the gate ([`gate`]).
#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use libloading::Library;
use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use runtime_hip::dispatch::{ExportRef, Kernel};
use runtime_hip::host::{HostEntry, HostKernelFn};
use runtime_hip::Format;

// The clang command of the host backend's unit tests.
#[path = "../../src/host/tests/compile.rs"]
mod compile;

/// How long a kernel's `iree_test_callback(1)` sleeps.
pub const SLEEP: Duration = Duration::from_millis(300);

/// One export: name, binding flags (1 = read-only), block size, constant
/// count, and whether its host entry says it reaches a barrier.
type Export = (&'static str, &'static [u32], [u32; 3], u32, bool);

/// Every export. `opaque_barrier` says it reaches no barrier although it
/// does: the launch fails while it runs.
const EXPORTS: &[Export] = &[
    ("slow_increment", &[0], [1, 1, 1], 1, false),
    ("late_fill", &[0], [1024, 1, 1], 2, false),
    ("gated_read", &[1, 0], [1, 1, 1], 0, false),
    ("opaque_barrier", &[0], [64, 1, 1], 0, false),
    ("count_up", &[0], [1, 1, 1], 0, false),
    ("copy_ints", &[1, 0], [64, 1, 1], 1, false),
    ("call_back", &[], [1, 1, 1], 1, false),
];

type Action = Box<dyn FnMut() + Send>;
static ACTION: Mutex<Option<Action>> = Mutex::new(None);

extern "C" fn callback(what: i32) {
    match what {
        1 => std::thread::sleep(SLEEP),
        2 => {
            // Run without holding the lock: the action may never return
            // (the deadlock a test looks for), and the test must still be
            // able to replace it.
            let action = ACTION.lock().unwrap().take();
            if let Some(mut a) = action {
                a();
                ACTION.lock().unwrap().get_or_insert(a);
            }
        }
        3 => {
            let (open, changed) = &GATE;
            let mut o = open.lock().unwrap();
            while !*o {
                o = changed.wait(o).unwrap();
            }
        }
        _ => {}
    }
}

static GATE: (Mutex<bool>, Condvar) = (Mutex::new(true), Condvar::new());

/// Closes (`false`) or opens the gate kernels wait at with
/// `iree_test_callback(3)`.
pub fn gate(open: bool) {
    *GATE.0.lock().unwrap() = open;
    GATE.1.notify_all();
}

/// Sets what `iree_test_callback(2)` runs inside a kernel.
pub fn inside_kernel(action: impl FnMut() + Send + 'static) {
    *ACTION.lock().unwrap() = Some(Box::new(action));
}

/// Serialises the tests of one binary: they share [`inside_kernel`], and
/// their timings should not compete for the machine's few cores.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("soundness-kernels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("wrapper.cc");
        let mut text = format!(
            "#include \"{}\"\n",
            root.join("tests/data/soundness.cu").display()
        );
        for (name, ..) in EXPORTS {
            text += &format!("IREE_HOST_EXPORT({name})\n");
        }
        std::fs::write(&src, text).unwrap();
        let so = dir.join("libsoundness.so");
        let shim = root.join("tests/host_kernels/shim.cc");
        compile::compile_host_library(&[&src, &shim], &[], &so);
        // SAFETY: a library just built from the test kernels; its
        // initialisers are the C++ runtime's for trivial globals.
        let lib = unsafe { Library::new(&so) }.unwrap();
        // SAFETY: the shim's setter has exactly this signature; both
        // functions live for the whole process.
        unsafe {
            let set: libloading::Symbol<unsafe extern "C" fn(extern "C" fn(), extern "C" fn(i32))> =
                lib.get(b"iree_test_set").unwrap();
            set(runtime_hip::host::__iree_host_barrier, callback);
        }
        lib
    })
}

fn entry(name: &str, uses_barrier: bool) -> HostEntry {
    let lib = library();
    let get = |prefix: &str| -> HostKernelFn {
        // SAFETY: the header defines `__iree_host_{block,thread}_<k>` with
        // the `HostKernelFn` signature.
        unsafe {
            *lib.get::<HostKernelFn>(format!("{prefix}{name}").as_bytes())
                .unwrap()
        }
    };
    // SAFETY: only the symbol's presence is read.
    let lockstep = unsafe {
        lib.get::<*const u8>(iree_abi::host::lockstep_symbol(name).as_bytes())
            .is_ok()
    };
    HostEntry {
        block: get(iree_abi::host::BLOCK_PREFIX),
        thread: get(iree_abi::host::THREAD_PREFIX),
        uses_barrier: uses_barrier && !lockstep,
        lockstep,
    }
}

fn bundle() -> &'static [u8] {
    static BUNDLE: OnceLock<&'static [u8]> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let exports = EXPORTS
            .iter()
            .enumerate()
            .map(|(i, (name, flags, block, constants, _))| ExportSpec {
                name: name.to_string(),
                ordinal: i as u32,
                block_dims: *block,
                constant_count: *constants,
                binding_flags: flags.to_vec(),
                workgroup_local_memory: 0,
            })
            .collect();
        let spec = BundleSpec {
            executables: vec![ExecutableSpec {
                name: "soundness".into(),
                exports,
                variants: vec![VariantSpec {
                    target: "host".into(),
                    format: Format::Host,
                    data: b"linked into the test".to_vec(),
                    symbols: Vec::new(),
                }],
            }],
        };
        Box::leak(spec.to_bytes().into_boxed_slice())
    })
}

/// The kernel `name` of `soundness.cu`, ready to launch on the host device.
pub fn kernel(name: &'static str) -> &'static Kernel {
    static KERNELS: Mutex<Vec<(&'static str, &'static Kernel)>> = Mutex::new(Vec::new());
    let mut ks = KERNELS.lock().unwrap();
    if let Some((_, k)) = ks.iter().find(|(n, _)| *n == name) {
        return k;
    }
    let (ordinal, (_, _, _, _, uses_barrier)) = EXPORTS
        .iter()
        .enumerate()
        .find(|(_, e)| e.0 == name)
        .unwrap_or_else(|| panic!("no test kernel {name}"));
    let k: &'static Kernel = Box::leak(Box::new(Kernel::new(ExportRef {
        params: &[],
        bundle: bundle(),
        executable: 0,
        ordinal: ordinal as u32,
        name,
        host: Some(entry(name, *uses_barrier)),
    })));
    ks.push((name, k));
    k
}
