//! The safe API's promise under failures and several streams, with real
//! kernels on the host platform (`tests/data/soundness.cu`): nothing is
//! freed early whatever fails, errors stay with their work, launches that
//! share a buffer are ordered across streams, queues are bounded, and a
//! wait from inside a kernel is an error instead of a deadlock.

mod host_kernels;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use host_kernels::{gate, inside_kernel, kernel, serial, SLEEP};
use runtime_hip::{
    CommandBuffer, Device, DeviceBuffer, DeviceSlice, Error, HostBuffer, Platform, Stream,
};

fn host() -> Device {
    Device::open(Platform::Host, 0).unwrap()
}

/// Elements `late_fill` writes: 16 KiB, small enough for the allocator to
/// hand the same block to the next allocation of that size.
const FILL: usize = 4096;

fn late_fill(s: &Stream, x: &mut DeviceSlice<i32>, value: i32) {
    let n = x.len() as u32;
    // SAFETY: late_fill(int*, int n, int value) writes x[0..n).
    unsafe { kernel("late_fill").launch(s, [1, 1, 1], &[x.binding_mut()], &[n, value as u32]) }
        .unwrap();
}

/// Queues `opaque_barrier`, which fails while it runs, writing `out`.
fn failing_launch(s: &Stream, out: &mut DeviceSlice<i32>) {
    assert!(out.len() >= 64);
    // SAFETY: opaque_barrier(int*) writes out[0..64).
    unsafe { kernel("opaque_barrier").launch(s, [1, 1, 1], &[out.binding_mut()], &[]) }.unwrap();
}

fn slow_increment(s: &Stream, x: &mut DeviceSlice<i32>) {
    let n = x.len() as u32;
    // SAFETY: slow_increment(int*, int n) touches x[0..n).
    unsafe { kernel("slow_increment").launch(s, [1, 1, 1], &[x.binding_mut()], &[n]) }.unwrap();
}

/// The use after free: a failed launch on stream A, a long kernel
/// on stream B writing X; `drop(X)` must wait for B's kernel, so the next
/// allocation never sees its late writes.
#[test]
fn a_failed_stream_does_not_let_a_busy_buffer_be_freed() {
    let _serial = serial();
    let d = host();
    let a = d.stream().unwrap();
    let b = d.stream().unwrap();
    let mut failed = d.alloc_zeroed::<i32>(64).unwrap();
    failing_launch(&a, &mut failed);
    a.synchronize().unwrap_err();
    failing_launch(&a, &mut failed);
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    late_fill(&b, &mut x, 7);
    let t = Instant::now();
    drop(x);
    let waited = t.elapsed();
    let y = d.alloc_zeroed::<i32>(FILL).unwrap();
    b.synchronize().unwrap();
    assert!(
        y.download().unwrap().iter().all(|&v| v == 0),
        "a new buffer holds the writes of a kernel queued on the freed one"
    );
    assert!(waited >= SLEEP / 2, "drop returned after {waited:?}");
    // Stream A's failure is still there for it.
    assert!(matches!(a.synchronize(), Err(Error::KernelFailed { .. })));
}

/// `Device::synchronize` waits for every stream before it returns the
/// first error.
#[test]
fn device_synchronize_waits_for_every_stream_before_failing() {
    let _serial = serial();
    let d = host();
    let a = d.stream().unwrap();
    let b = d.stream().unwrap();
    let mut failed = d.alloc_zeroed::<i32>(64).unwrap();
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    failing_launch(&a, &mut failed);
    late_fill(&b, &mut x, 3);
    let t = Instant::now();
    let e = d.synchronize().unwrap_err();
    assert!(matches!(e, Error::KernelFailed { .. }), "{e}");
    assert!(t.elapsed() >= SLEEP / 2, "returned after {:?}", t.elapsed());
    assert!(x.download().unwrap().iter().all(|&v| v == 3));
}

