//! Host streams: a bounded in-order queue served by one thread per stream.
//!
//! Each launch gets a [`Completion`], the host's event: set by the stream
//! thread when the grid has run (failed or not), waited for by buffers
//! ([`Fence`]) and by other streams (a queued wait). Failures stay with
//! their launch: the completion carries it (host reads of what it wrote
//! report it), and the stream keeps it until its own next `synchronize` or
//! launch reports it once; waiting for the stream as a whole (a dropped
//! stream, the device's `synchronize` of the backend) does not consume it.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::barrier::Switch;
use super::check;
use super::pool::{Grid, GridError, Pool};
use super::registry::Registry;
use crate::backend::{
    next_stream_id, BackendStream, Fence, FenceRef, KernelHandle, LaunchSpec, Transfer, WaitError,
};
use crate::device::Limits;
use crate::kernel_args::KernelParams;
use crate::Error;

/// How many launches and waits a host stream holds queued before a launch
/// waits for room (back-pressure: a producer loop cannot queue without
/// bound).
pub const QUEUE_DEPTH: usize = 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a few field updates that cannot panic
    // half-way, so a poisoned lock still guards consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// The stream whose kernel this thread is running (0: none).
    static RUNNING: Cell<u64> = const { Cell::new(0) };
}

/// The stream whose kernel the calling thread is running, if any: waits
/// for that stream's work from here could never finish.
pub(crate) fn running_stream() -> Option<u64> {
    Some(RUNNING.with(Cell::get)).filter(|&s| s != 0)
}

/// Marks the calling thread as running a kernel of `stream` until dropped.
pub(crate) struct Running(u64);

impl Running {
    pub(crate) fn enter(stream: u64) -> Running {
        Running(RUNNING.with(|r| r.replace(stream)))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(self.0));
    }
}

/// `Err(WaitInsideKernel)` when the calling thread runs a kernel of
/// `stream`, whose work a wait could not outlast.
pub(crate) fn check_not_inside(stream: u64, what: &str) -> Result<(), Error> {
    if running_stream() == Some(stream) {
        return Err(Error::WaitInsideKernel {
            stream,
            what: what.to_string(),
        });
    }
    Ok(())
}

/// What a launch failed with, kept to rebuild the [`Error`] for each
/// party it is reported to.
#[derive(Clone, Debug)]
struct Failure {
    kernel: &'static str,
    grid: [u32; 3],
    stream: u64,
    reason: String,
    /// `IREE_HOST_CHECK` caught this access (then `reason` is unused).
    bounds: Option<check::OutOfBounds>,
}

impl Failure {
    fn error(&self) -> Error {
        if let Some(b) = self.bounds {
            return Error::KernelOutOfBounds {
                kernel: self.kernel.to_string(),
                grid: self.grid,
                stream: self.stream,
                binding: b.binding,
                write: b.write,
                offset: b.offset,
                len: b.len,
            };
        }
        Error::KernelFailed {
            kernel: self.kernel.to_string(),
            grid: self.grid,
            stream: self.stream,
            reason: self.reason.clone(),
        }
    }
}

/// The host's event: set once the work it stands for has run.
pub(crate) struct Completion {
    stream: u64,
    /// `None` while pending; then the work's outcome and when it was set.
    outcome: Mutex<Option<(Result<(), Failure>, Instant)>>,
    done: Condvar,
}

impl Completion {
    fn new(stream: u64) -> Arc<Completion> {
        Arc::new(Completion {
            stream,
            outcome: Mutex::new(None),
            done: Condvar::new(),
        })
    }

    fn set(&self, outcome: Result<(), Failure>) {
        *lock(&self.outcome) = Some((outcome, Instant::now()));
        self.done.notify_all();
    }

    /// A completion that is already set (work that is over).
    fn done(stream: u64) -> Arc<Completion> {
        let c = Completion::new(stream);
        c.set(Ok(()));
        c
    }

