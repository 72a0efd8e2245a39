//! Device memory: the owned [`DeviceBuffer`] and the borrowed
//! [`DeviceSlice`], which are to device memory what `Vec<T>` and `[T]` are
//! to host memory.
//!
//! # Why safe code cannot observe a data race on device memory
//!
//! Kernels run asynchronously: a launch returns once it is queued, and
//! launches on different streams may run at the same time. Each allocation
//! of a device therefore records, as fences (driver events on GPUs, a
//! completion flag per launch on the host; see `hazards`), the last launch
//! that **wrote** it and the launches that **read** it since. Four rules,
//! each enforced at the one place it can be broken, follow from that:
//!
//! 1. **Host reads wait for the writer; host writes for every use.**
//!    [`DeviceBuffer::download`] and [`Stream::read`] wait for the
//!    allocation's last writer, then copy: no half-written result is ever
//!    seen, and no new writer can be queued meanwhile because a writable
//!    launch needs `&mut` and the read holds `&`. Launches that only read
//!    the buffer may still run: concurrent reads are no race.
//!    [`DeviceBuffer::copy_from`] and [`Stream::write`] wait for the writer
//!    and every reader, so an upload never changes what a kernel reads.
//!    Nothing else on the device is waited for.
//! 2. **Frees wait for every use.** Dropping a [`DeviceBuffer`] waits for
//!    every launch that bound it, on every stream, whether it failed or
//!    not, and only then frees. A launch borrows its bindings only for the
//!    call (`Binding<'a>`); the borrow may end while the kernel runs, and
//!    this rule is what makes that sound. When the fences cannot say that
//!    the work is over (a GPU driver error while waiting, a fence that
//!    could not be created, a drop from inside a kernel using the buffer),
//!    the memory is leaked, never freed early.
//! 3. **Launches sharing a buffer are ordered, across streams.** A launch
//!    that writes an allocation is queued behind its last writer and every
//!    reader (on the device: `hipStreamWaitEvent` / `cuStreamWaitEvent`; on
//!    the host, the stream's thread waits); one that only reads it behind
//!    the writer. The fences are read and the launch queued under one lock
//!    per device, so two threads launching on two streams cannot both miss
//!    each other. Ordering is per allocation: two launches writing disjoint
//!    halves of one buffer on two streams are ordered too (less overlap,
//!    never a race).
//! 4. **Writable bindings are exclusive within a launch.** A kernel may
//!    write a binding only when the launch got it from `&mut
//!    DeviceSlice<T>` ([`DeviceSlice::binding_mut`]), so within one launch
//!    nothing else aliases it; two writable views of one buffer exist only
//!    through [`DeviceSlice::split_at_mut`], which makes them disjoint.
//!    Every binding is checked, before every launch, to lie inside a live
//!    allocation of the launch's device.
//!
//! Failures do not weaken any rule: a launch that fails while it runs is
//! still waited for (its fence completes), and its error
//! ([`Error::KernelFailed`]) goes to its own stream and to host reads of
//! what it wrote, never to unrelated callers.
//!
//! # What remains the kernel's responsibility
//!
//! The runtime sees addresses and lengths, not what kernel code does with
//! them. Still the kernel's (and its declaration's) business, as on any GPU
//! API, and the reason [`Kernel::launch`] is `unsafe`:
//!
//! * staying within each binding's length (on the host an out-of-bounds
//!   index corrupts this process, not a device);
//! * writing only the bindings it was given writable: a `&DeviceSlice<T>`
//!   binding is shared with concurrent readers and the host, so a kernel
//!   writing it races with them (the build checks declarations against the
//!   compiled kernels; the runtime cannot);
//! * parameter types and order, checked at build time by
//!   `#[extern_dispatch]`, not here;
//! * races between the threads of one launch (two threads writing one
//!   element without atomics), and barriers every thread of a block
//!   reaches;
//! * memory reached other than through bindings (an address from
//!   [`DeviceSlice::device_address`] passed as a scalar is neither checked
//!   nor ordered).
//!
//! # Why `DeviceSlice` is unsized
//!
//! `DeviceSlice<T>` is a dynamically sized type like `[T]`: a
//! `&DeviceSlice<T>` is a fat pointer whose data pointer is the *device*
//! address and whose length is the element count. Its pointee is
//! `PhantomData<T>` followed by `[()]`, so `size_of_val` is 0 for any
//! length: the reference is valid without pointing at host memory (Rust
//! requires only non-null and alignment 1 for a zero-sized pointee, which
//! is why empty buffers use address 1), and nothing can ever read through
//! it. Being unsized also closes the aliasing hole a sized handle would
//! have: with `&mut DeviceSlice<T>` one cannot `mem::swap` a sub-slice into
//! the place of its owner (or vice versa), because unsized values cannot be
//! moved out or swapped. The owner ([`DeviceBuffer`]) keeps the allocation,
//! the device and the length; slices only ever narrow it.
//!
//! [`Stream::read`]: crate::Stream::read
//! [`Stream::write`]: crate::Stream::write
//! [`Kernel::launch`]: crate::dispatch::Kernel::launch

