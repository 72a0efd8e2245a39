use runtime_hip::DeviceSlice;

const BYTES: u32 = 1024;

// A constant must be written as a literal; anything else is a closure.
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    workgroup_local_memory = BYTES,
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {
    let _ = (scale, BYTES);
}
