//! Each kernel of `kernels/params.cu`, launched on the host through its
//! wrapper, against the same computation in Rust: scalars of every size
//! before and between buffers, and structs by value.

use kernel_params::{affine, clip, mask_fill, scale_bias, strided_copy, Params, Window};
use runtime_hip::{Device, Platform};

fn host() -> Device {
    Device::open(Platform::Host, 0).unwrap()
}

#[test]
fn size_t_first_and_doubles_after_the_buffers() {
    let device = host();
    let stream = device.stream().unwrap();
    let n = 1000;
    let x: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 100.0).collect();
    let dx = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<f32>(n).unwrap();
    affine(&stream, n, &dx, &mut out, -1.5, 0.25).unwrap();
    let got = out.download().unwrap();
    for (i, (g, x)) in got.iter().zip(&x).enumerate() {
        assert_eq!(*g, (*x as f64 * -1.5 + 0.25) as f32, "element {i}");
    }
    let mut none = device.alloc_zeroed::<f32>(4).unwrap();
    affine(&stream, 0, &dx, &mut none, 1.0, 1.0).unwrap();
    assert_eq!(
        none.download().unwrap(),
        vec![0.0; 4],
        "numel 0 writes nothing"
    );
}

#[test]
fn candle_shaped_strided_copy() {
    let device = host();
    let stream = device.stream().unwrap();
    // A 3x4 matrix stored transposed (4x3 row-major): strides [1, 3].
    let (rows, cols) = (3usize, 4usize);
    let stored: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
    let info = [rows, cols, 1, rows];
    let d_info = device.upload(&info).unwrap();
    let d_in = device.upload(&stored).unwrap();
    let mut out = device.alloc_zeroed::<f32>(rows * cols).unwrap();
    strided_copy(&stream, rows * cols, 2, &d_info, &d_in, &mut out).unwrap();
    let got = out.download().unwrap();
    for r in 0..rows {
        for c in 0..cols {
            assert_eq!(got[r * cols + c], stored[c * rows + r], "({r}, {c})");
        }
    }
}

#[test]
fn small_scalars_between_buffers() {
    let device = host();
    let stream = device.stream().unwrap();
    let n = 200usize;
    let mask: Vec<u8> = (0..n).map(|i| (i % 3 == 0) as u8).collect();
    let init: Vec<f32> = (0..n).map(|i| i as f32 - 100.0).collect();
    let dmask = device.upload(&mask).unwrap();
    for (invert, bias, clamp) in [(0u8, 7i16, false), (1, -300, true), (0, -2, true)] {
        let mut out = device.upload(&init).unwrap();
        mask_fill(&stream, &dmask, n as i64, &mut out, invert, bias, clamp).unwrap();
        let got = out.download().unwrap();
        for i in 0..n {
            let mut want = if (mask[i] != 0) != (invert != 0) {
                bias as f32
            } else {
                init[i]
            };
            if clamp && want < 0.0 {
                want = 0.0;
            }
            assert_eq!(got[i], want, "element {i} with {invert} {bias} {clamp}");
        }
    }
}

#[test]
fn a_struct_by_value_between_buffers() {
    let device = host();
    let stream = device.stream().unwrap();
    let input: Vec<f32> = (0..300).map(|i| i as f32 / 3.0).collect();
    let din = device.upload(&input).unwrap();
    let mut out = device.upload(&vec![-1.0f32; 300]).unwrap();
    let p = Params {
        n: 250,
        scale: 2.0,
        bias: -0.125,
    };
    scale_bias(&stream, &mut out, p, &din).unwrap();
    let got = out.download().unwrap();
    for i in 0..300 {
        let want = if i < 250 {
            (input[i] * 2.0) as f64 - 0.125
        } else {
            -1.0
        };
        assert_eq!(got[i], want as f32, "element {i}");
    }
}

#[test]
fn a_padded_struct_first() {
    let device = host();
    let stream = device.stream().unwrap();
    let x: Vec<f32> = (0..100).map(|i| i as f32 - 50.0).collect();
    let w = Window {
        enabled: 1,
        low: -10.5,
        width: 30,
    };
    let mut dx = device.upload(&x).unwrap();
    clip(&stream, w, &mut dx, 100).unwrap();
    let got = dx.download().unwrap();
    for i in 0..100 {
        assert_eq!(got[i], x[i].clamp(-10.5, 19.5), "element {i}");
    }
    let off = Window { enabled: 0, ..w };
    let mut dx = device.upload(&x).unwrap();
    clip(&stream, off, &mut dx, 100).unwrap();
    assert_eq!(dx.download().unwrap(), x);
}
