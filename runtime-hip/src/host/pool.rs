//! The worker pool that runs the blocks of grids.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use super::abi::{HostEntry, HostLaunch};
use super::barrier;
use super::check;
use super::simd;
use crate::kernel_args::KernelParams;

/// How many chunks per worker a grid is cut into: enough to balance uneven
/// blocks, few enough that the shared counter is touched rarely.
const CHUNKS_PER_WORKER: u64 = 8;

/// Grids of plain kernels with at most this many threads run on their
/// stream's thread: a few microseconds of work (a plain kernel thread is a
/// loop iteration, ~1 ns), less than waking the workers. A barrier kernel's
/// thread costs a stack start and a switch per barrier (~7 ns each on
/// x86-64, docs/BENCHMARKS.md), and such kernels are usually launched as
/// few long grid-stride blocks, so any grid of them with more than one
/// block goes to the pool; so does any grid of a lockstep kernel (one with
/// barriers or long loops, see `HostEntry::lockstep`).
const TINY_GRID_THREADS: u64 = 4096;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every structure behind these locks stays consistent across a panic
    // (plain field updates), so poisoning carries no information.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One launch: a grid of blocks and the arguments they share.
pub(crate) struct Grid {
    entry: HostEntry,
    grid: [u32; 3],
    block: [u32; 3],
    /// Bytes of dynamic shared memory per block.
    shared_bytes: u32,
    /// The kernel's parameters, packed in its order: `args[k]` points at
    /// parameter `k`'s value, aligned for its type (boxed, so the pointers
    /// into it stay valid while the grid moves).
    args: Box<KernelParams>,
    total: u64,
    chunk: u64,
    next: AtomicU64,
    finished: AtomicU64,
    state: Mutex<GridState>,
    done: Condvar,
    /// `IREE_HOST_CHECK`: the bindings to guard while blocks run.
    check: Option<check::Launch>,
    /// How a barrier kernel's threads take turns.
    switch: barrier::Switch,
    /// Which SIMD block entry a plain kernel runs (chosen when the launch
    /// is made, on the launching thread: [`simd::capped`]).
    simd: simd::Level,
    /// The stream that queued it (0: none), marked on every thread that
    /// runs its blocks so that waits from inside its kernel are refused.
    stream: u64,
}

#[derive(Default)]
struct GridState {
    complete: bool,
    error: Option<String>,
    /// The first out-of-bounds access `IREE_HOST_CHECK` caught.
    fault: Option<check::OutOfBounds>,
}

// SAFETY: the raw pointers in `args` point into its own storage, owned by the
// grid and never mutated after construction; the kernels reading them
// through `args` only read. The binding addresses are device memory that
// the launch contract keeps alive until the grid completes.
unsafe impl Send for Grid {}
// SAFETY: as for `Send`; all shared mutation goes through atomics or locks.
unsafe impl Sync for Grid {}

impl Grid {
    /// A grid of `grid` blocks of `block` threads; `grid` has no zero.
    pub(crate) fn new(
        entry: HostEntry,
        grid: [u32; 3],
        block: [u32; 3],
        shared_bytes: u32,
        args: Box<KernelParams>,
        workers: usize,
    ) -> Grid {
        let total = grid.iter().map(|&g| u64::from(g)).product::<u64>();
        let chunk = (total / (workers.max(1) as u64 * CHUNKS_PER_WORKER)).max(1);
        Grid {
            entry,
            grid,
            block,
            shared_bytes,
            args,
            total,
            chunk,
            next: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            state: Mutex::new(GridState::default()),
            done: Condvar::new(),
            check: None,
            switch: barrier::Switch::DEFAULT,
            simd: simd::Level::for_launch(),
            stream: 0,
        }
    }

    /// This grid with its barrier kernel threads switched by `switch`.
    pub(crate) fn switched_by(mut self, switch: barrier::Switch) -> Grid {
        self.switch = switch;
        self
    }

    /// This grid with its blocks bounds-checked (`IREE_HOST_CHECK`).
    pub(crate) fn checked(mut self, launch: check::Launch) -> Grid {
        self.check = Some(launch);
        self
    }

    /// This grid, as queued by stream `id`.
    pub(crate) fn on_stream(mut self, id: u64) -> Grid {
        self.stream = id;
        self
    }