/// A stream's failure goes to that stream (once), to reads of what the
/// failed launch wrote, and to nobody else; its text names the kernel, the
/// grid and the stream.
#[test]
fn errors_stay_with_their_stream_and_buffers() {
    let _serial = serial();
    let d = host();
    let a = d.stream().unwrap();
    let b = d.stream().unwrap();
    let mut failed = d.alloc_zeroed::<i32>(64).unwrap();
    let unrelated = d.upload(&[5i32; 64]).unwrap();
    let mut other = d.alloc_zeroed::<i32>(64).unwrap();
    failing_launch(&a, &mut failed);
    // The read of the failed launch's output waits for it and reports it.
    let e = failed.download().unwrap_err();
    let text = e.to_string();
    match &e {
        Error::KernelFailed {
            kernel,
            grid,
            stream,
            reason,
        } => {
            assert_eq!(kernel, "opaque_barrier");
            assert_eq!(*grid, [1, 1, 1]);
            assert_eq!(*stream, a.id());
            assert!(reason.contains("__syncthreads"), "{reason}");
        }
        e => panic!("{e}"),
    }
    assert!(
        text.contains("opaque_barrier")
            && text.contains("[1, 1, 1]")
            && text.contains(&format!("stream #{}", a.id())),
        "{text}"
    );
    // Nobody else sees it: an unrelated download, a drop, another stream.
    assert_eq!(unrelated.download().unwrap(), vec![5; 64]);
    drop(unrelated);
    // Stream b reads what the failed launch wrote: it waits for it, but
    // the failure is a's, not b's.
    // SAFETY: copy_ints(const int*, int*, int n) stays below n.
    unsafe {
        kernel("copy_ints").launch(
            &b,
            [1, 1, 1],
            &[failed.binding(), other.binding_mut()],
            &[64],
        )
    }
    .unwrap();
    b.synchronize().unwrap();
    other.download().unwrap();
    // The stream itself: once.
    assert!(matches!(a.synchronize(), Err(Error::KernelFailed { .. })));
    a.synchronize().unwrap();
    // A new failure is reported by the stream's next launch instead, which
    // is then not queued.
    failing_launch(&a, &mut failed);
    a.synchronize().unwrap_err();
    failing_launch(&a, &mut failed);
    let _ = failed.download();
    let mut count = d.alloc_zeroed::<i32>(1).unwrap();
    // SAFETY: count_up(int*) touches x[0].
    let e = unsafe { kernel("count_up").launch(&a, [1, 1, 1], &[count.binding_mut()], &[]) }
        .unwrap_err();
    assert!(matches!(e, Error::KernelFailed { .. }), "{e}");
    assert_eq!(count.download().unwrap(), vec![0]);
    a.synchronize().unwrap();
    // A host write over the whole buffer clears the taint.
    assert!(failed.download().is_err());
    failed.copy_from(&[2; 64]).unwrap();
    assert_eq!(failed.download().unwrap(), vec![2; 64]);
}

/// Two writable launches of one buffer on two streams run one after the
/// other: no update is lost.
#[test]
fn two_streams_writing_one_buffer_lose_no_update() {
    let _serial = serial();
    let d = host();
    let (a, b) = (d.stream().unwrap(), d.stream().unwrap());
    let mut x = d.alloc_zeroed::<i32>(1).unwrap();
    slow_increment(&a, &mut x);
    slow_increment(&b, &mut x);
    a.synchronize().unwrap();
    b.synchronize().unwrap();
    assert_eq!(x.download().unwrap(), vec![2]);
}

/// A launch reading a buffer waits for the writer on another stream; a
/// host read does not wait for readers.
#[test]
fn readers_wait_for_writers_and_host_reads_skip_readers() {
    let _serial = serial();
    let d = host();
    let (a, b) = (d.stream().unwrap(), d.stream().unwrap());
    let mut x = d.alloc_zeroed::<i32>(64).unwrap();
    let mut y = d.alloc_zeroed::<i32>(64).unwrap();
    slow_increment(&a, &mut x);
    // SAFETY: copy_ints(const int*, int*, int n) stays below n.
    unsafe { kernel("copy_ints").launch(&b, [1, 1, 1], &[x.binding(), y.binding_mut()], &[64]) }
        .unwrap();
    // (one thread: only x[0] was incremented, after the writer's sleep)
    let mut want = vec![0; 64];
    want[0] = 1;
    assert_eq!(y.download().unwrap(), want);
    // A reader of `x` on stream a that runs until the gate opens; the host
    // reads `x` meanwhile, which must not wait for it.
    let mut out = d.alloc_zeroed::<i32>(1).unwrap();
    gate(false);
    // SAFETY: gated_read(const int*, int*) reads x[0], writes out[0].
    unsafe { kernel("gated_read").launch(&a, [1, 1, 1], &[x.binding(), out.binding_mut()], &[]) }
        .unwrap();
    let read = within_deadline(move || (x.download(), x));
    gate(true);
    let (got, mut x) = read.expect("a host read waited for a kernel that only reads the buffer");
    assert_eq!(got.unwrap(), want);
    // A host write waits for that reader.
    want[0] = 9;
    x.copy_from(&want).unwrap();
    assert_eq!(out.download().unwrap(), vec![1]);
}

