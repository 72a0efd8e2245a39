use runtime_hip::DeviceSlice;

// A 32-lane warp reduction would silently compute something else on the host.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    subgroup_size = 32,
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn fill(out: &mut DeviceSlice<f32>, n: i32);

fn main() {}
