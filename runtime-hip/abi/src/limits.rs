//! Limits of one dispatch, the same on every target: what the build
//! verifies, the macro reports and the runtime's argument packing holds.

/// Most bindings one dispatch may have: IREE's
/// `IREE_HAL_HIP_MAX_DISPATCH_BINDING_COUNT` (16, in
/// `runtime/src/iree/hal/drivers/hip/native_executable.h`), so declarations
/// stay portable to IREE.
pub const MAX_BINDINGS: usize = 16;

/// Most 32-bit push constants one dispatch may have: IREE's
/// `IREE_HAL_HIP_MAX_DISPATCH_CONSTANT_COUNT` (64, same header).
pub const MAX_CONSTANTS: usize = 64;

/// Most threads in one workgroup on every platform we target (HIP and CUDA
/// both cap a block at 1024 threads).
pub const MAX_WORKGROUP_THREADS: u32 = 1024;

/// Threads in a workgroup of `size`, or `None` when the product overflows
/// a `u32` (no device runs such a workgroup; the caller reports it).
pub fn workgroup_threads(size: [u32; 3]) -> Option<u32> {
    size[0].checked_mul(size[1])?.checked_mul(size[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_overflow_is_none() {
        assert_eq!(workgroup_threads([32, 4, 2]), Some(256));
        assert_eq!(workgroup_threads([u32::MAX, 2, 1]), None);
    }
}
