//! What the warp kernels of `warps.cu` compute, as a GPU computes it: the
//! CUDA/HIP definitions of each operation written out lane by lane, and the
//! inputs the checks feed them. One definition for both places that check
//! those kernels: the host backend's unit tests (`warps.rs`, warps of 32 and
//! 64 lanes in every execution mode) and `examples/warps/tests/suite.rs`
//! (the same kernels on the best device present, a GPU in docs/GPU.md's
//! check), which includes this file by `#[path]`. So it depends on nothing
//! but `std`, and every function is used by both.
//!
//! `ws` is the warp size (`warpSize`); inputs are whole blocks.

/// Greatest difference allowed from [`softmax_rows`] (`expf` and a sum
/// in another order).
pub const SOFTMAX_TOLERANCE: f32 = 1e-6;
/// Greatest difference allowed from [`layernorm_rows`] (`rsqrtf`, sums in
/// another order).
pub const LAYERNORM_TOLERANCE: f32 = 1e-4;
/// The `(rows, cols)` the row kernels are checked at: rows not a multiple
/// of the rows per block, columns not of the warp size.
pub const ROWS_COLS: (usize, usize) = (37, 300);

/// A deterministic mix of positive and negative small integers.
pub fn values(n: usize, seed: u32) -> Vec<i32> {
    (0..n as u32)
        .map(|i| ((i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 20) % 201) as i32 - 100)
        .collect()
}

/// `__shfl_sync(v, src, w)` as lane `lane` (of a warp whose values are `v`)
/// receives it.
pub fn shfl(v: &[i32], lane: usize, src: usize, w: usize) -> i32 {
    v[(lane & !(w - 1)) | (src & (w - 1))]
}
/// `__shfl_up_sync(v, d, w)` as lane `lane` receives it.
pub fn shfl_up(v: &[i32], lane: usize, d: usize, w: usize) -> i32 {
    if (lane & (w - 1)) < d {
        v[lane]
    } else {
        v[lane - d]
    }
}
/// `__shfl_down_sync(v, d, w)` as lane `lane` receives it.
pub fn shfl_down(v: &[i32], lane: usize, d: usize, w: usize) -> i32 {
    if (lane & (w - 1)) + d >= w {
        v[lane]
    } else {
        v[lane + d]
    }
}
/// `__shfl_xor_sync(v, m, w)` as lane `lane` receives it.
pub fn shfl_xor(v: &[i32], lane: usize, m: usize, w: usize) -> i32 {
    let j = lane ^ m;
    if j >= (lane & !(w - 1)) + w {
        v[lane]
    } else {
        v[j]
    }
}

/// The input of `warp_block_sum`: small integers as floats, so that every
/// order of summation gives the same sum.
pub fn block_sum_input(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 13) as f32).collect()
}

/// `warp_block_sum` over `grid` blocks of `block` threads: block `b` adds
/// every element a grid-stride loop gives its threads.
pub fn block_sum(x: &[f32], grid: usize, block: usize) -> Vec<f32> {
    let mut want = vec![0f32; grid];
    for (i, v) in x.iter().enumerate() {
        want[(i / block) % grid] += v;
    }
    want
}

/// `warp_allreduce`'s sums: each thread gets its warp's sum.
pub fn allreduce(x: &[i32], ws: usize) -> Vec<i32> {
    (0..x.len())
        .map(|t| x[t / ws * ws..][..ws].iter().sum())
        .collect()
}

/// `warp_allreduce`'s ids: `warp * 1000 + lane + (ws << 16)` of each of
/// `n` threads in blocks of `block`.
pub fn allreduce_ids(n: usize, block: usize, ws: usize) -> Vec<i32> {
    (0..n)
        .map(|t| (((t % block) / ws) * 1000 + t % ws + (ws << 16)) as i32)
        .collect()
}

/// `shfl_scan`: an inclusive scan of each block of `block`.
pub fn block_scan(x: &[i32], block: usize) -> Vec<i32> {
    x.chunks(block)
        .flat_map(|c| {
            c.iter().scan(0, |s, v| {
                *s += v;
                Some(*s)
            })
        })
        .collect()
}

/// The input of `ballot_compact`: [`values`] with warp 0 all positive and
/// warp 1 all negative, the votes' corners.
pub fn compact_input(n: usize, ws: usize) -> Vec<i32> {
    let mut x = values(n, 3);
    x[..ws].iter_mut().for_each(|v| *v = v.abs() + 1);
    x[ws..2 * ws].iter_mut().for_each(|v| *v = -v.abs() - 1);
    x
}

