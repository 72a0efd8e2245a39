//! Barrier kernels (`__syncthreads()`, shared memory), each run by every
//! `barrier::Switch` (fibers, coroutines), or whole by their block entry when
//! the lockstep pass transformed them.

use super::{entry, library, lockstep, Dev};
use crate::backend::{KernelHandle, LaunchSpec};

#[test]
fn shared_memory_reduction_with_barriers() {
    for d in Dev::each_switch() {
        for n in [256usize, 1000, 70_001] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 / 8.0).collect();
            let blocks = n.div_ceil(256);
            let (px, pp) = (d.upload(&x), d.zeros::<f32>(blocks));
            d.launch(
                entry("block_sum", true),
                [blocks as u32, 1, 1],
                [256, 1, 1],
                &[px, pp],
                &[n as u32],
            );
            let got = d.download::<f32>(pp, blocks);
            for (blk, g) in got.iter().enumerate() {
                let want: f64 = x[blk * 256..((blk + 1) * 256).min(n)]
                    .iter()
                    .map(|&v| f64::from(v))
                    .sum();
                assert!(
                    (f64::from(*g) - want).abs() <= 1e-3 * want.max(1.0),
                    "block {blk}: {g} vs {want}"
                );
            }
        }
    }
}

#[test]
fn private_arrays_survive_barriers() {
    for d in Dev::each_switch() {
        let (blocks, threads) = (3usize, 64usize);
        let input: Vec<i32> = (0..(blocks * threads * 8) as i32)
            .map(|v| v * 3 + 1)
            .collect();
        let (pin, pout) = (d.upload(&input), d.zeros::<i32>(input.len()));
        d.launch(
            entry("private_rotate", true),
            [blocks as u32, 1, 1],
            [threads as u32, 1, 1],
            &[pin, pout],
            &[],
        );
        let got = d.download::<i32>(pout, input.len());
        for b in 0..blocks {
            for t in 0..threads {
                let mine = |k: usize| input[(b * threads + t) * 8 + k];
                let u = (t + 1) % threads;
                let next = input[(b * threads + u) * 8 + u % 8];
                for k in 0..8 {
                    assert_eq!(
                        got[(b * threads + t) * 8 + k],
                        mine((k + t) % 8) + next,
                        "block {b} thread {t} k {k}"
                    );
                }
            }
        }
    }
}

#[test]
fn strided_loops_inside_a_barrier_loop() {
    for d in Dev::each_switch() {
        for (rows, cols, blocks, threads) in [(37usize, 1000usize, 4u32, 96u32), (5, 3, 2, 64)] {
            let x: Vec<f32> = (0..rows * cols).map(|i| (i % 17) as f32).collect();
            let (px, po) = (d.upload(&x), d.zeros::<f32>(rows));
            d.launch(
                entry("row_sums", true),
                [blocks, 1, 1],
                [threads, 1, 1],
                &[px, po],
                &[rows as u32, cols as u32],
            );
            let got = d.download::<f32>(po, rows);
            for (r, g) in got.iter().enumerate() {
                let want: f32 = x[r * cols..(r + 1) * cols].iter().sum();
                assert_eq!(*g, want, "row {r} of {rows}x{cols}");
            }
        }
    }
}

#[test]
fn grid_stride_loops_before_a_barrier() {
    for d in Dev::each_switch() {
        // A multiple of the grid (every thread loops as often: the vector
        // rounds read one counter for all) and sizes that are not (the
        // threads' counts differ at the end).
        for (n, blocks, threads) in [(3 * 128 * 8, 3u32, 128u32), (1000, 3, 128), (77, 2, 64)] {
            let x: Vec<i32> = (0..n as i32).map(|i| i % 7 + 1).collect();
            let (px, pp) = (d.upload(&x), d.zeros::<i32>(blocks as usize));
            d.launch(
                entry("grid_stride_pair", true),
                [blocks, 1, 1],
                [threads, 1, 1],
                &[px, pp],
                &[n as u32],
            );
            let got = d.download::<i32>(pp, blocks as usize);
            let stride = (blocks * threads) as usize;
            for (b, g) in got.iter().enumerate() {
                let want: i32 = (0..threads as usize)
                    .map(|t| {
                        let first = b * threads as usize + t;
                        let sum: i32 = (first..n).step_by(stride).map(|i| x[i]).sum();
                        (t..n)
                            .step_by(threads as usize)
                            .fold(sum, |acc, i| acc ^ x[i])
                    })
                    .sum();
                assert_eq!(*g, want, "block {b}, n = {n}");
            }
        }
    }
}

