//! Runs both kernels on the best device and checks their answers.

use reduce::{reduce_checked, reverse_rows_checked};
use runtime_hip::Device;

fn main() -> Result<(), runtime_hip::Error> {
    let device = Device::default()?;
    let stream = device.stream()?;
    let n = 10_000usize;
    let input = device.upload(&(0..n).map(|i| (i % 7) as f32).collect::<Vec<_>>())?;
    let want: f32 = (0..n).map(|i| (i % 7) as f32).sum();
    let mut total = device.alloc_zeroed::<f32>(1)?;
    reduce_checked(&stream, &input, &mut total, None)?;
    let mut partial = device.alloc_zeroed::<f32>(8)?;
    reduce_checked(&stream, &input, &mut total, Some(&mut partial))?;
    let got = total.download()?[0];
    let partial_sum: f32 = partial.download()?.iter().sum();
    assert_eq!((got, partial_sum), (2.0 * want, want));

    let (rows, width) = (3usize, 1000usize);
    let rows_in: Vec<i32> = (0..(rows * width) as i32).collect();
    let dev_in = device.upload(&rows_in)?;
    let mut dev_out = device.alloc_zeroed::<i32>(rows * width)?;
    reverse_rows_checked(&stream, &dev_in, &mut dev_out, (rows, width))?;
    let want: Vec<i32> = rows_in
        .chunks(width)
        .flat_map(|r| r.iter().rev().copied())
        .collect();
    assert_eq!(dev_out.download()?, want);
    println!("reduce: sum {got}, partial sums {partial_sum}; reverse_rows: {rows}x{width} ok on {device}");
    Ok(())
}
