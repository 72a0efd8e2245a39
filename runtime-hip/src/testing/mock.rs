//! A test-only backend that keeps "device" memory in host vectors and
//! records what reaches it (events, launches with their packed arguments,
//! loads), for the tests of [`super`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::backend::{Backend, BackendStream, DevicePtr, FenceRef, KernelHandle, LaunchSpec};
use crate::bundle::VariantView;
use crate::device::{Device, DeviceInfo, Limits};
use crate::drivers::{Allocations, KernelParams};
use crate::host::HostEntry;
use crate::target::TargetId;
use crate::Error;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct LaunchRecord {
    pub(super) kernel: usize,
    pub(super) grid: [u32; 3],
    pub(super) block: [u32; 3],
    pub(super) shared: u32,
    /// The packed argument bytes, as a GPU driver would receive them.
    pub(super) args: Vec<u8>,
}

pub(super) struct Mock {
    pub(super) info: DeviceInfo,
    pub(super) mem: Mutex<HashMap<DevicePtr, Vec<u8>>>,
    pub(super) allocs: Allocations,
    pub(super) next: AtomicU64,
    pub(super) events: Mutex<Vec<String>>,
    pub(super) launches: Mutex<Vec<LaunchRecord>>,
    pub(super) loads: AtomicUsize,
}

static NEXT_BASE: AtomicU64 = AtomicU64::new(1 << 32);

fn limits() -> Limits {
    Limits {
        max_block_dims: [1024, 1024, 64],
        max_threads_per_block: 1024,
        max_grid_dims: [0x7fff_ffff, 65535, 65535],
        shared_memory_per_block: 65536,
        warp_size: 64,
        multiprocessor_count: 4,
    }
}

impl Mock {
    fn new(target: &str) -> Arc<Mock> {
        let target: TargetId = target.parse().unwrap();
        Arc::new(Mock {
            info: DeviceInfo {
                name: "mock".into(),
                platform: target.platform(),
                ordinal: 0,
                target,
                limits: limits(),
            },
            mem: Mutex::new(HashMap::new()),
            allocs: Allocations::default(),
            // Distinct address ranges per mock, as in a unified address space.
            next: AtomicU64::new(NEXT_BASE.fetch_add(1 << 32, Ordering::Relaxed)),
            events: Mutex::new(Vec::new()),
            launches: Mutex::new(Vec::new()),
            loads: AtomicUsize::new(0),
        })
    }

    fn event(&self, e: impl Into<String>) {
        self.events.lock().unwrap().push(e.into());
    }

    pub(super) fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Runs `f` on the bytes `[ptr, ptr + len)` of the allocation holding it.
    pub(super) fn with_bytes<R>(
        &self,
        ptr: DevicePtr,
        len: usize,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> R {
        let mut mem = self.mem.lock().unwrap();
        let (base, bytes) = mem
            .iter_mut()
            .find(|(b, v)| **b <= ptr && ptr + len as u64 <= **b + v.len() as u64)
            .expect("copy outside any allocation");
        let at = (ptr - *base) as usize;
        f(&mut bytes[at..at + len])
    }
}

struct MockBackend(Arc<Mock>);
struct MockStream(Arc<Mock>, u64);

/// A mock fence: done once waited for (the mock runs nothing).
struct MockFence {
    mock: Arc<Mock>,
    stream: u64,
    done: std::sync::atomic::AtomicBool,
}

impl crate::backend::Fence for MockFence {
    fn stream(&self) -> u64 {
        self.stream
    }
    fn wait(&self) -> Result<(), crate::backend::WaitError> {
        self.mock.event(format!("fence wait s{}", self.stream));
        self.done.store(true, Ordering::Relaxed);
        Ok(())
    }
    fn is_done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }
}

