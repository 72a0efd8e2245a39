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
