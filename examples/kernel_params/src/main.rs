//! Runs the candle-shaped `affine` (a `size_t` first, `double`s after the
//! buffers) and `scale_bias` (a struct by value between buffers) on the
//! best device and checks their answers.

use kernel_params::{affine, scale_bias, Params};
use runtime_hip::Device;

fn main() -> Result<(), runtime_hip::Error> {
    let device = Device::default()?;
    let stream = device.stream()?;
    let n = 1000usize;
    let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 100.0).collect();
    let dx = device.upload(&x)?;
    let mut out = device.alloc_zeroed::<f32>(n)?;
    affine(&stream, n, &dx, &mut out, -1.5, 0.25)?;
    let got = out.download()?;
    for (i, (g, x)) in got.iter().zip(&x).enumerate() {
        assert_eq!(*g, (*x as f64 * -1.5 + 0.25) as f32, "affine element {i}");
    }
    let p = Params {
        n: n as i32,
        scale: 3.0,
        bias: -0.5,
    };
    scale_bias(&stream, &mut out, p, &dx)?;
    let got = out.download()?;
    for (i, (g, x)) in got.iter().zip(&x).enumerate() {
        assert_eq!(
            *g,
            ((*x * 3.0) as f64 - 0.5) as f32,
            "scale_bias element {i}"
        );
    }
    println!("kernel_params: affine and scale_bias ok on {device}");
    Ok(())
}
