//! Host memory for asynchronous copies: [`HostBuffer`].
//!
//! A copy that returns before it is done (`Stream::upload`,
//! `Stream::download_into`) reads or writes host memory while the caller
//! goes on. Ordinary Rust memory (`&[T]`, a `Vec`) cannot be lent to such a
//! copy: its borrow ends when the call returns, and the memory may then be
//! written, moved or freed under the copy. A `HostBuffer` can, because it
//! tracks the copies that use it exactly as a `DeviceBuffer` tracks the
//! launches that use it (`hazards`):
//!
//! * an upload from it records itself as a **reader**: [`HostBuffer::as_mut_slice`]
//!   (the only way to write it) waits for every reader first;
//! * a download into it records itself as the **writer**:
//!   [`HostBuffer::as_slice`] and `as_mut_slice` wait for it first, and no
//!   second download or any upload can overlap it on another stream (they
//!   are queued behind it, as launches sharing a buffer are);
//! * dropping it waits for every copy that uses it, and leaks the memory
//!   when a driver cannot say that they are over.
//!
//! The borrow rules do the rest: a download needs `&mut HostBuffer`, which
//! no slice handed out by `as_slice` can outlive, and an upload needs only
//! `&HostBuffer`, so uploads may run while the host reads the buffer
//! (concurrent reads are no race).
//!
//! On the GPU drivers the memory is page-locked (`hipHostMalloc` /
//! `cuMemHostAlloc`, portable to every device of the driver), which is what
//! lets a copy run while the host works; on the host platform it is plain
//! memory, copied by the stream's thread.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::backend::{FenceRef, WaitError};
use crate::device::Device;
use crate::hazards::HostUses;
use crate::memory::Pod;
use crate::Error;

/// Host memory that streams copy from and into asynchronously, with the
/// copies that use it tracked (the argument is in the module documentation of `src/host_buffer.rs`).
///
/// ```
/// use runtime_hip::{Device, HostBuffer, Platform};
/// # fn main() -> Result<(), runtime_hip::Error> {
/// let device = Device::open(Platform::Host, 0)?;
/// let stream = device.stream()?;
/// let host = HostBuffer::from_slice(&device, &[1.0f32, 2.0, 3.0])?;
/// let mut buf = device.alloc_zeroed::<f32>(3)?;
/// stream.upload(&host, &mut buf)?; // returns at once
/// let mut back = HostBuffer::<f32>::new(&device, 3)?;
/// stream.download_into(&buf, &mut back)?; // ordered after the upload
/// assert_eq!(back.as_slice()?, &[1.0, 2.0, 3.0]); // waits for the download
/// # Ok(()) }
/// ```
///
/// A slice of the buffer cannot be held while a download into it is
/// queued (the download needs `&mut`):
///
/// ```compile_fail
/// # use runtime_hip::{Device, HostBuffer, Platform};
/// # fn main() -> Result<(), runtime_hip::Error> {
/// # let device = Device::open(Platform::Host, 0)?;
/// # let stream = device.stream()?;
/// # let buf = device.alloc_zeroed::<f32>(3)?;
/// let mut host = HostBuffer::<f32>::new(&device, 3)?;
/// let view = host.as_slice()?;
/// stream.download_into(&buf, &mut host)?; // error: `host` is borrowed
/// println!("{view:?}");
/// # Ok(()) }
/// ```
///
/// and ordinary memory cannot be lent to an asynchronous copy at all:
///
/// ```compile_fail
/// # use runtime_hip::{Device, Platform};
/// # fn main() -> Result<(), runtime_hip::Error> {
/// # let device = Device::open(Platform::Host, 0)?;
/// # let stream = device.stream()?;
/// # let mut buf = device.alloc_zeroed::<f32>(3)?;
/// let data = vec![1.0f32; 3];
/// stream.upload(&data[..], &mut buf)?; // error: expected `&HostBuffer<f32>`
/// # Ok(()) }
/// ```
pub struct HostBuffer<T: Pod> {
    device: Device,
    /// 0 when nothing is allocated (zero bytes).
    ptr: usize,
    len: usize,
    uses: HostUses,
    _t: PhantomData<T>,
}

// SAFETY: the buffer owns its memory like a `Vec<T>` (T: Pod is plain
// bytes); every access from any thread goes through `&self` / `&mut self`
// and the tracking's lock.
unsafe impl<T: Pod> Send for HostBuffer<T> {}
// SAFETY: `&HostBuffer` gives only shared reads (`as_slice`) and uploads
// (device reads), both after the tracking's lock.
unsafe impl<T: Pod> Sync for HostBuffer<T> {}

/// The most alignment an element may need: what every platform's host
/// allocation gives (64 bytes on the host, a page on the GPU drivers).
const MAX_ALIGN: usize = 64;