/// A producer loop cannot queue without bound: past the queue's depth a
/// launch waits for room.
#[test]
fn a_full_queue_makes_launches_wait() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let mut busy = d.alloc_zeroed::<i32>(FILL).unwrap();
    late_fill(&s, &mut busy, 1);
    let mut count = d.alloc_zeroed::<i32>(1).unwrap();
    let n = runtime_hip::host::QUEUE_DEPTH + 100;
    let t = Instant::now();
    for _ in 0..n {
        // SAFETY: count_up(int*) touches x[0].
        unsafe { kernel("count_up").launch(&s, [1, 1, 1], &[count.binding_mut()], &[]) }.unwrap();
    }
    let took = t.elapsed();
    assert!(took >= SLEEP / 2, "{n} launches queued in {took:?}");
    assert_eq!(count.download().unwrap(), vec![n as i32]);
}

/// Runs `f` on another thread; `None` if it has not returned in 20 s.
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20)).ok()
}

/// A kernel calling back into Rust that synchronises its own stream (or
/// the device) gets an error instead of waiting for itself forever.
#[test]
fn synchronizing_from_inside_a_kernel_is_an_error() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (s2, d2, seen2) = (s.clone(), d.clone(), seen.clone());
    inside_kernel(move || {
        let mut seen = seen2.lock().unwrap();
        for r in [s2.synchronize(), d2.synchronize()] {
            seen.push(match r {
                Err(e @ Error::WaitInsideKernel { .. }) => e.to_string(),
                other => format!("unexpected: {other:?}"),
            });
        }
    });
    let done = within_deadline(move || {
        // SAFETY: call_back(int) binds nothing.
        unsafe { kernel("call_back").launch(&s, [1, 1, 1], &[], &[2]) }.unwrap();
        s.synchronize()
    });
    inside_kernel(|| {});
    let result = done.expect("a synchronize from inside a kernel deadlocked");
    result.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for text in seen.iter() {
        assert!(
            text.contains("from inside a kernel running on stream #"),
            "{text}"
        );
    }
}

/// Out of memory is its own error, naming the size and the device.
#[test]
fn out_of_memory_is_its_own_error() {
    let d = host();
    let e = d.alloc_zeroed::<u8>(1 << 62).unwrap_err();
    assert!(
        matches!(&e, Error::OutOfMemory { bytes, device, .. } if *bytes == 1 << 62 && device.contains("host")),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("out of memory") && !text.contains("launch"),
        "{text}"
    );
    let _: Option<DeviceBuffer<u8>> = None;
}

// ---- Asynchronous copies, events and command buffers ----

/// Dropping a host buffer while an upload from it is queued waits for the
/// upload: the device gets the buffer's contents, never freed memory.
#[test]
fn dropping_a_host_buffer_waits_for_its_pending_upload() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    late_fill(&s, &mut x, 1);
    let h = HostBuffer::from_slice(&d, &[5i32; FILL]).unwrap();
    s.upload(&h, &mut x).unwrap();
    let t = Instant::now();
    drop(h);
    assert!(
        t.elapsed() >= SLEEP / 2,
        "drop returned after {:?}",
        t.elapsed()
    );
    assert!(x.download().unwrap().iter().all(|&v| v == 5));
}

