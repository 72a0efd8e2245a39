//! Streams: ordered queues of launches.
//!
//! A [`Stream`] belongs to one device; launches queued on it run in order,
//! launches on different streams may overlap. Host copies through a stream
//! ([`Stream::read`], [`Stream::write`]) wait for the whole device first,
//! not only this stream, because another stream may be using the same
//! buffer (see the safety argument in [`crate::memory`]).

use std::sync::Arc;

use crate::backend::BackendStream;
use crate::device::Device;
use crate::memory::{read_slice, write_slice, DeviceSlice, Pod};
use crate::Error;

/// A queue of launches on one device, executed in order.
#[derive(Clone)]
pub struct Stream {
    device: Device,
    pub(crate) inner: Arc<dyn BackendStream>,
}

impl Stream {
    pub(crate) fn new(device: Device, inner: Arc<dyn BackendStream>) -> Stream {
        Stream { device, inner }
    }

    /// The device this stream queues work on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Waits until everything queued on this stream so far has finished.
    pub fn synchronize(&self) -> Result<(), Error> {
        self.inner.synchronize()
    }

    /// Copies a device slice to the host, after waiting for all work on the
    /// device. `Err(ForeignBuffer)` if the slice is not memory of this
    /// stream's device.
    pub fn read<T: Pod>(&self, slice: &DeviceSlice<T>) -> Result<Vec<T>, Error> {
        read_slice(&self.device, slice)
    }

    /// Overwrites a device slice with `data` (same length), after waiting for
    /// all work on the device. `Err(ForeignBuffer)` if the slice is not
    /// memory of this stream's device, `Err(OutOfBounds)` if the lengths
    /// differ.
    pub fn write<T: Pod>(&self, slice: &mut DeviceSlice<T>, data: &[T]) -> Result<(), Error> {
        write_slice(&self.device, slice, data)
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stream on {:?}", self.device)
    }
}
