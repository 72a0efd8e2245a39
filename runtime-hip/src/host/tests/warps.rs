//! Warp-level kernels (`warps.cu`): shuffles of every kind and width, votes,
//! `__activemask`, partial masks, cooperative groups' tiles, with warps of
//! 32 and of 64 lanes, each run by every `barrier::Switch` (and in lockstep
//! when the tests' kernels are compiled with the pass). The expected values
//! are what a GPU computes: the CUDA/HIP definitions of each operation,
//! written out below lane by lane.

use libloading::Library;

use crate::backend::Backend;

use super::{entry_in, library, library64, Dev};

/// The two warp sizes and the library compiled for each.
fn libraries() -> [(u32, &'static Library); 2] {
    [(32, library()), (64, library64())]
}

/// A deterministic mix of positive and negative small integers.
fn values(n: usize, seed: u32) -> Vec<i32> {
    (0..n as u32)
        .map(|i| ((i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 20) % 201) as i32 - 100)
        .collect()
}

/// `__shfl_sync(v, src, w)` as lane `lane` (of a warp whose values are `v`)
/// receives it.
fn shfl(v: &[i32], lane: usize, src: usize, w: usize) -> i32 {
    v[(lane & !(w - 1)) | (src & (w - 1))]
}
fn shfl_up(v: &[i32], lane: usize, d: usize, w: usize) -> i32 {
    if (lane & (w - 1)) < d {
        v[lane]
    } else {
        v[lane - d]
    }
}
fn shfl_down(v: &[i32], lane: usize, d: usize, w: usize) -> i32 {
    if (lane & (w - 1)) + d >= w {
        v[lane]
    } else {
        v[lane + d]
    }
}
fn shfl_xor(v: &[i32], lane: usize, m: usize, w: usize) -> i32 {
    let j = lane ^ m;
    if j >= (lane & !(w - 1)) + w {
        v[lane]
    } else {
        v[j]
    }
}

#[test]
fn block_sum_with_hard_coded_offsets() {
    for d in Dev::each_switch() {
        let (grid, block, n) = (7usize, 256usize, 100_003usize);
        let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32).collect();
        let (px, po) = (d.upload(&x), d.zeros::<f32>(grid));
        d.launch(
            entry_in(library(), "warp_block_sum", true),
            [grid as u32, 1, 1],
            [block as u32, 1, 1],
            &[px, po],
            &[n as u32],
        );
        let mut want = vec![0f32; grid];
        for (i, v) in x.iter().enumerate() {
            want[(i / block) % grid] += v;
        }
        assert_eq!(d.download::<f32>(po, grid), want);
    }
}

#[test]
fn xor_allreduce_over_warp_size() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (3usize, 192usize);
            let n = grid * block;
            let x = values(n, ws);
            let (px, po, pi) = (d.upload(&x), d.zeros::<i32>(n), d.zeros::<i32>(n));
            d.launch(
                entry_in(lib, "warp_allreduce", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po, pi],
                &[],
            );
            let ws = ws as usize;
            let want: Vec<i32> = (0..n)
                .map(|t| x[t / ws * ws..][..ws].iter().sum())
                .collect();
            assert_eq!(d.download::<i32>(po, n), want, "warp size {ws}");
            let ids: Vec<i32> = (0..n)
                .map(|t| (((t % block) / ws) * 1000 + t % ws + (ws << 16)) as i32)
                .collect();
            assert_eq!(d.download::<i32>(pi, n), ids, "warp size {ws}");
        }
    }
}

#[test]
fn shuffle_scan_of_each_block() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            for block in [64usize, 256, 1024] {
                let grid = 3usize;
                let n = grid * block;
                let x = values(n, 7);
                let (px, po) = (d.upload(&x), d.zeros::<i32>(n));
                d.launch(
                    entry_in(lib, "shfl_scan", true),
                    [grid as u32, 1, 1],
                    [block as u32, 1, 1],
                    &[px, po],
                    &[],
                );
                let want: Vec<i32> = x
                    .chunks(block)
                    .flat_map(|c| {
                        c.iter().scan(0, |s, v| {
                            *s += v;
                            Some(*s)
                        })
                    })
                    .collect();
                assert_eq!(d.download::<i32>(po, n), want, "warp {ws}, block {block}");
            }
        }
    }
}

#[test]
fn ballot_compaction_and_votes() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (4usize, 128usize);
            let n = grid * block;
            let mut x = values(n, 3);
            let ws = ws as usize;
            // One warp all positive, one all negative: the votes' corners.
            x[..ws].iter_mut().for_each(|v| *v = v.abs() + 1);
            x[ws..2 * ws].iter_mut().for_each(|v| *v = -v.abs() - 1);
            let warps = n / ws;
            let (px, po, pc) = (d.upload(&x), d.zeros::<i32>(n), d.zeros::<i32>(warps));
            d.launch(
                entry_in(lib, "ballot_compact", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po, pc],
                &[],
            );
            let (out, counts) = (d.download::<i32>(po, n), d.download::<i32>(pc, warps));
            for w in 0..warps {
                let lanes = &x[w * ws..][..ws];
                let kept: Vec<i32> = lanes.iter().copied().filter(|&v| v > 0).collect();
                let any = !kept.is_empty() as i32;
                let all = (kept.len() == ws) as i32;
                assert_eq!(
                    counts[w],
                    kept.len() as i32 | any << 16 | all << 17,
                    "warp {w} of {ws}"
                );
                assert_eq!(&out[w * ws..][..kept.len()], &kept[..], "warp {w} of {ws}");
            }
        }
    }
}

