//! Shared by the `fake_*` test binaries: builds the fake driver in
//! `fake_driver.c` with the system C compiler and runs the IREE sample's two
//! kernels through it.

use std::path::PathBuf;
use std::process::Command;

use runtime_hip::{CommandBuffer, Device, DeviceSlice, Error, Format, HostBuffer, Stream};

use crate::sample;

/// Compiles the fake driver (`which` = "CUDA" or "HIP"); `None` (the test
/// then skips) when no C compiler is found.
pub fn build(which: &str) -> Option<PathBuf> {
    build_with(which, &[])
}

/// [`build`] with the fake's options (`NO_GRAPHS`, `NO_PEER`: without
/// those entry points), each its own library.
pub fn build_with(which: &str, options: &[&str]) -> Option<PathBuf> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake/fake_driver.c");
    let name = format!("libfake{which}{}.so", options.join("_").to_lowercase());
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut failed = None;
    let mut args = vec!["-shared".to_string(), "-fPIC".into(), "-O1".into()];
    args.push(format!("-DFAKE_{which}"));
    args.extend(options.iter().map(|o| format!("-DFAKE_{o}")));
    args.push("-o".into());
    for compiler in [cc.as_str(), "clang-19", "clang", "gcc"] {
        let run = Command::new(compiler)
            .args(&args)
            .arg(&out)
            .arg(src)
            .output();
        match run {
            Ok(o) if o.status.success() => return Some(out),
            Ok(o) => failed = Some((compiler, String::from_utf8_lossy(&o.stderr).into_owned())),
            Err(_) => {}
        }
    }
    // A compiler that ran and refused the fake is a broken test, not a
    // machine without a compiler.
    if let Some((compiler, stderr)) = failed {
        panic!("{compiler} cannot build tests/fake/fake_driver.c:\n{stderr}");
    }
    eprintln!("skipped: no C compiler to build the fake driver");
    None
}

/// The sample's executable with one text "object" per target; `bad` gives
/// objects the fake driver refuses to load.
pub fn bundle(targets: &[(&str, Format)], bad: bool) -> &'static [u8] {
    let text = if bad {
        "BAD object\0"
    } else {
        ".entry simple_mul simple_mul_inplace\0"
    };
    sample::bundle(
        targets
            .iter()
            .map(|(t, f)| sample::variant(t, *f, text.as_bytes()))
            .collect(),
    )
}

/// The sample's executable with one object for `target` whose functions
/// are not the export names (as a C++ kernel's mangled symbols are not):
/// the variant names them, and only those names resolve.
pub fn bundle_with_symbols(target: &str, format: Format) -> &'static [u8] {
    let mut v = sample::variant(target, format, b".entry _Z3mulPKfS0_Pfi _Z7inplacePKfPfi\0");
    v.symbols = vec!["_Z3mulPKfS0_Pfi".into(), "_Z7inplacePKfPfi".into()];
    sample::bundle(vec![v])
}

pub use sample::kernel;

/// simple_mul then simple_mul_inplace, as in the IREE sample, checking the
/// results computed by the fake driver from the packed kernel parameters.
pub fn run_sample(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let sample::Launched {
        stream,
        lhs_host,
        lhs,
        mut ret,
    } = sample::simple_mul(device, bundle, 100)?;
    // SAFETY: simple_mul_inplace takes (const float*, float*, int) and stays
    // below `dim`; a sub-slice binding starts at its own element.
    unsafe {
        inplace.launch(
            &stream,
            [1, 1, 1],
            &[
                lhs.slice(10..20).binding(),
                ret.slice_mut(..10).binding_mut(),
            ],
            &[10],
        )?;
    }
    let got = stream.read(&ret)?;
    for (i, g) in got.iter().enumerate() {
        let want = if i < 10 {
            lhs_host[i] * 4.0 * lhs_host[10 + i]
        } else {
            lhs_host[i] * 4.0
        };
        assert_eq!(*g, want, "element {i}");
    }
    Ok(())
}