/// Writing a host buffer waits for the uploads reading it; reading it
/// waits for the download writing it, and a download into it waits for
/// nobody's read (none can be held: the borrow rules forbid it).
#[test]
fn host_buffer_access_waits_for_pending_copies() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    // A pending upload: writing the host buffer waits for it.
    late_fill(&s, &mut x, 1);
    let mut h = HostBuffer::from_slice(&d, &[5i32; FILL]).unwrap();
    s.upload(&h, &mut x).unwrap();
    let t = Instant::now();
    h.as_mut_slice().unwrap().fill(9);
    assert!(
        t.elapsed() >= SLEEP / 2,
        "write returned after {:?}",
        t.elapsed()
    );
    assert!(x.download().unwrap().iter().all(|&v| v == 5));
    // A pending download: reading the host buffer waits for it.
    late_fill(&s, &mut x, 7);
    s.download_into(&x, &mut h).unwrap();
    let t = Instant::now();
    assert!(h.as_slice().unwrap().iter().all(|&v| v == 7));
    assert!(
        t.elapsed() >= SLEEP / 2,
        "read returned after {:?}",
        t.elapsed()
    );
}

/// A download into a host buffer on one stream and an upload from it on
/// another are ordered: the upload sends what the download brought.
#[test]
fn copies_sharing_a_host_buffer_are_ordered_across_streams() {
    let _serial = serial();
    let d = host();
    let (a, b) = (d.stream().unwrap(), d.stream().unwrap());
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    let mut y = d.alloc_zeroed::<i32>(FILL).unwrap();
    let mut h = HostBuffer::<i32>::new(&d, FILL).unwrap();
    late_fill(&a, &mut x, 3);
    a.download_into(&x, &mut h).unwrap();
    b.upload(&h, &mut y).unwrap();
    assert!(y.download().unwrap().iter().all(|&v| v == 3));
    // Device copies and fills take part in the same ordering.
    late_fill(&a, &mut x, 4);
    b.copy(&x, &mut y).unwrap();
    assert!(y.download().unwrap().iter().all(|&v| v == 4));
    b.fill(&mut y, 11).unwrap();
    a.copy(&y, &mut x).unwrap();
    assert!(x.download().unwrap().iter().all(|&v| v == 11));
    // Lengths, element sizes and other devices' memory are refused.
    let short = HostBuffer::<i32>::new(&d, 3).unwrap();
    assert!(matches!(
        a.upload(&short, &mut x),
        Err(Error::BadTransfer { .. })
    ));
    let mut wide = d.alloc_zeroed::<u64>(4).unwrap();
    assert!(matches!(
        a.fill(&mut wide, 1),
        Err(Error::BadTransfer { .. })
    ));
}

/// An event after a failed launch reports that launch (kernel, grid,
/// stream); unrelated copies on other streams are not blamed. Events
/// order streams by hand and time work.
#[test]
fn events_report_their_own_work_and_time_it() {
    let _serial = serial();
    let d = host();
    let (a, b) = (d.stream().unwrap(), d.stream().unwrap());
    let mut failed = d.alloc_zeroed::<i32>(64).unwrap();
    failing_launch(&a, &mut failed);
    let e = a.record().unwrap();
    match e.synchronize().unwrap_err() {
        Error::KernelFailed {
            kernel,
            grid,
            stream,
            ..
        } => {
            assert_eq!(
                (kernel.as_str(), grid, stream),
                ("opaque_barrier", [1, 1, 1], a.id())
            );
        }
        e => panic!("{e}"),
    }
    let h = HostBuffer::from_slice(&d, &[1i32; 64]).unwrap();
    let mut other = d.alloc_zeroed::<i32>(64).unwrap();
    b.upload(&h, &mut other).unwrap();
    b.synchronize().unwrap();
    assert_eq!(other.download().unwrap(), vec![1; 64]);
    assert!(a.synchronize().is_err());
    // Timing, and a wait that orders `b` after `a` without a shared buffer.
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    let start = a.record().unwrap();
    late_fill(&a, &mut x, 2);
    let end = a.record().unwrap();
    assert!(!end.query());
    b.wait(&end).unwrap();
    let marker = b.record().unwrap();
    marker.synchronize().unwrap();
    assert!(end.query(), "b's work ran before the event it waits for");
    assert!(end.elapsed_since(&start).unwrap() >= SLEEP / 2);
}

