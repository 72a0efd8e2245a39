//! Every kernel of the suite against Rust references of what the CUDA/HIP
//! documentation says each call returns, on the best device present
//! (`IREE_DEVICE` picks one): the host platform in CI, an NVIDIA GPU in
//! docs/GPU.md's check, so the host and a GPU answer to the same references.
//! Warp results are checked lane by lane: the host has real 32-lane warps.

use device_api::*;
use runtime_hip::Device;

fn device() -> Device {
    let device = Device::default().unwrap();
    assert_eq!(
        device.limits().warp_size,
        32,
        "the references are written for 32-lane warps"
    );
    device
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
    let device = device();
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
    let device = device();
    let stream = device.stream().unwrap();
    let input: Vec<f32> = (0..128).map(|i| (i % 13) as f32 * 0.5).collect();
    let d_in = device.upload(&input).unwrap();
    let mut out = device.alloc_zeroed::<f32>(4).unwrap();
    warp_sums_cuda(&stream, &d_in, &mut out).unwrap();
    let want: Vec<f32> = input.chunks(WARP).map(|c| c.iter().sum()).collect();
    assert_eq!(out.download().unwrap(), want);
}

#[test]
fn votes_over_the_active_lanes() {
    let device = device();
    let stream = device.stream().unwrap();
    let live = 20u32;
    let input: Vec<i32> = (0..128)
        .map(|i| if i % 3 == 0 || i >= 64 { 1 } else { -1 })
        .collect();
    let d_in = device.upload(&input).unwrap();
    let mut want = vec![0u64; 4 * input.len()];
    for (w, lanes) in input.chunks(WARP).enumerate() {
        let mask = (1u64 << live) - 1;
        let ballot = (0..live as usize).fold(0u64, |b, l| b | (u64::from(lanes[l] > 0) << l));
        for l in 0..live as usize {
            let i = w * WARP + l;
            want[4 * i..4 * i + 4].copy_from_slice(&[
                ballot,
                u64::from(ballot != 0),
                u64::from(ballot == mask),
                mask,
            ]);
        }
    }
    for (name, run) in [
        ("cuda", votes_cuda as fn(&_, &_, &mut _, u32) -> _),
        ("hip", votes_hip),
    ] {
        let mut out = device.alloc_zeroed::<u64>(4 * input.len()).unwrap();
        run(&stream, &d_in, &mut out, live).unwrap();
        assert_eq!(out.download().unwrap(), want, "{name} spelling");
    }
}

#[test]
fn cooperative_groups_tiles_and_reduce() {
    let device = device();
    let stream = device.stream().unwrap();
    let input: Vec<i32> = (0..128).map(|i| (i * 37 % 101) - 30).collect();
    let d_in = device.upload(&input).unwrap();
    let mut per_thread = device.alloc_zeroed::<i32>(10 * input.len()).unwrap();
    let mut per_tile = device.alloc_zeroed::<i32>(3 * input.len() / 16).unwrap();
    groups_cuda(&stream, &d_in, &mut per_thread, &mut per_tile).unwrap();
    let got = per_thread.download().unwrap();
    for (i, o) in got.chunks(10).enumerate() {
        let (rank, tile) = (i % 16, &input[i / 16 * 16..][..16]);
        let ballot = (0..16).fold(0, |b, r| b | ((tile[r] & 1) << r));
        let want = [
            rank as i32,
            (i % 64 / 16) as i32,
            4,
            16,
            tile[0],
            if rank + 1 < 16 {
                tile[rank + 1]
            } else {
                tile[rank]
            },
            tile.iter().any(|&v| v > 40) as i32,
            tile.iter().all(|&v| v >= 0) as i32,
            ballot,
            (i % 64) as i32,
        ];
        assert_eq!(o, want, "thread {i}");
    }
    let want: Vec<i32> = input
        .chunks(16)
        .flat_map(|t| {
            [
                t.iter().sum(),
                *t.iter().min().unwrap(),
                *t.iter().max().unwrap(),
            ]
        })
        .collect();
    assert_eq!(per_tile.download().unwrap(), want, "cg::reduce");

    let mut out = device.alloc_zeroed::<i32>(3 * input.len()).unwrap();
    groups_hip(&stream, &d_in, &mut out).unwrap();
    let want: Vec<i32> = (0..input.len())
        .flat_map(|i| {
            let (rank, tile) = (i % 8, &input[i / 8 * 8..][..8]);
            [
                tile.iter().sum(),
                tile[rank ^ 1],
                if rank < 2 { tile[rank] } else { tile[rank - 2] },
            ]
        })
        .collect();
    assert_eq!(out.download().unwrap(), want, "hip spelling");
}

