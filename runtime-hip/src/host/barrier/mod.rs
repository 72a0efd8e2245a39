//! Barrier kernels: each thread of a block on its own stack, taking turns
//! at `__syncthreads()` on the worker that runs the block.
//!
//! Two implementations with the same interface: symmetric fibers
//! (`fiber.rs`, x86-64 Linux only, the default there) and corosensei
//! coroutines (`coroutine.rs`, the default everywhere else). Both are
//! compiled wherever fibers are, and a device picks one ([`Switch`]), so
//! that the tests on x86-64 run the barrier kernels through the coroutines
//! too; in the product every device uses [`Switch::DEFAULT`].

use std::cell::Cell;
use std::ffi::c_void;

use super::abi::{HostKernelFn, HostLaunch};

mod coroutine;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod fiber;

/// Default stack size of one kernel thread. Kernel threads are small (a few
/// locals), but may call libm or `printf`; the memory is reserved, and only
/// touched pages are committed. Each stack has a guard page below it: a
/// kernel thread that overflows it crashes the process, as a GPU would
/// fault. Stacks are reused across blocks. `IREE_HOST_STACK_SIZE` (bytes,
/// at least [`MIN_STACK_SIZE`]) overrides it.
pub(crate) const STACK_SIZE: usize = 256 * 1024;
/// The smallest stack `IREE_HOST_STACK_SIZE` may ask for: room for the
/// colour offset (up to 4032 bytes) and a few kernel frames.
pub(crate) const MIN_STACK_SIZE: usize = 16 * 1024;

/// The stack size of kernel threads: `IREE_HOST_STACK_SIZE` if set to a
/// number of bytes (raised to [`MIN_STACK_SIZE`]), else [`STACK_SIZE`].
/// Read once per process.
pub(crate) fn stack_size() -> usize {
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var("IREE_HOST_STACK_SIZE")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map_or(STACK_SIZE, |n| n.max(MIN_STACK_SIZE))
    })
}

/// How the threads of a barrier kernel's block take turns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Switch {
    /// Symmetric fibers (`fiber.rs`): one switch per thread per barrier.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    Fibers,
    /// Stackful coroutines (`coroutine.rs`): two switches per thread per
    /// barrier, through the worker. Not for `IREE_HOST_CHECK`, whose fault
    /// handler knows how to leave a fiber only. Where fibers exist, only
    /// tests choose it.
    #[cfg_attr(
        all(not(test), target_arch = "x86_64", target_os = "linux"),
        allow(dead_code)
    )]
    Coroutines,
}

impl Switch {
    /// What every host device uses: fibers where they exist.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(crate) const DEFAULT: Switch = Switch::Fibers;
    /// What every host device uses: fibers where they exist.
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    pub(crate) const DEFAULT: Switch = Switch::Coroutines;

    /// Every way this target can switch, for the tests to run each.
    #[cfg(test)]
    pub(crate) const ALL: &'static [Switch] = &[
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        Switch::Fibers,
        Switch::Coroutines,
    ];
}

thread_local! {
    /// Set when `__iree_host_barrier` is reached outside a block's fibers or
    /// coroutines: a kernel launched through its `block` loop although it
    /// has a barrier.
    static MISUSED: Cell<bool> = const { Cell::new(false) };
}

/// `__syncthreads()` of host kernels: hands the worker to the next thread
/// of the block; the caller continues when every thread of its block has
/// arrived here (or returned).
///
/// Called only from host kernel code: the host HIP header's
/// `__syncthreads()` and warp operations wait by calling it until their
/// condition holds (the header keeps the block's barrier and warp state,
/// `iree_host_warp.h`), so here it is one turn of the block's threads; a
/// kernel linked into the program resolves its reference to this symbol.
/// Fibers and coroutines both start a block's threads in order, thread 0
/// first, which the header relies on to reset that state. Outside a barrier kernel's threads it does
/// nothing but record the misuse, which the launch then reports as an error.
#[no_mangle]
pub extern "C" fn __iree_host_barrier() {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    if fiber::barrier() {
        return;
    }
    if !coroutine::barrier() {
        MISUSED.with(|m| m.set(true));
    }
}

/// Keeps `__iree_host_barrier` in every program that links this crate, even
/// through LTO: host objects reference it from outside Rust's view.
#[used]
static KEEP_BARRIER: extern "C" fn() = __iree_host_barrier;

/// Takes (and clears) the misuse flag of this OS thread.
pub(crate) fn take_misuse() -> bool {
    MISUSED.with(|m| m.replace(false))
}

/// Forgets the block a fiber was running on this OS thread when
/// `IREE_HOST_CHECK` (`check.rs`) jumped out of one of its kernel threads
/// (see `fiber.rs`).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn abandon_block() {
    fiber::abandon_block();
}

/// Runs all threads of the block `launch.block_idx` on this OS thread, the
/// way `switch` says, until all of them have returned.
///
/// # Safety
/// `thread` is the `thread` entry of a kernel whose parameters are `args`
/// (as [`HostKernelFn`] requires), and `args` stays valid until this returns.
pub(crate) unsafe fn run_block(
    switch: Switch,
    thread: HostKernelFn,
    launch: &HostLaunch,
    args: *const *mut c_void,
) -> Result<(), String> {
    // SAFETY: the contract is each implementation's.
    unsafe {
        match switch {
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            Switch::Fibers => fiber::run_block(thread, launch, args),
            Switch::Coroutines => coroutine::run_block(thread, launch, args),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Switch;

    /// The product's choice is the one it was before both were compiled:
    /// fibers on x86-64 Linux, coroutines elsewhere.
    #[test]
    fn devices_use_fibers_exactly_where_they_exist() {
        let fibers = cfg!(all(target_arch = "x86_64", target_os = "linux"));
        assert_eq!(format!("{:?}", Switch::DEFAULT) == "Fibers", fibers);
        assert_eq!(Switch::ALL.len(), if fibers { 2 } else { 1 });
    }
}
