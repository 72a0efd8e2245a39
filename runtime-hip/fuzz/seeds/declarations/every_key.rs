use runtime_hip::{DeviceSlice, Device};

mod inner {
    /// Every attribute key, explicit layout and bindings.
    #[iree_macros::extern_dispatch(
        objects = { "gfx1100" = "k.co", "sm_80" = "k.ptx", "host" = "k.o" },
        export = "matmul<16>",
        workgroup_size = [16, 16, 1],
        subgroup_size = 32,
        workgroup_local_memory = |n| n * 4,
        layout = "#hal.pipeline.layout<push_constants = 2, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer>]>]>",
        bindings = ["#hal.interface.binding<0, 1>", "#hal.interface.binding<0, 0>"],
        count = |device, n, m| [(n as u32).div_ceil(16), (m as u32).div_ceil(16), 1],
    )]
    pub fn matmul(out: &mut DeviceSlice<f32>, a: &DeviceSlice<f32>, n: u32, m: i32);
}

#[runtime_hip::extern_dispatch(source = "kernels/k.cu", workgroup_size = [64, 1, 1], count = |dim| [(dim as u32).div_ceil(64), 1, 1])]
fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32, scale: f32, opt: Option<&DeviceSlice<u8>>);
