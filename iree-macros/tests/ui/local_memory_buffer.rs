use runtime_hip::DeviceSlice;

// Shared memory is sized from the scalars a launch passes, not from a buffer.
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    workgroup_local_memory = |x| x.len() * 4,
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {
    let _ = scale;
}
