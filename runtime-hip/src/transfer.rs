//! Stream-ordered copies and fills: [`Stream::upload`],
//! [`Stream::download_into`], [`Stream::copy`], [`Stream::fill`] and
//! [`Stream::copy_from_device`] (between devices: a peer copy where the
//! driver has one, else staged through the host).
//!
//! Each returns once the work is queued and runs in its stream's order.
//! They take part in the same tracking as launches (`hazards`): a copy
//! writing a device buffer is its writer, one reading it a reader, so
//! launches and copies sharing a buffer are ordered across streams and a
//! buffer's drop waits for its copies. Host memory takes part through
//! [`HostBuffer`], which tracks its copies the same way; plain `&[T]` is
//! never lent to an asynchronous copy (its borrow ends with the call).

use crate::backend::Transfer;
use crate::device::Device;
use crate::hazards::{Access, HostUses};
use crate::host_buffer::HostBuffer;
use crate::memory::{read_slice, write_slice, DeviceSlice, Pod};
use crate::stream::Stream;
use crate::Error;

fn same_len(what: &str, src: usize, dst: usize) -> Result<(), Error> {
    if src != dst {
        return Err(Error::BadTransfer {
            reason: format!("{what} of {src} elements into {dst}; the lengths must be equal"),
        });
    }
    Ok(())
}

impl Stream {
    /// Copies `src` into `dst` (same length) in this stream's order and
    /// returns at once. The copy waits for work on other streams that uses
    /// `dst`; later work using `dst`, a read of it and its drop wait for
    /// the copy, and so do writing or dropping `src`.
    ///
    /// `Err(ForeignBuffer)` when `dst` is not memory of this stream's
    /// device; `Err(BadTransfer)` when the lengths differ.
    pub fn upload<T: Pod>(
        &self,
        src: &HostBuffer<T>,
        dst: &mut DeviceSlice<T>,
    ) -> Result<(), Error> {
        self.not_recording("an upload")?;
        same_len("an upload", src.len(), dst.len())?;
        let t = Transfer::ToDevice {
            dst: dst.addr(),
            src: src.addr(),
            bytes: dst.byte_len(),
        };
        // SAFETY: `dst` is checked live in `queue`; the host memory is
        // `src`'s, of the same byte length, and its tracking gets the
        // copy's fence (as a reader): its drop and writes wait for it.
        unsafe {
            self.queue(
                t,
                &[Access::new(dst.addr(), dst.byte_len(), true)],
                Some((src.uses(), false)),
            )
        }
    }

    /// Copies `src` into `dst` (same length) in this stream's order and
    /// returns at once; [`HostBuffer::as_slice`] waits for the copy. The
    /// copy waits for the work on other streams that writes `src`, and for
    /// every copy that uses `dst`.
    pub fn download_into<T: Pod>(
        &self,
        src: &DeviceSlice<T>,
        dst: &mut HostBuffer<T>,
    ) -> Result<(), Error> {
        self.not_recording("a download")?;
        same_len("a download", src.len(), dst.len())?;
        let t = Transfer::ToHost {
            dst: dst.addr(),
            src: src.addr(),
            bytes: src.byte_len(),
        };
        // SAFETY: as in `upload`, with the host memory written (the
        // buffer's writer) and `src` read.
        unsafe {
            self.queue(
                t,
                &[Access::new(src.addr(), src.byte_len(), false)],
                Some((dst.uses(), true)),
            )
        }
    }

    /// Copies `src` into `dst` (same length, both memory of this stream's
    /// device) in this stream's order and returns at once. The borrow
    /// rules keep the two disjoint (two views of one buffer only come from
    /// `split_at_mut`). For a slice of another device, see
    /// [`Stream::copy_from_device`]. Recorded, not queued, inside
    /// [`CommandBuffer::record`](crate::CommandBuffer::record).
    pub fn copy<T: Pod>(
        &self,
        src: &DeviceSlice<T>,
        dst: &mut DeviceSlice<T>,
    ) -> Result<(), Error> {
        same_len("a device copy", src.len(), dst.len())?;
        let t = Transfer::OnDevice {
            dst: dst.addr(),
            src: src.addr(),
            bytes: dst.byte_len(),
        };
        let accesses = [
            Access::new(src.addr(), src.byte_len(), false),
            Access::new(dst.addr(), dst.byte_len(), true),
        ];
        // SAFETY: both ranges are checked live in `queue`.
        unsafe { self.queue(t, &accesses, None) }
    }

    /// Sets every element of `dst` to `value` in this stream's order and
    /// returns at once: a 32-bit fill (`hipMemsetD32Async` /
    /// `cuMemsetD32Async`), so `T` must be 1, 2 or 4 bytes and `dst` a
    /// multiple of 4 bytes long (`Err(BadTransfer)` otherwise). Recorded,
    /// not queued, inside [`CommandBuffer::record`](crate::CommandBuffer::record).
    pub fn fill<T: Pod>(&self, dst: &mut DeviceSlice<T>, value: T) -> Result<(), Error> {
        let size = size_of::<T>();
        if !matches!(size, 1 | 2 | 4) || !dst.byte_len().is_multiple_of(4) {
            return Err(Error::BadTransfer {
                reason: format!(
                    "a fill of {} elements of {size} bytes: fills write 32-bit words, so the \
                     element must be 1, 2 or 4 bytes and the slice a multiple of 4 bytes",
                    dst.len()
                ),
            });
        }
        let bytes: &[u8] = bytemuck::bytes_of(&value);
        let mut word = [0u8; 4];
        for (i, w) in word.iter_mut().enumerate() {
            *w = bytes[i % size];
        }
        let t = Transfer::Fill32 {
            dst: dst.addr(),
            value: u32::from_ne_bytes(word),
            words: dst.byte_len() / 4,
        };
        // SAFETY: `dst` is checked live in `queue`.
        unsafe { self.queue(t, &[Access::new(dst.addr(), dst.byte_len(), true)], None) }
    }

