//! A test-only backend that keeps "device" memory in host vectors and
//! records what reaches it, so the device-independent runtime (memory,
//! streams, dispatch) can be tested on a machine without a GPU.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::backend::{Backend, BackendStream, DevicePtr, FenceRef, KernelHandle, LaunchSpec};
use crate::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec, VariantView};
use crate::device::{Device, DeviceInfo, Limits};
use crate::dispatch::{select_variant, ExportRef, Kernel};
use crate::drivers::{Allocations, KernelParams};
use crate::host::HostEntry;
use crate::target::{Format, Platform, TargetId};
use crate::Error;

#[derive(Clone, Debug, PartialEq)]
struct LaunchRecord {
    kernel: usize,
    grid: [u32; 3],
    block: [u32; 3],
    shared: u32,
    /// The packed argument bytes, as a GPU driver would receive them.
    args: Vec<u8>,
}

struct Mock {
    info: DeviceInfo,
    mem: Mutex<HashMap<DevicePtr, Vec<u8>>>,
    allocs: Allocations,
    next: AtomicU64,
    events: Mutex<Vec<String>>,
    launches: Mutex<Vec<LaunchRecord>>,
    loads: AtomicUsize,
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

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Runs `f` on the bytes `[ptr, ptr + len)` of the allocation holding it.
    fn with_bytes<R>(&self, ptr: DevicePtr, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
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
        KernelParams::pack(l.bindings, l.constants, &mut p).unwrap();
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

fn mock_device(target: &str) -> (Device, Arc<Mock>) {
    let m = Mock::new(target);
    (Device::from_backend(Arc::new(MockBackend(m.clone()))), m)
}

// ------------------------------------------------------------ memory ----

#[test]
fn upload_download_round_trip() {
    let (d, m) = mock_device("gfx1100");
    let buf = d.upload(&[1.0f32, 2.0, 3.0]).unwrap();
    assert_eq!(buf.len(), 3);
    assert_eq!(buf.byte_len(), 12);
    assert_eq!(buf.download().unwrap(), vec![1.0, 2.0, 3.0]);
    let z = d.alloc_zeroed::<u32>(5).unwrap();
    assert_eq!(z.download().unwrap(), vec![0; 5]);
    // No work uses these buffers: nothing is waited for, nothing
    // synchronised.
    assert!(
        !m.events()
            .iter()
            .any(|e| e.contains("sync") || e.contains("wait")),
        "{:?}",
        m.events()
    );
}

#[test]
fn zero_length_buffers_make_no_driver_calls() {
    let (d, m) = mock_device("gfx1100");
    let e = d.alloc_zeroed::<f32>(0).unwrap();
    let u = d.upload::<f32>(&[]).unwrap();
    let unit = d.alloc_zeroed::<()>(1000).unwrap();
    assert!(e.is_empty() && u.is_empty());
    assert_eq!(unit.len(), 1000);
    assert_eq!(e.download().unwrap(), Vec::<f32>::new());
    assert_eq!(unit.download().unwrap().len(), 1000);
    let b = e.binding();
    assert_eq!((b.ptr, b.bytes), (e.addr(), 0));
    drop((e, u, unit));
    assert!(m.events().is_empty(), "{:?}", m.events());
}

/// The events after the first `alloc`s, as strings.
fn events_after_allocs(m: &Mock) -> Vec<String> {
    let ev = m.events();
    let first = ev
        .iter()
        .position(|e| !e.starts_with("alloc") && !e.starts_with("h2d"));
    ev[first.unwrap_or(ev.len())..]
        .iter()
        .filter(|e| !e.starts_with("load"))
        .cloned()
        .collect()
}

#[test]
fn free_waits_for_the_work_that_used_the_buffer_only() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul_inplace", 1);
    let (d, m) = mock_device("gfx1100");
    let (s1, s2) = (d.stream().unwrap(), d.stream().unwrap());
    let (i1, i2) = (s1.id(), s2.id());
    let a = d.upload(&[1.0f32; 4]).unwrap();
    let mut b = d.alloc_zeroed::<f32>(4).unwrap();
    let unrelated = d.alloc_zeroed::<u8>(16).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe { k.launch(&s1, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4]) }.unwrap();
    // SAFETY: as above.
    unsafe { k.launch(&s2, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4]) }.unwrap();
    drop(unrelated);
    drop(b);
    drop(a);
    let s = |i| format!("s{i}");
    assert_eq!(
        events_after_allocs(&m),
        [
            format!("launch {}", s(i1)),
            format!("fence {}", s(i1)),
            // The second launch writes `b`: it waits for the first, its
            // writer. Both only read `a`, which orders nothing.
            format!("{} waits for {}", s(i2), s(i1)),
            format!("launch {}", s(i2)),
            format!("fence {}", s(i2)),
            // Freeing an unused buffer waits for nothing.
            "free".to_string(),
            // `b`: its last writer (which waited for the first).
            format!("fence wait {}", s(i2)),
            "free".to_string(),
            // `a`: read on both streams, one fence each.
            format!("fence wait {}", s(i1)),
            format!("fence wait {}", s(i2)),
            "free".to_string(),
        ]
    );
    assert!(!m.events().iter().any(|e| e.contains("sync")));
}

