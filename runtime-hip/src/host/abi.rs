//! The C ABI between host kernels (compiled by `iree-build` with its host HIP
//! header, `iree-build/include/host/hip/hip_runtime.h`) and this runtime.
//!
//! For every export `k` the build generates two entry points in the host
//! object, `__iree_host_block_k` and `__iree_host_thread_k`, both of type
//! [`HostKernelFn`]. `args` points to one pointer per kernel parameter, each
//! pointing at the parameter's value, in the kernel's parameter order and
//! aligned for its type (`kernel_args` packs them), exactly as
//! `cuLaunchKernel`'s `kernelParams`.
//!
//! * `block` runs every thread of block `launch.block_idx` as a loop (and of
//!   the `launch.block_count - 1` blocks after it along x). It is used for
//!   kernels that never reach `__syncthreads()`.
//! * `thread` runs the one thread `launch.thread_idx`; the executor runs each
//!   thread of the block as a coroutine and `__syncthreads()` (which calls
//!   [`__iree_host_barrier`](crate::host)) switches between them.
//!
//! Keep this file and the header in step: the header mirrors [`HostLaunch`],
//! and [`HOST_LAUNCH_LAYOUT`] pins the layout both sides assert.

use std::ffi::c_void;

/// What a host kernel reads for its built-in variables.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostLaunch {
    /// `gridDim`.
    pub grid_dim: [u32; 3],
    /// `blockDim`.
    pub block_dim: [u32; 3],
    /// `blockIdx`.
    pub block_idx: [u32; 3],
    /// `threadIdx` (read by `thread` entries only).
    pub thread_idx: [u32; 3],
    /// How many consecutive blocks along x, starting at `block_idx`, a
    /// `block` entry runs (0 and 1 both mean one); lets the executor hand a
    /// whole row segment of a chunk to one call. `thread` entries ignore it.
    pub block_count: u32,
    /// Address of the block's dynamic shared memory (what
    /// `HIP_DYNAMIC_SHARED` in the host header points to), as many bytes as
    /// the launch asked for, 64-byte aligned; 0 when it asked for none.
    pub dynamic_shared: u64,
}

/// The byte layout of [`HostLaunch`]: its size, then each field's name and
/// offset, in declaration order. The one source of these numbers: the const
/// assertions below make a change to the struct that disagrees with this
/// table a build error, the host header repeats them as `static_assert`s
/// (so every host kernel compile fails when the header's struct drifts),
/// and iree-build's `host_abi` test checks that the header's list is this
/// one, so the two sides cannot drift apart without a failing build.
pub const HOST_LAUNCH_LAYOUT: (usize, &[(&str, usize)]) = (
    64,
    &[
        ("grid_dim", 0),
        ("block_dim", 12),
        ("block_idx", 24),
        ("thread_idx", 36),
        ("block_count", 48),
        ("dynamic_shared", 56),
    ],
);

const _: () = {
    use std::mem::{offset_of, size_of};
    let (size, fields) = HOST_LAUNCH_LAYOUT;
    assert!(size_of::<HostLaunch>() == size);
    let actual = [
        offset_of!(HostLaunch, grid_dim),
        offset_of!(HostLaunch, block_dim),
        offset_of!(HostLaunch, block_idx),
        offset_of!(HostLaunch, thread_idx),
        offset_of!(HostLaunch, block_count),
        offset_of!(HostLaunch, dynamic_shared),
    ];
    assert!(fields.len() == actual.len());
    let mut i = 0;
    while i < actual.len() {
        assert!(
            fields[i].1 == actual[i],
            "HostLaunch drifted from HOST_LAUNCH_LAYOUT"
        );
        i += 1;
    }
};

/// Signature of `__iree_host_block_<k>` and `__iree_host_thread_<k>`.
pub type HostKernelFn = unsafe extern "C" fn(launch: *const HostLaunch, args: *const *mut c_void);

/// The entry points of one host kernel, as the `#[extern_dispatch]` wrapper
/// hands them to the runtime.
#[derive(Clone, Copy, Debug)]
pub struct HostEntry {
    /// Runs a whole block as a loop over its threads.
    pub block: HostKernelFn,
    /// Runs one thread.
    pub thread: HostKernelFn,
    /// Whether the kernel can reach `__syncthreads()` (found at build time
    /// from the host object's call graph); selects `thread` + coroutines.
    pub uses_barrier: bool,
    /// Whether iree-build's lockstep pass made `block` run whole blocks in
    /// segments (barriers included, so `uses_barrier` is then false). Such
    /// a kernel has barriers or long per-thread loops: its threads are no
    /// cheap loop iterations, so even small grids go to the worker pool.
    pub lockstep: bool,
}

/// How the host executor runs a kernel's blocks, read from its
/// [`HostEntry`]: what a program (or the benchmark) prints to say which
/// path a kernel took. The executor's grid loop branches on the same
/// fields (`uses_barrier` selects the per-thread stacks; a lockstep
/// kernel's `block` entry is a plain call to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostPath {
    /// The `block` entry: a loop over the block's threads with the kernel
    /// inlined (the kernel never reaches `__syncthreads()`).
    ThreadLoop,
    /// The `block` entry as the lockstep pass rewrote it: the block's
    /// threads resumed round-robin, segment by segment, on the worker's stack.
    Lockstep,
    /// The `thread` entry, each thread on its own stack, switched straight
    /// to the next thread at each barrier (x86-64 Linux).
    Fibers,
    /// The `thread` entry, each thread a stackful coroutine resumed by the
    /// worker (where fibers do not exist).
    Coroutines,
}

impl HostEntry {
    /// The path the executor takes for this kernel on a host device.
    pub fn path(&self) -> HostPath {
        if self.uses_barrier {
            match super::barrier::Switch::DEFAULT {
                #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
                super::barrier::Switch::Fibers => HostPath::Fibers,
                super::barrier::Switch::Coroutines => HostPath::Coroutines,
            }
        } else if self.lockstep {
            HostPath::Lockstep
        } else {
            HostPath::ThreadLoop
        }
    }
}

impl std::fmt::Display for HostPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostPath::ThreadLoop => "thread loop",
            HostPath::Lockstep => "lockstep",
            HostPath::Fibers => "fibers",
            HostPath::Coroutines => "coroutines",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn nothing(_: *const HostLaunch, _: *const *mut c_void) {}

    fn entry(uses_barrier: bool, lockstep: bool) -> HostEntry {
        HostEntry {
            block: nothing,
            thread: nothing,
            uses_barrier,
            lockstep,
        }
    }

    /// The path follows the fields the grid loop branches on: a barrier
    /// kernel gets per-thread stacks whatever the lockstep flag says.
    #[test]
    fn path_follows_the_entry() {
        assert_eq!(entry(false, false).path(), HostPath::ThreadLoop);
        assert_eq!(entry(false, true).path(), HostPath::Lockstep);
        let stacks = entry(true, false).path();
        assert_eq!(entry(true, true).path(), stacks);
        let fibers = cfg!(all(target_arch = "x86_64", target_os = "linux"));
        assert_eq!(
            stacks,
            if fibers {
                HostPath::Fibers
            } else {
                HostPath::Coroutines
            }
        );
        assert_eq!(HostPath::ThreadLoop.to_string(), "thread loop");
    }
}