/// A command buffer replayed after a buffer it binds was dropped is an
/// error, even when a new buffer took the address; nothing is queued.
/// Host copies, events and waits cannot be recorded, and a recording
/// stream kept past the recording records nothing.
#[test]
fn replays_never_reach_freed_buffers() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let mut x = d.alloc_zeroed::<i32>(FILL).unwrap();
    let mut kept = None;
    let cb = CommandBuffer::record(&d, |r| {
        kept = Some(r.clone());
        slow_increment(r, &mut x);
        r.fill(&mut x, 4)
    })
    .unwrap();
    assert_eq!(cb.len(), 2);
    cb.replay(&s).unwrap();
    assert!(x.download().unwrap().iter().all(|&v| v == 4));
    // A clone of the recording stream cannot add to the buffer any more.
    let r = kept.unwrap();
    assert!(matches!(
        r.fill(&mut x, 1),
        Err(Error::StaleCommandBuffer { .. })
    ));
    assert!(r.synchronize().is_err());
    drop(x);
    let y = d.alloc_zeroed::<i32>(FILL).unwrap();
    let e = cb.replay(&s).unwrap_err();
    assert!(matches!(e, Error::StaleCommandBuffer { .. }), "{e}");
    s.synchronize().unwrap();
    assert!(y.download().unwrap().iter().all(|&v| v == 0));
    // What a command buffer cannot hold.
    let h = HostBuffer::<i32>::new(&d, 4).unwrap();
    let mut z = d.alloc_zeroed::<i32>(4).unwrap();
    let e = CommandBuffer::record(&d, |r| r.upload(&h, &mut z)).unwrap_err();
    assert!(matches!(e, Error::BadTransfer { .. }), "{e}");
    assert!(CommandBuffer::record(&d, |r| r.record().map(drop)).is_err());
    assert!(CommandBuffer::record(&d, |r| r.synchronize()).is_err());
    assert!(CommandBuffer::record(&d, |r| r.read(&z).map(drop)).is_err());
}

/// Copies between two host devices are peer copies queued on the
/// destination's stream, tracked on both devices: the copy waits for the
/// source's writer on the other device and for the destination's users on
/// other streams, and the source's writers and free wait for the copy.
#[test]
fn peer_copies_wait_for_the_users_of_both_devices() {
    let _serial = serial();
    std::env::set_var("IREE_HOST_DEVICES", "2");
    let d0 = host();
    let d1 = Device::open(Platform::Host, 1).unwrap();
    let s0 = d0.stream().unwrap();
    let (s1, busy) = (d1.stream().unwrap(), d1.stream().unwrap());
    let all = |b: &DeviceBuffer<i32>, v: i32| b.download().unwrap().iter().all(|&x| x == v);

    // The destination still written on another stream of its device: the
    // copy lands after that writer, not under it.
    let x = d0.upload(&[5i32; FILL]).unwrap();
    let mut y = d1.alloc_zeroed::<i32>(FILL).unwrap();
    late_fill(&busy, &mut y, 7);
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    assert!(
        all(&y, 5),
        "the peer copy ran before the destination's writer"
    );

    // The source still written on its own device: the copy sees the
    // writer's result.
    let mut x = x;
    late_fill(&s0, &mut x, 3);
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    assert!(
        all(&y, 3),
        "the peer copy read the source before its writer"
    );

    // A copy still queued (behind a slow kernel on its stream): a writer
    // of the source on its own device waits for it, and so does the
    // source's free.
    let mut slow = d1.alloc_zeroed::<i32>(FILL).unwrap();
    late_fill(&s1, &mut slow, 1);
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    s0.fill(&mut x, 9).unwrap();
    assert!(
        all(&y, 3),
        "the source was overwritten under a pending peer copy"
    );
    late_fill(&s1, &mut slow, 1);
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    let t = Instant::now();
    drop(x);
    assert!(
        t.elapsed() >= SLEEP / 2,
        "the source was freed under a pending peer copy ({:?})",
        t.elapsed()
    );
    let fresh = d0.alloc_zeroed::<i32>(FILL).unwrap();
    assert!(all(&y, 9));
    assert!(all(&fresh, 0));
    // Copies in both directions at once from two threads cannot deadlock
    // (the two devices' tracking is locked in one order).
    let mut a = d0.alloc_zeroed::<i32>(64).unwrap();
    let b = d1.upload(&[2i32; 64]).unwrap();
    let mut c = d1.alloc_zeroed::<i32>(64).unwrap();
    let e = d0.upload(&[4i32; 64]).unwrap();
    let (d0c, d1c, s0c) = (d0.clone(), d1.clone(), s0.clone());
    let both = within_deadline(move || {
        let t = std::thread::spawn(move || {
            for _ in 0..200 {
                s0c.copy_from_device(&d1c, &b, &mut a).unwrap();
            }
            a
        });
        for _ in 0..200 {
            s1.copy_from_device(&d0c, &e, &mut c).unwrap();
        }
        (t.join().unwrap(), c)
    });
    let (a, c) = both.expect("copies in opposite directions deadlocked");
    assert_eq!(a.download().unwrap(), vec![2; 64]);
    assert_eq!(c.download().unwrap(), vec![4; 64]);
}

