//! Per-buffer ordering: which queued work last wrote each allocation of a
//! device and which work reads it, as [`Fence`](crate::backend::Fence)s.
//!
//! This is what makes the rules of the [`memory`](crate::memory) module
//! hold across streams without synchronising the whole device:
//!
//! * a launch that writes an allocation first makes its stream wait for the
//!   allocation's last writer and every reader; one that only reads it
//!   waits for the writer;
//! * a host read waits for the writer only, a host write for the writer and
//!   the readers;
//! * a free waits for all of them.
//!
//! Fences on the launch's own stream are not waited for (a stream runs in
//! order), and a stream keeps at most one reader fence per allocation (its
//! latest covers the earlier ones). A writer's fence replaces the readers
//! it waited for: waiting for it waits for them, transitively. Tracking is
//! per allocation, not per sub-slice: two launches writing disjoint halves
//! of one buffer on two streams are ordered, which costs overlap but never
//! correctness.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{BackendStream, DevicePtr, FenceRef, LaunchSpec};
use crate::Error;

/// What one allocation is used by.
#[derive(Default)]
struct Uses {
    bytes: usize,
    /// Set when a launch was queued but its fence could not be made: when
    /// that work ends is unknown, so the memory is never freed.
    untracked: bool,
    writer: Option<FenceRef>,
    /// At most one per stream, none on the writer's stream after it.
    readers: Vec<FenceRef>,
}

/// One binding of a launch, as the tracker needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Access {
    pub(crate) ptr: DevicePtr,
    pub(crate) bytes: usize,
    pub(crate) writes: bool,
}

/// The uses of every live allocation of one device.
#[derive(Default)]
pub(crate) struct Hazards {
    live: Mutex<BTreeMap<DevicePtr, Uses>>,
}

fn same(a: &FenceRef, b: &FenceRef) -> bool {
    Arc::ptr_eq(a, b)
}

/// The allocation holding `ptr`.
fn find(map: &mut BTreeMap<DevicePtr, Uses>, ptr: DevicePtr) -> Option<&mut Uses> {
    let (&start, u) = map.range_mut(..=ptr).next_back()?;
    (ptr - start < u.bytes as u64).then_some(u)
}

impl Hazards {
    fn map(&self) -> MutexGuard<'_, BTreeMap<DevicePtr, Uses>> {
        // Every critical section leaves the map consistent (each entry is
        // replaced whole), so a poisoned lock is still usable.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts tracking a new allocation (nothing uses it yet).
    pub(crate) fn insert(&self, ptr: DevicePtr, bytes: usize) {
        self.map().insert(
            ptr,
            Uses {
                bytes,
                ..Uses::default()
            },
        );
    }

    /// Stops tracking `ptr` and returns every fence of work that may still
    /// use it: the free must wait for all of them. `None` when some work
    /// using it has no fence: the memory must then never be freed.
    pub(crate) fn remove(&self, ptr: DevicePtr) -> Option<Vec<FenceRef>> {
        let Some(u) = self.map().remove(&ptr) else {
            return Some(Vec::new());
        };
        (!u.untracked).then(|| u.writer.into_iter().chain(u.readers).collect())
    }

    /// The fences a host access starting at `ptr` (inside one allocation)
    /// must wait for: the writer, and for a write also the readers.
    pub(crate) fn host_access(&self, ptr: DevicePtr, writes: bool) -> Vec<FenceRef> {
        let mut map = self.map();
        let Some(u) = find(&mut map, ptr) else {
            return Vec::new();
        };
        let mut out: Vec<FenceRef> = u.writer.iter().cloned().collect();
        if writes {
            out.extend(u.readers.iter().cloned());
        }
        out
    }

    /// Forgets the uses of the allocation at `ptr` once a host write has
    /// replaced all of its `bytes` after waiting for every use: a failed
    /// writer no longer taints it.
    pub(crate) fn overwritten(&self, ptr: DevicePtr, bytes: usize) {
        if let Some(u) = self.map().get_mut(&ptr) {
            if u.bytes == bytes && u.writer.as_ref().is_none_or(|w| w.is_done()) {
                u.writer = None;
                u.readers.retain(|r| !r.is_done());
            }
        }
    }

    /// Queues `launch` on `stream` after the work it must wait for, and
    /// records it as a writer or reader of every allocation it binds. The
    /// lock is held throughout, so two launches on two streams binding one
    /// allocation are ordered one way or the other, never missed. (A full
    /// host queue makes this wait with the lock held; the stream threads
    /// never take it, so the wait ends, unless a kernel calling back into
    /// Rust launches from a stream this one waits for.)
    ///
    /// # Safety
    /// As [`BackendStream::submit`].
    pub(crate) unsafe fn launch(
        &self,
        stream: &dyn BackendStream,
        accesses: &[Access],
        launch: &LaunchSpec<'_>,
    ) -> Result<(), Error> {
        let mut map = self.map();
        let me = stream.id();
        let mut waits: Vec<FenceRef> = Vec::new();
        for a in accesses.iter().filter(|a| a.bytes > 0) {
            let Some(u) = find(&mut map, a.ptr) else {
                continue;
            };
            let readers = u.readers.iter().filter(|_| a.writes);
            for f in u.writer.iter().chain(readers) {
                if f.stream() != me && !f.is_done() && !waits.iter().any(|w| same(w, f)) {
                    waits.push(f.clone());
                }
            }
        }
        for f in &waits {
            stream.wait_fence(f)?;
        }
        // SAFETY: forwarded from the caller.
        unsafe { stream.submit(launch)? };
        let fence = stream.fence();
        for a in accesses.iter().filter(|a| a.bytes > 0) {
            let Some(u) = find(&mut map, a.ptr) else {
                continue;
            };
            let Ok(fence) = &fence else {
                u.untracked = true;
                continue;
            };
            if a.writes {
                u.writer = Some(fence.clone());
                u.readers.clear();
            } else {
                u.readers.retain(|r| r.stream() != me && !r.is_done());
                u.readers.push(fence.clone());
            }
        }
        fence.map(|_| ())
    }
}
