//! Barrier kernels on x86-64 Linux: one fiber (a stack and a saved stack
//! pointer) per thread of a block, switching *symmetrically* at
//! `__syncthreads()`: a thread reaching the barrier hands the CPU straight
//! to the next thread of the block, and only the last one of a pass returns
//! to the worker. Against the coroutine version (`coroutine.rs`, corosensei,
//! the default on every other target) that is one switch per thread per barrier
//! instead of two, and the switch's `ret` lands where the return-stack
//! predictor expects, because every thread of a block waits at the same
//! call site. The module has the same interface as `coroutine.rs`.
//!
//! The switch saves the System V callee-saved general registers. The MXCSR
//! and x87 control words are callee-saved too; kernel code does not change
//! them (no fenv calls in the host header), so all fibers share the
//! worker's.

use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr::{self, addr_of_mut};

use corosensei::stack::{DefaultStack, Stack};

use super::stack_size;
use crate::host::abi::{HostKernelFn, HostLaunch};

// `iree_host_fiber_switch(save, to)`: pushes the callee-saved registers,
// stores the stack pointer to `*save`, loads `to` as the stack pointer, pops
// the registers saved there and returns to whoever saved it.
std::arch::global_asm!(
    ".pushsection .text.iree_host_fiber_switch,\"ax\",@progbits",
    ".p2align 4",
    ".globl iree_host_fiber_switch",
    ".hidden iree_host_fiber_switch",
    ".type iree_host_fiber_switch,@function",
    "iree_host_fiber_switch:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov [rdi], rsp",
    "mov rsp, rsi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size iree_host_fiber_switch, .-iree_host_fiber_switch",
    ".popsection",
);

extern "C" {
    fn iree_host_fiber_switch(save: *mut usize, to: usize);
}

/// What a kernel thread runs: one thread of one block.
#[derive(Clone, Copy)]
struct Job {
    thread: HostKernelFn,
    launch: HostLaunch,
    args: *const *mut c_void,
}

/// A kernel thread's stack and, while it is switched out, its stack pointer.
struct Fiber {
    _stack: DefaultStack,
    /// Where its frames start: the stack's base moved down by a per-slot
    /// colour, so the hot tops of the threads of a block spread over the L1
    /// cache sets instead of all mapping to the same ones.
    top: usize,
    sp: usize,
}

/// A worker's fibers and the block they run.
struct Sched {
    /// The worker's stack pointer while a pass of fibers runs.
    main_sp: usize,
    fibers: Vec<Fiber>,
    /// Per thread of the block (linear, x fastest).
    jobs: Vec<Job>,
    /// Per thread of the block: it has returned.
    done: Vec<bool>,
    /// The threads still running, in the order of this pass.
    alive: Vec<u32>,
    /// Index into `alive` of the thread running now.
    pos: usize,
}

thread_local! {
    /// This worker's fibers, reused by every block.
    static OWNED: UnsafeCell<Sched> = const {
        UnsafeCell::new(Sched {
            main_sp: 0,
            fibers: Vec::new(),
            jobs: Vec::new(),
            done: Vec::new(),
            alive: Vec::new(),
            pos: 0,
        })
    };
    /// `OWNED` while `run_block` runs a block on this thread, else null.
    static RUNNING: Cell<*mut Sched> = const { Cell::new(ptr::null_mut()) };
}

/// Saves this fiber's registers through `save` and switches to the next
/// thread of the pass, or back to the worker after the last one.
///
/// # Safety
/// `s` is this thread's running `Sched`, called on a fiber of it.
unsafe fn switch_next(s: *mut Sched, save: *mut usize) {
    // SAFETY: per the contract; the references made here end before the
    // switch, so none is live while another fiber uses `*s`.
    unsafe {
        let pos = (*s).pos + 1;
        (*s).pos = pos;
        let alive = &(*s).alive;
        let to = match alive.get(pos) {
            Some(&next) => (&(*s).fibers)[next as usize].sp,
            None => (*s).main_sp,
        };
        iree_host_fiber_switch(save, to);
    }
}

/// Where every fiber starts (reached by the switch's `ret`, with the stack
/// aligned as at a function's entry). Runs its thread, marks it done and
/// switches on; it is never switched back to.
extern "C" fn fiber_entry() -> ! {
    let s = RUNNING.with(Cell::get);
    // SAFETY: fibers run only inside `run_block`, which set `RUNNING` to
    // its `Sched` and keeps the jobs' arguments alive until all threads are
    // done; `switch_next`'s contract holds on this fiber.
    unsafe {
        let me = (&(*s).alive)[(*s).pos] as usize;
        let job = (&(*s).jobs)[me];
        (job.thread)(&job.launch, job.args);
        (&mut (*s).done)[me] = true;
        // This stack is abandoned (the next block starts it afresh), so
        // where its stack pointer goes does not matter.
        let mut dead = 0usize;
        switch_next(s, &mut dead);
    }
    // A done thread is never switched back to.
    std::process::abort()
}

