//! The IREE sample's executable (`simple_mul` ordinal 0, `simple_mul_inplace`
//! ordinal 1) as a test fixture, and its first launch: one definition shared
//! by the integration tests (bundle format, fake drivers, real GPUs).
#![allow(dead_code)] // each test binary uses a different part

use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use runtime_hip::dispatch::{ExportRef, Kernel};
use runtime_hip::{Device, DeviceBuffer, Error, Format, Stream};

/// The sample's executable with the given variants.
pub fn spec(variants: Vec<VariantSpec>) -> BundleSpec {
    let export = |name: &str, ordinal, flags: Vec<u32>| ExportSpec {
        name: name.into(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: 1,
        binding_flags: flags,
        workgroup_local_memory: 0,
    };
    BundleSpec {
        executables: vec![ExecutableSpec {
            name: "custom_dispatch".into(),
            exports: vec![
                export("simple_mul", 0, vec![1, 1, 0]),
                export("simple_mul_inplace", 1, vec![1, 0]),
            ],
            variants,
        }],
    }
}

/// One variant.
pub fn variant(target: &str, format: Format, data: &[u8]) -> VariantSpec {
    VariantSpec {
        target: target.into(),
        format,
        data: data.to_vec(),
        symbols: Vec::new(),
    }
}

/// The bundle bytes, leaked: kernels keep `&'static` bundles, as wrappers do.
pub fn bundle(variants: Vec<VariantSpec>) -> &'static [u8] {
    Box::leak(spec(variants).to_bytes().into_boxed_slice())
}

/// A kernel for one of the sample's exports.
pub fn kernel(bundle: &'static [u8], name: &'static str, ordinal: u32) -> Kernel {
    Kernel::new(ExportRef {
        params: &[],
        bundle,
        executable: 0,
        ordinal,
        name,
        host: None,
    })
}

/// What [`simple_mul`] leaves for the rest of a test.
pub struct Launched {
    /// The stream it ran on.
    pub stream: Stream,
    /// `lhs` as uploaded: `0, 1, 2, …`.
    pub lhs_host: Vec<f32>,
    /// `lhs` on the device.
    pub lhs: DeviceBuffer<f32>,
    /// `ret = lhs * 4`, checked.
    pub ret: DeviceBuffer<f32>,
}

/// Runs `simple_mul` over `n` elements (`rhs` all 4) and checks the result.
pub fn simple_mul(device: &Device, bundle: &'static [u8], n: usize) -> Result<Launched, Error> {
    let mul = kernel(bundle, "simple_mul", 0);
    let stream = device.stream()?;
    let lhs_host: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let lhs = device.upload(&lhs_host)?;
    let rhs = device.upload(&vec![4.0f32; n])?;
    let mut ret = device.alloc_zeroed::<f32>(n)?;
    // SAFETY: simple_mul takes (const float*, const float*, float*, int)
    // and stays below `dim`.
    unsafe {
        mul.launch(
            &stream,
            [(n as u32).div_ceil(64), 1, 1],
            &[lhs.binding(), rhs.binding(), ret.binding_mut()],
            &[n as u32],
        )?;
    }
    let want: Vec<f32> = lhs_host.iter().map(|x| x * 4.0).collect();
    assert_eq!(ret.download()?, want);
    Ok(Launched {
        stream,
        lhs_host,
        lhs,
        ret,
    })
}
