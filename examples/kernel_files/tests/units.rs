//! The three `apply`s and `extern __shared__`, on the host platform.

use runtime_hip::{Device, Platform};

fn input(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32 * 0.5 - 3.0).collect()
}

#[test]
fn each_file_keeps_its_own_helper_shared_array_and_kernel() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    let n = 1000;
    let x = input(n);
    let dx = device.upload(&x).unwrap();
    let mut a = device.alloc_zeroed::<f32>(n).unwrap();
    let mut b = device.alloc_zeroed::<f32>(n).unwrap();
    let mut c = device.alloc_zeroed::<f32>(n).unwrap();
    kernel_files::apply_first(&stream, &dx, &mut a, n as i32).unwrap();
    kernel_files::apply_second(&stream, &dx, &mut b, n as i32).unwrap();
    kernel_files::apply_in_other_crate(&stream, &dx, &mut c, n as i32).unwrap();
    let (a, b, c) = (
        a.download().unwrap(),
        b.download().unwrap(),
        c.download().unwrap(),
    );
    for i in 0..n {
        assert_eq!(a[i], x[i] + 1.0, "first.cu at {i}");
        assert_eq!(b[i], x[i] * 2.0, "second.cu at {i}");
        assert_eq!(c[i], x[i] + 1.0, "first.cu built by the other crate at {i}");
    }
}

#[test]
fn extern_shared_arrays_work_on_the_host() {
    let device = Device::open(Platform::Host, 0).unwrap();
    let stream = device.stream().unwrap();
    let n = 64 * 17;
    let x = input(n);
    let dx = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<f32>(n).unwrap();
    kernel_files::reverse_blocks(&stream, &dx, &mut out, n as i32).unwrap();
    let got = out.download().unwrap();
    for (chunk, (g, w)) in got.chunks(64).zip(x.chunks(64)).enumerate() {
        let want: Vec<f32> = w.iter().rev().copied().collect();
        assert_eq!(g, &want[..], "chunk {chunk}");
    }
}