use std::marker::PhantomData;
use std::ops::{Bound, Deref, DerefMut, RangeBounds};

use crate::backend::{DevicePtr, FenceRef, WaitError};
use crate::device::Device;
use crate::Error;

#[cfg(not(target_pointer_width = "64"))]
compile_error!("runtime-hip keeps 64-bit device addresses in pointers: it needs a 64-bit host");

/// Element types that may live in device memory: plain bytes, no padding,
/// any bit pattern valid.
pub use bytemuck::Pod;

/// An owned allocation of `len` elements of `T` on one device.
///
/// Dereferences to [`DeviceSlice<T>`] for slicing and for passing to
/// launches. Dropping it waits for every launch that used it (on any
/// stream), then frees the memory.
pub struct DeviceBuffer<T: Pod> {
    device: Device,
    /// 0 when `bytes == 0` (nothing allocated).
    ptr: DevicePtr,
    len: usize,
    _t: PhantomData<T>,
}

/// A borrowed range of device memory, as `[T]` is of host memory.
///
/// Unsized (like `[T]`) so that `&mut DeviceSlice<T>` cannot be swapped out
/// from under its owner: the only way to hold two writable slices at once is
/// `split_at_mut`, which makes them disjoint. See the [module
/// documentation](self) for the full argument.
pub struct DeviceSlice<T> {
    _t: PhantomData<T>,
    _unsized: [()],
}

fn byte_len<T>(len: usize) -> Result<usize, Error> {
    len.checked_mul(size_of::<T>()).ok_or(Error::SizeOverflow {
        len,
        elem_size: size_of::<T>(),
    })
}

impl<T: Pod> DeviceBuffer<T> {
    /// A zero-filled buffer; zero bytes allocate nothing.
    pub(crate) fn alloc_zeroed(device: &Device, len: usize) -> Result<DeviceBuffer<T>, Error> {
        let bytes = byte_len::<T>(len)?;
        let ptr = if bytes == 0 {
            0
        } else {
            let ptr = device.backend().alloc_zeroed(bytes)?;
            device.hazards().insert(ptr, bytes);
            ptr
        };
        Ok(DeviceBuffer {
            device: device.clone(),
            ptr,
            len,
            _t: PhantomData,
        })
    }

    /// A buffer holding a copy of `data`.
    pub(crate) fn upload(device: &Device, data: &[T]) -> Result<DeviceBuffer<T>, Error> {
        let buf = DeviceBuffer::alloc_zeroed(device, data.len())?;
        let src: &[u8] = bytemuck::cast_slice(data);
        if !src.is_empty() {
            // SAFETY: the allocation is fresh (no work can use it yet) and
            // exactly `src.len()` bytes long.
            unsafe { device.backend().copy_h2d(buf.ptr, src)? };
        }
        Ok(buf)
    }

    /// The device this buffer lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Copies the buffer to the host, after waiting for the work that writes
    /// it (rule 1 of the module documentation). `Err(KernelFailed)` when
    /// the last launch that wrote it failed.
    pub fn download(&self) -> Result<Vec<T>, Error> {
        read_slice(&self.device, self)
    }

    /// Overwrites the buffer with `data` (same length), after waiting for
    /// all work that uses it.
    pub fn copy_from(&mut self, data: &[T]) -> Result<(), Error> {
        let device = self.device.clone();
        write_slice(&device, self, data)
    }
}

/// Waits for every fence, then returns the first error; with
/// `tolerate_failures`, a failure of work that is over is no error.
pub(crate) fn wait_all(fences: &[FenceRef], tolerate_failures: bool) -> Result<(), Error> {
    let mut first = Ok(());
    for f in fences {
        let e = match f.wait() {
            Ok(()) => continue,
            Err(WaitError::Failed(_)) if tolerate_failures => continue,
            Err(e) => e.into_error(),
        };
        if first.is_ok() {
            first = Err(e);
        }
    }
    first
}

