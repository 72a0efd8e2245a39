//! End to end on a real GPU, through the public API the macro uses: the
//! IREE sample's `simple_mul` / `simple_mul_inplace` (tests/data, compiled
//! with clang-19 for sm_80 PTX and gfx90a/gfx942/gfx1100 HSACO; see
//! `simple_mul.cu`). Each platform without a device is skipped with a note,
//! so this passes on machines without GPUs.

use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use runtime_hip::dispatch::{ExportRef, Kernel};
use runtime_hip::{Device, Error, Format, Platform};

fn bundle() -> &'static [u8] {
    let export = |name: &str, ordinal, flags: Vec<u32>| ExportSpec {
        name: name.into(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: 1,
        binding_flags: flags,
        workgroup_local_memory: 0,
    };
    let v = |target: &str, format, data: &[u8]| VariantSpec {
        target: target.into(),
        format,
        data: data.to_vec(),
    };
    let spec = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "custom_dispatch".into(),
            exports: vec![
                export("simple_mul", 0, vec![1, 1, 0]),
                export("simple_mul_inplace", 1, vec![1, 0]),
            ],
            variants: vec![
                v(
                    "gfx90a",
                    Format::Hsaco,
                    include_bytes!("data/simple_mul.gfx90a.co"),
                ),
                v(
                    "gfx942",
                    Format::Hsaco,
                    include_bytes!("data/simple_mul.gfx942.co"),
                ),
                v(
                    "gfx1100",
                    Format::Hsaco,
                    include_bytes!("data/simple_mul.gfx1100.co"),
                ),
                v(
                    "sm_80",
                    Format::Ptx,
                    include_bytes!("data/simple_mul.sm_80.ptx"),
                ),
            ],
        }],
    };
    Box::leak(spec.to_bytes().into_boxed_slice())
}

fn run_sample(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    let mul = Kernel::new(ExportRef {
        bundle,
        executable: 0,
        ordinal: 0,
        name: "simple_mul",
        host: None,
    });
    let inplace = Kernel::new(ExportRef {
        bundle,
        executable: 0,
        ordinal: 1,
        name: "simple_mul_inplace",
        host: None,
    });
    let stream = device.stream()?;
    let n = 1000usize;
    let lhs_host: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let lhs = device.upload(&lhs_host)?;
    let rhs = device.upload(&vec![4.0f32; n])?;
    let mut ret = device.alloc_zeroed::<f32>(n)?;
    let groups = (n as u32).div_ceil(64);
    // SAFETY: the kernels take (const float*, const float*, float*, int) and
    // (const float*, float*, int) and stay below `dim`.
    unsafe {
        mul.launch(
            &stream,
            [groups, 1, 1],
            &[lhs.binding(), rhs.binding(), ret.binding_mut()],
            &[n as u32],
        )?;
    }
    let out = ret.download()?;
    let want: Vec<f32> = lhs_host.iter().map(|x| x * 4.0).collect();
    assert_eq!(out, want);
    // SAFETY: as above.
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
