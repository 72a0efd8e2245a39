//! Devices: opening a platform, its properties and limits. (Skeleton.)

use crate::memory::{DeviceBuffer, Pod};
use crate::stream::Stream;
use crate::target::{Platform, TargetId};
use crate::Error;

/// Limits a launch is checked against, and what `count` closures may query
/// (the `!hal.device` of IREE's count region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest block size per dimension.
    pub max_block_dims: [u32; 3],
    /// Largest product of block dimensions.
    pub max_threads_per_block: u32,
    /// Largest grid size (workgroup count) per dimension.
    pub max_grid_dims: [u32; 3],
    /// Shared (LDS) memory available to one block, in bytes.
    pub shared_memory_per_block: u32,
    /// Threads per warp/wavefront.
    pub warp_size: u32,
    /// Multiprocessors (CUs, SMs; worker threads on the host).
    pub multiprocessor_count: u32,
}

/// What a device is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Marketing name as the driver reports it.
    pub name: String,
    /// Platform it belongs to.
    pub platform: Platform,
    /// Ordinal within its platform.
    pub ordinal: usize,
    /// The device's own target id (`gfx90a:sramecc+:xnack-`, `sm_90`, `host`).
    pub target: TargetId,
    /// Launch limits.
    pub limits: Limits,
}

/// An opened device. Cheap to clone; usable from several threads.
#[derive(Clone)]
pub struct Device {
    _private: (),
}

impl Device {
    /// The best device present: AMD, else NVIDIA, else the host.
    /// `IREE_DEVICE=amd|nvidia|host[:N]` picks one explicitly.
    #[allow(clippy::should_implement_trait)]
    pub fn default() -> Result<Device, Error> {
        todo!()
    }
    /// Name, target and limits.
    pub fn info(&self) -> &DeviceInfo {
        todo!()
    }
    /// Shorthand for `info().target`.
    pub fn target(&self) -> &TargetId {
        &self.info().target
    }
    /// Shorthand for `info().limits`.
    pub fn limits(&self) -> &Limits {
        &self.info().limits
    }
    /// A new stream on this device.
    pub fn stream(&self) -> Result<Stream, Error> {
        todo!()
    }
    /// Copies `data` into a new buffer.
    pub fn upload<T: Pod>(&self, data: &[T]) -> Result<DeviceBuffer<T>, Error> {
        let _ = data;
        todo!()
    }
    /// A new zero-filled buffer of `len` elements.
    pub fn alloc_zeroed<T: Pod>(&self, len: usize) -> Result<DeviceBuffer<T>, Error> {
        let _ = len;
        todo!()
    }
    /// Waits for all work on all streams of this device.
    pub fn synchronize(&self) -> Result<(), Error> {
        todo!()
    }
}
