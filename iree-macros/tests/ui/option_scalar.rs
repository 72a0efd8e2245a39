use runtime_hip::DeviceSlice;

// A push constant always has a value: only buffers may be optional.
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
)]
fn scale(x: &mut DeviceSlice<f32>, n: Option<u32>);

fn main() {
    let _ = scale;
}