use runtime_hip::half::{bf16, f16};

/// Equal as IEEE values, NaN equal to NaN.
fn same_f16(a: f16, b: f16) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[test]
fn fp16_intrinsics() {
    let device = device();
    let stream = device.stream().unwrap();
    let n = 100usize;
    let mut a: Vec<f16> = (0..n)
        .map(|i| f16::from_f32((i as f32 - 20.0) * 0.37))
        .collect();
    a[7] = f16::NAN;
    let b: Vec<f16> = (0..n)
        .map(|i| f16::from_f32((i % 7) as f32 * 1.5 - 3.0))
        .collect();
    let (da, db) = (device.upload(&a).unwrap(), device.upload(&b).unwrap());
    let mut out = device.alloc_zeroed::<f16>(8 * n).unwrap();
    let mut flags = device.alloc_zeroed::<i32>(3 * n).unwrap();
    fp16_cuda(&stream, &da, &db, &mut out, &mut flags, n as i32).unwrap();
    let (got, got_flags) = (out.download().unwrap(), flags.download().unwrap());
    for i in 0..n {
        let (x, y) = (a[i], b[i]);
        let (xf, yf) = (x.to_f32(), y.to_f32());
        let h = f16::from_f32;
        let want = [
            x + y,
            x * y,
            f16::from_f64(x.to_f64() * y.to_f64() + x.to_f64()),
            -x,
            h(xf.exp()),
            h(xf.abs().sqrt()),
            h(xf + yf),
            (x + y) + (y + x),
        ];
        for (k, w) in want.iter().enumerate() {
            assert!(
                same_f16(got[8 * i + k], *w),
                "element {i} result {k}: {} != {w}",
                got[8 * i + k]
            );
        }
        let wf = [(xf < yf) as i32, (xf == yf) as i32, x.is_nan() as i32];
        assert_eq!(got_flags[3 * i..3 * i + 3], wf, "flags of element {i}");
    }

    let mut out = device.alloc_zeroed::<f16>(n).unwrap();
    let mut as_float = device.alloc_zeroed::<f32>(n).unwrap();
    fp16_hip(&stream, &da, &mut out, &mut as_float, 2.5, n as i32).unwrap();
    let (got, got_f) = (out.download().unwrap(), as_float.download().unwrap());
    for i in 0..n {
        let want = f16::from_f32(a[i].to_f32() * 2.5) + a[i];
        assert!(
            same_f16(got[i], want),
            "hip element {i}: {} != {want}",
            got[i]
        );
        assert!(got_f[i] == want.to_f32() || want.is_nan(), "hip float {i}");
    }
}