/// Dynamic shared memory against the driver's report of the kernel's
/// static shared memory (the fake gives `simple_mul` 1 KiB): the rest of
/// the device's `limit` fits, one byte more is `SharedMemoryTooLarge`,
/// refused before the driver is asked to launch.
pub fn check_shared_memory(device: &Device, bundle: &'static [u8], limit: u32) {
    let mul = kernel(bundle, "simple_mul", 0);
    let stream = device.stream().unwrap();
    let lhs = device.upload(&[1.0f32; 4]).unwrap();
    let mut ret = device.alloc_zeroed::<f32>(4).unwrap();
    let mut launch = |bytes: u32| {
        // SAFETY: simple_mul takes (const float*, const float*, float*, int)
        // and stays below `dim`; the fake uses no shared memory.
        unsafe {
            mul.launch_with_shared(
                &stream,
                [1, 1, 1],
                bytes,
                &[lhs.binding(), lhs.binding(), ret.binding_mut()],
                &[4],
            )
        }
    };
    launch(limit - 1024).unwrap();
    match launch(limit - 1023).unwrap_err() {
        Error::SharedMemoryTooLarge {
            kernel,
            requested,
            static_bytes,
            limit: l,
        } => {
            assert_eq!(kernel, "simple_mul");
            assert_eq!(
                (requested, static_bytes, l),
                (u64::from(limit - 1023), 1024, limit)
            );
        }
        e => panic!("{e}"),
    }
    stream.synchronize().unwrap();
}

/// The fake driver's call log since the last call, with streams and events
/// renamed `S0, S1, …` / `E0, E1, …` in order of first appearance (their
/// raw numbers depend on what the test did before).
pub fn calls(lib: &libloading::Library) -> Vec<String> {
    // SAFETY: the fake driver defines both with these C prototypes; the
    // log string lives in a static buffer, copied before the clear.
    let text = unsafe {
        let log: libloading::Symbol<unsafe extern "C" fn() -> *const std::os::raw::c_char> =
            lib.get(b"fake_log").unwrap();
        let clear: libloading::Symbol<unsafe extern "C" fn()> = lib.get(b"fake_log_clear").unwrap();
        let text = std::ffi::CStr::from_ptr(log())
            .to_string_lossy()
            .into_owned();
        clear();
        text
    };
    // Lines are `call` or `call(s1, e2, 256)`: rename each stream and
    // event argument (a letter and a number); others stay as they are.
    let mut seen: Vec<String> = Vec::new();
    let mut rename = |token: &str| {
        let handle = token.len() > 1
            && token.starts_with(['s', 'e'])
            && token[1..].bytes().all(|b| b.is_ascii_digit());
        if !handle {
            return token.to_string();
        }
        let kind = &token[..1];
        if !seen.iter().any(|t| t == token) {
            seen.push(token.to_string());
        }
        let index = seen
            .iter()
            .filter(|t| t.starts_with(kind))
            .position(|t| t == token)
            .unwrap();
        format!("{}{index}", kind.to_uppercase())
    };
    text.lines()
        .map(|line| match line.split_once('(') {
            None => line.to_string(),
            Some((call, args)) => {
                let args: Vec<String> = args
                    .trim_end_matches(')')
                    .split(", ")
                    .map(&mut rename)
                    .collect();
                format!("{call}({})", args.join(", "))
            }
        })
        .collect()
}

/// Calls the fake driver's setter `name` (`fake_fail_events`, …) with
/// `value`.
fn set(lib: &libloading::Library, name: &[u8], value: i32) {
    // SAFETY: the fake driver defines each setter as `void name(int)`.
    unsafe {
        let f: libloading::Symbol<unsafe extern "C" fn(i32)> = lib.get(name).unwrap();
        f(value);
    }
}

/// Makes the fake driver's event synchronisation fail with `code` (0:
/// succeed again).
pub fn fail_events(lib: &libloading::Library, code: i32) {
    set(lib, b"fake_fail_events", code);
}

/// Makes the fake driver's stream synchronisation fail with `code` (0:
/// succeed again): a sticky fault of the queued work.
pub fn fail_sync(lib: &libloading::Library, code: i32) {
    set(lib, b"fake_fail_sync", code);
}

/// Whether the fake driver's devices can access each other's memory
/// (`*CanAccessPeer`), from the next question on.
pub fn peer_access(lib: &libloading::Library, ok: bool) {
    set(lib, b"fake_peer_access", i32::from(ok));
}

