//! Timings for the performance issue (ignored tests, run by hand).

use std::time::Instant;

use super::{entry, Dev};
use crate::host::{__iree_host_barrier, barrier, pool, HostLaunch};

/// Timings for the performance issue: `cargo test -p runtime-hip --release
/// host::tests::bench::bench -- --ignored --nocapture --exact`; add
/// `IREE_HOST_TEST_TLS=initial-exec
/// GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536` for the TLS code of
/// a statically linked program.
#[test]
#[ignore]
fn bench() {
    let d = Dev::new();
    let workers = pool::Pool::global().workers();
    let n = 1usize << 24;
    let a = d.upload(&vec![1.25f32; n]);
    let b = d.upload(&vec![2.0f32; n]);
    let c = d.zeros::<f32>(n);
    let e = entry("simple_mul", false);
    let count = [(n as u32).div_ceil(64), 1, 1];
    // CPU time of the whole process (all threads; workers block rather
    // than spin), which stays meaningful on a loaded machine; 10 ms ticks.
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }
    // Returns (wall, cpu) seconds per call, repeating for at least 1 s.
    let time = |f: &dyn Fn()| {
        f();
        let (t, c) = (Instant::now(), cpu_seconds());
        let mut reps = 0;
        while t.elapsed().as_secs_f64() < 1.0 || reps < 3 {
            f();
            reps += 1;
        }
        (
            t.elapsed().as_secs_f64() / reps as f64,
            (cpu_seconds() - c) / reps as f64,
        )
    };
    let show = |what: &str, kernel: (f64, f64), rust: (f64, f64)| {
        println!(
            "{what}: wall kernel {:.3} ms / rust {:.3} ms = {:.2}; cpu kernel {:.3} ms / rust {:.3} ms = {:.2}",
            kernel.0 * 1e3,
            rust.0 * 1e3,
            kernel.0 / rust.0,
            kernel.1 * 1e3,
            rust.1 * 1e3,
            kernel.1 / rust.1
        )
    };
    let kernel = time(&|| {
        d.launch(e, count, [64, 1, 1], &[a, b, c], &[n as u32]);
        d.stream.synchronize().unwrap();
    });
    // The Rust loop on the same number of threads.
    let x = vec![1.25f32; n];
    let y = vec![2.0f32; n];
    let mut z = vec![0.0f32; n];
    let rust = time(&|| {
        let chunk = n.div_ceil(workers);
        let zp = z.as_ptr() as usize;
        std::thread::scope(|s| {
            for w in 0..workers {
                let (x, y) = (&x, &y);
                s.spawn(move || {
                    let lo = w * chunk;
                    let hi = ((w + 1) * chunk).min(n);
                    // SAFETY: disjoint ranges of `z` per thread.
                    let z = unsafe {
                        std::slice::from_raw_parts_mut((zp as *mut f32).add(lo), hi - lo)
                    };
                    for ((z, x), y) in z.iter_mut().zip(&x[lo..hi]).zip(&y[lo..hi]) {
                        *z = x * y;
                    }
                });
            }
        });
    });
    let _ = &mut z;
    show(
        &format!("simple_mul 2^24 on {workers} workers"),
        kernel,
        rust,
    );

    // Barrier kernel: block_sum over 2^20 floats vs the same tree in Rust.
    let m = 1usize << 20;
    let xs: Vec<f32> = (0..m).map(|i| (i % 7) as f32).collect();
    let px = d.upload(&xs);
    let blocks = m / 256;
    let pp = d.zeros::<f32>(blocks);
    let eb = entry("block_sum", true);
    let kernel = time(&|| {
        d.launch(
            eb,
            [blocks as u32, 1, 1],
            [256, 1, 1],
            &[px, pp],
            &[m as u32],
        );
        d.stream.synchronize().unwrap();
    });
    let rust = time(&|| {
        let per = blocks.div_ceil(workers);
        std::thread::scope(|s| {
            for w in 0..workers {
                let xs = &xs;
                s.spawn(move || {
                    let mut sh = [0.0f32; 256];
                    let mut out = 0.0f32;
                    for blk in w * per..((w + 1) * per).min(blocks) {
                        sh.copy_from_slice(&xs[blk * 256..blk * 256 + 256]);
                        let mut k = 128;
                        while k > 0 {
                            for t in 0..k {
                                sh[t] += sh[t + k];
                            }
                            k >>= 1;
                        }
                        out += sh[0];
                    }
                    std::hint::black_box(out);
                });
            }
        });
    });
    show(
        "block_sum 2^20 (256-thread blocks, 9 barriers)",
        kernel,
        rust,
    );

    // Launch overhead: one 64-thread block.
    let v = d.upload(&[1.0f32; 64]);
    let em = entry("simple_mul_inplace", false);
    let (queued, _) = time(&|| {
        for _ in 0..100 {
            d.launch(em, [1, 1, 1], [64, 1, 1], &[v, v], &[64]);
        }
        d.stream.synchronize().unwrap();
    });
    let (round_trip, _) = time(&|| {
        d.launch(em, [1, 1, 1], [64, 1, 1], &[v, v], &[64]);
        d.stream.synchronize().unwrap();
    });
    println!(
        "tiny launch: {:.1} us each when queued back to back, {:.1} us launch + sync",
        queued / 100.0 * 1e6,
        round_trip * 1e6
    );
}

