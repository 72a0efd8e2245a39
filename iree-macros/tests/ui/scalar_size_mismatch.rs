use runtime_hip::DeviceSlice;

// The kernel is `count_sizes(size_t n, float* out, int k)`: `n` is 8 bytes,
// `k` 4.
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn count_sizes(n: i32, out: &mut DeviceSlice<f32>, k: u64);

fn main() {}
