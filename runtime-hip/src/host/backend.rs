//! The host device: [`Backend`] for the CPU.

use std::sync::{Arc, Mutex, Weak};

use super::abi::HostEntry;
use super::barrier::Switch;
use super::pool::Pool;
use super::registry::Registry;
use super::stream::{HostStream, StreamState};
use crate::backend::{Backend, BackendStream, DevicePtr, KernelHandle, Peer};
use crate::bundle::VariantView;
use crate::device::{DeviceInfo, Limits};
use crate::target::{Platform, TargetId};
use crate::Error;

/// The host CPU as a device.
pub(crate) struct HostBackend {
    info: DeviceInfo,
    registry: Arc<Registry>,
    streams: Mutex<Vec<Weak<StreamState>>>,
    /// How barrier kernels' threads take turns: [`Switch::DEFAULT`] but in
    /// tests of the other way.
    switch: Switch,
}

impl Drop for HostBackend {
    /// Waits for every stream, so the registry never frees memory a running
    /// launch uses (see `HostStream`'s `Drop`).
    fn drop(&mut self) {
        let _ = Backend::synchronize(self);
    }
}

/// Opens host device `ordinal` (starting the worker pool on first use).
pub(crate) fn open(ordinal: usize) -> Result<Arc<dyn Backend>, Error> {
    let mut b = HostBackend::new();
    let info = &mut Arc::get_mut(&mut b).expect("a fresh device").info;
    info.ordinal = ordinal;
    if ordinal > 0 {
        info.name = format!("{} #{ordinal}", info.name);
    }
    Ok(b)
}

impl HostBackend {
    /// A new host device. Every host device shares the one worker pool but
    /// has its own allocations and streams.
    pub(crate) fn new() -> Arc<HostBackend> {
        Self::with_check(super::check::requested())
    }

    /// A new host device whose kernels run bounds-checked when `checked`
    /// (`IREE_HOST_CHECK`, `check.rs`).
    pub(crate) fn with_check(checked: bool) -> Arc<HostBackend> {
        // A pool without workers still works (streams run their grids), so
        // report at least one processor.
        let workers = Pool::global().workers().max(1);
        Arc::new(HostBackend {
            info: DeviceInfo {
                name: format!("host ({workers} threads)"),
                platform: Platform::Host,
                ordinal: 0,
                target: TargetId::Host,
                limits: host_limits(workers as u32),
            },
            registry: Arc::new(Registry::new(checked)),
            streams: Mutex::default(),
            switch: Switch::DEFAULT,
        })
    }

    /// A new host device whose barrier kernels switch threads by `switch`
    /// (never bounds-checked: `IREE_HOST_CHECK` needs the default).
    #[cfg(test)]
    pub(crate) fn with_switch(switch: Switch) -> Arc<HostBackend> {
        let mut b = Self::with_check(false);
        Arc::get_mut(&mut b).expect("a fresh device").switch = switch;
        b
    }

    #[cfg(test)]
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }
}

/// The launch limits of the host platform.
pub(crate) fn host_limits(workers: u32) -> Limits {
    Limits {
        max_block_dims: [1024, 1024, 64],
        max_threads_per_block: 1024,
        max_grid_dims: [i32::MAX as u32, 65535, 65535],
        shared_memory_per_block: crate::target::HOST_SHARED_BYTES,
        warp_size: super::WARP_SIZE,
        multiprocessor_count: workers,
    }
}

/// Resolves `functions` to the linked-in entry points `host` carries.
pub(crate) fn resolve(
    functions: &[&str],
    host: &[Option<HostEntry>],
) -> Result<Vec<KernelHandle>, Error> {
    functions
        .iter()
        .enumerate()
        .map(|(i, name)| match host.get(i).copied().flatten() {
            Some(entry) => Ok(KernelHandle::Host(entry)),
            None => Err(Error::NoSuchKernel {
                kernel: name.to_string(),
                reason: "the program holds no host entry points for this kernel: it was built \
                         without the `host` target (add \"host\" to Build::targets or \
                         IREE_BUILD_TARGETS)"
                    .to_string(),
            }),
        })
        .collect()
}

impl Backend for HostBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error> {
        self.registry.alloc_zeroed(bytes)
    }

    unsafe fn free(&self, ptr: DevicePtr) {
        let freed = self.registry.free(ptr);
        debug_assert!(
            freed,
            "host free of {ptr:#x}, which is not a live allocation"
        );
    }

    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        self.registry.check(dst, src.len())?;
        // SAFETY: the registry says `[dst, dst + len)` is inside a live host
        // allocation; the caller guarantees no queued work uses it, and a
        // Rust slice cannot overlap memory the registry owns.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut u8, src.len()) };
        Ok(())
    }

    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        self.registry.check(src, dst.len())?;
        // SAFETY: as in `copy_h2d`, with no queued work writing `src`.
        unsafe { std::ptr::copy_nonoverlapping(src as *const u8, dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    fn synchronize(&self) -> Result<(), Error> {
        let streams: Vec<_> = {
            let mut s = self.streams.lock().unwrap_or_else(|e| e.into_inner());
            s.retain(|w| w.strong_count() > 0);
            s.iter().filter_map(Weak::upgrade).collect()
        };
        // Waits for every stream before returning the first error; only
        // a wait refused from inside a kernel can fail here. Launch
        // failures stay with their streams (`Device::synchronize` asks
        // each stream for its own).
        let mut first = Ok(());
        for s in streams {
            let r = s.wait_idle();
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error> {
        let (stream, state) =
            HostStream::new(self.registry.clone(), self.info.limits.clone(), self.switch)?;
        self.streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::downgrade(&state));
        Ok(Arc::new(stream))
    }

    fn load(
        &self,
        _variant: &VariantView<'_>,
        functions: &[&str],
        host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error> {
        resolve(functions, host)
    }

    fn as_peer(&self) -> Option<Peer> {
        Some(Peer {
            driver: "host",
            device: self.info.ordinal as i32,
            ctx: 0,
        })
    }

    /// Every host device's memory is this process's: a stream of one
    /// copies another's with a plain copy, ordered like any transfer.
    fn peer_access(&self, src: Peer) -> Result<bool, Error> {
        Ok(src.driver == "host" && Some(src) != self.as_peer())
    }

    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        self.registry.check(ptr, bytes)
    }
}
