//! Barrier kernels: one stackful coroutine per thread of a block, switching
//! at `__syncthreads()`.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::abi::{HostKernelFn, HostLaunch};

/// Stack size of one kernel thread's coroutine. Kernel threads are small
/// (a few locals); the memory is reserved, and only touched pages are
/// committed. Stacks are reused across blocks.
pub(crate) const STACK_SIZE: usize = 256 * 1024;

type Thread = Coroutine<(), (), (), DefaultStack>;

thread_local! {
    /// The yielder of the coroutine running on this OS thread, or null when
    /// no kernel coroutine runs. Set when a coroutine starts and again each
    /// time it returns from a suspend, so it always names the running one.
    static CURRENT: Cell<*const Yielder<(), ()>> = const { Cell::new(ptr::null()) };
    /// Set when `__iree_host_barrier` is reached outside a coroutine: a
    /// kernel launched through its `block` loop although it has a barrier.
    static MISUSED: Cell<bool> = const { Cell::new(false) };
    /// This worker's reusable coroutine stacks.
    static STACKS: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
    /// This worker's coroutine list, kept to reuse its allocation.
    static THREADS: Cell<Vec<Thread>> = const { Cell::new(Vec::new()) };
}

/// `__syncthreads()` of host kernels: suspends the calling kernel thread
/// until every thread of its block has arrived here (or returned).
///
/// Called only from host kernel code (the host HIP header's
/// `__syncthreads()`); a kernel linked into the program resolves its
/// reference to this symbol. Outside a barrier kernel's coroutine it does
/// nothing but record the misuse, which the launch then reports as an error.
#[no_mangle]
pub extern "C" fn __iree_host_barrier() {
    let yielder = CURRENT.with(Cell::get);
    if yielder.is_null() {
        MISUSED.with(|m| m.set(true));
        return;
    }
    // SAFETY: `CURRENT` is non-null only while a kernel coroutine runs on
    // this OS thread, and then it points at that coroutine's `Yielder`,
    // which lives on the coroutine's stack — the stack we are running on —
    // until the coroutine returns. Suspending from inside it is what the
    // yielder is for.
    unsafe { (*yielder).suspend(()) };
    // Other coroutines ran meanwhile and set `CURRENT` to themselves.
    CURRENT.with(|c| c.set(yielder));
}

/// Takes (and clears) the misuse flag of this OS thread.
pub(crate) fn take_misuse() -> bool {
    MISUSED.with(|m| m.replace(false))
}

/// A raw pointer moved into a coroutine closure.
#[derive(Clone, Copy)]
struct Args(*const *mut c_void);

/// Runs all threads of the block `launch.block_idx` as coroutines on this OS
/// thread until all of them have returned.
///
/// # Safety
/// `thread` is the `thread` entry of a kernel whose parameters are `args`
/// (as [`HostKernelFn`] requires), and `args` stays valid until this returns.
pub(crate) unsafe fn run_block(
    thread: HostKernelFn,
    launch: &HostLaunch,
    args: *const *mut c_void,
) -> Result<(), String> {
    let [nx, ny, nz] = launch.block_dim;
    let mut threads = THREADS.with(Cell::take);
    let mut stacks = STACKS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    threads.clear();
    let mut result = Ok(());
    'make: for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let stack = match stacks.pop() {
                    Some(s) => s,
                    None => match DefaultStack::new(STACK_SIZE) {
                        Ok(s) => s,
                        Err(e) => {
                            result = Err(format!("cannot allocate a coroutine stack: {e}"));
                            break 'make;
                        }
                    },
                };
                let mut l = *launch;
                l.thread_idx = [x, y, z];
                let args = Args(args);
                threads.push(Coroutine::with_stack(
                    stack,
                    move |yielder: &Yielder<(), ()>, ()| {
                        let args = args;
                        CURRENT.with(|c| c.set(yielder as *const _));
                        // SAFETY: forwarded from `run_block`'s contract; the
                        // launch lives in this closure for the whole call.
                        unsafe { thread(&l, args.0) };
                        CURRENT.with(|c| c.set(ptr::null()));
                    },
                ));
            }
        }
    }
    if result.is_ok() {
        // Each pass resumes every live thread once: it runs to its next
        // barrier or returns, so a pass is one barrier interval.
        let mut live = threads.len();
        while live > 0 {
            for t in threads.iter_mut() {
                if !t.done() {
                    if let CoroutineResult::Return(()) = t.resume(()) {
                        live -= 1;
                    }
                }
            }
        }
    }
    CURRENT.with(|c| c.set(ptr::null()));
    for mut t in threads.drain(..) {
        if !t.done() {
            // Only reached when stack allocation failed before any thread
            // was resumed: unstarted coroutines have no frames to unwind.
            // SAFETY: nothing on an unstarted coroutine's stack needs Drop.
            unsafe { t.force_reset() };
        }
        stacks.push(t.into_stack());
    }
    STACKS.with(|s| *s.borrow_mut() = stacks);
    THREADS.with(|c| c.set(threads));
    result
}
