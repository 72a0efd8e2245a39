use runtime_hip::DeviceSlice;

// The kernel is `reduce(const float*, float*, float* partial_sums, int)`:
// an `Option` is checked like the buffer it may hold.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn reduce(
    input: &DeviceSlice<f32>,
    out: &mut DeviceSlice<f32>,
    partial_sums: Option<&mut DeviceSlice<i32>>,
    n: i32,
);

fn main() {
    let _ = reduce;
}
