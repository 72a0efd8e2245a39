//! End to end on a real GPU, through the public API the macro uses: the
//! IREE sample's `simple_mul` / `simple_mul_inplace` (tests/data, compiled
//! with clang-19 for sm_80 PTX and gfx90a/gfx942/gfx1100 HSACO; see
//! `simple_mul.cu`). Each platform without a device is skipped with a note,
//! so this passes on machines without GPUs.

mod sample;

use runtime_hip::{Device, Error, Format, Platform};

fn bundle() -> &'static [u8] {
    sample::bundle(vec![
        sample::variant(
            "gfx90a",
            Format::Hsaco,
            include_bytes!("data/simple_mul.gfx90a.co"),
        ),
        sample::variant(
            "gfx942",
            Format::Hsaco,
            include_bytes!("data/simple_mul.gfx942.co"),
        ),
        sample::variant(
            "gfx1100",
            Format::Hsaco,
            include_bytes!("data/simple_mul.gfx1100.co"),
        ),
        sample::variant(
            "sm_80",
            Format::Ptx,
            include_bytes!("data/simple_mul.sm_80.ptx"),
        ),
    ])
}

fn run_sample(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    let inplace = sample::kernel(bundle, "simple_mul_inplace", 1);
    let n = 1000usize;
    let groups = (n as u32).div_ceil(64);
    let sample::Launched {
        stream,
        lhs_host,
        lhs,
        mut ret,
    } = sample::simple_mul(device, bundle, n)?;
    // SAFETY: simple_mul_inplace takes (const float*, float*, int) and stays
    // below `dim`.
    unsafe {
        inplace.launch(
            &stream,
            [groups, 1, 1],
            &[lhs.binding(), ret.binding_mut()],
            &[n as u32],
        )?;
    }
    let want: Vec<f32> = lhs_host.iter().map(|x| x * x * 4.0).collect();
    assert_eq!(stream.read(&ret)?, want);

    // Launch rate through the wrapper path.
    let iters = 10_000;
    let t = std::time::Instant::now();
    for _ in 0..iters {
        // SAFETY: as above.
        unsafe {
            inplace.launch(
                &stream,
                [groups, 1, 1],
                &[lhs.binding(), ret.binding_mut()],
                &[0],
            )?;
        }
    }
    stream.synchronize()?;
    eprintln!(
        "{device}: {:.2} us per Kernel::launch (queue + run, {iters} launches)",
        t.elapsed().as_secs_f64() * 1e6 / iters as f64
    );
    Ok(())
}

#[test]
fn sample_runs_on_every_gpu_present() {
    let bundle = bundle();
    for platform in [Platform::Amd, Platform::Nvidia] {
        match Device::open(platform, 0) {
            Ok(device) => {
                eprintln!("running on {device}");
                match run_sample(&device, bundle) {
                    Ok(()) => {}
                    Err(e @ Error::NoVariant { .. }) => eprintln!("skipped {device}: {e}"),
                    Err(e) => panic!("{device}: {e}"),
                }
            }
            Err(e) if e.is_unavailable() => eprintln!("skipped {platform}: {e}"),
            Err(e) => panic!("{platform}: {e}"),
        }
    }
}

/// Asynchronous copies through page-locked memory, events with timing and
/// a command buffer replayed as a driver graph, on a real GPU: what the
/// fake-driver tests check call by call, here with the driver's answers.
fn run_async(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    use runtime_hip::{CommandBuffer, HostBuffer};
    let inplace = sample::kernel(bundle, "simple_mul_inplace", 1);
    let n = 1 << 20;
    let (s1, s2) = (device.stream()?, device.stream()?);
    let host = HostBuffer::from_slice(device, &vec![2.0f32; n])?;
    let mut a = device.alloc_zeroed::<f32>(n)?;
    let mut b = device.alloc_zeroed::<f32>(n)?;
    let start = s1.record()?;
    s1.upload(&host, &mut a)?;
    s2.fill(&mut b, 3.0f32)?;
    let groups = (n as u32).div_ceil(64);
    let mut cb = CommandBuffer::record(device, |s| {
        for _ in 0..4 {
            // SAFETY: simple_mul_inplace takes (const float*, float*, int)
            // and stays below `dim`.
            unsafe {
                inplace.launch(
                    s,
                    [groups, 1, 1],
                    &[a.binding(), b.binding_mut()],
                    &[n as u32],
                )
            }?;
        }
        Ok(())
    })?;
    eprintln!(
        "{device}: command buffer as a driver graph: {} ({:?})",
        cb.uses_graph(),
        cb.capture_error()
    );
    cb.replay(&s1)?;
    let mut back = HostBuffer::<f32>::new(device, n)?;
    s2.download_into(&b, &mut back)?;
    let end = s2.record()?;
    assert!(back.as_slice()?.iter().all(|&v| v == 48.0));
    end.synchronize()?;
    eprintln!(
        "{device}: upload + fill + 4 replayed launches + download in {:?}",
        end.elapsed_since(&start)
    );
    // A new `dim` for the last launch (the graph captured again): only
    // the first half of `b` is multiplied once more.
    // SAFETY: `dim` is an int; n / 2 stays below both buffers' length.
    unsafe { cb.set_scalar(3, 2, (n / 2) as i32) }?;
    cb.replay(&s1)?;
    let got = b.download()?;
    assert!(got[..n / 2].iter().all(|&v| v == 768.0), "{}", got[0]);
    assert!(got[n / 2..].iter().all(|&v| v == 384.0), "{}", got[n - 1]);

    // Copies between two GPUs of the driver, when there are two: a peer
    // copy where the driver allows it, else staged through the host.
    let platform = device.platform();
    if let Ok(other) = Device::open(platform, 1) {
        let s = other.stream()?;
        let mut there = other.alloc_zeroed::<f32>(n)?;
        let t = std::time::Instant::now();
        s.copy_from_device(device, &b, &mut there)?;
        assert_eq!(there.download()?, got);
        eprintln!(
            "{device} -> {other}: copy of {n} floats in {:?}",
            t.elapsed()
        );
    } else {
        eprintln!("{device}: one {platform} device, no copy between devices");
    }
    Ok(())
}

#[test]
fn async_copies_events_and_graphs_on_every_gpu_present() {
    let bundle = bundle();
    for platform in [Platform::Amd, Platform::Nvidia] {
        match Device::open(platform, 0) {
            Ok(device) => match run_async(&device, bundle) {
                Ok(()) => {}
                Err(e @ Error::NoVariant { .. }) => eprintln!("skipped {device}: {e}"),
                Err(e) => panic!("{device}: {e}"),
            },
            Err(e) if e.is_unavailable() => eprintln!("skipped {platform}: {e}"),
            Err(e) => panic!("{platform}: {e}"),
        }
    }
}