/// Two streams writing one buffer, a download and the frees, checked
/// against the driver calls they must make, in order: the second writer
/// waits for the first's event on the device (not on the host), the
/// download waits for the last writer's event only, a free waits for every
/// event of the work that used the buffer; when an event cannot be waited
/// for, the memory is leaked, never freed.
pub fn check_ordering(device: &Device, path: &std::path::Path, bundle: &'static [u8]) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let a = device.upload(&[2.0f32; 64]).unwrap();
    let mut b = device.upload(&[1.0f32; 64]).unwrap();
    calls(&lib);
    let s1 = device.stream().unwrap();
    let s2 = device.stream().unwrap();
    for s in [&s1, &s2] {
        // SAFETY: simple_mul_inplace takes (const float*, float*, int) and
        // stays below `dim`.
        unsafe { inplace.launch(s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[64]) }.unwrap();
    }
    assert_eq!(b.download().unwrap(), vec![4.0f32; 64]);
    drop(b);
    drop(a);
    let want = [
        "streamCreate(S0)",
        "streamCreate(S1)",
        "launch(S0)",
        "eventCreate(E0)",
        "eventRecord(E0, S0)",
        "streamWaitEvent(S1, E0)",
        "launch(S1)",
        "eventCreate(E1)",
        "eventRecord(E1, S1)",
        // download: the last writer only
        "eventSynchronize(E1)",
        "memcpyDtoH",
        // free b: its last writer
        "eventSynchronize(E1)",
        "free",
        // free a: read on both streams
        "eventSynchronize(E0)",
        "eventSynchronize(E1)",
        "eventDestroy(E0)",
        "eventDestroy(E1)",
        "free",
    ];
    assert_eq!(calls(&lib), want);

    // An event the driver cannot wait for: the buffer is leaked.
    let x = device.upload(&[2.0f32; 64]).unwrap();
    let mut c = device.alloc_zeroed::<f32>(64).unwrap();
    // SAFETY: as above.
    unsafe { inplace.launch(&s1, [1, 1, 1], &[x.binding(), c.binding_mut()], &[64]) }.unwrap();
    calls(&lib);
    fail_events(&lib, 1);
    drop(c);
    fail_events(&lib, 0);
    let log = calls(&lib);
    assert!(
        log.iter().any(|c| c.starts_with("eventSynchronize")),
        "{log:?}"
    );
    assert!(!log.iter().any(|c| c == "free"), "{log:?}");
}

