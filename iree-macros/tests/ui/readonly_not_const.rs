use runtime_hip::DeviceSlice;

// The kernel is `copy(float* in, float* out, int n)`: nothing stops it writing `input`.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn copy(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: i32);

fn main() {}