    /// Blocks until set; the outcome.
    fn outcome(&self) -> Result<(), Failure> {
        let mut o = lock(&self.outcome);
        loop {
            if let Some((r, _)) = &*o {
                return r.clone();
            }
            o = self.done.wait(o).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Fence for Completion {
    fn stream(&self) -> u64 {
        self.stream
    }

    fn wait(&self) -> Result<(), WaitError> {
        if !self.is_done() {
            check_not_inside(self.stream, "waiting for a buffer's work")
                .map_err(WaitError::Unknown)?;
        }
        self.outcome().map_err(|f| WaitError::Failed(f.error()))
    }

    fn is_done(&self) -> bool {
        lock(&self.outcome).is_some()
    }

    fn host_time(&self) -> Option<Instant> {
        lock(&self.outcome).as_ref().map(|(_, t)| *t)
    }
}

/// Progress of one stream, shared by its handle, its thread and the device.
pub(crate) struct StreamState {
    id: u64,
    progress: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default)]
struct Progress {
    queued: u64,
    completed: u64,
    /// Failures of completed launches not yet reported to the stream.
    failures: Vec<Failure>,
    /// The completion of the last item queued (a launch or a wait).
    last: Option<Arc<Completion>>,
}

impl StreamState {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        lock(&self.progress)
    }

    /// Waits for everything queued so far, failed or not; reports nothing.
    pub(crate) fn wait_idle(&self) -> Result<(), Error> {
        check_not_inside(self.id, "synchronizing its stream or device")?;
        let mut p = self.lock();
        let target = p.queued;
        while p.completed < target {
            p = self.changed.wait(p).unwrap_or_else(|e| e.into_inner());
        }
        Ok(())
    }

    /// Reports (and forgets) the first unreported failure; the others of
    /// the same period are counted in its reason.
    fn take_failure(&self) -> Result<(), Error> {
        let failures = std::mem::take(&mut self.lock().failures);
        let Some(first) = failures.first() else {
            return Ok(());
        };
        let mut e = first.clone();
        if failures.len() > 1 {
            e.reason += &format!(
                " (and {} later launch(es) of this stream failed too)",
                failures.len() - 1
            );
        }
        Err(e.error())
    }

    /// [`StreamState::wait_idle`], then [`StreamState::take_failure`].
    pub(crate) fn synchronize(&self) -> Result<(), Error> {
        self.wait_idle()?;
        self.take_failure()
    }
}

/// What the stream thread runs, in order.
enum Item {
    /// A launch: its grid, how errors name it, its completion.
    Grid(Arc<Grid>, Failure, Arc<Completion>),
    /// Wait for another stream's work.
    Wait(FenceRef, Arc<Completion>),
    /// A copy or fill.
    Transfer(Transfer, Arc<Completion>),
}

/// Runs a copy or fill on the stream's thread.
///
/// # Safety
/// As [`BackendStream::transfer`]: every range is live memory that only
/// this transfer uses (writes) or that nothing writes (reads) until its
/// completion is set, and the ranges of a copy do not overlap.
unsafe fn run_transfer(t: &Transfer) {
    // SAFETY: per the function's contract.
    unsafe {
        match *t {
            Transfer::ToDevice { dst, src, bytes } => {
                std::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, bytes)
            }
            Transfer::ToHost { dst, src, bytes } => {
                std::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, bytes)
            }
            Transfer::OnDevice { dst, src, bytes }
            | Transfer::Peer {
                dst, src, bytes, ..
            } => std::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, bytes),
            Transfer::Fill32 { dst, value, words } => {
                std::slice::from_raw_parts_mut(dst as *mut u32, words).fill(value)
            }
        }
    }
}

/// A host stream.
pub(crate) struct HostStream {
    state: Arc<StreamState>,
    queue: Mutex<mpsc::SyncSender<Item>>,
    registry: Arc<Registry>,
    limits: Limits,
    /// How its barrier kernels' threads take turns (the device's choice).
    switch: Switch,
}