/// Asynchronous copies, events and a command buffer against the driver
/// calls they must make, in order: uploads from and downloads into
/// page-locked host memory on a stream, ordered after the other streams'
/// work on the same buffers by driver events; host access to a
/// `HostBuffer` and its free wait for exactly the copies that use it; a
/// timed event pair; a command buffer captured once as a driver graph and
/// each replay one graph launch, tracked as one unit.
pub fn check_async(device: &Device, path: &std::path::Path, bundle: &'static [u8]) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let mut a = device.alloc_zeroed::<f32>(64).unwrap();
    let mut b = device.alloc_zeroed::<f32>(64).unwrap();
    let mut c = device.alloc_zeroed::<u32>(64).unwrap();
    calls(&lib);
    let s1 = device.stream().unwrap();
    let s2 = device.stream().unwrap();
    let host = HostBuffer::from_slice(device, &[3.0f32; 64]).unwrap();
    s1.upload(&host, &mut a).unwrap();
    s2.copy(&a, &mut b).unwrap();
    let mut back = HostBuffer::<f32>::new(device, 64).unwrap();
    s1.download_into(&b, &mut back).unwrap();
    assert_eq!(back.as_slice().unwrap(), &[3.0f32; 64]);
    let e0 = s1.record().unwrap();
    let e1 = s1.record().unwrap();
    s2.wait(&e1).unwrap();
    let took = e1.elapsed_since(&e0).unwrap();
    assert_eq!(took, std::time::Duration::from_micros(1500));
    s2.fill(&mut c, 7).unwrap();
    drop((e0, e1));
    drop(back);
    drop(host);
    let want = [
        "streamCreate(S0)",
        "streamCreate(S1)",
        "hostAlloc(256)",
        // upload on s1: nothing to wait for
        "memcpyHtoDAsync(S0, 256)",
        "eventCreate(E0)",
        "eventRecord(E0, S0)",
        // s2 reads `a`: after the upload, on the device
        "streamWaitEvent(S1, E0)",
        "memcpyDtoDAsync(S1, 256)",
        "eventCreate(E1)",
        "eventRecord(E1, S1)",
        "hostAlloc(256)",
        // s1 reads `b` into `back`: after s2's copy
        "streamWaitEvent(S0, E1)",
        "memcpyDtoHAsync(S0, 256)",
        "eventCreate(E2)",
        "eventRecord(E2, S0)",
        // back.as_slice(): the download only
        "eventSynchronize(E2)",
        "timedEventCreate(E3)",
        "eventRecord(E3, S0)",
        "timedEventCreate(E4)",
        "eventRecord(E4, S0)",
        "streamWaitEvent(S1, E4)",
        "eventSynchronize(E3)",
        "eventSynchronize(E4)",
        "eventElapsedTime(E3, E4)",
        "memsetD32Async(S1, 64)",
        "eventCreate(E5)",
        "eventRecord(E5, S1)",
        "eventDestroy(E3)",
        "eventDestroy(E4)",
        // drop(back): its download
        "eventSynchronize(E2)",
        "hostFree",
        // drop(host): its upload
        "eventSynchronize(E0)",
        "hostFree",
    ];
    assert_eq!(calls(&lib), want);
    assert_eq!(c.download().unwrap(), vec![7u32; 64]);

    // A command buffer: checked when recorded (no driver call), replayed
    // as launches on the stream behind one wait per buffer user, and one
    // event for the whole replay.
    let lhs = device.upload(&[2.0f32; 64]).unwrap();
    calls(&lib);
    let cb = CommandBuffer::record(device, |s| {
        for _ in 0..2 {
            // SAFETY: simple_mul_inplace takes (const float*, float*, int)
            // and stays below `dim`.
            unsafe { inplace.launch(s, [1, 1, 1], &[lhs.binding(), b.binding_mut()], &[64]) }?;
        }
        s.fill(&mut a, 0.0)
    })
    .unwrap();
    assert_eq!(cb.len(), 3);
    assert!(cb.uses_graph(), "{:?}", cb.capture_error());
    let want = [
        // captured once, on a stream of its own, in thread-local mode
        "streamCreateNonBlocking(S0)",
        "streamBeginCapture(S0, mode 1)",
        "launch(S0)",
        "launch(S0)",
        "memsetD32Async(S0, 64)",
        "streamEndCapture(S0)",
        "graphInstantiate(3 ops)",
        "graphDestroy",
        "streamDestroy(S0)",
    ];
    assert_eq!(calls(&lib), want);
    cb.replay(&s2).unwrap();
    cb.replay(&s2).unwrap();
    assert_eq!(b.download().unwrap(), vec![48.0f32; 64]);
    let want = [
        // (names restart here: S0 is s2) the replay writes `b`, last
        // read by s1's download, and `a`, last written by s1's upload
        "streamWaitEvent(S0, E0)",
        "streamWaitEvent(S0, E1)",
        "graphLaunch(S0)",
        "eventCreate(E2)",
        "eventRecord(E2, S0)",
        // the replay's event replaces the ones it waited for, and s2's
        // earlier copy (the last users of `a` and `b` until now)
        "eventDestroy(E3)",
        "eventDestroy(E0)",
        "eventDestroy(E1)",
        // the second replay: everything on its own stream, nothing to wait
        "graphLaunch(S0)",
        "eventCreate(E4)",
        "eventRecord(E4, S0)",
        "eventDestroy(E2)",
        // the download: the last replay only
        "eventSynchronize(E4)",
        "memcpyDtoH",
    ];
    assert_eq!(calls(&lib), want);
    drop(b);
    let cb_err = cb.replay(&s2).unwrap_err();
    assert!(
        matches!(cb_err, Error::StaleCommandBuffer { .. }),
        "{cb_err}"
    );
    assert!(
        !calls(&lib).iter().any(|c| c.starts_with("graphLaunch")),
        "a stale replay queued work"
    );
    drop(cb);
    assert_eq!(calls(&lib), ["graphExecDestroy"]);
}