#[test]
fn tile_reductions_scans_and_ranks() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (3usize, 128usize);
            let n = grid * block;
            let x = values(n, 11);
            let tiles = n / 16;
            let (px, ps, pq, pr) = (
                d.upload(&x),
                d.zeros::<i32>(tiles),
                d.zeros::<i32>(n),
                d.zeros::<i32>(n),
            );
            d.launch(
                entry_in(lib, "tile_ops", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, ps, pq, pr],
                &[],
            );
            let sums: Vec<i32> = x.chunks(16).map(|c| c.iter().sum()).collect();
            assert_eq!(d.download::<i32>(ps, tiles), sums, "warp size {ws}");
            let scans: Vec<i32> = x
                .chunks(4)
                .flat_map(|c| {
                    (0..4).map(move |i| {
                        c[..=i].iter().sum::<i32>() * 100 + c[..i].iter().sum::<i32>()
                    })
                })
                .collect();
            assert_eq!(d.download::<i32>(pq, n), scans, "warp size {ws}");
            let ranks: Vec<i32> = (0..n)
                .map(|t| {
                    let r = t % block;
                    (r * 10000 + (r / 16) * 100 + ((r % 16) / 4) * 10 + r % 4) as i32
                })
                .collect();
            assert_eq!(d.download::<i32>(pr, n), ranks, "warp size {ws}");
        }
    }
}

/// Tiles of one warp at different reductions at the same time (the host
/// reduces a whole tile in one rendezvous only when every waiting lane is
/// at the same one; here they are not, so each lane shuffles step by step).
#[test]
fn tiles_of_one_warp_at_different_reductions() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (2usize, 96usize);
            let n = grid * block;
            let x = values(n, 3);
            let (px, po) = (d.upload(&x), d.zeros::<i32>(n));
            d.launch(
                entry_in(lib, "tile_reduce_mixed", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po],
                &[],
            );
            let want: Vec<i32> = (0..n)
                .map(|t| {
                    let tile = &x[t / 8 * 8..][..8];
                    if (t % block / 8) % 2 == 0 {
                        tile.iter().sum()
                    } else {
                        *tile.iter().max().unwrap()
                    }
                })
                .collect();
            assert_eq!(d.download::<i32>(po, n), want, "warp size {ws}");
        }
    }
}

#[test]
fn partial_masks_and_active_mask() {
    for d in Dev::each_switch() {
        let (grid, block) = (2usize, 96usize);
        let n = grid * block;
        let x = values(n, 5);
        let (px, po, pm) = (d.upload(&x), d.zeros::<i32>(n), d.zeros::<u64>(2 * n));
        d.launch(
            entry_in(library(), "partial_masks", true),
            [grid as u32, 1, 1],
            [block as u32, 1, 1],
            &[px, po, pm],
            &[],
        );
        let (out, masks) = (d.download::<i32>(po, n), d.download::<u64>(pm, 2 * n));
        for w in 0..n / 32 {
            let v = &x[w * 32..][..32];
            let got = &out[w * 32..][..32];
            let want: Vec<i32> = (0..32)
                .map(|l| {
                    if l < 16 {
                        shfl_down(v, l, 4, 16)
                    } else {
                        shfl_xor(v, l, 1, 32)
                    }
                })
                .collect();
            assert_eq!(got, &want[..], "warp {w}");
            let even: u64 = (0..16)
                .filter(|&l| want[l] % 2 == 0)
                .map(|l| 1u64 << l)
                .sum();
            for l in 0..32 {
                let t = w * 32 + l;
                let (active, ballot) = (masks[2 * t], masks[2 * t + 1]);
                match l {
                    0..16 => assert_eq!((active, ballot), (0xfffff, even), "lane {l}"),
                    16..20 => assert_eq!((active, ballot), (0xfffff, 0), "lane {l}"),
                    _ => assert_eq!((active, ballot), (0, 0), "lane {l}"),
                }
            }
        }
    }
}

#[test]
fn shuffles_at_widths_4_8_and_16() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (2usize, 128usize);
            let n = grid * block;
            let x = values(n, 9);
            let (px, po) = (d.upload(&x), d.zeros::<i32>(12 * n));
            d.launch(
                entry_in(lib, "widths", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po],
                &[],
            );
            let ws = ws as usize;
            let mut want = Vec::with_capacity(12 * n);
            for t in 0..n {
                let (v, l) = (&x[t / ws * ws..][..ws], t % ws);
                for w in [4, 8, 16] {
                    want.extend([
                        shfl(v, l, 5, w),
                        shfl_up(v, l, 3, w),
                        shfl_down(v, l, 3, w),
                        shfl_xor(v, l, 6, w),
                    ]);
                }
            }
            assert_eq!(d.download::<i32>(po, 12 * n), want, "warp size {ws}");
        }
    }
}

