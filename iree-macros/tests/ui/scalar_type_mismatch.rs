use runtime_hip::DeviceSlice;

// The kernel is `fill(float* out, int n)`.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [n.div_ceil(64), 1, 1],
)]
fn fill(out: &mut DeviceSlice<f32>, n: u32);

fn main() {}