#[test]
fn host_reads_wait_for_writers_and_host_writes_for_every_use() {
    let bundle = sample_bundle();
    let mul = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let (s1, s2) = (d.stream().unwrap(), d.stream().unwrap());
    let mut a = d.upload(&[1.0f32; 4]).unwrap();
    let mut out = d.alloc_zeroed::<f32>(4).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe {
        mul.launch(
            &s1,
            [1, 1, 1],
            &[a.binding(), a.binding(), out.binding_mut()],
            &[4],
        )
    }
    .unwrap();
    let before = m.events().len();
    // `a` is only read by the queued launch: reading it waits for nothing.
    a.download().unwrap();
    assert_eq!(m.events()[before..], ["d2h 16"]);
    // `out` is written: its download waits for that launch.
    out.download().unwrap();
    assert_eq!(
        m.events()[before + 1..],
        [format!("fence wait s{}", s1.id()), "d2h 16".to_string()]
    );
    // Writing `a` waits for its reader; a launch on another stream that
    // writes `out` waits for its writer (done now: no wait queued).
    let before = m.events().len();
    a.copy_from(&[2.0; 4]).unwrap();
    assert_eq!(
        m.events()[before..],
        [format!("fence wait s{}", s1.id()), "h2d 16".to_string()]
    );
    // SAFETY: as above.
    unsafe {
        mul.launch(
            &s2,
            [1, 1, 1],
            &[a.binding(), a.binding(), out.binding_mut()],
            &[4],
        )
    }
    .unwrap();
    assert!(!m.events().iter().any(|e| e.contains("waits for")));
}

#[test]
fn size_overflow_is_an_error() {
    let (d, _) = mock_device("gfx1100");
    assert!(matches!(
        d.alloc_zeroed::<u64>(usize::MAX / 4).unwrap_err(),
        Error::SizeOverflow { .. }
    ));
}

