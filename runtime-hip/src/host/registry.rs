//! The live allocations of one host device.

use std::alloc::{self, Layout};
use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::backend::DevicePtr;
use crate::Error;

/// Alignment of every host allocation (as IREE's HAL allocator guarantees
/// at least 64 bytes, and a cache line).
pub(crate) const ALIGN: usize = 64;

/// Start address → length of every live allocation.
#[derive(Default)]
pub(crate) struct Registry {
    live: Mutex<BTreeMap<DevicePtr, usize>>,
}

fn alloc_error(bytes: usize, why: &str) -> Error {
    Error::OutOfMemory {
        bytes,
        device: "host:0".to_string(),
        reason: why.to_string(),
    }
}

impl Registry {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<DevicePtr, usize>> {
        // The map is valid after any panic (every update is one insert or
        // remove), so a poisoned lock is still usable.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allocates `bytes` (> 0) zeroed bytes aligned to [`ALIGN`].
    pub(crate) fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error> {
        if bytes == 0 {
            return Err(alloc_error(bytes, "zero-sized allocation"));
        }
        let layout = Layout::from_size_align(bytes, ALIGN)
            .map_err(|_| alloc_error(bytes, "size overflows"))?;
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(alloc_error(bytes, "out of memory"));
        }
        let addr = ptr as DevicePtr;
        self.map().insert(addr, bytes);
        Ok(addr)
    }

    /// Frees an allocation; a pointer that is not a live allocation's start
    /// is ignored (returns false).
    pub(crate) fn free(&self, ptr: DevicePtr) -> bool {
        let Some(bytes) = self.map().remove(&ptr) else {
            return false;
        };
        // SAFETY: `ptr` was returned by `alloc_zeroed` with exactly this
        // layout (`from_size_align` succeeded then) and was live until the
        // `remove` above, which makes this the only free.
        unsafe {
            alloc::dealloc(
                ptr as *mut u8,
                Layout::from_size_align_unchecked(bytes, ALIGN),
            )
        };
        true
    }

    /// Whether `[ptr, ptr + bytes)` lies inside one live allocation. An empty
    /// range may sit at the end of an allocation (a slice of length 0), or be
    /// null (an empty buffer that owns no memory): nothing may be accessed
    /// through it either way.
    pub(crate) fn contains(&self, ptr: DevicePtr, bytes: usize) -> bool {
        if ptr == 0 {
            return bytes == 0;
        }
        let map = self.map();
        let Some((&start, &len)) = map.range(..=ptr).next_back() else {
            return false;
        };
        let (Some(end), Some(want_end)) =
            (start.checked_add(len as u64), ptr.checked_add(bytes as u64))
        else {
            return false;
        };
        want_end <= end && (bytes > 0 || ptr <= end) && (bytes == 0 || ptr < end)
    }

    /// [`Registry::contains`] as a `Result` naming the range.
    pub(crate) fn check(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        if self.contains(ptr, bytes) {
            Ok(())
        } else {
            Err(Error::ForeignBuffer {
                ptr,
                bytes,
                device: "host:0 (the range is not inside one of its live allocations: a \
                         buffer of another device, freed memory, or past the end of a buffer)"
                    .to_string(),
            })
        }
    }

    /// Number of live allocations.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map().len()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let ptrs: Vec<_> = self.map().keys().copied().collect();
        for p in ptrs {
            self.free(p);
        }
    }
}