#[test]
fn tile_loops_across_barriers() {
    for d in Dev::each_switch() {
        for (n, blocks, threads) in [(4 * 64, 2u32, 64u32), (1000, 2, 256), (70, 3, 64)] {
            let x: Vec<i32> = (0..n as i32).map(|i| i * 7 % 11 - 5).collect();
            let total = (blocks * threads) as usize;
            let (px, po) = (d.upload(&x), d.zeros::<i32>(total));
            d.launch(
                entry("tile_walk", true),
                [blocks, 1, 1],
                [threads, 1, 1],
                &[px, po],
                &[n as u32],
            );
            let got = d.download::<i32>(po, total);
            let threads = threads as usize;
            for (g, &v) in got.iter().enumerate() {
                let tid = g % threads;
                let skew = (0..tid % 4).fold(0i32, |s, _| s * 5 + 1);
                let mut acc = 0i32;
                for t in (0..n).step_by(threads) {
                    let k = (tid + skew as usize) % threads;
                    let tile = if t + k < n { x[t + k] } else { -1 };
                    acc = acc.wrapping_mul(3).wrapping_add(tile);
                }
                assert_eq!(v, acc ^ skew, "thread {g}, n = {n}, {threads} threads");
            }
        }
    }
}

#[test]
fn kernels_the_lockstep_pass_leaves_run_with_coroutines() {
    for d in Dev::each_switch() {
        let n = 1000usize;
        let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32).collect();
        let blocks = n.div_ceil(256);
        let (px, pp) = (d.upload(&x), d.zeros::<f32>(blocks));
        d.launch(
            entry("opaque_barrier_sum", true),
            [blocks as u32, 1, 1],
            [256, 1, 1],
            &[px, pp],
            &[n as u32],
        );
        let got = d.download::<f32>(pp, blocks);
        for (b, g) in got.iter().enumerate() {
            let want: f32 = x[b * 256..((b + 1) * 256).min(n)].iter().sum();
            assert_eq!(*g, want, "block {b}");
        }
    }
}

/// With `IREE_HOST_TEST_LOCKSTEP=1` (`cargo xtask test` sets it together
/// with the plugin flags), the pass must have transformed exactly the
/// kernels it can: those with barriers it sees or a loop it interleaves.
#[test]
fn lockstep_pass_transforms_the_kernels_it_can() {
    if std::env::var("IREE_HOST_TEST_LOCKSTEP").as_deref() != Ok("1") {
        return;
    }
    for k in [
        "block_sum",
        "early_exit",
        "warp_sum",
        "mirror3d",
        "reverse_blocks",
        "private_rotate",
        "row_sums",
        "grid_stride_pair",
        "tile_walk",
        // Warp operations are segment ends too (warps.cu).
        "warp_block_sum",
        "shfl_scan",
        "tile_ops",
        "partial_masks",
        "softmax_rows",
    ] {
        assert!(lockstep(library(), k), "{k} was not transformed");
    }
    for k in [
        "simple_mul",
        "add",
        "transpose",
        "histogram",
        "opaque_barrier_sum",
    ] {
        assert!(!lockstep(library(), k), "{k} was transformed");
    }
}

#[test]
fn finished_threads_count_as_arrived() {
    for d in Dev::each_switch() {
        let active = 40usize;
        let blocks = 3usize;
        let out = d.zeros::<f32>(blocks * active);
        d.launch(
            entry("early_exit", true),
            [blocks as u32, 1, 1],
            [64, 1, 1],
            &[out],
            &[active as u32],
        );
        let want: Vec<f32> = (0..blocks)
            .flat_map(|_| (0..active).map(|t| ((t + 1) % active + 1) as f32))
            .collect();
        assert_eq!(d.download::<f32>(out, blocks * active), want);
    }
}