/// Host read of device memory: check, wait for the writer (rule 1), copy.
pub(crate) fn read_slice<T: Pod>(device: &Device, s: &DeviceSlice<T>) -> Result<Vec<T>, Error> {
    let mut out = vec![T::zeroed(); s.len()];
    let bytes = s.byte_len();
    if bytes == 0 {
        return Ok(out);
    }
    device.backend().check_binding(s.addr(), bytes)?;
    wait_all(&device.hazards().host_access(s.addr(), false), false)?;
    // SAFETY: `check_binding` found the range inside a live allocation of
    // this device, borrowed by `s` so it cannot be freed meanwhile; the
    // last launch that wrote that allocation is done (waited for above),
    // and no later one can be queued while `s` is borrowed shared, since
    // writable launches need `&mut`. Launches that only read it may run:
    // concurrent reads are no race.
    unsafe {
        device
            .backend()
            .copy_d2h(bytemuck::cast_slice_mut(&mut out), s.addr())?
    };
    Ok(out)
}

/// Host write of device memory: check, wait for every use (rule 1), copy.
pub(crate) fn write_slice<T: Pod>(
    device: &Device,
    s: &mut DeviceSlice<T>,
    data: &[T],
) -> Result<(), Error> {
    if data.len() != s.len() {
        return Err(Error::OutOfBounds(format!(
            "copying {} elements into a device slice of {}",
            data.len(),
            s.len()
        )));
    }
    let bytes = s.byte_len();
    if bytes == 0 {
        return Ok(());
    }
    device.backend().check_binding(s.addr(), bytes)?;
    // A failed launch is done too: overwriting what it left is fine.
    wait_all(&device.hazards().host_access(s.addr(), true), true)?;
    // SAFETY: as in `read_slice`, with every launch that reads or writes
    // the allocation done, and `&mut` excluding other host access and new
    // launches using the slice.
    unsafe {
        device
            .backend()
            .copy_h2d(s.addr(), bytemuck::cast_slice(data))?
    };
    device.hazards().overwritten(s.addr(), bytes);
    Ok(())
}

impl<T: Pod> Deref for DeviceBuffer<T> {
    type Target = DeviceSlice<T>;
    fn deref(&self) -> &DeviceSlice<T> {
        // SAFETY: see `DeviceSlice::from_raw`; the buffer owns the range.
        unsafe { DeviceSlice::from_raw(self.ptr, self.len) }
    }
}

impl<T: Pod> DerefMut for DeviceBuffer<T> {
    fn deref_mut(&mut self) -> &mut DeviceSlice<T> {
        // SAFETY: as in `deref`; `&mut self` makes the result unique.
        unsafe { DeviceSlice::from_raw_mut(self.ptr, self.len) }
    }
}

impl<T: Pod> Drop for DeviceBuffer<T> {
    fn drop(&mut self) {
        if self.ptr == 0 {
            return;
        }
        // Rule 2: wait for every launch that used the memory, on every
        // stream, failed or not. When that cannot be known (the driver
        // cannot say whether an event completed, or the drop runs inside a
        // kernel using the buffer), the memory is leaked, never freed
        // early. Nothing else is waited for and no stream's error is
        // consumed here.
        let done = self
            .device
            .hazards()
            .remove(self.ptr)
            .is_some_and(|fences| wait_all(&fences, true).is_ok());
        if !done {
            return;
        }
        // SAFETY: allocated by this device's backend, freed once, and no
        // queued work uses it: every launch that bound it recorded its
        // fence in `hazards` (under the lock that also queued it), and
        // all of those fences are done.
        unsafe { self.device.backend().free(self.ptr) };
    }
}

impl<T: Pod> std::fmt::Debug for DeviceBuffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceBuffer<{}>({} elements at {:#x} on {:?})",
            std::any::type_name::<T>(),
            self.len,
            self.ptr,
            self.device
        )
    }
}

fn bounds(range: impl RangeBounds<usize>, len: usize) -> Option<(usize, usize)> {
    let start = match range.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => s.checked_add(1)?,
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => e.checked_add(1)?,
        Bound::Excluded(&e) => e,
        Bound::Unbounded => len,
    };
    (start <= end && end <= len).then_some((start, end))
}

impl<T> DeviceSlice<T> {
    /// A slice reference for `len` elements at device address `ptr`
    /// (0 means "nothing allocated" and is mapped to the dangling address 1,
    /// since references must be non-null).
    ///
    /// # Safety
    /// The range belongs to an allocation that outlives `'a` (or `len` is
    /// such that it spans zero bytes). The reference itself is always valid
    /// (its pointee has size 0); the requirement keeps the *meaning* sound.
    unsafe fn from_raw<'a>(ptr: DevicePtr, len: usize) -> &'a DeviceSlice<T> {
        let p = std::ptr::slice_from_raw_parts(
            std::ptr::without_provenance::<()>(ptr.max(1) as usize),
            len,
        ) as *const DeviceSlice<T>;
        // SAFETY: non-null, alignment 1 and size 0, so dereferenceable.
        unsafe { &*p }
    }

