//! Host streams: an in-order queue served by one thread per stream.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use super::check;
use super::pool::{Grid, GridError, Pool};
use super::registry::Registry;
use crate::backend::{BackendStream, DevicePtr, KernelHandle};
use crate::device::Limits;
use crate::Error;

/// Progress of one stream, shared by its handle, its thread and the device.
#[derive(Default)]
pub(crate) struct StreamState {
    progress: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default)]
struct Progress {
    queued: u64,
    completed: u64,
    /// Errors of completed launches not yet reported by a synchronize.
    errors: Vec<String>,
    /// `IREE_HOST_CHECK` faults of completed launches, reported as
    /// themselves (before the errors above) by the next synchronize.
    faults: Vec<Error>,
}

impl StreamState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for everything queued so far; reports (and clears) the errors
    /// of launches that failed since the last synchronize.
    pub(crate) fn synchronize(&self) -> Result<(), Error> {
        let mut p = self.lock();
        let target = p.queued;
        while p.completed < target {
            p = self.changed.wait(p).unwrap_or_else(|e| e.into_inner());
        }
        if !p.faults.is_empty() {
            return Err(p.faults.remove(0));
        }
        if p.errors.is_empty() {
            return Ok(());
        }
        let errors = std::mem::take(&mut p.errors);
        Err(Error::Launch {
            kernel: "(host stream)".to_string(),
            reason: errors.join("; "),
        })
    }
}

/// A host stream.
pub(crate) struct HostStream {
    state: Arc<StreamState>,
    queue: Mutex<mpsc::Sender<Arc<Grid>>>,
    registry: Arc<Registry>,
    limits: Limits,
}

impl HostStream {
    /// A stream on the device with `registry`, starting its thread.
    pub(crate) fn new(
        registry: Arc<Registry>,
        limits: Limits,
    ) -> Result<(Self, Arc<StreamState>), Error> {
        let (tx, rx) = mpsc::channel::<Arc<Grid>>();
        let state = Arc::new(StreamState::default());
        let thread_state = state.clone();
        std::thread::Builder::new()
            .name("iree-host-stream".to_string())
            .spawn(move || {
                // Runs until the handle (the only sender) is dropped and
                // everything queued has run.
                for grid in rx {
                    if grid.is_tiny() || Pool::global().workers() == 0 {
                        // This thread runs one block at a time like a
                        // worker, with its own `__shared__` copies.
                        grid.work();
                    } else {
                        Pool::global().submit(grid.clone());
                    }
                    let result = grid.wait();
                    let mut p = thread_state.lock();
                    match result {
                        Ok(()) => {}
                        Err(GridError::OutOfBounds(o)) => {
                            p.faults.push(o.error(grid.checked_kernel()))
                        }
                        Err(GridError::Failed(e)) => {
                            let launch = p.completed + 1;
                            p.errors
                                .push(format!("launch #{launch} of this stream: {e}"));
                        }
                    }
                    p.completed += 1;
                    drop(p);
                    thread_state.changed.notify_all();
                }
            })
            .map_err(|e| Error::Launch {
                kernel: "(host stream)".to_string(),
                reason: format!("cannot start the stream thread: {e}"),
            })?;
        Ok((
            HostStream {
                state: state.clone(),
                queue: Mutex::new(tx),
                registry,
                limits,
            },
            state,
        ))
    }
}

fn refuse(kernel: &KernelHandle, reason: String) -> Error {
    let kernel = match kernel {
        KernelHandle::Host(e) => format!("host kernel at {:p}", e.block as *const ()),
        KernelHandle::Gpu(f) => format!("GPU function {f:#x}"),
    };
    Error::Launch { kernel, reason }
}

impl Drop for HostStream {
    /// Waits for the queued work: the registry (shared with the device)
    /// frees every remaining allocation when the last owner goes, so no
    /// launch may still be running then. Errors were the user's to collect
    /// by synchronizing.
    fn drop(&mut self) {
        let _ = self.state.synchronize();
    }
}

impl BackendStream for HostStream {
    unsafe fn launch(
        &self,
        kernel: KernelHandle,
        grid: [u32; 3],
        block: [u32; 3],
        shared_bytes: u32,
        bindings: &[DevicePtr],
        constants: &[u32],
    ) -> Result<(), Error> {
        let KernelHandle::Host(entry) = kernel else {
            return Err(refuse(
                &kernel,
                "a GPU kernel cannot run on the host device".into(),
            ));
        };
        let l = &self.limits;
        let threads = block.iter().map(|&b| u64::from(b)).product::<u64>();
        if block.contains(&0)
            || threads > u64::from(l.max_threads_per_block)
            || block.iter().zip(l.max_block_dims).any(|(&b, m)| b > m)
        {
            return Err(refuse(
                &kernel,
                format!(
                    "block {block:?} exceeds the host limits (dims {:?}, {} threads)",
                    l.max_block_dims, l.max_threads_per_block
                ),
            ));
        }
        if grid.iter().zip(l.max_grid_dims).any(|(&g, m)| g > m) {
            return Err(refuse(
                &kernel,
                format!(
                    "grid {grid:?} exceeds the host limits {:?}",
                    l.max_grid_dims
                ),
            ));
        }
        if shared_bytes > l.shared_memory_per_block {
            return Err(refuse(
                &kernel,
                format!(
                    "{shared_bytes} bytes of dynamic shared memory exceed the host limit of {}",
                    l.shared_memory_per_block
                ),
            ));
        }
        for &b in bindings {
            if !self.registry.contains(b, 0) {
                return Err(refuse(
                    &kernel,
                    format!("binding {b:#x} is not in a live allocation of this host device"),
                ));
            }
        }
        if grid.contains(&0) {
            return Ok(());
        }
        let mut grid = Grid::new(
            entry,
            grid,
            block,
            shared_bytes,
            bindings,
            constants,
            Pool::global().workers(),
        );
        if self.registry.checked() {
            grid = grid.checked(check::launch(&self.registry, entry, bindings));
        }
        let grid = Arc::new(grid);
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.state.lock().queued += 1;
        if queue.send(grid).is_err() {
            let mut p = self.state.lock();
            p.queued -= 1;
            return Err(refuse(&kernel, "the stream thread has stopped".into()));
        }
        Ok(())
    }

    fn synchronize(&self) -> Result<(), Error> {
        self.state.synchronize()
    }
}
