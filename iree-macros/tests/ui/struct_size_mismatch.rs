use runtime_hip::{DeviceSlice, KernelParam};

// The kernel is `with_params(float* out, Params p)` with
// `struct Params { int n; float scale; double bias; }`: 16 bytes.
#[derive(Clone, Copy, KernelParam)]
#[repr(C)]
struct Params {
    n: i32,
    scale: f32,
    bias: f64,
    extra: f64,
}

#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn with_params(out: &mut DeviceSlice<f32>, p: Params);

fn main() {}
