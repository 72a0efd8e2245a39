//! Every kernel of the suite on the host, against Rust references of what
//! the CUDA/HIP documentation says each call returns. Warp results are
//! checked lane by lane: the host has real 32-lane warps.

use device_api::*;
use runtime_hip::{Device, Platform};

fn host() -> Device {
    Device::open(Platform::Host, 0).unwrap()
}

const WARP: usize = 32;

/// What lane `lane` gets from `shfl` over `width`-lane segments of `v`.
fn shfl(v: &[i32], i: usize, src: usize, width: usize) -> i32 {
    let base = i / WARP * WARP;
    let lane = i % WARP;
    v[base + (lane / width * width) + src % width]
}
fn shfl_up(v: &[i32], i: usize, d: usize, width: usize) -> i32 {
    if i % WARP % width < d {
        v[i]
    } else {
        v[i - d]
    }
}
fn shfl_down(v: &[i32], i: usize, d: usize, width: usize) -> i32 {
    if i % WARP % width + d >= width {
        v[i]
    } else {
        v[i + d]
    }
}
fn shfl_xor(v: &[i32], i: usize, m: usize, width: usize) -> i32 {
    let lane = i % WARP;
    let src = lane ^ m;
    if src / width != lane / width {
        v[i]
    } else {
        v[i / WARP * WARP + src]
    }
}

#[test]
fn warp_shuffles_both_spellings() {
    let device = host();
    let stream = device.stream().unwrap();
    let n = 128;
    let input: Vec<i32> = (0..n as i32).map(|i| i * 7 - 50).collect();
    let want: Vec<i32> = (0..n)
        .flat_map(|i| {
            [
                shfl(&input, i, 3, WARP),
                shfl_up(&input, i, 1, 16),
                shfl_down(&input, i, 2, WARP),
                shfl_xor(&input, i, 5, 8),
            ]
        })
        .collect();
    let d_in = device.upload(&input).unwrap();
    for (name, run) in [
        ("cuda", shuffles_cuda as fn(&_, &_, &mut _, usize) -> _),
        ("hip", shuffles_hip),
    ] {
        let mut out = device.alloc_zeroed::<i32>(4 * n).unwrap();
        run(&stream, &d_in, &mut out, n).unwrap();
        assert_eq!(out.download().unwrap(), want, "{name} spelling");
    }
}

#[test]
fn warp_sum_with_hard_coded_offsets() {
    let device = host();
    let stream = device.stream().unwrap();
    let input: Vec<f32> = (0..128).map(|i| (i % 13) as f32 * 0.5).collect();
    let d_in = device.upload(&input).unwrap();
    let mut out = device.alloc_zeroed::<f32>(4).unwrap();
    warp_sums_cuda(&stream, &d_in, &mut out).unwrap();
    let want: Vec<f32> = input.chunks(WARP).map(|c| c.iter().sum()).collect();
    assert_eq!(out.download().unwrap(), want);
}
