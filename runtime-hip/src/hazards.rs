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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{BackendStream, DevicePtr, FenceRef, LaunchSpec};
use crate::Error;

/// What one allocation (device memory, or a `HostBuffer`) is used by.
#[derive(Default)]
pub(crate) struct Uses {
    bytes: usize,
    /// Process-unique number of the allocation, so that a recorded command
    /// buffer can tell its buffer from a later one at the same address.
    id: u64,
    /// Set when work was queued but its fence could not be made: when
    /// that work ends is unknown, so the memory is never freed.
    untracked: bool,
    writer: Option<FenceRef>,
    /// At most one per stream, none on the writer's stream after it.
    readers: Vec<FenceRef>,
}

/// A fresh allocation number (never 0).
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Uses {
    /// Tracking for a new allocation of `bytes` that nothing uses yet.
    pub(crate) fn new(bytes: usize) -> Uses {
        Uses {
            bytes,
            id: next_id(),
            ..Uses::default()
        }
    }

    /// Adds to `waits` what work queued on stream `me` that `writes` this
    /// allocation (or only reads it) must wait for: the last writer, and
    /// for a write also the readers; never fences of `me` itself (a stream
    /// runs in order) nor ones already done or already in `waits`.
    fn pending_for(&self, writes: bool, me: u64, waits: &mut Vec<FenceRef>) {
        let readers = self.readers.iter().filter(|_| writes);
        for f in self.writer.iter().chain(readers) {
            if f.stream() != me && !f.is_done() && !waits.iter().any(|w| same(w, f)) {
                waits.push(f.clone());
            }
        }
    }

    /// Records work queued on stream `me` with `fence` as this
    /// allocation's writer or as one more reader; a fence that could not
    /// be made leaves the allocation untracked for good.
    fn record(&mut self, writes: bool, me: u64, fence: &Result<FenceRef, Error>) {
        let Ok(fence) = fence else {
            self.untracked = true;
            return;
        };
        if writes {
            self.writer = Some(fence.clone());
            self.readers.clear();
        } else {
            self.readers.retain(|r| r.stream() != me && !r.is_done());
            self.readers.push(fence.clone());
        }
    }

    /// What a host access must wait for: the writer, and for a write also
    /// the readers. `None` when some work has no fence (it may run for
    /// ever: the host must not touch the memory).
    pub(crate) fn host_waits(&self, writes: bool) -> Option<Vec<FenceRef>> {
        if self.untracked {
            return None;
        }
        let mut out: Vec<FenceRef> = self.writer.iter().cloned().collect();
        if writes {
            out.extend(self.readers.iter().cloned());
        }
        Some(out)
    }

    /// Every fence a free must wait for; `None` when the memory must never
    /// be freed (see [`Uses::host_waits`]).
    pub(crate) fn all_fences(&self) -> Option<Vec<FenceRef>> {
        self.host_waits(true)
    }

    /// Forgets finished work after the host waited for every use and
    /// replaced all the bytes: a failed writer no longer taints it.
    pub(crate) fn overwritten(&mut self) {
        if self.writer.as_ref().is_none_or(|w| w.is_done()) {
            self.writer = None;
            self.readers.retain(|r| !r.is_done());
        }
    }
}

/// One binding of a launch (or one side of a transfer), as the tracker
/// needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Access {
    pub(crate) ptr: DevicePtr,
    pub(crate) bytes: usize,
    pub(crate) writes: bool,
    /// The allocation number it must still have ([`Hazards::id_of`]),
    /// for replays of a recorded command buffer; 0: not checked (the
    /// binding was checked live just before).
    pub(crate) id: u64,
}

impl Access {
    /// A binding checked live by the caller.
    pub(crate) fn new(ptr: DevicePtr, bytes: usize, writes: bool) -> Access {
        Access {
            ptr,
            bytes,
            writes,
            id: 0,
        }
    }
}

/// The tracking of a `HostBuffer`: its own [`Uses`], locked after the
/// device's map whenever both are.
#[derive(Default)]
pub(crate) struct HostUses(Mutex<Uses>);

impl HostUses {
    /// Tracking for host memory of `bytes`.
    pub(crate) fn new(bytes: usize) -> HostUses {
        HostUses(Mutex::new(Uses::new(bytes)))
    }

