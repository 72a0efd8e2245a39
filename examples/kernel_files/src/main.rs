//! Runs the three `apply`s (two files of this crate, one built by
//! `kernel_files_other`) and the `extern __shared__` reversal on the best
//! device and checks their answers.

use runtime_hip::Device;

fn main() -> Result<(), runtime_hip::Error> {
    let device = Device::default()?;
    let stream = device.stream()?;
    let n = 64 * 17;
    let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
    let dx = device.upload(&x)?;
    let mut a = device.alloc_zeroed::<f32>(n)?;
    let mut b = device.alloc_zeroed::<f32>(n)?;
    let mut c = device.alloc_zeroed::<f32>(n)?;
    let mut r = device.alloc_zeroed::<f32>(n)?;
    kernel_files::apply_first(&stream, &dx, &mut a, n as i32)?;
    kernel_files::apply_second(&stream, &dx, &mut b, n as i32)?;
    kernel_files::apply_in_other_crate(&stream, &dx, &mut c, n as i32)?;
    kernel_files::reverse_blocks(&stream, &dx, &mut r, n as i32)?;
    let (a, b, c, r) = (a.download()?, b.download()?, c.download()?, r.download()?);
    for i in 0..n {
        assert_eq!(a[i], x[i] + 1.0, "first.cu at {i}");
        assert_eq!(b[i], x[i] * 2.0, "second.cu at {i}");
        assert_eq!(c[i], x[i] + 1.0, "first.cu of the other crate at {i}");
        assert_eq!(
            r[i],
            x[(i / 64) * 64 + 63 - i % 64],
            "reverse_blocks at {i}"
        );
    }
    println!("kernel_files: three units and extern __shared__ ok on {device}");
    Ok(())
}
