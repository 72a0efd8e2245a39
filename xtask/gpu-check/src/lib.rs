//! The device side of `cargo xtask gpu-check` (docs/GPU.md): `gpu-bench`,
//! whose figures compare the runtime's launch path with the CUDA driver
//! called directly, on the same kernel bytes in the same process.
#![warn(missing_docs)]

pub mod bench;
pub mod cuda;
pub mod figure;
pub mod kernels;
pub mod replay;
pub mod simple_mul;
pub mod variant;
