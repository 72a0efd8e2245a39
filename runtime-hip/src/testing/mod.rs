//! The device-independent runtime (memory, streams, dispatch) tested on a
//! machine without a GPU, against the mock backend of [`mock`]: the sample
//! bundle the tests launch from, and the tests, one module per subject.

use crate::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use crate::device::Device;
use crate::dispatch::{ExportRef, Kernel};
use crate::target::Format;
use crate::Error;

mod dispatch;
mod launch_cost;
mod memory;
mod mock;

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
        symbols: Vec::new(),
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
        params: &[],
        bundle,
        executable: 0,
        ordinal,
        name,
        host: None,
    })
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