/// A fresh frame at `top` that the switch's pops and `ret` turn into a call
/// of `fiber_entry`; returns the stack pointer to switch to.
///
/// # Safety
/// The 64 bytes below `top` (rounded down to 16) are this fiber's, unused.
unsafe fn fresh_frame(top: usize) -> usize {
    let t = top & !15;
    let p = t as *mut usize;
    // SAFETY: per the contract.
    unsafe {
        // [t-8]: the fake return address of `fiber_entry` (it never
        // returns); [t-16]: where the `ret` goes; then rbp, rbx, r12..r15.
        p.sub(1).write(0);
        p.sub(2).write(fiber_entry as *const () as usize);
        for k in 3..=8 {
            p.sub(k).write(0);
        }
    }
    t - 64
}

fn new_fiber(slot: usize) -> Result<Fiber, String> {
    let stack = DefaultStack::new(stack_size())
        .map_err(|e| format!("cannot allocate a kernel thread stack: {e}"))?;
    // The colour (at most 4032 bytes) is far less than MIN_STACK_SIZE.
    let top = stack.base().get() - (slot % 64) * 64;
    Ok(Fiber {
        _stack: stack,
        top,
        sp: 0,
    })
}

/// `__syncthreads()` on a fiber: switches to the next thread of the block;
/// this one continues when every thread has arrived here (or returned).
/// False, doing nothing, when no block runs on fibers on this OS thread.
#[inline]
pub(super) fn barrier() -> bool {
    let s = RUNNING.with(Cell::get);
    if s.is_null() {
        return false;
    }
    // SAFETY: `RUNNING` is non-null only while `run_block` runs this
    // thread's fibers, and kernel code runs only on those fibers then, so
    // this is the fiber at `alive[pos]`.
    unsafe {
        let me = (&(*s).alive)[(*s).pos] as usize;
        let save = addr_of_mut!((*(*s).fibers.as_mut_ptr().add(me)).sp);
        switch_next(s, save);
    }
    true
}

/// Forgets the block `run_block` was running on this OS thread when
/// `IREE_HOST_CHECK` (`check.rs`) jumped out of one of its kernel threads:
/// the next `run_block` starts every fiber afresh, and barriers reached
/// outside a block are misuse again.
pub(super) fn abandon_block() {
    RUNNING.with(|r| r.set(ptr::null_mut()));
}

/// Runs all threads of the block `launch.block_idx` as fibers on this OS
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
    let s: *mut Sched = OWNED.with(UnsafeCell::get);
    // SAFETY: `s` is this OS thread's `Sched`; a kernel cannot launch, so
    // `run_block` is never re-entered on it, and no fiber runs (nor holds a
    // reference into it) outside the switches below. References into `*s`
    // are made in short statements that end before each switch.
    unsafe {
        while (*s).fibers.len() < n {
            let f = new_fiber((*s).fibers.len())?;
            (*s).fibers.push(f);
        }
        (*s).jobs.clear();
        for z in 0..nz {
            for y in 0..ny {
                for x in 0..nx {
                    let mut l = *launch;
                    l.thread_idx = [x, y, z];
                    (*s).jobs.push(Job {
                        thread,
                        launch: l,
                        args,
                    });
                }
            }
        }
        (*s).done.clear();
        (*s).done.resize(n, false);
        (*s).alive.clear();
        (*s).alive.extend(0..n as u32);
        for f in &mut (&mut (*s).fibers)[..n] {
            f.sp = fresh_frame(f.top);
        }
        RUNNING.with(|r| r.set(s));
        // Each pass runs every live thread to its next barrier (or its end);
        // the last one of the pass switches back here.
        while !(*s).alive.is_empty() {
            (*s).pos = 0;
            let first = (&(*s).fibers)[(&(*s).alive)[0] as usize].sp;
            iree_host_fiber_switch(addr_of_mut!((*s).main_sp), first);
            let done = &(*s).done;
            (*s).alive.retain(|&i| !done[i as usize]);
        }
        RUNNING.with(|r| r.set(ptr::null_mut()));
    }
    Ok(())
}