/// The stream thread's body: runs `rx` until the handle is dropped.
fn serve(rx: mpsc::Receiver<Item>, state: Arc<StreamState>) {
    for item in rx {
        let (outcome, completion) = match item {
            Item::Grid(grid, mut failure, completion) => {
                let result = {
                    let _running = Running::enter(state.id);
                    if grid.is_tiny() || Pool::global().workers() == 0 {
                        // This thread runs one block at a time like a
                        // worker, with its own `__shared__` copies.
                        grid.work();
                    } else {
                        Pool::global().submit(grid.clone());
                    }
                    grid.wait()
                };
                let outcome = result.map_err(|e| {
                    match e {
                        GridError::Failed(reason) => failure.reason = reason,
                        GridError::OutOfBounds(b) => failure.bounds = Some(b),
                    }
                    failure
                });
                (outcome, completion)
            }
            // The other stream's failure is its own: this stream goes on.
            Item::Wait(fence, completion) => {
                let _ = fence.wait();
                (Ok(()), completion)
            }
            Item::Transfer(t, completion) => {
                // SAFETY: queued by `transfer`, whose caller guarantees the
                // ranges until this completion is set (below).
                unsafe { run_transfer(&t) };
                (Ok(()), completion)
            }
        };
        let mut p = state.lock();
        if let Err(f) = &outcome {
            p.failures.push(f.clone());
        }
        completion.set(outcome);
        p.completed += 1;
        drop(p);
        state.changed.notify_all();
    }
}

impl HostStream {
    /// A stream on the device with `registry`, starting its thread.
    pub(crate) fn new(
        registry: Arc<Registry>,
        limits: Limits,
        switch: Switch,
    ) -> Result<(Self, Arc<StreamState>), Error> {
        let (tx, rx) = mpsc::sync_channel::<Item>(QUEUE_DEPTH);
        let state = Arc::new(StreamState {
            id: next_stream_id(),
            progress: Mutex::default(),
            changed: Condvar::new(),
        });
        let thread_state = state.clone();
        std::thread::Builder::new()
            .name(format!("iree-host-stream-{}", state.id))
            .spawn(move || serve(rx, thread_state))
            .map_err(|e| Error::StreamUnavailable {
                reason: format!("cannot start a host stream thread: {e}"),
            })?;
        Ok((
            HostStream {
                state: state.clone(),
                queue: Mutex::new(tx),
                registry,
                limits,
                switch,
            },
            state,
        ))
    }

    /// Queues `item` (made with the completion it will set), waiting for
    /// room unless this thread runs a kernel of this stream: that kernel
    /// holds the stream thread, so the room would never come.
    fn enqueue(&self, item: impl FnOnce(Arc<Completion>) -> Item) -> Result<(), Error> {
        let completion = Completion::new(self.state.id);
        let item = item(completion.clone());
        let queue = lock(&self.queue);
        let sent = if running_stream() == Some(self.state.id) {
            queue.try_send(item).map_err(|e| match e {
                mpsc::TrySendError::Full(_) => Error::WaitInsideKernel {
                    stream: self.state.id,
                    what: "a launch on a full queue".to_string(),
                },
                mpsc::TrySendError::Disconnected(_) => stopped(),
            })
        } else {
            queue.send(item).map_err(|_| stopped())
        };
        sent?;
        let mut p = self.state.lock();
        p.queued += 1;
        p.last = Some(completion);
        Ok(())
    }

    /// The launch-time checks of the host limits; the reason a launch is
    /// refused.
    fn check(&self, l: &LaunchSpec<'_>) -> Result<(), String> {
        let (block, grid, limits) = (l.block, l.grid, &self.limits);
        let threads = block.iter().map(|&b| u64::from(b)).product::<u64>();
        if block.contains(&0)
            || threads > u64::from(limits.max_threads_per_block)
            || block.iter().zip(limits.max_block_dims).any(|(&b, m)| b > m)
        {
            return Err(format!(
                "block {block:?} exceeds the host limits (dims {:?}, {} threads)",
                limits.max_block_dims, limits.max_threads_per_block
            ));
        }
        if grid.iter().zip(limits.max_grid_dims).any(|(&g, m)| g > m) {
            return Err(format!(
                "grid {grid:?} exceeds the host limits {:?}",
                limits.max_grid_dims
            ));
        }
        if l.shared_bytes > limits.shared_memory_per_block {
            return Err(format!(
                "{} bytes of dynamic shared memory exceed the host limit of {}",
                l.shared_bytes, limits.shared_memory_per_block
            ));
        }
        for &b in l.bindings {
            if !self.registry.contains(b, 0) {
                return Err(format!(
                    "binding {b:#x} is not in a live allocation of this host device"
                ));
            }
        }
        Ok(())
    }
}