#[test]
fn sub_slices_address_their_elements() {
    let (d, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let mut buf = d.upload(&[0u32, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    let base = buf.addr();
    assert_eq!(buf.slice(2..5).addr(), base + 8);
    assert_eq!(buf.slice(2..5).len(), 3);
    assert_eq!(buf.slice(..=1).len(), 2);
    assert!(buf.get(5..9).is_none());
    assert!(buf.get(9..).is_none());
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = buf.get(4..3);
    assert!(reversed.is_none());
    assert_eq!(s.read(buf.slice(2..5)).unwrap(), vec![2, 3, 4]);
    assert_eq!(s.read(buf.slice(8..)).unwrap(), Vec::<u32>::new());
    {
        let (lo, hi) = buf.split_at_mut(3);
        assert_eq!(lo.len(), 3);
        assert_eq!(hi.addr(), base + 12);
        s.write(hi.slice_mut(1..3), &[40, 50]).unwrap();
        s.write(lo, &[9, 9, 9]).unwrap();
    }
    assert_eq!(buf.download().unwrap(), vec![9, 9, 9, 3, 40, 50, 6, 7]);
    let (a, b) = buf.split_at(8);
    assert_eq!((a.len(), b.len()), (8, 0));
    buf.copy_from(&[7; 8]).unwrap();
    assert_eq!(buf.download().unwrap(), vec![7; 8]);
}

#[test]
#[should_panic(expected = "out of bounds")]
fn slice_out_of_bounds_panics_like_indexing() {
    let (d, _) = mock_device("gfx1100");
    let buf = d.upload(&[1u8, 2]).unwrap();
    let _ = buf.slice(1..3);
}

#[test]
fn length_mismatch_and_foreign_slices_are_errors() {
    let (d1, _) = mock_device("gfx1100");
    let (d2, _) = mock_device("gfx1100");
    let s2 = d2.stream().unwrap();
    let mut a = d1.upload(&[1u32, 2, 3]).unwrap();
    assert!(matches!(
        a.copy_from(&[1, 2]).unwrap_err(),
        Error::OutOfBounds(_)
    ));
    assert!(matches!(
        s2.read(&a).unwrap_err(),
        Error::ForeignBuffer { .. }
    ));
    assert!(matches!(
        s2.write(&mut a, &[0, 0, 0]).unwrap_err(),
        Error::ForeignBuffer { .. }
    ));
}

#[test]
fn device_slice_is_a_zero_sized_pointee() {
    let (d, _) = mock_device("gfx1100");
    let buf = d.upload(&[1u64; 4]).unwrap();
    let s: &crate::DeviceSlice<u64> = &buf;
    assert_eq!(std::mem::size_of_val(s), 0);
    assert_eq!(s.len(), 4);
}

// ---------------------------------------------------------- dispatch ----

fn export(name: &str, ordinal: u32, flags: Vec<u32>, constants: u32) -> ExportSpec {
    ExportSpec {
        name: name.into(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: constants,
        binding_flags: flags,
        workgroup_local_memory: 0,
    }
}

fn variant(target: &str, format: Format) -> VariantSpec {
    VariantSpec {
        target: target.into(),
        format,
        data: target.as_bytes().to_vec(),
    }
}

/// The IREE sample's executable: simple_mul (ro, ro, rw; 1 constant) and
/// simple_mul_inplace (ro, rw; 1 constant), plus a kernel with a block too
/// large for any device.
fn sample_bundle() -> &'static [u8] {
    let spec = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "custom_dispatch".into(),
            exports: vec![
                export("simple_mul", 0, vec![1, 1, 0], 1),
                export("simple_mul_inplace", 1, vec![1, 0], 1),
                ExportSpec {
                    block_dims: [64, 64, 1],
                    ..export("too_big", 2, vec![], 0)
                },
            ],
            variants: vec![
                variant("gfx90a:xnack-", Format::Hsaco),
                variant("gfx1100", Format::Hsaco),
                variant("sm_80", Format::Ptx),
            ],
        }],
    };
    Box::leak(spec.to_bytes().into_boxed_slice())
}

fn kernel(bundle: &'static [u8], name: &'static str, ordinal: u32) -> Kernel {
    Kernel::new(ExportRef {
        bundle,
        executable: 0,
        ordinal,
        name,
        host: None,
    })
}

#[test]
fn launch_packs_bindings_then_constants() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let lhs = d.upload(&[2.0f32; 8]).unwrap();
    let rhs = d.upload(&[4.0f32; 8]).unwrap();
    let mut ret = d.alloc_zeroed::<f32>(8).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe {
        k.launch(
            &s,
            [1, 1, 1],
            &[lhs.binding(), rhs.binding(), ret.binding_mut()],
            &[8],
        )
        .unwrap();
    }
    let l = m.launches.lock().unwrap()[0].clone();
    let mut want = Vec::new();
    for a in [lhs.addr(), rhs.addr(), ret.addr()] {
        want.extend_from_slice(&a.to_le_bytes());
    }
    want.extend_from_slice(&8u32.to_le_bytes());
    assert_eq!(l.args, want);
    assert_eq!(
        (l.kernel, l.grid, l.block, l.shared),
        (100, [1, 1, 1], [64, 1, 1], 0)
    );
    assert!(m
        .events()
        .contains(&"load gfx1100 simple_mul,simple_mul_inplace,too_big".to_string()));
}

#[test]
fn executables_load_once_per_device() {
    let bundle = sample_bundle();
    let mul = kernel(bundle, "simple_mul", 0);
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let (d1, m1) = mock_device("gfx1100");
    let (d2, m2) = mock_device("gfx90a:sramecc+:xnack-");
    for d in [&d1, &d2] {
        let s = d.stream().unwrap();
        let a = d.upload(&[1.0f32; 4]).unwrap();
        let mut b = d.upload(&[1.0f32; 4]).unwrap();
        for _ in 0..3 {
            // SAFETY: the mock runs nothing.
            unsafe {
                inplace
                    .launch(&s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4])
                    .unwrap();
                mul.launch(
                    &s,
                    [1, 1, 1],
                    &[a.binding(), a.binding(), b.binding_mut()],
                    &[4],
                )
                .unwrap();
            }
        }
    }
    assert_eq!(m1.loads.load(Ordering::Relaxed), 1);
    assert_eq!(m2.loads.load(Ordering::Relaxed), 1);
    assert!(m2
        .events()
        .iter()
        .any(|e| e.starts_with("load gfx90a:xnack-")));
    // Each export got its own function from the one module.
    let kernels: Vec<usize> = m1
        .launches
        .lock()
        .unwrap()
        .iter()
        .map(|l| l.kernel)
        .collect();
    assert_eq!(kernels, [101, 100, 101, 100, 101, 100]);
}