/// A failing kernel's error names it (kernel, grid, stream) wherever it
/// surfaces, even with copies, fills and a replay queued after it on the
/// same stream; once reported, that later work and later calls on the
/// stream succeed: nothing after the kernel is blamed for it.
#[test]
fn a_failed_kernel_is_named_and_later_work_is_not_blamed() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let mut failed = d.alloc_zeroed::<i32>(64).unwrap();
    let src = d.upload(&[3i32; 64]).unwrap();
    let mut dst = d.alloc_zeroed::<i32>(64).unwrap();
    let cb = CommandBuffer::record(&d, |r| r.fill(&mut dst, 8)).unwrap();
    let names_the_kernel = |e: Error| match e {
        Error::KernelFailed {
            kernel,
            grid,
            stream,
            ..
        } => assert_eq!(
            (kernel.as_str(), grid, stream),
            ("opaque_barrier", [1, 1, 1], s.id())
        ),
        e => panic!("blamed on something else: {e}"),
    };
    failing_launch(&s, &mut failed);
    // Each call after it either queues, or (the failure already known)
    // reports the kernel's failure instead, once.
    let mut reported = 0;
    for r in [
        s.copy(&src, &mut dst),
        s.fill(&mut dst, 1),
        cb.replay(&s),
        s.synchronize(),
    ] {
        if let Err(e) = r {
            names_the_kernel(e);
            reported += 1;
        }
    }
    assert_eq!(reported, 1, "the failure was reported {reported} times");
    s.copy(&src, &mut dst).unwrap();
    cb.replay(&s).unwrap();
    s.record().unwrap().synchronize().unwrap();
    s.synchronize().unwrap();
    assert_eq!(dst.download().unwrap(), vec![8; 64]);
    // Only what the kernel wrote carries its failure.
    names_the_kernel(failed.download().unwrap_err());
}

/// A recorded launch's scalar can change between replays, checked against
/// the parameter's slot: a binding, a value of another size, a command
/// that is not a launch or past the end are refused.
#[test]
fn replays_take_new_scalars_checked_against_their_slots() {
    let _serial = serial();
    let d = host();
    let s = d.stream().unwrap();
    let src = d.upload(&[3i32; 64]).unwrap();
    let mut dst = d.alloc_zeroed::<i32>(64).unwrap();
    let mut cb = CommandBuffer::record(&d, |r| {
        r.fill(&mut dst, 0)?;
        // SAFETY: copy_ints(const int*, int*, int n) stays below n.
        unsafe {
            kernel("copy_ints").launch(r, [1, 1, 1], &[src.binding(), dst.binding_mut()], &[16])
        }
    })
    .unwrap();
    let copied =
        |dst: &DeviceBuffer<i32>| dst.download().unwrap().iter().filter(|&&v| v == 3).count();
    cb.replay(&s).unwrap();
    assert_eq!(copied(&dst), 16);
    // SAFETY: `n` is an int; 40 stays within both 64-element buffers.
    unsafe { cb.set_scalar(1, 2, 40i32) }.unwrap();
    cb.replay(&s).unwrap();
    assert_eq!(copied(&dst), 40);
    // SAFETY: each call is refused before anything is written.
    unsafe {
        for (command, param) in [(1, 0), (1, 1), (1, 3), (0, 0), (2, 0)] {
            let e = cb.set_scalar(command, param, 64i32).unwrap_err();
            assert!(matches!(e, Error::Launch { .. }), "{e}");
        }
        let e = cb.set_scalar(1, 2, 64u64).unwrap_err();
        assert!(e.to_string().contains("4 bytes aligned to 4"), "{e}");
        let e = cb.set_scalar(1, 2, 64u16).unwrap_err();
        assert!(matches!(e, Error::Launch { .. }), "{e}");
    }
    cb.replay(&s).unwrap();
    assert_eq!(copied(&dst), 40);
}
