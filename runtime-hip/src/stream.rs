//! Streams: ordered queues of launches.
//!
//! A [`Stream`] belongs to one device; launches queued on it run in order,
//! launches on different streams may overlap unless they share a buffer
//! that one of them writes: then the later one waits for the earlier one
//! (see the safety argument in [`crate::memory`]). Host copies through a
//! stream ([`Stream::read`], [`Stream::write`]) wait for the work that uses
//! the slice's buffer, on any stream.

use std::sync::Arc;

use crate::backend::BackendStream;
use crate::command_buffer::Recorder;
use crate::device::Device;
use crate::memory::{read_slice, write_slice, DeviceSlice, Pod};
use crate::Error;

/// A queue of launches on one device, executed in order.
#[derive(Clone)]
pub struct Stream {
    device: Device,
    pub(crate) inner: Arc<dyn BackendStream>,
    /// Set on the stream a [`CommandBuffer::record`](crate::CommandBuffer::record)
    /// closure gets: launches and device copies are recorded, not queued.
    recorder: Option<Arc<Recorder>>,
}

impl Stream {
    pub(crate) fn new(device: Device, inner: Arc<dyn BackendStream>) -> Stream {
        Stream {
            device,
            inner,
            recorder: None,
        }
    }

    /// A stream that records into `recorder` instead of queuing.
    pub(crate) fn recording(device: Device, recorder: Arc<Recorder>) -> Stream {
        Stream {
            device,
            inner: Arc::new(crate::command_buffer::NotAStream),
            recorder: Some(recorder),
        }
    }

    /// The command buffer being recorded through this stream, if any.
    pub(crate) fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_deref()
    }

    /// `Err` naming `what` when this stream records a command buffer, which
    /// holds device work only.
    pub(crate) fn not_recording(&self, what: &str) -> Result<(), Error> {
        match &self.recorder {
            None => Ok(()),
            Some(_) => Err(Error::BadTransfer {
                reason: format!(
                    "{what} cannot be recorded in a command buffer (it holds launches, device \
                     copies and fills); do it on a stream before or after the replay"
                ),
            }),
        }
    }

    /// The device this stream queues work on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// This stream's process-unique number, as errors name it
    /// ([`Error::KernelFailed`]).
    pub fn id(&self) -> u64 {
        self.inner.id()
    }

    /// Waits until everything queued on this stream so far has finished;
    /// then reports the first failure of this stream's work not reported
    /// yet ([`Error::KernelFailed`]), once. Called from inside a kernel of
    /// this stream (a kernel calling back into Rust), returns
    /// [`Error::WaitInsideKernel`] instead of waiting forever.
    pub fn synchronize(&self) -> Result<(), Error> {
        self.inner.synchronize()
    }

    /// Copies a device slice to the host, after waiting for the work that
    /// writes its buffer. `Err(ForeignBuffer)` if the slice is not memory
    /// of this stream's device; `Err(KernelFailed)` if the last launch that
    /// wrote the buffer failed.
    pub fn read<T: Pod>(&self, slice: &DeviceSlice<T>) -> Result<Vec<T>, Error> {
        self.not_recording("a host read")?;
        read_slice(&self.device, slice)
    }

    /// Overwrites a device slice with `data` (same length), after waiting for
    /// all work that uses its buffer. `Err(ForeignBuffer)` if the slice is not
    /// memory of this stream's device, `Err(OutOfBounds)` if the lengths
    /// differ.
    pub fn write<T: Pod>(&self, slice: &mut DeviceSlice<T>, data: &[T]) -> Result<(), Error> {
        self.not_recording("a host write")?;
        write_slice(&self.device, slice, data)
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stream on {:?}", self.device)
    }
}
