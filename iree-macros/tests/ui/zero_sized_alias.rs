use runtime_hip::DeviceSlice;

type Nothing = ();

// The kernel is `fill_void(void* out, int n)`: the build cannot size `Nothing`.
#[iree_macros::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1])]
fn fill_void(out: &mut DeviceSlice<Nothing>, n: i32);

fn main() {}