impl Backend for MockBackend {
    fn info(&self) -> &DeviceInfo {
        &self.0.info
    }
    fn alloc_zeroed(&self, bytes: usize) -> Result<DevicePtr, Error> {
        assert!(bytes > 0, "backends are never asked for 0 bytes");
        let ptr = self
            .0
            .next
            .fetch_add((bytes as u64).div_ceil(256) * 256 + 256, Ordering::Relaxed);
        self.0.mem.lock().unwrap().insert(ptr, vec![0; bytes]);
        self.0.allocs.insert(ptr, bytes);
        self.0.event(format!("alloc {bytes}"));
        Ok(ptr)
    }
    unsafe fn free(&self, ptr: DevicePtr) {
        self.0.allocs.remove(ptr);
        self.0
            .mem
            .lock()
            .unwrap()
            .remove(&ptr)
            .expect("double free");
        self.0.event("free");
    }
    unsafe fn copy_h2d(&self, dst: DevicePtr, src: &[u8]) -> Result<(), Error> {
        self.0
            .with_bytes(dst, src.len(), |d| d.copy_from_slice(src));
        self.0.event(format!("h2d {}", src.len()));
        Ok(())
    }
    unsafe fn copy_d2h(&self, dst: &mut [u8], src: DevicePtr) -> Result<(), Error> {
        self.0
            .with_bytes(src, dst.len(), |s| dst.copy_from_slice(s));
        self.0.event(format!("d2h {}", dst.len()));
        Ok(())
    }
    fn synchronize(&self) -> Result<(), Error> {
        self.0.event("sync");
        Ok(())
    }
    fn create_stream(&self) -> Result<Arc<dyn BackendStream>, Error> {
        Ok(Arc::new(MockStream(
            self.0.clone(),
            crate::backend::next_stream_id(),
        )))
    }
    fn load(
        &self,
        variant: &VariantView<'_>,
        functions: &[&str],
        _host: &[Option<HostEntry>],
    ) -> Result<Vec<KernelHandle>, Error> {
        self.0.loads.fetch_add(1, Ordering::Relaxed);
        self.0.event(format!(
            "load {} {}",
            variant.target_str(),
            functions.join(",")
        ));
        Ok((0..functions.len())
            .map(|i| KernelHandle::Gpu(100 + i))
            .collect())
    }
    /// `simple_mul_inplace` (the second function of a module) has 1 KiB of
    /// static shared memory, the others none.
    fn static_shared_bytes(&self, kernel: KernelHandle) -> Result<u32, Error> {
        Ok(match kernel {
            KernelHandle::Gpu(101) => 1024,
            _ => 0,
        })
    }
    fn check_bindings(&self, bindings: &[(DevicePtr, usize)]) -> Result<(), (usize, Error)> {
        self.0.allocs.check_all(bindings, || "mock".into())
    }
    fn check_binding(&self, ptr: DevicePtr, bytes: usize) -> Result<(), Error> {
        self.0.allocs.check(ptr, bytes, || "mock".into())
    }
}

impl BackendStream for MockStream {
    fn id(&self) -> u64 {
        self.1
    }
    unsafe fn submit(&self, l: &LaunchSpec<'_>) -> Result<(), Error> {
        let KernelHandle::Gpu(k) = l.kernel else {
            unreachable!()
        };
        let mut p = KernelParams::new();
        KernelParams::pack(l.params, l.bindings, l.constants, &mut p).unwrap();
        self.0.launches.lock().unwrap().push(LaunchRecord {
            kernel: k,
            grid: l.grid,
            block: l.block,
            shared: l.shared_bytes,
            args: p.bytes(),
        });
        self.0.event(format!("launch s{}", self.1));
        Ok(())
    }
    fn fence(&self) -> Result<FenceRef, Error> {
        self.0.event(format!("fence s{}", self.1));
        Ok(Arc::new(MockFence {
            mock: self.0.clone(),
            stream: self.1,
            done: false.into(),
        }))
    }
    fn wait_fence(&self, fence: &FenceRef) -> Result<(), Error> {
        self.0
            .event(format!("s{} waits for s{}", self.1, fence.stream()));
        Ok(())
    }
    fn synchronize(&self) -> Result<(), Error> {
        self.0.event("stream sync");
        Ok(())
    }
}

pub(super) fn mock_device(target: &str) -> (Device, Arc<Mock>) {
    let m = Mock::new(target);
    (Device::from_backend(Arc::new(MockBackend(m.clone()))), m)
}
