use runtime_hip::DeviceSlice;

// The host runs warps of 32 or 64 lanes: a 16-lane subgroup cannot be honoured.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    subgroup_size = 16,
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn fill(out: &mut DeviceSlice<f32>, n: i32);

fn main() {}
