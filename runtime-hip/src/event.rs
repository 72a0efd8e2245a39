//! Events: a point in a stream's work that other streams and the host can
//! wait for, query, and time ([`Stream::record`], [`Stream::wait`]).
//!
//! An event is what the runtime's own buffer tracking uses (a driver event
//! on the GPUs, a completion flag on the host) handed to the caller:
//! ordering two streams by hand is never needed for memory safety (the
//! tracking orders work that shares a buffer), but it is how a program
//! orders work that shares nothing the runtime sees, and how it measures.

use std::sync::Arc;
use std::time::Duration;

use crate::backend::{FenceRef, WaitError};
use crate::device::Device;
use crate::stream::Stream;
use crate::Error;

/// The work queued on one stream up to the moment it was recorded.
///
/// ```
/// use runtime_hip::{Device, Platform};
/// # fn main() -> Result<(), runtime_hip::Error> {
/// let device = Device::open(Platform::Host, 0)?;
/// let (a, b) = (device.stream()?, device.stream()?);
/// let start = a.record()?;
/// // … work on `a` …
/// let end = a.record()?;
/// b.wait(&end)?; // b's later work runs after a's work so far
/// end.synchronize()?;
/// assert!(end.query());
/// let _took = end.elapsed_since(&start)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Event {
    device: Device,
    stream: u64,
    fence: FenceRef,
}

impl Stream {
    /// An event for everything queued on this stream so far, with timing
    /// (a `hipEventRecord` / `cuEventRecord` of a timing event on GPUs).
    pub fn record(&self) -> Result<Event, Error> {
        self.not_recording("recording an event")?;
        Ok(Event {
            device: self.device().clone(),
            stream: self.id(),
            fence: self.inner.timed_fence()?,
        })
    }

    /// Makes the work queued on this stream from now on wait for `event`
    /// (`hipStreamWaitEvent` / `cuStreamWaitEvent`; returns at once). An
    /// event of another device of the same driver is waited for by the
    /// driver; one of another platform blocks this call until it is done.
    pub fn wait(&self, event: &Event) -> Result<(), Error> {
        self.not_recording("waiting for an event")?;
        if event.stream == self.id() || event.fence.is_done() {
            return Ok(());
        }
        self.inner.wait_fence(&event.fence)
    }
}

impl Event {
    /// Whether the work before the event is done (failed or not), without
    /// blocking.
    pub fn query(&self) -> bool {
        self.fence.is_done()
    }

    /// Blocks until the work before the event is done; `Err` when it
    /// failed ([`Error::KernelFailed`] naming the launch) or the driver
    /// cannot say.
    pub fn synchronize(&self) -> Result<(), Error> {
        self.fence.wait().map_err(WaitError::into_error)
    }

    /// The time between `start` and this event, once both are done
    /// (waits for them; work that failed counts as done). Both must be of
    /// one device (`Err(ForeignEvent)` otherwise).
    pub fn elapsed_since(&self, start: &Event) -> Result<Duration, Error> {
        if start.device != self.device {
            return Err(Error::ForeignEvent {
                reason: format!(
                    "timing an event of {} against one of {}: events are timed on one device",
                    self.device, start.device
                ),
            });
        }
        // Work that failed is over too: its time is still its time.
        for e in [start, self] {
            match e.fence.wait() {
                Ok(()) | Err(WaitError::Failed(_)) => {}
                Err(err) => return Err(err.into_error()),
            }
        }
        if Arc::ptr_eq(&start.fence, &self.fence) {
            return Ok(Duration::ZERO);
        }
        self.fence.elapsed_since(&*start.fence)
    }

    /// The device of the stream it was recorded on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The stream it was recorded on ([`Stream::id`]).
    pub fn stream_id(&self) -> u64 {
        self.stream
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Event(stream #{} on {:?}, {})",
            self.stream,
            self.device,
            if self.query() { "done" } else { "pending" }
        )
    }
}