#[test]
fn barrier_kernel_run_as_loop_is_reported() {
    // A kernel the lockstep pass leaves alone, so that this holds with and
    // without it; `HostEntry` built by hand to say "no barrier" wrongly.
    for d in Dev::each_switch() {
        let (px, pp) = (d.upload(&[1.0f32; 256]), d.zeros::<f32>(1));
        let mut wrong = entry("opaque_barrier_sum", true);
        wrong.uses_barrier = false;
        d.launch(wrong, [1, 1, 1], [256, 1, 1], &[px, pp], &[256]);
        let err = d.stream.synchronize().unwrap_err().to_string();
        assert!(err.contains("__syncthreads"), "{err}");
        // Reported once; the stream keeps working.
        d.stream.synchronize().unwrap();
    }
}

#[test]
fn warp_shuffle_reduction_with_warps_of_32() {
    for d in Dev::each_switch() {
        let n = 5000usize;
        let x: Vec<f32> = (0..n).map(|i| (i % 10) as f32).collect();
        let (px, ps) = (d.upload(&x), d.zeros::<f32>(1));
        d.launch(
            entry("warp_sum", true),
            [1, 1, 1],
            [128, 1, 1],
            &[px, ps],
            &[n as u32],
        );
        assert_eq!(d.download::<f32>(ps, 1)[0], x.iter().sum::<f32>());
    }
}

#[test]
fn three_dimensional_blocks_keep_their_built_ins_across_barriers() {
    for d in Dev::each_switch() {
        let (grid, block) = ([3u32, 2, 2], [4u32, 3, 2]);
        let nt = 24usize;
        let nb = 12usize;
        let out = d.zeros::<u32>(nb * nt);
        d.launch(entry("mirror3d", true), grid, block, &[out], &[]);
        let want: Vec<u32> = (0..nb)
            .flat_map(|b| (0..nt).map(move |t| (b * 1000 + (nt - 1 - t) + t * 1_000_000) as u32))
            .collect();
        assert_eq!(d.download::<u32>(out, nb * nt), want);
    }
}

#[test]
fn dynamic_shared_memory() {
    for d in Dev::each_switch() {
        let (blocks, n) = (50usize, 96usize);
        let x: Vec<i32> = (0..(blocks * n) as i32).collect();
        let (pin, pout) = (d.upload(&x), d.zeros::<i32>(blocks * n));
        let e = KernelHandle::Host(entry("reverse_blocks", true));
        // SAFETY: `reverse_blocks` reads and writes `blocks * n` ints and uses
        // `n` ints of dynamic shared memory.
        unsafe {
            d.stream
                .submit(&LaunchSpec {
                    grid: [blocks as u32, 1, 1],
                    block: [n as u32, 1, 1],
                    shared_bytes: (n * 4) as u32,
                    bindings: &[pin, pout],
                    ..LaunchSpec::test(e)
                })
                .unwrap()
        };
        let want: Vec<i32> = x.chunks(n).flat_map(|c| c.iter().rev().copied()).collect();
        assert_eq!(d.download::<i32>(pout, blocks * n), want);
        // Back-to-back launches with growing and shrinking sizes on one
        // stream: each block gets its launch's bytes (per worker, per launch).
        let outs: Vec<_> = [16usize, 96, 8, 64]
            .into_iter()
            .map(|m| {
                let out = d.zeros::<i32>(blocks * m);
                // SAFETY: `reverse_blocks` reads and writes `blocks * m` ints
                // of buffers that hold at least as many, with `m` ints of
                // dynamic shared memory.
                unsafe {
                    d.stream
                        .submit(&LaunchSpec {
                            grid: [blocks as u32, 1, 1],
                            block: [m as u32, 1, 1],
                            shared_bytes: (m * 4) as u32,
                            bindings: &[pin, out],
                            ..LaunchSpec::test(e)
                        })
                        .unwrap()
                };
                (m, out)
            })
            .collect();
        d.stream.synchronize().unwrap();
        for (m, out) in outs {
            let want: Vec<i32> = x[..blocks * m]
                .chunks(m)
                .flat_map(|c| c.iter().rev().copied())
                .collect();
            assert_eq!(d.download::<i32>(out, blocks * m), want, "{m} threads");
        }
        // SAFETY: refused before running.
        let r = unsafe {
            d.stream.submit(&LaunchSpec {
                shared_bytes: 64 * 1024 + 1,
                bindings: &[pin, pout],
                ..LaunchSpec::test(e)
            })
        };
        assert!(r.is_err());
    }
}
