//! Calls the HIP kernel in kernels/kernels.cu on the best device here: an
//! AMD GPU, else an NVIDIA GPU, else the CPU (`IREE_DEVICE=amd|nvidia|host`
//! picks one).

use runtime_hip::{Device, DeviceSlice};

/// `y = a * x + y`: one thread per element, 256 threads per workgroup.
#[runtime_hip::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [256, 1, 1],
    count = |n| [(n as u32).div_ceil(256), 1, 1],
)]
fn axpy(x: &DeviceSlice<f32>, y: &mut DeviceSlice<f32>, a: f32, n: i32);

fn main() -> Result<(), runtime_hip::Error> {
    let device = Device::default()?;
    let stream = device.stream()?;
    let n = 1000;
    let xs: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let x = device.upload(&xs)?;
    let mut y = device.upload(&vec![1.0f32; n])?;
    axpy(&stream, &x, &mut y, 2.0, n as i32)?;
    let ys = y.download()?;
    let wrong = (0..n).find(|&i| ys[i] != 2.0 * xs[i] + 1.0);
    if let Some(i) = wrong {
        eprintln!("wrong answer at {i}: {} instead of {}", ys[i], 2.0 * xs[i] + 1.0);
        std::process::exit(1);
    }
    println!(
        "{{name}}: y = 2x + 1 for {n} elements on {} ({}): ok",
        device.info().name,
        device.target()
    );
    Ok(())
}