impl<T: Pod> HostBuffer<T> {
    /// A zero-filled buffer of `len` elements, page-locked on `device`'s
    /// driver (any stream of any device may copy with it).
    pub fn new(device: &Device, len: usize) -> Result<HostBuffer<T>, Error> {
        if align_of::<T>() > MAX_ALIGN {
            return Err(Error::BadTransfer {
                reason: format!(
                    "{} needs {}-byte alignment; host buffers give {MAX_ALIGN}",
                    std::any::type_name::<T>(),
                    align_of::<T>()
                ),
            });
        }
        let bytes = len.checked_mul(size_of::<T>()).ok_or(Error::SizeOverflow {
            len,
            elem_size: size_of::<T>(),
        })?;
        let ptr = if bytes == 0 {
            0
        } else {
            let p = device.backend().alloc_host(bytes)?;
            // SAFETY: a fresh allocation of `bytes` that nothing else uses;
            // zero bytes are a valid `T` (Pod).
            unsafe { std::ptr::write_bytes(p as *mut u8, 0, bytes) };
            p
        };
        Ok(HostBuffer {
            device: device.clone(),
            ptr,
            len,
            uses: HostUses::new(bytes),
            _t: PhantomData,
        })
    }

    /// A buffer holding a copy of `data`.
    pub fn from_slice(device: &Device, data: &[T]) -> Result<HostBuffer<T>, Error> {
        let mut b = HostBuffer::new(device, data.len())?;
        b.as_mut_slice()?.copy_from_slice(data);
        Ok(b)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size in bytes.
    pub fn byte_len(&self) -> usize {
        self.len * size_of::<T>()
    }

    /// The device whose driver allocated (and page-locked) the memory.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The elements, after waiting for a download into the buffer that is
    /// still queued or running (uploads from it may go on: they only read).
    /// `Err` when that download failed or its driver cannot say it is over:
    /// the contents are then not what was asked for.
    pub fn as_slice(&self) -> Result<&[T], Error> {
        self.wait(false)?;
        // SAFETY: the memory is `len` initialised `T`s owned by `self`; the
        // last writer is done, and no new one can be queued while the
        // result borrows `self` (a download needs `&mut`).
        Ok(unsafe { std::slice::from_raw_parts(self.data(), self.len) })
    }

    /// The elements, writable, after waiting for every copy that uses the
    /// buffer. `Err` when a driver cannot say that one is over.
    pub fn as_mut_slice(&mut self) -> Result<&mut [T], Error> {
        self.wait(true)?;
        // SAFETY: as in `as_slice`, with every reader done too, and
        // `&mut self` keeping new copies out while the result lives.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.data(), self.len) })
    }

    /// A copy of the elements in a `Vec` ([`HostBuffer::as_slice`]).
    pub fn to_vec(&self) -> Result<Vec<T>, Error> {
        Ok(self.as_slice()?.to_vec())
    }

    fn data(&self) -> *mut T {
        if self.ptr == 0 {
            NonNull::<T>::dangling().as_ptr()
        } else {
            self.ptr as *mut T
        }
    }

    /// Waits for the writer (and, for a write, the readers).
    fn wait(&self, writes: bool) -> Result<(), Error> {
        let fences: Vec<FenceRef> = self.uses.lock().host_waits(writes).ok_or_else(untracked)?;
        for f in fences {
            f.wait().map_err(WaitError::into_error)?;
        }
        Ok(())
    }

    /// The host address, for a transfer.
    pub(crate) fn addr(&self) -> usize {
        self.ptr
    }

    /// The tracking, for a transfer.
    pub(crate) fn uses(&self) -> &HostUses {
        &self.uses
    }
}

fn untracked() -> Error {
    Error::BadTransfer {
        reason: "the host buffer is used by a copy whose end cannot be known (its fence \
                 could not be made); it can no longer be read or written"
            .into(),
    }
}

impl<T: Pod> Drop for HostBuffer<T> {
    fn drop(&mut self) {
        if self.ptr == 0 {
            return;
        }
        // Wait for every copy using the memory, failed or not; when that
        // cannot be known, leak it (never free early).
        let done = self
            .uses
            .lock()
            .all_fences()
            .is_some_and(|f| crate::memory::wait_all(&f, true).is_ok());
        if done {
            // SAFETY: allocated by this device's `alloc_host(byte_len)`,
            // freed once, and every copy that used it is over.
            unsafe { self.device.backend().free_host(self.ptr, self.byte_len()) };
        }
    }
}

impl<T: Pod> std::fmt::Debug for HostBuffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HostBuffer<{}>({} elements for {:?})",
            std::any::type_name::<T>(),
            self.len,
            self.device
        )
    }
}