fn stopped() -> Error {
    Error::StreamUnavailable {
        reason: "the host stream thread has stopped".to_string(),
    }
}

impl Drop for HostStream {
    /// Waits for the queued work: the registry (shared with the device)
    /// frees every remaining allocation when the last owner goes, so no
    /// launch may still be running then. Failures were the user's to
    /// collect by synchronizing.
    fn drop(&mut self) {
        let _ = self.state.wait_idle();
    }
}

impl BackendStream for HostStream {
    fn id(&self) -> u64 {
        self.state.id
    }

    unsafe fn submit(&self, l: &LaunchSpec<'_>) -> Result<(), Error> {
        let KernelHandle::Host(entry) = l.kernel else {
            return Err(Error::NoSuchKernel {
                kernel: l.name.to_string(),
                reason: "a GPU kernel handle cannot run on the host device".into(),
            });
        };
        self.check(l).map_err(|reason| Error::KernelUnfit {
            kernel: l.name.to_string(),
            device: "host".to_string(),
            reason,
        })?;
        self.state.take_failure()?;
        if l.grid.contains(&0) {
            return Ok(());
        }
        let mut args = Box::new(KernelParams::new());
        KernelParams::pack(l.params, l.bindings, l.constants, &mut args).map_err(|reason| {
            Error::KernelUnfit {
                kernel: l.name.to_string(),
                device: "host".to_string(),
                reason,
            }
        })?;
        let mut grid = Grid::new(
            entry,
            l.grid,
            l.block,
            l.shared_bytes,
            args,
            Pool::global().workers(),
        )
        .on_stream(self.state.id)
        .switched_by(self.switch);
        if self.registry.checked() {
            grid = grid.checked(check::launch(&self.registry, l.bindings));
        }
        let failure = Failure {
            kernel: l.name,
            grid: l.grid,
            stream: self.state.id,
            reason: String::new(),
            bounds: None,
        };
        self.enqueue(|c| Item::Grid(Arc::new(grid), failure, c))
    }

    fn fence(&self) -> Result<FenceRef, Error> {
        let p = self.state.lock();
        Ok(match &p.last {
            Some(c) => c.clone(),
            None => Completion::done(self.state.id),
        })
    }

    /// The last item's completion while it is pending (its time is when
    /// the stream passes this point); when the stream is idle, a new one
    /// set now (the stream passes this point now) with the last item's
    /// outcome (an event after a failed launch reports that failure).
    fn timed_fence(&self) -> Result<FenceRef, Error> {
        let p = self.state.lock();
        let outcome = match &p.last {
            Some(c) => match &*lock(&c.outcome) {
                None => return Ok(c.clone()),
                Some((outcome, _)) => outcome.clone(),
            },
            None => Ok(()),
        };
        let c = Completion::new(self.state.id);
        c.set(outcome);
        Ok(c)
    }

    unsafe fn transfer(&self, t: &Transfer) -> Result<(), Error> {
        let (dst, bytes) = match *t {
            // A peer copy's source is another device's (checked live on
            // it by the caller, under its borrow).
            Transfer::ToDevice { dst, bytes, .. }
            | Transfer::OnDevice { dst, bytes, .. }
            | Transfer::Peer { dst, bytes, .. } => (Some(dst), bytes),
            Transfer::ToHost { src, bytes, .. } => (Some(src), bytes),
            Transfer::Fill32 { dst, words, .. } => (Some(dst), words * 4),
        };
        // Defence in depth, as for launches: the device side lies in a
        // live allocation of this device.
        if let Some(p) = dst {
            self.registry.check(p, bytes)?;
        }
        if let Transfer::OnDevice { src, bytes, .. } = *t {
            self.registry.check(src, bytes)?;
        }
        self.state.take_failure()?;
        let t = *t;
        self.enqueue(|c| Item::Transfer(t, c))
    }

    fn wait_fence(&self, fence: &FenceRef) -> Result<(), Error> {
        if fence.is_done() {
            return Ok(());
        }
        let fence = fence.clone();
        self.enqueue(|c| Item::Wait(fence, c))
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.state.synchronize()
    }
}