#[test]
fn bf16_intrinsics() {
    let device = device();
    let stream = device.stream().unwrap();
    let n = 100usize;
    let x: Vec<f32> = (0..n).map(|i| (i as f32 - 50.0) * 1.013 + 0.001).collect();
    let a: Vec<bf16> = (0..n)
        .map(|i| bf16::from_f32(i as f32 * 0.731 - 9.0))
        .collect();
    let b: Vec<bf16> = (0..n)
        .map(|i| bf16::from_f32((i % 9) as f32 * 2.25 - 7.0))
        .collect();
    let (dx, da, db) = (
        device.upload(&x).unwrap(),
        device.upload(&a).unwrap(),
        device.upload(&b).unwrap(),
    );
    let mut out = device.alloc_zeroed::<bf16>(4 * n).unwrap();
    let mut lt = device.alloc_zeroed::<i32>(n).unwrap();
    bf16_cuda(&stream, &dx, &da, &db, &mut out, &mut lt, n as i32).unwrap();
    let (got, got_lt) = (out.download().unwrap(), lt.download().unwrap());
    for i in 0..n {
        let (af, bf) = (a[i].to_f32(), b[i].to_f32());
        let want = [
            bf16::from_f32(x[i]),
            bf16::from_f32(af + bf),
            bf16::from_f32(af * bf),
            bf16::from_f32(af.mul_add(bf, af)),
        ];
        assert_eq!(got[4 * i..4 * i + 4], want, "element {i}");
        assert_eq!(got_lt[i], (af < bf) as i32, "a < b at {i}");
    }

    let mut out = device.alloc_zeroed::<bf16>(n).unwrap();
    let mut back = device.alloc_zeroed::<f32>(n).unwrap();
    bf16_hip(&stream, &dx, &mut out, &mut back, n as i32).unwrap();
    let (got, got_back) = (out.download().unwrap(), back.download().unwrap());
    for i in 0..n {
        let v = bf16::from_f32(x[i]).to_f32();
        let want = bf16::from_f32(bf16::from_f32(v * v).to_f32() - 1.0);
        assert_eq!(got[i], want, "hip element {i}");
        assert_eq!(got_back[i], want.to_f32(), "hip float {i}");
    }
}

/// `f` applied `times` times from `start`: an atomic every thread applies
/// once ends there whatever the order.
fn apply_n(start: u32, times: u32, f: impl Fn(u32) -> u32) -> u32 {
    (0..times).fold(start, |v, _| f(v))
}
/// CUDA's `atomicInc` and `atomicDec` stores.
fn inc(old: u32, limit: u32) -> u32 {
    if old >= limit {
        0
    } else {
        old + 1
    }
}
fn dec(old: u32, limit: u32) -> u32 {
    if old == 0 || old > limit {
        limit
    } else {
        old - 1
    }
}

#[test]
fn atomics_full_set() {
    let device = device();
    let stream = device.stream().unwrap();
    let t = ATOMIC_THREADS;
    let mut u32s = device
        .upload(&[0, 1000, 0, u32::MAX, 0, 0, 0, u32::MAX, 0, 0, 0, 12345u32])
        .unwrap();
    let mut i32s = device.upload(&[0, 0, i32::MIN]).unwrap();
    let mut u64s = device.upload(&[0, 0, 0, u64::MAX, 0, 0, 0, 0u64]).unwrap();
    let mut i64s = device.upload(&[0i64, 0, 0]).unwrap();
    let mut f32s = device.upload(&[0.0f32]).unwrap();
    let mut f64s = device.upload(&[0.0f64]).unwrap();
    atomics_cuda(
        &stream, &mut u32s, &mut i32s, &mut u64s, &mut i64s, &mut f32s, &mut f64s,
    )
    .unwrap();
    let u = u32s.download().unwrap();
    let xor_all = (0..t).fold(0, |x, i| x ^ i);
    assert_eq!(
        u[..9],
        [
            3 * t,
            1000 - t,
            t - 1,
            100,
            apply_n(0, t, |v| inc(v, 7)),
            apply_n(0, t, |v| dec(v, 5)),
            u32::MAX,
            0xffff_0000,
            xor_all,
        ],
        "32-bit unsigned"
    );
    assert!((1..=t).contains(&u[9]) && u[10] == 1, "one CAS wins: {u:?}");
    assert!(u[11] < t, "exch leaves some thread's id: {}", u[11]);
    let last = i32::try_from(t).unwrap() - 1;
    assert_eq!(
        i32s.download().unwrap(),
        [-2 * (last + 1), -last, last - 1000],
        "32-bit signed"
    );
    let w = u64s.download().unwrap();
    let xor64 = (0..u64::from(t)).fold(0, |x, i| x ^ (i << 32));
    assert_eq!(
        w[..5],
        [
            u64::from(t) << 33,
            u64::from(t - 1) << 40,
            u64::MAX,
            0xffff_0000_0000_0000,
            xor64
        ],
        "64-bit unsigned"
    );
    assert!(
        (1..=u64::from(t)).contains(&w[5]) && w[6] == 1,
        "one 64-bit CAS wins: {w:?}"
    );
    assert!((5..u64::from(t) + 5).contains(&w[7]), "64-bit exch");
    let big = i64::from(last) * 4_000_000_000;
    assert_eq!(
        i64s.download().unwrap(),
        [-big, big, -3 * i64::from(t)],
        "64-bit signed"
    );
    assert_eq!(f32s.download().unwrap(), [0.5 * t as f32], "float add");
    assert_eq!(
        f64s.download().unwrap(),
        [0.25 * f64::from(t)],
        "double add"
    );

    for limit in [0u32, 1, 10, 1000] {
        let mut counters = device.alloc_zeroed::<u32>(2).unwrap();
        let mut sum = device.alloc_zeroed::<f32>(1).unwrap();
        atomics_hip(&stream, &mut counters, &mut sum, limit).unwrap();
        assert_eq!(
            counters.download().unwrap(),
            [
                apply_n(0, t, |v| inc(v, limit)),
                apply_n(0, t, |v| dec(v, limit))
            ],
            "inc/dec wraparound with limit {limit}"
        );
        assert_eq!(sum.download().unwrap(), [t as f32]);
    }
}

