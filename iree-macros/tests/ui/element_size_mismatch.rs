use runtime_hip::DeviceSlice;

// The kernel is `pairs(Pair* p, int n)` with an 8-byte `struct Pair { float a, b; }`.
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn pairs(p: &mut DeviceSlice<[f32; 3]>, n: i32);

fn main() {}