#[test]
fn launch_checks() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let (other, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let a = d.upload(&[1.0f32; 4]).unwrap();
    let mut b = d.upload(&[1.0f32; 4]).unwrap();
    let foreign = other.upload(&[1.0f32; 4]).unwrap();
    let launch = |wg: [u32; 3], bindings: &[crate::dispatch::Binding<'_>], c: &[u32]| {
        // SAFETY: the mock runs nothing.
        unsafe { k.launch(&s, wg, bindings, c) }
    };
    let reason = |e: Error| {
        let text = e.to_string();
        match e {
            Error::WrongArguments { kernel, .. }
            | Error::ReadOnlyBinding { kernel, .. }
            | Error::GridTooLarge { kernel, .. }
            | Error::BadBinding { kernel, .. } => assert_eq!(kernel, "simple_mul"),
            e => panic!("{e}"),
        }
        text
    };
    // Counts.
    let r = reason(launch([1, 1, 1], &[a.binding(), a.binding()], &[4]).unwrap_err());
    assert!(r.contains("takes 3 and 1"), "{r}");
    let r =
        reason(launch([1, 1, 1], &[a.binding(), a.binding(), b.binding_mut()], &[]).unwrap_err());
    assert!(r.contains("passed 3 bindings and 0 constants"), "{r}");
    // A writable binding passed read-only.
    let r = reason(launch([1, 1, 1], &[a.binding(), a.binding(), b.binding()], &[4]).unwrap_err());
    assert!(r.contains("binding 2 is writable"), "{r}");
    // Grid limits.
    let r = reason(
        launch(
            [1, 65536, 1],
            &[a.binding(), a.binding(), b.binding_mut()],
            &[4],
        )
        .unwrap_err(),
    );
    assert!(r.contains("exceeds the device's maximum"), "{r}");
    // A buffer of another device.
    let r = reason(
        launch(
            [1, 1, 1],
            &[foreign.binding(), a.binding(), b.binding_mut()],
            &[4],
        )
        .unwrap_err(),
    );
    assert!(
        r.contains("binding 0") && r.contains("does not belong"),
        "{r}"
    );
    assert!(m.launches.lock().unwrap().is_empty());
    // Zero workgroups: Ok, nothing queued.
    for wg in [[0, 1, 1], [1, 0, 1], [1, 1, 0]] {
        launch(wg, &[a.binding(), a.binding(), b.binding_mut()], &[4]).unwrap();
    }
    assert!(m.launches.lock().unwrap().is_empty());
    // Empty bindings pass a null pointer and skip the ownership check.
    let empty = d.alloc_zeroed::<f32>(0).unwrap();
    launch(
        [2, 1, 1],
        &[empty.binding(), a.slice(1..1).binding(), b.binding_mut()],
        &[0],
    )
    .unwrap();
    let l = m.launches.lock().unwrap()[0].clone();
    assert_eq!(&l.args[..16], &[0u8; 16]);
    assert_eq!(l.grid, [2, 1, 1]);
}

#[test]
fn block_size_over_the_device_limit_is_refused() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "too_big", 2);
    let (d, m) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    // SAFETY: the mock runs nothing.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("4096 threads") && text.contains("1024"),
        "{text}"
    );
    assert!(m.launches.lock().unwrap().is_empty());
}