extern "C" {
    // The C library's error functions (Rust's std has none on stable).
    fn erf(x: f64) -> f64;
    fn erfc(x: f64) -> f64;
}
fn c_erf(x: f64) -> f64 {
    unsafe { erf(x) }
}
fn normcdf(x: f64) -> f64 {
    0.5 * unsafe { erfc(-x / std::f64::consts::SQRT_2) }
}
/// erf⁻¹ by bisection on erf: a reference independent of the kernel's method.
fn erfinv(y: f64) -> f64 {
    if y.abs() >= 1.0 {
        return if y.abs() == 1.0 {
            y * f64::INFINITY
        } else {
            f64::NAN
        };
    }
    let (mut lo, mut hi) = (-6.0f64, 6.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if c_erf(mid) < y {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got.is_nan() && want.is_nan())
        || got == want
        || (got - want).abs() <= rel * want.abs().max(1e-30)
}

const INPUTS: [f32; 12] = [
    0.0, 1.0, -1.0, 2.0, -2.5, 0.3, -0.7, 3.75, 1e-3, -3.9, 0.5, 10.0,
];

#[test]
fn math_float() {
    let device = device();
    let stream = device.stream().unwrap();
    let dx = device.upload(&INPUTS).unwrap();
    let mut out = device.alloc_zeroed::<f32>(14 * INPUTS.len()).unwrap();
    math_float_cuda(&stream, &dx, &mut out, INPUTS.len() as i32).unwrap();
    let got = out.download().unwrap();
    for (i, &v) in INPUTS.iter().enumerate() {
        let d = f64::from(v);
        let want = [
            normcdf(d),
            erfinv(d / 4.0),
            1.0 / (d.abs() + 1.0).sqrt(),
            d.exp(),
            d / 3.0,
            d * 2.0 + 1.0,
            d.sin(),
            d.cos(),
            if v == 0.0 { 1.0 } else { 0.0 },
            if v == 0.0 { 0.0 } else { 1.0 },
            c_erf(d),
            d.exp() + (d.abs() + 1.0).ln(),
            d.abs().sqrt() * std::f64::consts::PI,
            d.min(0.5) + d.max(-0.5) + d.min(1.0),
        ];
        for (k, w) in want.iter().enumerate() {
            let g = f64::from(got[14 * i + k]);
            assert!(close(g, *w, 2e-6), "input {v} result {k}: {g} != {w}");
        }
    }
    // Known values: Φ(1), erf⁻¹(0.5).
    assert!(close(normcdf(1.0), 0.841_344_746_068_542_9, 1e-15));
    assert!(close(erfinv(0.5), 0.476_936_276_204_469_9, 1e-14));
}

#[test]
fn math_double() {
    let device = device();
    let stream = device.stream().unwrap();
    let x: Vec<f64> = INPUTS.iter().map(|&v| f64::from(v) * 1.000_000_1).collect();
    let dx = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<f64>(10 * x.len()).unwrap();
    math_double_cuda(&stream, &dx, &mut out, x.len() as i32).unwrap();
    let got = out.download().unwrap();
    for (i, &d) in x.iter().enumerate() {
        let want = [
            normcdf(d),
            erfinv(d / 4.0),
            1.0 / (d.abs() + 1.0).sqrt(),
            d.exp(),
            d.mul_add(2.0, 1.0),
            d.sin(),
            d.cos(),
            if d == 0.0 { 1.0 } else { 0.0 },
            d.abs().ln_1p() + d.cbrt(),
            d.abs().powf(1.5) + d.hypot(2.0),
        ];
        for (k, w) in want.iter().enumerate() {
            let g = got[10 * i + k];
            assert!(close(g, *w, 1e-13), "input {d} result {k}: {g} != {w}");
        }
    }

    let xf: Vec<f32> = INPUTS.to_vec();
    let (dxf, dxd) = (device.upload(&xf).unwrap(), device.upload(&x).unwrap());
    let mut of = device.alloc_zeroed::<f32>(3 * x.len()).unwrap();
    let mut od = device.alloc_zeroed::<f64>(2 * x.len()).unwrap();
    math_hip(&stream, &dxf, &dxd, &mut of, &mut od, x.len() as i32).unwrap();
    let (gf, gd) = (of.download().unwrap(), od.download().unwrap());
    for i in 0..x.len() {
        let v = f64::from(xf[i]);
        let wf = [normcdf(v), 1.0 / (v.abs() + 1.0).sqrt(), v / 7.0];
        for k in 0..3 {
            assert!(
                close(f64::from(gf[3 * i + k]), wf[k], 2e-6),
                "hip float {i} {k}"
            );
        }
        let wd = [normcdf(x[i]), erfinv(x[i] / 4.0)];
        for k in 0..2 {
            assert!(close(gd[2 * i + k], wd[k], 1e-13), "hip double {i} {k}");
        }
    }
}

#[test]
fn cache_hints_and_launch_bounds() {
    let device = device();
    let stream = device.stream().unwrap();
    let n = 1000usize;
    let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..n).map(|i| 0.5 - i as f32 * 0.25).collect();
    let (da, db) = (device.upload(&a).unwrap(), device.upload(&b).unwrap());
    let mut out = device.alloc_zeroed::<f32>(n).unwrap();
    let mut out2 = device.alloc_zeroed::<f32>(n).unwrap();
    hints_cuda(&stream, &da, &db, &mut out, &mut out2, n).unwrap();
    let want: Vec<f32> = (0..n).map(|i| a[i] + b[i] + a[i]).collect();
    assert_eq!(out.download().unwrap(), want);
    let want2: Vec<f32> = want.iter().map(|v| v * 2.0).collect();
    assert_eq!(out2.download().unwrap(), want2);

    let ai: Vec<i32> = (0..300).map(|i| i - 150).collect();
    let dai = device.upload(&ai).unwrap();
    let mut outi = device.alloc_zeroed::<i32>(ai.len()).unwrap();
    hints_hip(&stream, &dai, &mut outi, ai.len() as i32).unwrap();
    let want: Vec<i32> = ai.iter().map(|v| v * 3).collect();
    assert_eq!(outi.download().unwrap(), want, "hip spelling");
}

#[test]
fn device_printf_runs() {
    let device = device();
    let stream = device.stream().unwrap();
    let n = 100usize;
    let mut out = device.alloc_zeroed::<i32>(n).unwrap();
    print_cuda(&stream, &mut out, n as i32).unwrap();
    assert_eq!(out.download().unwrap(), (0..n as i32).collect::<Vec<_>>());
    print_hip(&stream, &mut out, n as i32).unwrap();
    assert_eq!(
        out.download().unwrap(),
        (0..n as i32).map(|i| -i).collect::<Vec<_>>()
    );
}
