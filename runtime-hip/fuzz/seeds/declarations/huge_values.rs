use runtime_hip::DeviceSlice;

/// Declaration values whose products overflow 32 and 64 bits: each must be an
/// error at its attribute, never a panic.
#[iree_macros::extern_dispatch(
    source = "kernels/k.cu",
    workgroup_size = [4294967295, 4294967295, 4294967295],
    subgroup_size = 4294967295,
    workgroup_local_memory = 4294967295,
    count = |n| [n, n, n],
)]
fn huge(out: &mut DeviceSlice<f32>, n: u32);
