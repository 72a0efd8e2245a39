//! Warp-level kernels (`warps.cu`): shuffles of every kind and width, votes,
//! `__activemask`, partial masks, cooperative groups' tiles, with warps of
//! 32 and of 64 lanes, each run by every `barrier::Switch` (and in lockstep
//! when the tests' kernels are compiled with the pass). The expected values
//! are what a GPU computes: the CUDA/HIP definitions of each operation,
//! written out lane by lane in `warp_refs.rs`, which examples/warps checks
//! the same kernels on a GPU against.

use libloading::Library;

use crate::backend::Backend;

use super::warp_refs as refs;
use super::{entry_in, library, library64, Dev};

/// The two warp sizes and the library compiled for each.
fn libraries() -> [(u32, &'static Library); 2] {
    [(32, library()), (64, library64())]
}

#[test]
fn block_sum_with_hard_coded_offsets() {
    for d in Dev::each_switch() {
        let (grid, block, n) = (7usize, 256usize, 100_003usize);
        let x = refs::block_sum_input(n);
        let (px, po) = (d.upload(&x), d.zeros::<f32>(grid));
        d.launch(
            entry_in(library(), "warp_block_sum", true),
            [grid as u32, 1, 1],
            [block as u32, 1, 1],
            &[px, po],
            &[n as u32],
        );
        assert_eq!(
            d.download::<f32>(po, grid),
            refs::block_sum(&x, grid, block)
        );
    }
}

#[test]
fn xor_allreduce_over_warp_size() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (3usize, 192usize);
            let n = grid * block;
            let x = refs::values(n, ws);
            let (px, po, pi) = (d.upload(&x), d.zeros::<i32>(n), d.zeros::<i32>(n));
            d.launch(
                entry_in(lib, "warp_allreduce", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po, pi],
                &[],
            );
            let ws = ws as usize;
            assert_eq!(
                d.download::<i32>(po, n),
                refs::allreduce(&x, ws),
                "warp size {ws}"
            );
            let ids = refs::allreduce_ids(n, block, ws);
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
                let x = refs::values(n, 7);
                let (px, po) = (d.upload(&x), d.zeros::<i32>(n));
                d.launch(
                    entry_in(lib, "shfl_scan", true),
                    [grid as u32, 1, 1],
                    [block as u32, 1, 1],
                    &[px, po],
                    &[],
                );
                let want = refs::block_scan(&x, block);
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
            let ws = ws as usize;
            let x = refs::compact_input(n, ws);
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
            for (w, (count, kept)) in refs::compact(&x, ws).into_iter().enumerate() {
                assert_eq!(counts[w], count, "warp {w} of {ws}");
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
            let x = refs::values(n, 11);
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
            assert_eq!(
                d.download::<i32>(ps, tiles),
                refs::tile_sums(&x),
                "warp size {ws}"
            );
            assert_eq!(
                d.download::<i32>(pq, n),
                refs::quad_scans(&x),
                "warp size {ws}"
            );
            let ranks = refs::tile_ranks(n, block);
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
            let x = refs::values(n, 3);
            let (px, po) = (d.upload(&x), d.zeros::<i32>(n));
            d.launch(
                entry_in(lib, "tile_reduce_mixed", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po],
                &[],
            );
            let want = refs::tile_reduce_mixed(&x, block);
            assert_eq!(d.download::<i32>(po, n), want, "warp size {ws}");
        }
    }
}

#[test]
fn partial_masks_and_active_mask() {
    for d in Dev::each_switch() {
        let (grid, block) = (2usize, 96usize);
        let n = grid * block;
        let x = refs::values(n, 5);
        let (px, po, pm) = (d.upload(&x), d.zeros::<i32>(n), d.zeros::<u64>(2 * n));
        d.launch(
            entry_in(library(), "partial_masks", true),
            [grid as u32, 1, 1],
            [block as u32, 1, 1],
            &[px, po, pm],
            &[],
        );
        let (out, masks) = refs::partial_masks(&x);
        assert_eq!(d.download::<i32>(po, n), out);
        assert_eq!(d.download::<u64>(pm, 2 * n), masks);
    }
}

#[test]
fn shuffles_at_widths_4_8_and_16() {
    for (ws, lib) in libraries() {
        for d in Dev::each_switch() {
            let (grid, block) = (2usize, 128usize);
            let n = grid * block;
            let x = refs::values(n, 9);
            let (px, po) = (d.upload(&x), d.zeros::<i32>(12 * n));
            d.launch(
                entry_in(lib, "widths", true),
                [grid as u32, 1, 1],
                [block as u32, 1, 1],
                &[px, po],
                &[],
            );
            let ws = ws as usize;
            let want = refs::widths(&x, ws);
            assert_eq!(d.download::<i32>(po, 12 * n), want, "warp size {ws}");
        }
    }
}

/// A row softmax and a layer norm against straightforward Rust.
#[test]
fn softmax_and_layernorm_rows() {
    let (rows, cols) = refs::ROWS_COLS;
    let x = refs::rows_input(rows, cols);
    let soft = refs::softmax_rows(&x, cols);
    let norm = refs::layernorm_rows(&x, cols);
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
                assert!(
                    (g - w).abs() <= refs::SOFTMAX_TOLERANCE,
                    "softmax, warp {ws}: {g} vs {w}"
                );
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
                    assert!(
                        (g - w).abs() <= refs::LAYERNORM_TOLERANCE,
                        "layernorm: {g} vs {w}"
                    );
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
