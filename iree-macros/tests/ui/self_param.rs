use runtime_hip::DeviceSlice;

struct Ops;

impl Ops {
    #[iree_macros::extern_dispatch(
        source = "kernels/kernels.cu",
        workgroup_size = [64, 1, 1],
    )]
    fn scale(&self, x: &mut DeviceSlice<f32>, n: u32);
}

fn main() {}