    /// The tracking, locked. Each critical section leaves it consistent,
    /// so a poisoned lock is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Uses> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
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
        self.map().insert(ptr, Uses::new(bytes));
    }

    /// The number of the live allocation holding `ptr`, which a replay
    /// checks is still the same ([`Access::id`]).
    pub(crate) fn id_of(&self, ptr: DevicePtr) -> Option<u64> {
        find(&mut self.map(), ptr).map(|u| u.id)
    }

    /// Stops tracking `ptr` and returns every fence of work that may still
    /// use it: the free must wait for all of them. `None` when some work
    /// using it has no fence: the memory must then never be freed.
    pub(crate) fn remove(&self, ptr: DevicePtr) -> Option<Vec<FenceRef>> {
        let Some(u) = self.map().remove(&ptr) else {
            return Some(Vec::new());
        };
        u.all_fences()
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
            if u.bytes == bytes {
                u.overwritten();
            }
        }
    }

    /// Queues `launch` on `stream` after the work it must wait for, and
    /// records it as a writer or reader of every allocation it binds
    /// ([`Hazards::enqueue`]).
    ///
    /// # Safety
    /// As [`BackendStream::submit`].
    pub(crate) unsafe fn launch(
        &self,
        stream: &dyn BackendStream,
        accesses: &[Access],
        launch: &LaunchSpec<'_>,
    ) -> Result<(), Error> {
        // SAFETY: forwarded from the caller: the launch binds exactly
        // `accesses`; a launch that fails to submit queued nothing.
        unsafe {
            self.enqueue(stream, accesses, None, || {
                stream.submit(launch).map_err(|e| (e, false))
            })
        }
    }

    /// Queues work on `stream` with `submit` after the work it must wait
    /// for, and records it as a writer or reader of every allocation in
    /// `accesses` and of the host memory `host` (its tracking, and whether
    /// the work writes it). The lock is held throughout, so two pieces of
    /// work on two streams using one allocation are ordered one way or the
    /// other, never missed. (A full host queue makes this wait with the
    /// lock held; the stream threads never take it, so the wait ends,
    /// unless a kernel calling back into Rust launches from a stream this
    /// one waits for.)
    ///
    /// An access with an [`Access::id`] whose allocation is gone or has
    /// another number refuses the whole submission with
    /// [`Error::StaleCommandBuffer`], before anything is queued.
    ///
    /// `submit` returns, with its error, whether it queued some of the work
    /// anyway (a replay failing half-way): that work is then recorded like
    /// a success, so that nothing it uses is freed or read early.
    ///
    /// # Safety
    /// `submit` queues, on `stream`, work whose memory accesses are exactly
    /// those described (its device ranges checked live by the caller).
    pub(crate) unsafe fn enqueue(
        &self,
        stream: &dyn BackendStream,
        accesses: &[Access],
        host: Option<(&HostUses, bool)>,
        submit: impl FnOnce() -> Result<(), (Error, bool)>,
    ) -> Result<(), Error> {
        // SAFETY: forwarded from the caller.
        unsafe { self.enqueue_with_peer(stream, accesses, None, host, submit) }
    }

    /// [`Hazards::enqueue`] for work that also touches memory of another
    /// device, tracked by that device's `Hazards` (`peer`, with its
    /// accesses): a peer copy. Both maps are locked throughout, the one at
    /// the lower address first (so two copies in opposite directions
    /// cannot deadlock); the work waits for the users of both devices'
    /// allocations as their accesses say, and is recorded on both, so the
    /// source device's writers and frees wait for it as they wait for its
    /// own streams' work.
    ///
    /// # Safety
    /// As [`Hazards::enqueue`], with `peer`'s ranges checked live on the
    /// other device.
    pub(crate) unsafe fn enqueue_with_peer(
        &self,
        stream: &dyn BackendStream,
        accesses: &[Access],
        peer: Option<(&Hazards, &[Access])>,
        host: Option<(&HostUses, bool)>,
        submit: impl FnOnce() -> Result<(), (Error, bool)>,
    ) -> Result<(), Error> {
        if let Some((p, theirs)) = peer {
            if std::ptr::eq(p, self) {
                // One tracker after all: every access goes on it.
                let all: Vec<Access> = accesses.iter().chain(theirs).copied().collect();
                // SAFETY: forwarded from the caller.
                return unsafe { self.enqueue_with_peer(stream, &all, None, host, submit) };
            }
        }
        let (mut mine, mut theirs) = match peer {
            None => (self.map(), None),
            Some((p, _)) if std::ptr::from_ref(self) < std::ptr::from_ref(p) => {
                let mine = self.map();
                (mine, Some(p.map()))
            }
            Some((p, _)) => {
                let theirs = p.map();
                (self.map(), Some(theirs))
            }
        };
        let mut sides: Vec<(&mut BTreeMap<DevicePtr, Uses>, &[Access])> =
            vec![(&mut *mine, accesses)];
        if let (Some(t), Some((_, a))) = (theirs.as_mut(), peer) {
            sides.push((&mut **t, a));
        }
        let mut host_uses = host.map(|(h, writes)| (h.lock(), writes));
        let me = stream.id();
        for (map, accesses) in sides.iter_mut() {
            for a in accesses.iter().filter(|a| a.id != 0) {
                if find(map, a.ptr).is_none_or(|u| u.id != a.id) {
                    return Err(Error::StaleCommandBuffer {
                        reason: format!(
                            "the buffer at {:#x} ({} bytes) it binds was freed after recording; \
                             record the command buffer again with live buffers",
                            a.ptr, a.bytes
                        ),
                    });
                }
            }
        }
        let mut waits: Vec<FenceRef> = Vec::new();
        for (map, accesses) in sides.iter_mut() {
            for a in accesses.iter().filter(|a| a.bytes > 0) {
                if let Some(u) = find(map, a.ptr) {
                    u.pending_for(a.writes, me, &mut waits);
                }
            }
        }
        if let Some((u, writes)) = &host_uses {
            if u.untracked {
                return Err(Error::BadTransfer {
                    reason: "the host buffer is still used by work whose end cannot be known \
                             (a driver error); it can no longer be used"
                        .into(),
                });
            }
            u.pending_for(*writes, me, &mut waits);
        }
        for f in &waits {
            stream.wait_fence(f)?;
        }
        let submitted = match submit() {
            Ok(()) => Ok(()),
            Err((e, false)) => return Err(e),
            Err((e, true)) => Err(e),
        };
        let fence = stream.fence();
        for (map, accesses) in sides.iter_mut() {
            for a in accesses.iter().filter(|a| a.bytes > 0) {
                if let Some(u) = find(map, a.ptr) {
                    u.record(a.writes, me, &fence);
                }
            }
        }
        if let Some((u, writes)) = &mut host_uses {
            u.record(*writes, me, &fence);
        }
        submitted.and(fence.map(|_| ()))
    }
}
