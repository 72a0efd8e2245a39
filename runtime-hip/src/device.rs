//! Devices: opening a platform, its properties and limits.
//!
//! A [`Device`] is a shared handle (`Arc`) to one opened device of one
//! platform. Opening is expensive (a driver library is loaded, a context
//! created), so each `(platform, ordinal)` is opened once per process and
//! later calls to [`Device::open`] return the same device. Devices are
//! never closed; their memory is freed by the buffers that own it.
//!
//! Which physical GPUs a process sees is decided by the drivers themselves:
//! `HIP_VISIBLE_DEVICES` / `ROCR_VISIBLE_DEVICES` for AMD and
//! `CUDA_VISIBLE_DEVICES` for NVIDIA renumber the ordinals used here.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::backend::{Backend, BackendStream, KernelHandle};
use crate::hazards::Hazards;
use crate::memory::{DeviceBuffer, Pod};
use crate::stream::Stream;
use crate::target::{Platform, TargetId};
use crate::{drivers, Error};

/// Limits a launch is checked against, and what `count` closures may query
/// (the `!hal.device` of IREE's count region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest block size per dimension.
    pub max_block_dims: [u32; 3],
    /// Largest product of block dimensions.
    pub max_threads_per_block: u32,
    /// Largest grid size (workgroup count) per dimension.
    pub max_grid_dims: [u32; 3],
    /// Shared (LDS) memory available to one block, in bytes.
    pub shared_memory_per_block: u32,
    /// Threads per warp/wavefront.
    pub warp_size: u32,
    /// Multiprocessors (CUs, SMs; worker threads on the host).
    pub multiprocessor_count: u32,
}

/// What a device is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Marketing name as the driver reports it.
    pub name: String,
    /// Platform it belongs to.
    pub platform: Platform,
    /// Ordinal within its platform.
    pub ordinal: usize,
    /// The device's own target id (`gfx90a:sramecc+:xnack-`, `sm_90`, `host`).
    pub target: TargetId,
    /// Launch limits.
    pub limits: Limits,
}

/// Key of a loaded executable in a device's cache: the bundle's address
/// and length (bundles are `'static` bytes) and the executable index.
pub(crate) type ExecutableKey = (usize, usize, u32);

pub(crate) struct DeviceInner {
    /// Unique for the process lifetime, never reused: indexes the per-device
    /// slots of every `dispatch::Kernel`.
    pub(crate) id: usize,
    pub(crate) backend: Arc<dyn Backend>,
    /// GPU executables loaded on this device, one module per executable.
    executables: Mutex<HashMap<ExecutableKey, Arc<[KernelHandle]>>>,
    /// Every stream created on this device, so that `synchronize` can wait
    /// for all of them.
    streams: Mutex<Vec<Weak<dyn BackendStream>>>,
    /// Which work uses each live allocation (see `hazards`).
    hazards: Hazards,
}

/// An opened device. Cheap to clone; usable from several threads.
#[derive(Clone)]
pub struct Device {
    pub(crate) inner: Arc<DeviceInner>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
/// Devices opened through `Device::open`, one per (platform, ordinal).
static OPENED: Mutex<Vec<((Platform, usize), Device)>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is a single insert/lookup, so a panic
    // elsewhere cannot leave the data inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Opens host device `ordinal` (`IREE_HOST_DEVICES` says how many there
/// are: [`crate::host::device_count`]).
fn open_host(ordinal: usize) -> Result<Arc<dyn Backend>, Error> {
    let count = crate::host::device_count();
    if ordinal >= count {
        return Err(Error::NoDevice {
            platform: Platform::Host,
            reason: format!(
                "the host platform has {count} device(s) (host:0..{count}), not host:{ordinal}; \
                 IREE_HOST_DEVICES=N gives it N"
            ),
        });
    }
    crate::host::open(ordinal)
}

impl Device {
    /// Wraps an opened backend as a new device (not registered for reuse).
    pub(crate) fn from_backend(backend: Arc<dyn Backend>) -> Device {
        Device {
            inner: Arc::new(DeviceInner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                backend,
                executables: Mutex::new(HashMap::new()),
                streams: Mutex::new(Vec::new()),
                hazards: Hazards::default(),
            }),
        }
    }

    /// The best device present: AMD, else NVIDIA, else the host.
    ///
    /// `IREE_DEVICE=amd|nvidia|host[:N]` picks one explicitly, and then its
    /// failure is the answer (no fallback), so a misconfigured GPU machine
    /// says why instead of quietly running on the CPU.
    #[allow(clippy::should_implement_trait)]
    pub fn default() -> Result<Device, Error> {
        if let Ok(sel) = std::env::var("IREE_DEVICE") {
            if !sel.trim().is_empty() {
                let (platform, ordinal) = Device::parse_selector(&sel)?;
                return Device::open(platform, ordinal);
            }
        }
        let mut last = None;
        for platform in [Platform::Amd, Platform::Nvidia, Platform::Host] {
            match Device::open(platform, 0) {
                Ok(d) => return Ok(d),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::NoDevice {
            platform: Platform::Host,
            reason: "no platform available".into(),
        }))
    }

    /// Parses a device selector: `amd`, `nvidia` or `host`, optionally with
    /// `:N` for the ordinal (`hip`/`rocm`, `cuda` and `cpu` are accepted as
    /// aliases).
    pub fn parse_selector(selector: &str) -> Result<(Platform, usize), Error> {
        let bad = |reason: &str| Error::InvalidDeviceSelector {
            value: selector.to_string(),
            reason: reason.to_string(),
        };
        let s = selector.trim().to_ascii_lowercase();
        let (name, ordinal) = match s.split_once(':') {
            Some((n, o)) => (
                n.to_string(),
                o.parse::<usize>()
                    .map_err(|_| bad("the part after `:` is not a device number"))?,
            ),
            None => (s.clone(), 0),
        };
        let platform = match name.as_str() {
            "amd" | "hip" | "rocm" => Platform::Amd,
            "nvidia" | "cuda" => Platform::Nvidia,
            "host" | "cpu" => Platform::Host,
            _ => return Err(bad("unknown platform")),
        };
        Ok((platform, ordinal))
    }