    /// As [`DeviceSlice::from_raw`], for a unique reference.
    ///
    /// # Safety
    /// As `from_raw`, and no other reference to this range is live.
    unsafe fn from_raw_mut<'a>(ptr: DevicePtr, len: usize) -> &'a mut DeviceSlice<T> {
        let p = std::ptr::slice_from_raw_parts_mut(
            std::ptr::without_provenance_mut::<()>(ptr.max(1) as usize),
            len,
        ) as *mut DeviceSlice<T>;
        // SAFETY: non-null, alignment 1 and size 0, so dereferenceable.
        unsafe { &mut *p }
    }

    /// The device address of the first element (meaningless when empty).
    pub(crate) fn addr(&self) -> DevicePtr {
        (self as *const DeviceSlice<T>).cast::<()>().addr() as DevicePtr
    }

    /// The device address of the first element, for interop with other GPU
    /// code; a dangling non-null value for an empty slice.
    pub fn device_address(&self) -> u64 {
        self.addr()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self._unsized.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size in bytes.
    pub fn byte_len(&self) -> usize {
        // Cannot overflow: the owning buffer checked `len * size_of::<T>()`
        // and slices only narrow it.
        self.len() * size_of::<T>()
    }

    fn offset(&self, start: usize) -> DevicePtr {
        if self.byte_len() == 0 {
            self.addr()
        } else {
            self.addr() + (start * size_of::<T>()) as u64
        }
    }

    /// The elements in `range`, or `None` when it is out of bounds.
    pub fn get(&self, range: impl RangeBounds<usize>) -> Option<&DeviceSlice<T>> {
        let (s, e) = bounds(range, self.len())?;
        // SAFETY: a sub-range of `self`, borrowed for as long as `self`.
        Some(unsafe { DeviceSlice::from_raw(self.offset(s), e - s) })
    }

    /// The elements in `range`, mutably, or `None` when out of bounds.
    pub fn get_mut(&mut self, range: impl RangeBounds<usize>) -> Option<&mut DeviceSlice<T>> {
        let (s, e) = bounds(range, self.len())?;
        // SAFETY: a sub-range of `self`, uniquely borrowed from it.
        Some(unsafe { DeviceSlice::from_raw_mut(self.offset(s), e - s) })
    }

    /// The elements in `range`.
    ///
    /// # Panics
    /// When `range` is out of bounds, like slice indexing; use
    /// [`DeviceSlice::get`] for an `Option`.
    pub fn slice(&self, range: impl RangeBounds<usize> + std::fmt::Debug) -> &DeviceSlice<T> {
        let len = self.len();
        let msg = format!("range {range:?} out of bounds for a device slice of {len}");
        self.get(range).expect(&msg)
    }

    /// The elements in `range`, mutably.
    ///
    /// # Panics
    /// When `range` is out of bounds.
    pub fn slice_mut(
        &mut self,
        range: impl RangeBounds<usize> + std::fmt::Debug,
    ) -> &mut DeviceSlice<T> {
        let len = self.len();
        let msg = format!("range {range:?} out of bounds for a device slice of {len}");
        self.get_mut(range).expect(&msg)
    }

    /// Two shared halves at `mid`.
    ///
    /// # Panics
    /// When `mid > len`.
    pub fn split_at(&self, mid: usize) -> (&DeviceSlice<T>, &DeviceSlice<T>) {
        (self.slice(..mid), self.slice(mid..))
    }

    /// Two disjoint writable halves at `mid`, e.g. to bind both to one
    /// launch.
    ///
    /// # Panics
    /// When `mid > len`.
    pub fn split_at_mut(&mut self, mid: usize) -> (&mut DeviceSlice<T>, &mut DeviceSlice<T>) {
        let len = self.len();
        assert!(mid <= len, "split at {mid} of a device slice of {len}");
        // SAFETY: `[0, mid)` and `[mid, len)` are disjoint sub-ranges of
        // `self`, which is uniquely borrowed for the lifetime of both.
        unsafe {
            (
                DeviceSlice::from_raw_mut(self.offset(0), mid),
                DeviceSlice::from_raw_mut(self.offset(mid), len - mid),
            )
        }
    }
}

impl<T> std::fmt::Debug for DeviceSlice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceSlice<{}>({} elements at {:#x})",
            std::any::type_name::<T>(),
            self.len(),
            self.addr()
        )
    }
}
