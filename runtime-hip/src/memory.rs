//! Device memory. (Skeleton: see the runtime issue for the safety argument
//! this module must carry.)

use std::marker::PhantomData;

/// Element types that may live in device memory: plain bytes, no padding,
/// any bit pattern valid.
pub use bytemuck::Pod;

/// An owned allocation of `len` elements of `T` on one device.
pub struct DeviceBuffer<T: Pod> {
    _t: PhantomData<T>,
}

/// A borrowed range of device memory, as `[T]` is of host memory.
///
/// Unsized (like `[T]`) so that `&mut DeviceSlice<T>` cannot be swapped out
/// from under its owner: the only way to hold two writable slices at once is
/// `split_at_mut`, which makes them disjoint.
pub struct DeviceSlice<T> {
    _t: PhantomData<T>,
    _unsized: [()],
}