/// A fault the driver reports later (a sticky error at a synchronize or an
/// event) is blamed on the stream's last queued work, whatever it is: a
/// copy, a fill or a command buffer's graph launch after a kernel is named
/// as itself ([`Error::WorkFailed`]), never as the older kernel; a kernel
/// last is named with its grid ([`Error::KernelFailed`]).
pub fn check_faults(device: &Device, path: &std::path::Path, bundle: &'static [u8]) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let a = device.upload(&[2.0f32; 64]).unwrap();
    let mut b = device.alloc_zeroed::<f32>(64).unwrap();
    let s = device.stream().unwrap();
    let launch = |s: &Stream, b: &mut DeviceSlice<f32>| {
        // SAFETY: simple_mul_inplace takes (const float*, float*, int)
        // and stays below `dim`.
        unsafe { inplace.launch(s, [1, 1, 1], &[a.binding(), b.binding_mut()], &[64]) }
    };
    let fault = |s: &Stream| {
        fail_sync(&lib, 1);
        let e = s.synchronize().unwrap_err();
        fail_sync(&lib, 0);
        e
    };
    let work_failed = |e: Error| match e {
        Error::WorkFailed { work, stream, .. } => {
            assert_eq!(stream, s.id());
            work
        }
        e => panic!("not blamed on the work after the kernel: {e}"),
    };
    launch(&s, &mut b).unwrap();
    s.copy(&a, &mut b).unwrap();
    let e = fault(&s);
    assert!(!e.to_string().contains("simple_mul_inplace"), "{e}");
    assert_eq!(work_failed(e), "a device copy of 256 bytes");
    launch(&s, &mut b).unwrap();
    s.fill(&mut b, 1.0).unwrap();
    assert_eq!(work_failed(fault(&s)), "a fill of 256 bytes");

    let cb = CommandBuffer::record(device, |r| {
        r.fill(&mut b, 1.0)?;
        launch(r, &mut b)
    })
    .unwrap();
    assert!(cb.uses_graph(), "{:?}", cb.capture_error());
    launch(&s, &mut b).unwrap();
    cb.replay(&s).unwrap();
    let graph = "the graph launch replaying a command buffer of 2 commands";
    let e = fault(&s);
    assert!(
        e.to_string()
            .starts_with(&format!("{graph} on stream #{} failed", s.id())),
        "{e}"
    );
    assert_eq!(work_failed(e), graph);
    // An event recorded after the replay blames it too.
    cb.replay(&s).unwrap();
    let event = s.record().unwrap();
    fail_events(&lib, 1);
    let e = event.synchronize().unwrap_err();
    fail_events(&lib, 0);
    assert_eq!(work_failed(e), graph);
    // A kernel last: the kernel, its grid and its stream.
    cb.replay(&s).unwrap();
    launch(&s, &mut b).unwrap();
    match fault(&s) {
        Error::KernelFailed {
            kernel,
            grid,
            stream,
            ..
        } => assert_eq!(
            (kernel.as_str(), grid, stream),
            ("simple_mul_inplace", [1, 1, 1], s.id())
        ),
        e => panic!("{e}"),
    }
    s.synchronize().unwrap();
}

