use runtime_hip::DeviceSlice;

#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn fill_void(out: &mut DeviceSlice<()>, n: i32);

fn main() {}
