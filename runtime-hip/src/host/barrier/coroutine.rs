//! Barrier kernels: one stackful coroutine per thread of a block, switching
//! at `__syncthreads()` ([`corosensei`]). The default on every target but
//! x86-64 Linux, which uses `fiber.rs`; compiled everywhere, so that tests
//! run it there too. The same interface as `fiber.rs`.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;

use corosensei::stack::{DefaultStack, Stack, StackPointer};
use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::stack_size;
use crate::host::abi::{HostKernelFn, HostLaunch};

/// A reusable stack whose top is moved down by a per-slot "colour".
///
/// Every `mmap`ed stack starts on a page boundary, so without colours the
/// hot top frames of all threads of a block map to the same L1 cache sets
/// and evict each other at every switch. Shifting slot `i` by
/// `(i % 64) * 64` bytes spreads them over all 64 sets of a 4 KiB way.
struct ColouredStack {
    inner: DefaultStack,
    colour: usize,
}

// SAFETY: `base` is inside `inner`'s usable range (the colour is at most
// 4032 bytes, far less than `MIN_STACK_SIZE`) and 16-byte aligned (a multiple of
// 64 below an aligned base); `limit` is `inner`'s.
unsafe impl Stack for ColouredStack {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.inner.base().get() - self.colour).expect("stack base above 4 KiB")
    }
    fn limit(&self) -> StackPointer {
        self.inner.limit()
    }
}

/// What a kernel thread coroutine runs next: one thread of one block.
#[derive(Clone, Copy)]
struct Job {
    thread: HostKernelFn,
    launch: HostLaunch,
    args: *const *mut c_void,
}

/// A kernel thread: a coroutine that runs one `Job` per block, yields `false`
/// at each barrier and `true` when its thread has returned, then waits for
/// the next block's job. It lives as long as its worker, so a block costs no
/// coroutine setup, only switches.
type Thread = Coroutine<*const Job, bool, (), ColouredStack>;
type ThreadYielder = Yielder<*const Job, bool>;

thread_local! {
    /// The yielder of the coroutine running on this OS thread, or null when
    /// no kernel coroutine runs. Set when a coroutine starts a job and again
    /// each time it returns from a barrier, so it always names the running
    /// one.
    static CURRENT: Cell<*const ThreadYielder> = const { Cell::new(ptr::null()) };
    /// This worker's kernel threads, reused by every block.
    static THREADS: RefCell<Vec<Thread>> = const { RefCell::new(Vec::new()) };
    /// Scratch of `run_block`, kept to reuse its allocations.
    static SCRATCH: RefCell<(Vec<Job>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// `__syncthreads()` in a coroutine: suspends the calling kernel thread
/// until every thread of its block has arrived here (or returned). False,
/// doing nothing, when no kernel coroutine runs on this OS thread.
#[inline]
pub(super) fn barrier() -> bool {
    let yielder = CURRENT.with(Cell::get);
    if yielder.is_null() {
        return false;
    }
    // SAFETY: `CURRENT` is non-null only while a kernel coroutine runs on
    // this OS thread, and then it points at that coroutine's `Yielder`,
    // which lives on the coroutine's stack — the stack we are running on —
    // for as long as the coroutine exists. Suspending from inside it is what
    // the yielder is for.
    unsafe { (*yielder).suspend(false) };
    // Other coroutines ran meanwhile and set `CURRENT` to themselves.
    CURRENT.with(|c| c.set(yielder));
    true
}

fn new_thread(slot: usize) -> Result<Thread, String> {
    let inner = DefaultStack::new(stack_size())
        .map_err(|e| format!("cannot allocate a coroutine stack: {e}"))?;
    let stack = ColouredStack {
        inner,
        colour: (slot % 64) * 64,
    };
    Ok(Coroutine::with_stack(
        stack,
        |yielder: &ThreadYielder, mut job: *const Job| loop {
            CURRENT.with(|c| c.set(yielder as *const _));
            // SAFETY: `run_block` passes a pointer to a job it keeps alive
            // until this coroutine yields `true`, and whose `thread` and
            // `args` satisfy `run_block`'s contract.
            unsafe {
                let j = &*job;
                (j.thread)(&j.launch, j.args);
            }
            job = yielder.suspend(true);
        },
    ))
}

/// If a block unwinds (a panic in the executor), its threads may be
/// suspended mid-kernel; they must never be resumed with another block's
/// job, so they are discarded.
struct DiscardOnUnwind<'a>(&'a mut Vec<Thread>);

impl Drop for DiscardOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for mut t in self.0.drain(..) {
                // SAFETY: the frames on a kernel thread's stack are the C++
                // kernel's (built without exceptions; skipping destructors
                // can only leak), the barrier's and our closure's, none of
                // which owns anything with `Drop`.
                unsafe { t.force_reset() };
            }
        }
    }
}

/// Runs all threads of the block `launch.block_idx` as coroutines on this OS
/// thread until all of them have returned.
///
/// # Safety
/// `thread` is the `thread` entry of a kernel whose parameters are `args`
/// (as [`HostKernelFn`] requires), and `args` stays valid until this returns.
pub(super) unsafe fn run_block(
    thread: HostKernelFn,
    launch: &HostLaunch,
    args: *const *mut c_void,
) -> Result<(), String> {
    let [nx, ny, nz] = launch.block_dim;
    let n = (nx * ny * nz) as usize;
    THREADS.with(|threads| {
        let mut threads = threads.borrow_mut();
        let threads = DiscardOnUnwind(&mut threads);
        let threads = &mut *threads.0;
        while threads.len() < n {
            let t = new_thread(threads.len())?;
            threads.push(t);
        }
        SCRATCH.with(|scratch| {
            let (jobs, waiting) = &mut *scratch.borrow_mut();
            jobs.clear();
            waiting.clear();
            for z in 0..nz {
                for y in 0..ny {
                    for x in 0..nx {
                        let mut l = *launch;
                        l.thread_idx = [x, y, z];
                        jobs.push(Job {
                            thread,
                            launch: l,
                            args,
                        });
                    }
                }
            }
            // First pass: start every thread; each runs to its first barrier
            // or to its end. Later passes resume those still waiting; each
            // pass is one barrier interval.
            for (i, (t, job)) in threads.iter_mut().zip(jobs.iter()).enumerate() {
                if let CoroutineResult::Yield(false) = t.resume(job) {
                    waiting.push(i as u32);
                }
            }
            while !waiting.is_empty() {
                waiting.retain(|&i| {
                    matches!(
                        threads[i as usize].resume(ptr::null()),
                        CoroutineResult::Yield(false)
                    )
                });
            }
        });
        CURRENT.with(|c| c.set(ptr::null()));
        Ok(())
    })
}