/// Copies between the fake's two devices (`FAKE_DEVICES=2`) against the
/// driver calls they must make. `peers`: whether the library has the peer
/// entry points. With them, device 1 asking for device 0's memory is
/// allowed, and the copy is queued on the stream as one peer copy, after
/// the source's writer on the other device, and its fence tracked on both
/// devices: the source's free (on device 0) waits for it. The other
/// direction is refused by the driver, and like every copy with a library
/// without the entry points it is staged through the host. Each pair is
/// asked once.
pub fn check_between_devices(
    platform: runtime_hip::Platform,
    path: &std::path::Path,
    bundle: &'static [u8],
    peers: bool,
) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let d0 = Device::open(platform, 0).unwrap();
    let d1 = Device::open(platform, 1).unwrap();
    let (s0, s1) = (d0.stream().unwrap(), d1.stream().unwrap());
    let two = d0.upload(&[2.0f32; 64]).unwrap();
    let mut x = d0.upload(&[1.0f32; 64]).unwrap();
    let mut y = d1.alloc_zeroed::<f32>(64).unwrap();
    // SAFETY: simple_mul_inplace takes (const float*, float*, int) and
    // stays below `dim`.
    unsafe { inplace.launch(&s0, [1, 1, 1], &[two.binding(), x.binding_mut()], &[64]) }.unwrap();
    calls(&lib);
    peer_access(&lib, true);
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    s1.copy_from_device(&d0, &x, &mut y).unwrap();
    let want: &[&str] = if peers {
        &[
            // asked once for the pair (device 1 reads device 0)
            "deviceCanAccessPeer(1, 0)",
            "enablePeerAccess(0)",
            // (S0 is s1, E0 the launch writing `x` on device 0's stream)
            "streamWaitEvent(S0, E0)",
            "memcpyPeerAsync(S0, dst 1, src 0, 256)",
            "eventCreate(E1)",
            "eventRecord(E1, S0)",
            // the launch is still pending (the fake's events never end)
            "streamWaitEvent(S0, E0)",
            "memcpyPeerAsync(S0, dst 1, src 0, 256)",
            "eventCreate(E2)",
            "eventRecord(E2, S0)",
            // the second copy replaces the first as the reader of `x` and
            // the writer of `y`
            "eventDestroy(E1)",
        ]
    } else {
        &[
            // staged: the download waits for the writer of `x`, the
            // upload for the users of `y` (none)
            "eventSynchronize(E0)",
            "memcpyDtoH",
            "memcpyHtoD",
            "eventSynchronize(E0)",
            "memcpyDtoH",
            "memcpyHtoD",
        ]
    };
    assert_eq!(calls(&lib), want);
    assert_eq!(y.download().unwrap(), vec![2.0f32; 64]);
    drop(two);
    calls(&lib);
    drop(x);
    let want: &[&str] = if peers {
        // the free on device 0 waits for its launch and for the peer
        // copy reading it on device 1's stream
        &[
            "eventSynchronize(E0)",
            "eventSynchronize(E1)",
            "eventDestroy(E0)",
            "free",
        ]
    } else {
        &["eventSynchronize(E0)", "eventDestroy(E0)", "free"]
    };
    assert_eq!(calls(&lib), want);

    // The other direction: device 0 may not read device 1's memory.
    peer_access(&lib, false);
    let mut z = d0.alloc_zeroed::<f32>(64).unwrap();
    calls(&lib);
    s0.copy_from_device(&d1, &y, &mut z).unwrap();
    s0.copy_from_device(&d1, &y, &mut z).unwrap();
    let mut want = vec!["deviceCanAccessPeer(0, 1)"];
    if !peers {
        want.clear();
    }
    // `y`'s writer: the last peer copy (no writer when staged)
    let staged: &[&str] = if peers {
        &["eventSynchronize(E0)", "memcpyDtoH", "memcpyHtoD"]
    } else {
        &["memcpyDtoH", "memcpyHtoD"]
    };
    want.extend(staged);
    want.extend(staged);
    assert_eq!(calls(&lib), want);
    assert_eq!(z.download().unwrap(), vec![2.0f32; 64]);
    assert!(matches!(
        s0.copy_from_device(&d0, &y, &mut z),
        Err(Error::ForeignBuffer { .. })
    ));
    peer_access(&lib, true);
}

