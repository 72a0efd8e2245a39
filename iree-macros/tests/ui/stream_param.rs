use runtime_hip::DeviceSlice;

#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
)]
fn scale(x: &mut DeviceSlice<f32>, stream: u32);

fn main() {
    // Callers still type-check: the only error is the declaration's.
    let _ = scale;
}
