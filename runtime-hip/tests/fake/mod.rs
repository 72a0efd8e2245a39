//! Shared by the `fake_*` test binaries: builds the fake driver in
//! `fake_driver.c` with the system C compiler and runs the IREE sample's two
//! kernels through it.

use std::path::PathBuf;
use std::process::Command;

use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use runtime_hip::dispatch::{ExportRef, Kernel};
use runtime_hip::{Device, Error, Format};

/// Compiles the fake driver (`which` = "CUDA" or "HIP"); `None` (the test
/// then skips) when no C compiler is found.
pub fn build(which: &str) -> Option<PathBuf> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake/fake_driver.c");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("libfake{which}.so"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    for compiler in [cc.as_str(), "clang-19", "clang", "gcc"] {
        let ok = Command::new(compiler)
            .args(["-shared", "-fPIC", "-O1", &format!("-DFAKE_{which}"), "-o"])
            .arg(&out)
            .arg(src)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(out);
        }
    }
    eprintln!("skipped: no C compiler to build the fake driver");
    None
}

/// The sample's executable with one text "object" per target; `bad` gives
/// objects the fake driver refuses to load.
pub fn bundle(targets: &[(&str, Format)], bad: bool) -> &'static [u8] {
    let export = |name: &str, ordinal, flags: Vec<u32>| ExportSpec {
        name: name.into(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: 1,
        binding_flags: flags,
        workgroup_local_memory: 0,
    };
    let text = if bad {
        "BAD object\0"
    } else {
        ".entry simple_mul simple_mul_inplace\0"
    };
    let spec = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "custom_dispatch".into(),
            exports: vec![
                export("simple_mul", 0, vec![1, 1, 0]),
                export("simple_mul_inplace", 1, vec![1, 0]),
            ],
            variants: targets
                .iter()
                .map(|(t, f)| VariantSpec {
                    target: t.to_string(),
                    format: *f,
                    data: text.as_bytes().to_vec(),
                })
                .collect(),
        }],
    };
    Box::leak(spec.to_bytes().into_boxed_slice())
}

pub fn kernel(bundle: &'static [u8], name: &'static str, ordinal: u32) -> Kernel {
    Kernel::new(ExportRef {
        bundle,
        executable: 0,
        ordinal,
        name,
        host: None,
    })
}

/// simple_mul then simple_mul_inplace, as in the IREE sample, checking the
/// results computed by the fake driver from the packed kernel parameters.
pub fn run_sample(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    let mul = kernel(bundle, "simple_mul", 0);
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let stream = device.stream()?;
    let n = 100usize;
    let lhs_host: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let lhs = device.upload(&lhs_host)?;
    let rhs = device.upload(&vec![4.0f32; n])?;
    let mut ret = device.alloc_zeroed::<f32>(n)?;
    let groups = (n as u32).div_ceil(64);
    // SAFETY: the fake kernels take exactly these parameters.
    unsafe {
        mul.launch(
            &stream,
            [groups, 1, 1],
            &[lhs.binding(), rhs.binding(), ret.binding_mut()],
            &[n as u32],
        )?;
    }
    let want: Vec<f32> = lhs_host.iter().map(|x| x * 4.0).collect();
    assert_eq!(ret.download()?, want);
    // SAFETY: as above; a sub-slice binding starts at its own element.
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