#[test]
fn stale_wrappers_are_reported() {
    let bundle = sample_bundle();
    let (d, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    for (k, want) in [
        (
            kernel(bundle, "renamed", 0),
            "ordinal 0 of `custom_dispatch` is `simple_mul`",
        ),
        (kernel(bundle, "simple_mul", 9), "export ordinal 9"),
        (
            Kernel::new(ExportRef {
                bundle,
                executable: 3,
                ordinal: 0,
                name: "simple_mul",
                host: None,
            }),
            "executable 3",
        ),
    ] {
        // SAFETY: the mock runs nothing.
        let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
        assert!(matches!(e, Error::MissingExport { .. }), "{e}");
        assert!(e.to_string().contains(want), "{e}");
    }
    // A corrupt bundle is a Bundle error.
    let k = kernel(b"not a bundle", "simple_mul", 0);
    // SAFETY: as above.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    assert!(matches!(e, Error::Bundle(_)), "{e}");
}

#[test]
fn no_variant_names_the_device_and_every_variant() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, _) = mock_device("gfx942");
    let s = d.stream().unwrap();
    // SAFETY: the mock runs nothing.
    let e = unsafe { k.launch(&s, [1, 1, 1], &[], &[]) }.unwrap_err();
    match &e {
        Error::NoVariant {
            executable,
            device_target,
            available,
        } => {
            assert_eq!(executable, "custom_dispatch");
            assert_eq!(device_target, "gfx942");
            assert_eq!(
                available,
                &["gfx90a:xnack- (hsaco)", "gfx1100 (hsaco)", "sm_80 (ptx)"]
            );
        }
        e => panic!("{e}"),
    }
    assert!(e
        .to_string()
        .contains("gfx90a:xnack- (hsaco), gfx1100 (hsaco), sm_80 (ptx)"));
}

/// Variant selection over a bundle holding many targets, table-driven.
#[test]
fn variant_selection_table() {
    let spec = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "e".into(),
            exports: vec![],
            variants: vec![
                variant("gfx90a", Format::Hsaco),
                variant("gfx90a:xnack+", Format::Hsaco),
                variant("gfx90a:sramecc+:xnack-", Format::Hsaco),
                variant("gfx942:xnack-", Format::Hsaco),
                variant("gfx1100", Format::Hsaco),
                variant("sm_70", Format::Ptx),
                variant("sm_80", Format::Ptx),
                variant("sm_80", Format::Cubin),
                variant("sm_90", Format::Cubin),
                variant("host", Format::Host),
                variant("gfx9999", Format::Hsaco), // unknown to this runtime: skipped
            ],
        }],
    };
    let bytes = spec.to_bytes();
    let b = crate::bundle::Bundle::parse(&bytes).unwrap();
    let exe = b.executable(0).unwrap();
    let pick = |device: &str| {
        select_variant(&exe, &device.parse().unwrap())
            .map(|(_, v)| format!("{} {}", v.target_str(), v.format()))
            .map_err(|e| e.to_string())
    };
    let cases: &[(&str, Option<&str>)] = &[
        // Exact id wins over "any".
        (
            "gfx90a:sramecc+:xnack-",
            Some("gfx90a:sramecc+:xnack- hsaco"),
        ),
        ("gfx90a:sramecc+:xnack+", Some("gfx90a:xnack+ hsaco")),
        // Only the generic one fits.
        ("gfx90a:sramecc-:xnack-", Some("gfx90a hsaco")),
        ("gfx942:sramecc+:xnack-", Some("gfx942:xnack- hsaco")),
        ("gfx942:sramecc+:xnack+", None),
        ("gfx1100", Some("gfx1100 hsaco")),
        ("gfx1201", None),
        // A cubin only on its exact sm; PTX for its sm or newer, nearest first.
        ("sm_80", Some("sm_80 cubin")),
        ("sm_86", Some("sm_80 ptx")),
        ("sm_90", Some("sm_90 cubin")),
        ("sm_75", Some("sm_70 ptx")),
        ("sm_120", Some("sm_80 ptx")),
        ("host", Some("host host")),
    ];
    for (device, want) in cases {
        match (pick(device), want) {
            (Ok(got), Some(w)) => assert_eq!(&got, w, "device {device}"),
            (Err(e), None) => {
                assert!(e.contains(device), "{e}");
                assert!(e.contains("gfx9999 (hsaco)"), "{e}");
            }
            (got, want) => panic!("device {device}: got {got:?}, want {want:?}"),
        }
    }
    // sm_70 device with only an sm_80 cubin/PTX: no variant.
    let nvidia_only = TargetId::Nvidia { sm: 61 };
    assert!(select_variant(&exe, &nvidia_only).is_err());
    assert_eq!(
        Platform::Amd,
        "gfx90a".parse::<TargetId>().unwrap().platform()
    );
}

