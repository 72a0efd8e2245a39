use runtime_hip::DeviceSlice;

// The kernel is `fill(float* out, int n)`: bytes would be written 4x past the end.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn fill(out: &mut DeviceSlice<u8>, n: i32);

fn main() {}
