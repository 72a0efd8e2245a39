//! The host platform: HIP kernels compiled for the CPU, run by a grid
//! executor. (Skeleton: the host-platform issue fills it in.)
mod abi;
pub use abi::{HostEntry, HostKernelFn, HostLaunch};
