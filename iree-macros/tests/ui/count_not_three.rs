use runtime_hip::DeviceSlice;

#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [n.div_ceil(64), 1],
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {}
