use runtime_hip::DeviceSlice;

// `export` goes into generated C++: a statement is no kernel name.
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    export = "scale); int oops(",
    workgroup_size = [64, 1, 1],
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {}