    /// Whether the grid is so small that waking the pool would cost more
    /// than running it on the stream's own thread.
    pub(crate) fn is_tiny(&self) -> bool {
        if self.total <= 1 {
            return true;
        }
        let threads = self.block.iter().map(|&b| u64::from(b)).product::<u64>();
        !self.entry.uses_barrier
            && !self.entry.lockstep
            && self.total.saturating_mul(threads) <= TINY_GRID_THREADS
    }

    fn has_work(&self) -> bool {
        self.next.load(Ordering::Relaxed) < self.total
    }

    /// Claims chunks and runs them until none is left.
    pub(crate) fn work(&self) {
        let _running = super::stream::Running::enter(self.stream);
        loop {
            let start = self.next.fetch_add(self.chunk, Ordering::Relaxed);
            if start >= self.total {
                return;
            }
            let end = (start + self.chunk).min(self.total);
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.run(start, end)));
            let error = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(GridError::Failed(e))) => Some(e),
                Ok(Err(GridError::OutOfBounds(f))) => {
                    lock(&self.state).fault.get_or_insert(f);
                    None
                }
                Err(payload) => Some(format!(
                    "the host executor panicked: {}",
                    payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "(non-string payload)".to_string())
                )),
            };
            if let Some(e) = error {
                lock(&self.state).error.get_or_insert(e);
            }
            let n = end - start;
            // AcqRel: the last finisher sees every other worker's writes
            // (and publishes them to the waiter through the lock below).
            if self.finished.fetch_add(n, Ordering::AcqRel) + n == self.total {
                lock(&self.state).complete = true;
                self.done.notify_all();
            }
        }
    }

    /// Runs blocks `start..end` (linear, x fastest) one after another; a
    /// plain kernel gets each row segment of the range in one call.
    fn run(&self, start: u64, end: u64) -> Result<(), GridError> {
        #[cfg(test)]
        if self.block == tests::PANIC_BLOCK {
            panic!("injected executor panic");
        }
        let [gx, gy, _] = self.grid.map(u64::from);
        let mut launch = HostLaunch {
            grid_dim: self.grid,
            block_dim: self.block,
            dynamic_shared: dynamic_shared(self.shared_bytes),
            ..HostLaunch::default()
        };
        let args = self.args.ptrs();
        let _simd = self.simd.enter();
        let mut b = start;
        while b < end {
            let (x, y, z) = (b % gx, (b / gx) % gy, b / (gx * gy));
            let row = (end - b).min(gx - x);
            launch.block_idx = [x as u32, y as u32, z as u32];
            if self.entry.uses_barrier {
                for i in 0..row {
                    launch.block_idx[0] = (x + i) as u32;
                    let mut ran = Ok(());
                    self.guarded(|| {
                        // SAFETY: the launch contract (BackendStream::submit)
                        // makes `args` the kernel's parameters; `self` keeps
                        // them alive.
                        ran = unsafe {
                            barrier::run_block(self.switch, self.entry.thread, &launch, args)
                        }
                    })?;
                    ran.map_err(GridError::Failed)?;
                }
            } else {
                launch.block_count = row as u32;
                // SAFETY: as above; `block` runs `row` whole blocks, all
                // inside the grid (`row <= gx - x`).
                self.guarded(|| unsafe { (self.entry.block)(&launch, args) })?;
            }
            b += row;
        }
        if barrier::take_misuse() {
            return Err(GridError::Failed(
                "the kernel reached __syncthreads() but was launched as a plain loop \
                        (its host entry says uses_barrier = false); the results are wrong"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// Runs `f` (kernel code of this grid), bounds-checked in check mode.
    fn guarded(&self, f: impl FnMut()) -> Result<(), GridError> {
        match &self.check {
            // SAFETY: `f` runs this grid's kernel on `check`'s bindings,
            // kept alive by the launch contract; the closures in `run` hold
            // nothing with a destructor across the kernel call.
            Some(c) => unsafe { check::call(c, f) }.map_err(GridError::OutOfBounds),
            None => {
                let mut f = f;
                f();
                Ok(())
            }
        }
    }

    /// Blocks until every block has run; returns the first error, if any
    /// (an `IREE_HOST_CHECK` fault first).
    pub(crate) fn wait(&self) -> Result<(), GridError> {
        let mut s = lock(&self.state);
        while !s.complete {
            s = self.done.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        let padding = || self.check.as_ref().and_then(check::Launch::padding_written);
        if let Some(f) = s.fault.take().or_else(padding) {
            return Err(GridError::OutOfBounds(f));
        }
        match s.error.take() {
            Some(e) => Err(GridError::Failed(e)),
            None => Ok(()),
        }
    }
}

/// Why a grid (or a chunk of its blocks) failed.
pub(crate) enum GridError {
    /// The executor failed (the message).
    Failed(String),
    /// `IREE_HOST_CHECK` caught an out-of-bounds access.
    OutOfBounds(check::OutOfBounds),
}

/// A cache line, the unit of the dynamic shared memory buffers.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

thread_local! {
    /// This worker's dynamic shared memory, grown to the largest request.
    static DYNAMIC_SHARED: std::cell::RefCell<Vec<Line>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The address of this worker's dynamic shared memory of at least `bytes`
/// (0 for none). It stays valid until the next call on this thread, and a
/// worker runs one block at a time, so every block in flight has its own.
fn dynamic_shared(bytes: u32) -> u64 {
    if bytes == 0 {
        return 0;
    }
    DYNAMIC_SHARED.with(|b| {
        let mut b = b.borrow_mut();
        let lines = (bytes as usize).div_ceil(64);
        if b.len() < lines {
            b.resize(lines, Line([0; 64]));
        }
        b.as_mut_ptr() as u64
    })
}

/// The process-wide worker pool.
pub(crate) struct Pool {
    queue: Mutex<VecDeque<Arc<Grid>>>,
    ready: Condvar,
    workers: AtomicUsize,
}

impl Pool {
    /// The pool, started on first use with `IREE_HOST_THREADS` workers or
    /// one per available core. If the OS refuses threads, the pool has as
    /// many as it got (possibly none: streams then run grids themselves).
    pub(crate) fn global() -> &'static Pool {
        static POOL: OnceLock<&'static Pool> = OnceLock::new();
        POOL.get_or_init(|| {
            let wanted = std::env::var("IREE_HOST_THREADS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let pool: &'static Pool = Box::leak(Box::new(Pool {
                queue: Mutex::new(VecDeque::new()),
                ready: Condvar::new(),
                workers: AtomicUsize::new(0),
            }));
            for i in 0..wanted {
                let spawned = std::thread::Builder::new()
                    .name(format!("iree-host-{i}"))
                    .spawn(move || pool.serve());
                if spawned.is_err() {
                    break;
                }
                pool.workers.fetch_add(1, Ordering::Relaxed);
            }
            pool
        })
    }

    /// Number of worker threads.
    pub(crate) fn workers(&self) -> usize {
        self.workers.load(Ordering::Relaxed)
    }

    /// Queues a grid; workers start on it at once.
    pub(crate) fn submit(&self, grid: Arc<Grid>) {
        lock(&self.queue).push_back(grid);
        self.ready.notify_all();
    }

    fn serve(&self) {
        loop {
            let grid = {
                let mut q = lock(&self.queue);
                loop {
                    match q.front() {
                        Some(g) if g.has_work() => break g.clone(),
                        Some(_) => {
                            q.pop_front();
                        }
                        None => q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner()),
                    }
                }
            };
            grid.work();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// A block shape that makes the executor panic, to test that panics on
    /// workers are reported.
    pub(crate) const PANIC_BLOCK: [u32; 3] = [7, 7, 7];

    use super::super::abi::{HostEntry, HostLaunch};
    use super::Grid;

    unsafe extern "C" fn nothing(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {}

    fn grid(uses_barrier: bool, lockstep: bool, blocks: u32) -> Grid {
        let entry = HostEntry {
            block: nothing,
            thread: nothing,
            uses_barrier,
            lockstep,
        };
        let args = Box::new(crate::kernel_args::KernelParams::new());
        Grid::new(entry, [blocks, 1, 1], [256, 1, 1], 0, args, 2)
    }

    /// Small grids of plain kernels stay on the stream's thread; those of
    /// barrier and lockstep kernels (long threads) go to the pool unless
    /// they are a single block. The 16 x 256 reduction of the benchmarks
    /// ran on one core when lockstep kernels counted as plain.
    #[test]
    fn only_small_grids_of_plain_kernels_are_tiny() {
        assert!(grid(false, false, 16).is_tiny());
        assert!(!grid(false, false, 17).is_tiny());
        assert!(!grid(true, false, 16).is_tiny());
        assert!(!grid(false, true, 16).is_tiny());
        assert!(grid(false, true, 1).is_tiny());
        assert!(grid(true, false, 1).is_tiny());
    }
}
