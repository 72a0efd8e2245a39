//! The host platform: HIP kernels compiled for the CPU, run by a grid
//! executor.
//!
//! # Compile side
//!
//! `iree-build` compiles each `.cu` for the `host` target as C++17 with the
//! host HIP header (`iree-build/include/host/hip/hip_runtime.h`):
//!
//! ```text
//! clang++-19 -x c++ -std=c++17 -O3 -fPIC -fno-exceptions -fno-rtti
//!            -ffunction-sections -I <include>/host -c wrapper.cc
//! ```
//!
//! where `wrapper.cc` includes the source and adds one `IREE_HOST_EXPORT(k)`
//! per export. The objects are linked statically into the user's program;
//! `__syncthreads()` in them calls [`__iree_host_barrier`], defined here.
//! The entry points reach the runtime as [`HostEntry`] values.
//!
//! # Run side
//!
//! * Memory is plain host memory, 64-byte aligned and zeroed, recorded in a
//!   per-device registry of live allocations.
//! * Each stream is a queue served, in order, by its own thread. A launch
//!   copies its arguments and returns at once, unless [`QUEUE_DEPTH`]
//!   launches are already queued: then it waits for room. A launch that
//!   must follow another stream's work is preceded in the queue by a wait
//!   for that work's completion.
//! * The blocks of a grid run in parallel on one process-wide worker pool
//!   (one worker per core; `IREE_HOST_THREADS=N` overrides), handed out in
//!   chunks of consecutive blocks so per-block overhead stays small. A tiny
//!   grid (one block, or a plain kernel of at most 4096 threads in all) runs
//!   on its stream's thread instead, which saves waking the pool; a barrier
//!   kernel's grid of two blocks or more always goes to the pool (its
//!   threads cost nanoseconds per barrier each, so it is never tiny).
//! * Within a block, a kernel that never reaches `__syncthreads()`
//!   (`uses_barrier == false`) runs as one call of its `block` entry, a loop
//!   over the threads into which the kernel is inlined; one call runs a
//!   whole row segment of a chunk ([`HostLaunch::block_count`]). A barrier
//!   kernel runs each thread on its own stack on the worker (`barrier/`).
//!   On x86-64 Linux (`barrier/fiber.rs`) `__syncthreads()` switches
//!   straight to the next thread of the block (one switch per thread per
//!   barrier; the last thread of a pass switches back to the worker, which
//!   starts the next pass); elsewhere (`barrier/coroutine.rs`) each thread
//!   is a stackful coroutine ([`corosensei`]), `__syncthreads()` suspends
//!   it, and the worker resumes the block's coroutines round-robin. Both
//!   are compiled on x86-64 Linux, where the tests run the barrier kernels
//!   through each. Either way the threads run in order within a pass until
//!   all have returned; a thread that has returned counts as arrived at
//!   every later barrier.
//! * Kernels compiled with iree-build's lockstep pass ([`HostEntry::lockstep`])
//!   run whole blocks, barriers included, in their `block` entry: the header's
//!   scheduler resumes the block's threads round-robin, segment by segment,
//!   on the worker's own stack (docs/ARCHITECTURE.md, "Lockstep blocks"). The
//!   runtime treats them as plain kernels except that their grids are never
//!   tiny.
//! * `__shared__` is a `thread_local` of the worker, so one copy per block in
//!   flight: a worker (or stream thread) runs one block start to end before
//!   the next one, and all coroutines of a block run on its OS thread.
//!
//! # Safety argument
//!
//! Host kernels dereference their bindings on the CPU, in this process. A
//! pointer that is not host memory of this device (a GPU address, a pointer
//! into a freed buffer, a range past the end of an allocation) would be
//! undefined behaviour in the whole process, not a device fault. So:
//!
//! * `Backend::check_binding` accepts a range only when it lies within one
//!   live allocation of this device (the registry), and the dispatch layer
//!   calls it for every binding before a launch; `launch` checks again that
//!   every binding points into a live allocation (defence in depth). The one
//!   exception is an empty range at address 0 (an empty buffer that owns no
//!   memory), through which a kernel staying in bounds accesses nothing.
//! * Copies (`copy_h2d`, `copy_d2h`) check their range the same way.
//! * Dropping a stream waits for its queued launches, and dropping the device
//!   waits for all streams, before the registry can free anything.
//! * Frees happen only after the memory module waited for the completion of
//!   every launch that bound the memory (the `free` contract), so no queued
//!   launch can still use a freed binding. A completion is set when its
//!   grid has run, failed or not, so a failure never frees early.
//! * A wait that the calling thread's own kernel would have to outlast (a
//!   kernel calling back into Rust that synchronises its stream, reads a
//!   buffer its launch writes, or launches onto its full queue) is refused
//!   with [`Error::WaitInsideKernel`] instead of deadlocking: every thread
//!   running a grid's blocks is marked with the grid's stream.
//! * What a kernel does *within* its bindings is the kernel's business, as on
//!   a GPU: an out-of-bounds index in the `.cu` source is the user's bug, and
//!   on the host it corrupts or crashes the process instead of the device.
//!   Running the test suite under AddressSanitizer catches ours, and
//!   `IREE_HOST_CHECK=1` (`check.rs`) guards every binding so that an access
//!   past its end becomes an [`Error::KernelOutOfBounds`].
//! * A panic in Rust code on a worker (the executor itself) is caught and
//!   reported as an [`Error`] by the next `synchronize`; it is never lost.
//!   Kernel code is C++ built with `-fno-exceptions` and cannot unwind.
//!
//! # Limits
//!
//! Block dims `[1024, 1024, 64]`, 1024 threads per block, grid
//! `[2^31 - 1, 65535, 65535]`, 64 KiB of dynamic shared memory (a per-worker
//! buffer, reached with `HIP_DYNAMIC_SHARED`; static `__shared__` arrays are
//! not counted, as only the build sees them), warp size 32 (64 for a kernel
//! file declaring `subgroup_size = 64`; each warp operation is a rendezvous
//! of the warp's lanes, see the header's `iree_host_warp.h`), one
//! multiprocessor per worker.
//!
//! Warp operations and `__syncthreads()` both wait through
//! [`__iree_host_barrier`], which returns once every other thread of the
//! block has called it or returned; the header keeps the block's barrier and
//! warp state, so the fibers and coroutines here only take turns.
//!
//! A barrier-free kernel compiled with iree-build's pass plugin runs its
//! threads in SIMD lanes where the CPU has AVX2 or AVX-512 ([`simd`]:
//! `IREE_HOST_SIMD=0` runs the scalar entries instead).
//!
//! Each thread of a barrier kernel has a 256 KiB stack (reserved; only the
//! touched pages cost memory; `IREE_HOST_STACK_SIZE=<bytes>`, at least
//! 16 KiB, changes it) with a guard page: a kernel thread that overflows it
//! crashes the process, as a GPU would fault. Stacks are kept per worker for
//! the largest block seen (two memory mappings each).
//!
//! [`Error`]: crate::Error
//! [`Error::KernelOutOfBounds`]: crate::Error::KernelOutOfBounds
//! [`Error::WaitInsideKernel`]: crate::Error::WaitInsideKernel

mod abi;
mod backend;
mod barrier;
mod check;
mod pool;
mod registry;
pub mod simd;
mod stream;
#[cfg(test)]
mod tests;

pub use abi::{HostEntry, HostKernelFn, HostLaunch, HOST_LAUNCH_LAYOUT};
pub(crate) use backend::open;
pub use barrier::__iree_host_barrier;
pub use stream::QUEUE_DEPTH;

/// How many host devices the platform has: `IREE_HOST_DEVICES` (1 to 64;
/// default 1). Each is a device of its own (memory, streams, buffer
/// tracking) sharing the one worker pool, so that programs and tests
/// using several devices at once run on machines without GPUs.
pub fn device_count() -> usize {
    std::env::var("IREE_HOST_DEVICES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(1)
}

/// The warp size the host platform reports: its kernels' `warpSize`
/// unless their file declares `subgroup_size = 64` (see the module docs).
pub const WARP_SIZE: u32 = iree_abi::target::HOST_WARP_SIZE;