#[test]
fn concurrent_first_launches_resolve_once() {
    let bundle = sample_bundle();
    let k: &'static Kernel = Box::leak(Box::new(kernel(bundle, "simple_mul_inplace", 1)));
    let (d, m) = mock_device("gfx1100");
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let d = d.clone();
            scope.spawn(move || {
                let s = d.stream().unwrap();
                let a = d.upload(&[1i32; 2]).unwrap();
                let mut b = d.upload(&[1i32; 2]).unwrap();
                // SAFETY: the mock runs nothing.
                unsafe { k.launch(&s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[2]) }.unwrap();
            });
        }
    });
    assert_eq!(m.loads.load(Ordering::Relaxed), 1);
    assert_eq!(m.launches.lock().unwrap().len(), 8);
}

// ------------------------------------------------------- launch cost ----

/// A stream whose launches do nothing, to measure the runtime's own cost.
struct NullStream;

/// The fence of work that never runs: always done.
struct NullFence;

impl crate::backend::Fence for NullFence {
    fn stream(&self) -> u64 {
        u64::MAX
    }
    fn wait(&self) -> Result<(), crate::backend::WaitError> {
        Ok(())
    }
    fn is_done(&self) -> bool {
        true
    }
}

impl BackendStream for NullStream {
    fn id(&self) -> u64 {
        u64::MAX
    }
    unsafe fn submit(&self, l: &LaunchSpec<'_>) -> Result<(), Error> {
        // What a GPU backend does besides the driver call.
        let mut p = KernelParams::new();
        KernelParams::pack(l.bindings, l.constants, &mut p).map_err(|reason| {
            Error::KernelUnfit {
                kernel: l.name.to_string(),
                device: "null".to_string(),
                reason,
            }
        })?;
        std::hint::black_box((l.kernel, p.as_ptr()));
        Ok(())
    }
    fn fence(&self) -> Result<FenceRef, Error> {
        Ok(Arc::new(NullFence))
    }
    fn wait_fence(&self, _: &FenceRef) -> Result<(), Error> {
        Ok(())
    }
    fn synchronize(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// Time per launch through `Kernel::launch` and straight into the backend
/// stream, with a stream that does nothing: the difference is what the
/// wrapper path adds to a driver launch (a few microseconds on real GPUs).
/// `cargo test -p runtime-hip --release --lib launch_overhead -- --ignored --nocapture`
#[test]
#[ignore = "timing; run explicitly"]
fn launch_overhead() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul", 0);
    let (d, _) = mock_device("gfx1100");
    let s = crate::Stream::new(d.clone(), Arc::new(NullStream));
    let a = d.upload(&[1.0f32; 256]).unwrap();
    let mut b = d.upload(&[1.0f32; 256]).unwrap();
    let iters = 2_000_000u32;
    // SAFETY: nothing runs.
    unsafe {
        k.launch(
            &s,
            [4, 1, 1],
            &[a.binding(), a.binding(), b.binding_mut()],
            &[256],
        )
    }
    .unwrap();
    let t = std::time::Instant::now();
    for i in 0..iters {
        // SAFETY: nothing runs.
        unsafe {
            k.launch(
                &s,
                [4, 1, 1],
                &[a.binding(), a.binding(), b.binding_mut()],
                &[i],
            )
            .unwrap()
        };
    }
    let wrapped = t.elapsed().as_secs_f64() * 1e9 / f64::from(iters);
    let ptrs = [a.addr(), a.addr(), b.addr()];
    let t = std::time::Instant::now();
    for i in 0..iters {
        // SAFETY: nothing runs.
        unsafe {
            s.inner
                .submit(&LaunchSpec {
                    grid: [4, 1, 1],
                    block: [64, 1, 1],
                    bindings: &ptrs,
                    constants: &[i],
                    ..LaunchSpec::test(KernelHandle::Gpu(100))
                })
                .unwrap()
        };
    }
    let raw = t.elapsed().as_secs_f64() * 1e9 / f64::from(iters);
    eprintln!(
        "Kernel::launch {wrapped:.1} ns, raw backend launch {raw:.1} ns: the wrapper adds {:.1} ns",
        wrapped - raw
    );
}

#[test]
fn handles_are_thread_safe() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Device>();
    send_sync::<crate::Stream>();
    send_sync::<crate::DeviceBuffer<f32>>();
    send_sync::<&crate::DeviceSlice<f32>>();
    send_sync::<Kernel>();
    send_sync::<Error>();
    fn error_trait<T: std::error::Error + Send + Sync + 'static>() {}
    error_trait::<Error>();
}