/// Cost of one barrier round trip per thread, without kernel work:
/// `cargo test -p runtime-hip --release host::tests::bench::bench_switch -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_switch() {
    unsafe extern "C" fn nine_barriers(_: *const HostLaunch, _: *const *mut std::ffi::c_void) {
        for _ in 0..9 {
            __iree_host_barrier();
        }
    }
    for (&switch, threads) in barrier::Switch::ALL
        .iter()
        .flat_map(|s| [4u32, 64, 256, 1024].map(|t| (s, t)))
    {
        let launch = HostLaunch {
            grid_dim: [1; 3],
            block_dim: [threads, 1, 1],
            ..Default::default()
        };
        let blocks = 500_000 / threads as usize;
        // SAFETY: the thread function ignores its arguments.
        let run = || unsafe {
            barrier::run_block(switch, nine_barriers, &launch, std::ptr::null()).unwrap()
        };
        run();
        let t = Instant::now();
        for _ in 0..blocks {
            run();
        }
        let per = t.elapsed().as_secs_f64() / (blocks * threads as usize * 10) as f64;
        println!(
            "{:.1} ns per thread resume ({switch:?}, {threads} threads, 9 barriers)",
            per * 1e9
        );
    }
}

/// The block entry's code against a Rust loop, one thread, no executor:
/// `cargo test -p runtime-hip --release host::tests::bench::bench_single -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_single() {
    let n = 1usize << 22;
    let x = vec![1.25f32; n];
    let y = vec![2.0f32; n];
    let mut z = vec![0.0f32; n];
    let e = entry("simple_mul", false);
    let (mut px, mut py, mut pz, mut dim) = (x.as_ptr(), y.as_ptr(), z.as_mut_ptr(), n as i32);
    let args = [
        &mut px as *mut _ as *mut std::ffi::c_void,
        &mut py as *mut _ as *mut std::ffi::c_void,
        &mut pz as *mut _ as *mut std::ffi::c_void,
        &mut dim as *mut _ as *mut std::ffi::c_void,
    ];
    let blocks = (n / 64) as u32;
    let mut best = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..20 {
        let t = Instant::now();
        let mut l = HostLaunch {
            grid_dim: [blocks, 1, 1],
            block_dim: [64, 1, 1],
            ..Default::default()
        };
        for b in 0..blocks {
            l.block_idx[0] = b;
            // SAFETY: the arguments are simple_mul's, over `n` floats.
            unsafe { (e.block)(&l, args.as_ptr()) };
        }
        best.0 = best.0.min(t.elapsed().as_secs_f64());
        // The executor hands row segments to one call.
        let t = Instant::now();
        l.block_idx[0] = 0;
        l.block_count = blocks;
        // SAFETY: as above.
        unsafe { (e.block)(&l, args.as_ptr()) };
        best.2 = best.2.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for ((z, x), y) in z.iter_mut().zip(&x).zip(&y) {
            *z = x * y;
        }
        std::hint::black_box(&mut z);
        best.1 = best.1.min(t.elapsed().as_secs_f64());
    }
    println!(
        "simple_mul 2^22, one thread, best of 20: one call per block {:.3} ms, one call {:.3} ms, \
         rust {:.3} ms, rust/kernel = {:.2}",
        best.0 * 1e3,
        best.2 * 1e3,
        best.1 * 1e3,
        best.1 / best.2
    );
}