/// Per warp of `ballot_compact`: its `counts` word (kept `| any << 16 |
/// all << 17`) and the values it keeps, in order (the start of its stretch
/// of `out`; the rest is unwritten).
pub fn compact(x: &[i32], ws: usize) -> Vec<(i32, Vec<i32>)> {
    x.chunks(ws)
        .map(|lanes| {
            let kept: Vec<i32> = lanes.iter().copied().filter(|&v| v > 0).collect();
            let any = !kept.is_empty() as i32;
            let all = (kept.len() == ws) as i32;
            (kept.len() as i32 | any << 16 | all << 17, kept)
        })
        .collect()
}

/// `tile_ops`'s sums: one per 16-lane tile.
pub fn tile_sums(x: &[i32]) -> Vec<i32> {
    x.chunks(16).map(|c| c.iter().sum()).collect()
}

/// `tile_ops`'s scans: `inclusive * 100 + exclusive` within 4-lane tiles.
pub fn quad_scans(x: &[i32]) -> Vec<i32> {
    x.chunks(4)
        .flat_map(|c| {
            (0..4).map(move |i| c[..=i].iter().sum::<i32>() * 100 + c[..i].iter().sum::<i32>())
        })
        .collect()
}

/// `tile_ops`'s ranks of `n` threads in blocks of `block`: block rank,
/// 16-tile, 4-tile within it, rank within that (none is -1: every tile's
/// maximum is some lane's).
pub fn tile_ranks(n: usize, block: usize) -> Vec<i32> {
    (0..n)
        .map(|t| {
            let r = t % block;
            (r * 10000 + (r / 16) * 100 + ((r % 16) / 4) * 10 + r % 4) as i32
        })
        .collect()
}

/// `tile_reduce_mixed` in blocks of `block`: each 8-lane tile's sum (even
/// tiles of the block) or maximum (odd ones), in every lane.
pub fn tile_reduce_mixed(x: &[i32], block: usize) -> Vec<i32> {
    (0..x.len())
        .map(|t| {
            let tile = &x[t / 8 * 8..][..8];
            if (t % block / 8).is_multiple_of(2) {
                tile.iter().sum()
            } else {
                *tile.iter().max().unwrap()
            }
        })
        .collect()
}

/// `partial_masks` (written for 32-lane warps): `out`, and `masks` (two
/// words per thread, `__activemask()` and the low half's ballot of even
/// values; zero for lanes 20 and up, which leave first).
pub fn partial_masks(x: &[i32]) -> (Vec<i32>, Vec<u64>) {
    let mut out = Vec::with_capacity(x.len());
    let mut masks = Vec::with_capacity(2 * x.len());
    for v in x.chunks(32) {
        let want: Vec<i32> = (0..32)
            .map(|l| {
                if l < 16 {
                    shfl_down(v, l, 4, 16)
                } else {
                    shfl_xor(v, l, 1, 32)
                }
            })
            .collect();
        let even: u64 = (0..16)
            .filter(|&l| want[l] % 2 == 0)
            .map(|l| 1u64 << l)
            .sum();
        for l in 0..32 {
            masks.extend(match l {
                0..16 => [0xfffff, even],
                16..20 => [0xfffff, 0],
                _ => [0, 0],
            });
        }
        out.extend(want);
    }
    (out, masks)
}

/// `widths`: per thread `shfl(5)`, `shfl_up(3)`, `shfl_down(3)`,
/// `shfl_xor(6)` at widths 4, 8 and 16.
pub fn widths(x: &[i32], ws: usize) -> Vec<i32> {
    let mut want = Vec::with_capacity(12 * x.len());
    for t in 0..x.len() {
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
    want
}

/// The input of the row kernels: `rows * cols` values in [-5, 5).
pub fn rows_input(rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols)
        .map(|i| ((i * 7919) % 1000) as f32 / 100.0 - 5.0)
        .collect()
}

/// `softmax_rows`: each row's softmax.
pub fn softmax_rows(x: &[f32], cols: usize) -> Vec<f32> {
    x.chunks(cols)
        .flat_map(|row| {
            let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = row.iter().map(|v| (v - m).exp()).sum();
            row.iter().map(move |v| (v - m).exp() / s)
        })
        .collect()
}

/// `layernorm_rows`: each row less its mean, over its standard deviation
/// (variance + 1e-5).
pub fn layernorm_rows(x: &[f32], cols: usize) -> Vec<f32> {
    x.chunks(cols)
        .flat_map(|row| {
            let mean = row.iter().sum::<f32>() / cols as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / cols as f32;
            row.iter().map(move |v| (v - mean) / (var + 1e-5).sqrt())
        })
        .collect()
}