    /// Opens device `ordinal` of `platform`, or returns the already opened
    /// one.
    pub fn open(platform: Platform, ordinal: usize) -> Result<Device, Error> {
        let mut opened = lock(&OPENED);
        if let Some((_, d)) = opened.iter().find(|(k, _)| *k == (platform, ordinal)) {
            return Ok(d.clone());
        }
        let backend = match platform {
            Platform::Amd => drivers::amd::open(ordinal)?,
            Platform::Nvidia => drivers::nvidia::open(ordinal)?,
            Platform::Host => open_host(ordinal)?,
        };
        let d = Device::from_backend(backend);
        opened.push(((platform, ordinal), d.clone()));
        Ok(d)
    }

    /// How many devices `platform` has (0 when its driver is missing).
    pub fn count(platform: Platform) -> usize {
        match platform {
            Platform::Amd => drivers::amd::device_count().unwrap_or(0),
            Platform::Nvidia => drivers::nvidia::device_count().unwrap_or(0),
            Platform::Host => crate::host::device_count(),
        }
    }

    /// Every device that opens, AMD first, then NVIDIA, then the host.
    pub fn all() -> Vec<Device> {
        [Platform::Amd, Platform::Nvidia, Platform::Host]
            .into_iter()
            .flat_map(|p| (0..Device::count(p)).filter_map(move |i| Device::open(p, i).ok()))
            .collect()
    }

    /// Name, target and limits.
    pub fn info(&self) -> &DeviceInfo {
        self.inner.backend.info()
    }
    /// Shorthand for `info().platform`.
    pub fn platform(&self) -> Platform {
        self.info().platform
    }
    /// Shorthand for `info().target`.
    pub fn target(&self) -> &TargetId {
        &self.info().target
    }
    /// Shorthand for `info().limits`.
    pub fn limits(&self) -> &Limits {
        &self.info().limits
    }

    /// A process-unique number for this device (the same for clones).
    pub fn id(&self) -> usize {
        self.inner.id
    }

    pub(crate) fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }

    pub(crate) fn hazards(&self) -> &Hazards {
        &self.inner.hazards
    }

    /// A new stream on this device.
    pub fn stream(&self) -> Result<Stream, Error> {
        let s = self.inner.backend.create_stream()?;
        let mut streams = lock(&self.inner.streams);
        streams.retain(|w| w.strong_count() > 0);
        streams.push(Arc::downgrade(&s));
        drop(streams);
        Ok(Stream::new(self.clone(), s))
    }

    /// Copies `data` into a new buffer.
    pub fn upload<T: Pod>(&self, data: &[T]) -> Result<DeviceBuffer<T>, Error> {
        DeviceBuffer::upload(self, data)
    }

    /// A new zero-filled buffer of `len` elements.
    pub fn alloc_zeroed<T: Pod>(&self, len: usize) -> Result<DeviceBuffer<T>, Error> {
        DeviceBuffer::alloc_zeroed(self, len)
    }

    /// Waits for all work on all streams of this device, then returns the
    /// first error: each stream's unreported failure (as that stream's own
    /// [`Stream::synchronize`] would, which it then no longer reports), or
    /// the backend's. Every stream is waited for even when an earlier one
    /// failed.
    pub fn synchronize(&self) -> Result<(), Error> {
        let streams: Vec<_> = lock(&self.inner.streams)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        let mut first = Ok(());
        for s in streams {
            let r = s.synchronize();
            if first.is_ok() {
                first = r;
            }
        }
        let r = self.inner.backend.synchronize();
        first.and(r)
    }

    /// The kernels of a GPU executable on this device, loading it on first
    /// use. Loads are serialised per device so each executable loads once.
    pub(crate) fn executable(
        &self,
        key: ExecutableKey,
        load: impl FnOnce() -> Result<Vec<KernelHandle>, Error>,
    ) -> Result<Arc<[KernelHandle]>, Error> {
        let mut exes = lock(&self.inner.executables);
        if let Some(k) = exes.get(&key) {
            return Ok(k.clone());
        }
        let k: Arc<[KernelHandle]> = load()?.into();
        exes.insert(key, k.clone());
        Ok(k)
    }
}

impl PartialEq for Device {
    fn eq(&self, other: &Device) -> bool {
        self.inner.id == other.inner.id
    }
}
impl Eq for Device {}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.info();
        write!(
            f,
            "Device({}:{} {} [{}])",
            i.platform, i.ordinal, i.name, i.target
        )
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.info();
        write!(f, "{}:{} ({}, {})", i.platform, i.ordinal, i.name, i.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(Device::parse_selector("amd").unwrap(), (Platform::Amd, 0));
        assert_eq!(
            Device::parse_selector("NVIDIA:3").unwrap(),
            (Platform::Nvidia, 3)
        );
        assert_eq!(
            Device::parse_selector(" host:0 ").unwrap(),
            (Platform::Host, 0)
        );
        assert_eq!(
            Device::parse_selector("cuda").unwrap(),
            (Platform::Nvidia, 0)
        );
        for bad in ["gpu", "amd:", "amd:x", "amd:-1", ""] {
            let e = Device::parse_selector(bad).unwrap_err();
            assert!(
                matches!(e, Error::InvalidDeviceSelector { .. }),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn device_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Device>();
    }
}
