use runtime_hip::DeviceSlice;

// A misspelt template: nothing in the source is `fill<4>`.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    export = "fill<4>",
    workgroup_size = [4, 1, 1],
    count = |out| [1, 1, 1],
)]
fn fill4(out: &mut DeviceSlice<f32>);

fn main() {}
