use runtime_hip::DeviceSlice;

#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    workgroup_local_memory = |len| len * 4,
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {
    let _ = scale;
}
