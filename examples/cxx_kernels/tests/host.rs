//! Every C++ kernel of the crate (C++ linkage, a template the source
//! instantiates, one it does not, a namespaced template with a type and an
//! integer argument, an overload picked by its parameter list) launched on
//! the host through its `#[extern_dispatch]` wrapper, with the right answers.
//! That the crate compiles at all says every declaration verified against
//! the gfx90a, gfx1100, sm_80 and sm_90 objects too (a verification error is
//! a `compile_error!` at the declaration).

use runtime_hip::{Device, Platform};

#[test]
fn cxx_kernels_compute_the_right_answers_on_the_host() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    cxx_kernels::check_all(&stream).unwrap();
    let loaded = runtime_hip::dispatch::loaded_variants();
    for export in [
        "vectorAdd",
        "MatrixMulCUDA<16>",
        "MatrixMulCUDA<8>",
        "blocks::reduce_sum<float, 128>",
        "scale(int*, int, int)",
    ] {
        assert!(
            loaded.iter().any(|l| l.export == export),
            "{export} not in {loaded:#?}"
        );
    }
}