/// A row softmax and a layer norm against straightforward Rust.
#[test]
fn softmax_and_layernorm_rows() {
    let (rows, cols) = (37usize, 300usize);
    let x: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 7919) % 1000) as f32 / 100.0 - 5.0)
        .collect();
    let mut soft = vec![0f32; rows * cols];
    let mut norm = vec![0f32; rows * cols];
    for r in 0..rows {
        let row = &x[r * cols..][..cols];
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let s: f32 = row.iter().map(|v| (v - m).exp()).sum();
        let mean = row.iter().sum::<f32>() / cols as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / cols as f32;
        for c in 0..cols {
            soft[r * cols + c] = (row[c] - m).exp() / s;
            norm[r * cols + c] = (row[c] - mean) / (var + 1e-5).sqrt();
        }
    }
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let block = 128usize;
            let per_block = block / ws as usize;
            let (px, po) = (d.upload(&x), d.zeros::<f32>(rows * cols));
            let grid = [rows.div_ceil(per_block) as u32, 1, 1];
            d.launch(
                entry_in(lib, "softmax_rows", true),
                grid,
                [block as u32, 1, 1],
                &[px, po],
                &[rows as u32, cols as u32],
            );
            for (g, w) in d.download::<f32>(po, rows * cols).iter().zip(&soft) {
                assert!((g - w).abs() <= 1e-6, "softmax, warp {ws}: {g} vs {w}");
            }
            if ws == 32 {
                d.launch(
                    entry_in(lib, "layernorm_rows", true),
                    grid,
                    [block as u32, 1, 1],
                    &[px, po],
                    &[rows as u32, cols as u32],
                );
                for (g, w) in d.download::<f32>(po, rows * cols).iter().zip(&norm) {
                    assert!((g - w).abs() <= 1e-4, "layernorm: {g} vs {w}");
                }
            }
        }
    }
}

/// Warp-reduction kernels against straightforward Rust on the same cores
/// (CPU seconds of the process, so the pool's threads count):
/// `cargo test -p runtime-hip --release host::tests::warps::bench_warps --
/// --ignored --nocapture`, with the lockstep flags for lockstep figures.
#[test]
#[ignore]
fn bench_warps() {
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
    }
    let time = |f: &dyn Fn()| {
        f();
        let (t, c) = (std::time::Instant::now(), cpu_seconds());
        let mut reps = 0;
        while t.elapsed().as_secs_f64() < 1.0 || reps < 3 {
            f();
            reps += 1;
        }
        (cpu_seconds() - c) / reps as f64
    };
    let d = Dev::new();
    let (rows, cols) = (4096usize, 1024usize);
    let x: Vec<f32> = (0..rows * cols).map(|i| (i % 97) as f32 / 10.0).collect();
    let (px, po) = (d.upload(&x), d.zeros::<f32>(rows * cols));
    let soft = entry_in(library(), "softmax_rows", true);
    let kernel = time(&|| {
        d.launch(
            soft,
            [(rows / 4) as u32, 1, 1],
            [128, 1, 1],
            &[px, po],
            &[rows as u32, cols as u32],
        );
        d.backend.synchronize().unwrap();
    });
    let out = std::cell::RefCell::new(vec![0f32; rows * cols]);
    let rust = time(&|| {
        let mut out = out.borrow_mut();
        for (row, o) in x.chunks(cols).zip(out.chunks_mut(cols)) {
            let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = row.iter().map(|v| (v - m).exp()).sum();
            for (o, v) in o.iter_mut().zip(row) {
                *o = (v - m).exp() / s;
            }
        }
        std::hint::black_box(&*out);
    });
    println!(
        "softmax {rows}x{cols}: kernel {:.2} ms cpu, rust {:.2} ms cpu, ratio {:.2}",
        kernel * 1e3,
        rust * 1e3,
        kernel / rust
    );
    let n = 1usize << 22;
    let y: Vec<f32> = (0..n).map(|i| (i % 13) as f32).collect();
    let py = d.upload(&y);
    let sum = entry_in(library(), "warp_block_sum", true);
    let rust = time(&|| {
        std::hint::black_box(y.iter().sum::<f32>());
    });
    // Elements per thread: 64 (a grid-stride loop over 256 blocks), 16, and
    // 1 (the reduction alone: 5 or 10 shuffles and a barrier per element).
    for per_thread in [64usize, 16, 1] {
        let blocks = n / 256 / per_thread;
        let ps = d.zeros::<f32>(blocks);
        let kernel = time(&|| {
            d.launch(
                sum,
                [blocks as u32, 1, 1],
                [256, 1, 1],
                &[py, ps],
                &[n as u32],
            );
            d.backend.synchronize().unwrap();
        });
        println!(
            "block sum {n}, {per_thread} per thread: kernel {:.2} ms cpu, rust {:.2} ms cpu, ratio {:.2}",
            kernel * 1e3,
            rust * 1e3,
            kernel / rust
        );
    }
}