    /// Copies `src`, memory of `src_device`, into `dst`, memory of this
    /// stream's device. On one device this is [`Stream::copy`]. Between
    /// two devices of one driver that can reach each other's memory
    /// (`hipDeviceCanAccessPeer` / `cuDeviceCanAccessPeer`, then peer
    /// access enabled once per pair; any two host devices) it is a peer
    /// copy (`hipMemcpyPeerAsync` / `cuMemcpyPeerAsync`) queued on this
    /// stream, returning at once; otherwise (other platforms, no peer path,
    /// a driver without the peer entry points) it is staged through the
    /// host and done when this returns.
    ///
    /// # Why both are sound
    ///
    /// Both paths keep the rules of the [`memory`](crate::memory) module,
    /// with `src` read and `dst` written, each on its own device's
    /// tracking. `src` is checked live on `src_device` and `dst` on this
    /// stream's device, under the borrows that keep them so for the call
    /// (`&` for `src`: no writer can be queued meanwhile; `&mut` for
    /// `dst`: nothing else uses it from safe code).
    ///
    /// * Staged: the download waits for the writer of `src` (as a host
    ///   read does), the upload for every user of `dst` (as a host write
    ///   does), and both are over when this returns, so nothing outlives
    ///   the borrows.
    /// * Peer: the copy outlives the borrows, so it is tracked as work on
    ///   both devices at once (`Hazards::enqueue_with_peer`, both maps
    ///   locked): it waits on the device for the writer of `src` on
    ///   `src_device`'s streams and for every user of `dst` on this
    ///   device's, and its fence is recorded as a reader of `src` and the
    ///   writer of `dst`. A later writer or free of `src`, on its own
    ///   device, waits for that fence as for any reader; a later reader,
    ///   writer or free of `dst` as for any writer. Events of one driver
    ///   can be waited for by the streams of its other devices, and host
    ///   fences by every host stream, so the waits are the same calls as
    ///   within one device.
    pub fn copy_from_device<T: Pod>(
        &self,
        src_device: &Device,
        src: &DeviceSlice<T>,
        dst: &mut DeviceSlice<T>,
    ) -> Result<(), Error> {
        if src_device == self.device() {
            return self.copy(src, dst);
        }
        self.not_recording("a copy between devices")?;
        same_len("a copy between devices", src.len(), dst.len())?;
        let bytes = dst.byte_len();
        if bytes == 0 {
            return Ok(());
        }
        let here = self.device().backend();
        src_device.backend().check_binding(src.addr(), bytes)?;
        here.check_binding(dst.addr(), bytes)?;
        let peers = match (src_device.backend().as_peer(), here.as_peer()) {
            (Some(s), Some(d)) if here.peer_access(s)? => Some((s, d)),
            _ => None,
        };
        let Some((src_peer, dst_peer)) = peers else {
            let staged = read_slice(src_device, src)?;
            return write_slice(self.device(), dst, &staged);
        };
        let t = Transfer::Peer {
            dst: dst.addr(),
            src: src.addr(),
            bytes,
            dst_device: dst_peer,
            src_device: src_peer,
        };
        let reads = [Access::new(src.addr(), bytes, false)];
        // SAFETY: both ranges were checked live on their devices just now
        // and are borrowed by the caller; the copy is recorded on both
        // devices' tracking (see above), so both outlive it.
        unsafe {
            self.device().hazards().enqueue_with_peer(
                &*self.inner,
                &[Access::new(dst.addr(), bytes, true)],
                Some((src_device.hazards(), &reads)),
                None,
                || self.inner.transfer(&t).map_err(|e| (e, false)),
            )
        }
    }

    /// Queues `t` after checking its device ranges, tracked as `accesses`
    /// and `host`, or records it into the command buffer being recorded.
    ///
    /// # Safety
    /// `accesses` are every device range `t` touches, and `host` (with
    /// whether `t` writes it) the tracking of the live host memory it
    /// touches, which stays alive until its fences are done.
    unsafe fn queue(
        &self,
        t: Transfer,
        accesses: &[Access],
        host: Option<(&HostUses, bool)>,
    ) -> Result<(), Error> {
        let device = self.device();
        for a in accesses.iter().filter(|a| a.bytes > 0) {
            device.backend().check_binding(a.ptr, a.bytes)?;
        }
        if accesses.iter().all(|a| a.bytes == 0) {
            return Ok(());
        }
        if let Some(recorder) = self.recorder() {
            return recorder.transfer(device, t, accesses);
        }
        // SAFETY: the device ranges were checked live just now and are
        // borrowed by the caller; `Hazards::enqueue` records the stream's
        // fence on them and on `host`, so both outlive the transfer.
        unsafe {
            device.hazards().enqueue(&*self.inner, accesses, host, || {
                self.inner.transfer(&t).map_err(|e| (e, false))
            })
        }
    }
}
