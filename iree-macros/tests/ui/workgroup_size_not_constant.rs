use runtime_hip::DeviceSlice;

const BLOCK: u32 = 64;

// The build reads declarations from the source text: sizes are written out.
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [BLOCK, 1, 1],
)]
fn scale(x: &mut DeviceSlice<f32>, n: u32);

fn main() {
    let _ = (scale, BLOCK);
}
