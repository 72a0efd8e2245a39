use runtime_hip::DeviceSlice;

#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [4294967295, 4294967295, 4294967295],
)]
fn huge(x: &mut DeviceSlice<f32>);

fn main() {}
