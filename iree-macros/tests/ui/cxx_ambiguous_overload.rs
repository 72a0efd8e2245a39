use runtime_hip::DeviceSlice;

// `axpy` has a `float` and a `double` overload: the declaration must say which.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    export = "axpy",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
fn axpy(x: &DeviceSlice<f32>, y: &mut DeviceSlice<f32>, a: f32, n: i32);

fn main() {}