/// A command buffer on a library without graph entry points: recorded
/// with no driver call at all (no capture is tried), its `capture_error`
/// names the missing entry point, and each replay queues the recorded
/// launches and fills on the stream, tracked as one unit with one event.
pub fn check_replay_list(device: &Device, path: &std::path::Path, bundle: &'static [u8]) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let lhs = device.upload(&[2.0f32; 64]).unwrap();
    let mut a = device.alloc_zeroed::<f32>(64).unwrap();
    let mut b = device.upload(&[1.0f32; 64]).unwrap();
    let s = device.stream().unwrap();
    calls(&lib);
    let cb = CommandBuffer::record(device, |r| {
        for _ in 0..2 {
            // SAFETY: simple_mul_inplace takes (const float*, float*, int)
            // and stays below `dim`.
            unsafe { inplace.launch(r, [1, 1, 1], &[lhs.binding(), b.binding_mut()], &[64]) }?;
        }
        r.fill(&mut a, 0.5)
    })
    .unwrap();
    assert_eq!(calls(&lib), Vec::<String>::new());
    assert!(!cb.uses_graph());
    let missing = match device.platform() {
        runtime_hip::Platform::Amd => "`hipStreamBeginCapture`",
        _ => "`cuStreamBeginCapture_v2`",
    };
    match cb.capture_error() {
        Some(e @ Error::NotSupported { reason, .. }) => {
            assert!(reason.contains(missing), "{e}");
            assert!(e.to_string().contains("graphs not available"), "{e}");
        }
        e => panic!("{e:?}"),
    }
    cb.replay(&s).unwrap();
    cb.replay(&s).unwrap();
    let want = [
        "launch(S0)",
        "launch(S0)",
        "memsetD32Async(S0, 64)",
        "eventCreate(E0)",
        "eventRecord(E0, S0)",
        "launch(S0)",
        "launch(S0)",
        "memsetD32Async(S0, 64)",
        "eventCreate(E1)",
        "eventRecord(E1, S0)",
        "eventDestroy(E0)",
    ];
    assert_eq!(calls(&lib), want);
    assert_eq!(b.download().unwrap(), vec![16.0f32; 64]);
    assert_eq!(a.download().unwrap(), vec![0.5f32; 64]);
    // A new scalar: no capture to redo, the next replay's launches take it.
    let mut cb = cb;
    calls(&lib);
    // SAFETY: `dim` is an int; 8 stays below both buffers' 64 elements.
    unsafe { cb.set_scalar(1, 2, 8i32) }.unwrap();
    assert_eq!(calls(&lib), Vec::<String>::new());
    cb.replay(&s).unwrap();
    let got = b.download().unwrap();
    assert_eq!((got[0], got[8]), (64.0, 32.0));
}

/// A scalar changed between replays of a command buffer captured as a
/// driver graph: the graph is captured again with the new value (the old
/// one destroyed first), and the next replay is one graph launch computing
/// with it.
pub fn check_set_scalar(device: &Device, path: &std::path::Path, bundle: &'static [u8]) {
    // SAFETY: the library the runtime already loaded (the same handle).
    let lib = unsafe { libloading::Library::new(path) }.unwrap();
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let lhs = device.upload(&[2.0f32; 64]).unwrap();
    let mut b = device.upload(&[1.0f32; 64]).unwrap();
    let s = device.stream().unwrap();
    let mut cb = CommandBuffer::record(device, |r| {
        // SAFETY: simple_mul_inplace takes (const float*, float*, int) and
        // stays below `dim`.
        unsafe { inplace.launch(r, [1, 1, 1], &[lhs.binding(), b.binding_mut()], &[64]) }
    })
    .unwrap();
    assert!(cb.uses_graph(), "{:?}", cb.capture_error());
    cb.replay(&s).unwrap();
    calls(&lib);
    // SAFETY: `dim` is an int; 32 stays below both buffers' 64 elements.
    unsafe { cb.set_scalar(0, 2, 32i32) }.unwrap();
    let want = [
        "graphExecDestroy",
        "streamCreateNonBlocking(S0)",
        "streamBeginCapture(S0, mode 1)",
        "launch(S0)",
        "streamEndCapture(S0)",
        "graphInstantiate(1 ops)",
        "graphDestroy",
        "streamDestroy(S0)",
    ];
    assert_eq!(calls(&lib), want);
    assert!(cb.uses_graph());
    cb.replay(&s).unwrap();
    let got = b.download().unwrap();
    assert_eq!(&got[..32], &[4.0f32; 32]);
    assert_eq!(&got[32..], &[2.0f32; 32]);
    let log = calls(&lib);
    assert_eq!(
        log.iter().filter(|c| c.starts_with("graphLaunch")).count(),
        1
    );
    // SAFETY: refused before anything changes.
    assert!(unsafe { cb.set_scalar(0, 1, 1i32) }.is_err());
    assert_eq!(calls(&lib), Vec::<String>::new());
}
