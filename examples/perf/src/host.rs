//! Host-platform figures besides the kernel comparison (`compare.rs`): the
//! cost of a barrier, of a launch through the generated wrapper and through
//! the raw runtime, and the throughput sweep of `simple_mul` for the plot.

use std::cell::RefCell;

use runtime_hip::dispatch::{ExportRef, Kernel};
use runtime_hip::host::HostEntry;
use runtime_hip::{Device, Error};

use crate::kernels::{barriers, noop, simple_mul};
use crate::references;
use crate::stats::{time_pair, time_pair_ratio, Sample};
use crate::Report;

/// How much work each figure does.
pub struct Sizes {
    /// log2 of the element count for the memory-bound and reduction kernels.
    pub log2_n: u32,
    /// Repetitions per figure.
    pub reps: usize,
    /// Launches per overhead measurement.
    pub launches: usize,
    /// Runs only the sections whose name contains this (`--only`; for
    /// profiling one figure under callgrind): simple_mul, block_sum,
    /// barrier, launch.
    pub only: Option<String>,
}

impl Sizes {
    /// Whether `--only` (if given) selects `section`.
    pub fn wants(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|o| section.contains(o))
    }
}

/// `simple_mul` over 2^n floats against `ret[i] = lhs[i] * rhs[i]` in Rust.
pub fn simple_mul_vs_rust(
    device: &Device,
    log2_n: u32,
    reps: usize,
) -> Result<(Sample, Sample), Error> {
    let n = 1usize << log2_n;
    let threads = device.limits().multiprocessor_count as usize;
    let stream = device.stream()?;
    let lhs_h: Vec<f32> = (0..n).map(|i| (i % 97) as f32).collect();
    let rhs_h: Vec<f32> = (0..n).map(|i| (i % 89) as f32 * 0.5).collect();
    let (lhs, rhs) = (device.upload(&lhs_h)?, device.upload(&rhs_h)?);
    let mut ret = device.alloc_zeroed::<f32>(n)?;
    let mut ret_h = vec![0.0f32; n];
    let dim = n as i32;

    let mut failure = None;
    let (kernel, rust) = time_pair(
        reps,
        || {
            if let Err(e) =
                simple_mul(&stream, &lhs, &rhs, &mut ret, dim).and_then(|_| stream.synchronize())
            {
                failure.get_or_insert(e);
            }
        },
        || references::mul(threads, &lhs_h, &rhs_h, &mut ret_h),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    let got = ret.download()?;
    assert_eq!(got, ret_h, "kernel and Rust loop disagree");
    Ok((kernel, rust))
}

/// Blocks per multiprocessor of a grid-stride launch: what people write for
/// a reduction on a GPU (a few blocks per multiprocessor, each thread
/// striding over the input), and what the reduction benchmark launches.
pub const BLOCKS_PER_MP: usize = 8;

/// Nanoseconds of one core per thread per barrier: a grid of
/// `BLOCKS_PER_MP × multiprocessor_count` blocks of 256 threads doing
/// nothing but `iters` barriers each, wall time × cores / thread-barriers.
pub fn barrier_cost(device: &Device, iters: i32, reps: usize) -> Result<Sample, Error> {
    let stream = device.stream()?;
    let cores = device.limits().multiprocessor_count as f64;
    let thread_barriers = (BLOCKS_PER_MP as f64 * cores) * 256.0 * f64::from(iters);
    let failure = RefCell::new(None);
    let s = crate::stats::time(reps, || {
        if let Err(e) = barriers(&stream, iters).and_then(|_| stream.synchronize()) {
            failure.borrow_mut().get_or_insert(e);
        }
    });
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    let per = |t: f64| t * cores / thread_barriers * 1e9;
    Ok(Sample {
        median: per(s.median),
        min: per(s.min),
        max: per(s.max),
    })
}

// `noop_block` and `noop_thread`, under the names the manifest records.
include!(concat!(env!("OUT_DIR"), "/noop_entries.rs"));

/// The same export the `noop` wrapper launches, called by hand through the
/// runtime's raw launch: what the wrapper is compared against.
static RAW_NOOP: Kernel = Kernel::new(ExportRef {
    params: &[],
    bundle: include_bytes!(concat!(env!("OUT_DIR"), "/iree/perf.bundle")),
    executable: 1,
    ordinal: 1,
    name: "noop",
    host: Some(HostEntry {
        block: noop_block,
        thread: noop_thread,
        uses_barrier: false,
        lockstep: false,
    }),
});

/// Nanoseconds per launch of an empty one-block kernel: through the
/// generated wrapper, and through `Kernel::launch` directly; and the median
/// of the per-pair wrapper/raw ratios.
pub fn launch_overhead(
    device: &Device,
    launches: usize,
    reps: usize,
) -> Result<(Sample, Sample, f64), Error> {
    let stream = device.stream()?;
    let failure = RefCell::new(None);
    let fail = |e: Error| {
        failure.borrow_mut().get_or_insert(e);
    };
    let (wrapper, raw, ratio) = time_pair_ratio(
        reps,
        || {
            for _ in 0..launches {
                if let Err(e) = noop(&stream, 1) {
                    fail(e);
                }
            }
            if let Err(e) = stream.synchronize() {
                fail(e);
            }
        },
        || {
            for _ in 0..launches {
                // SAFETY: `noop(int)` takes no bindings and one 32-bit constant.
                if let Err(e) = unsafe { RAW_NOOP.launch(&stream, [1, 1, 1], &[], &[1]) } {
                    fail(e);
                }
            }
            if let Err(e) = stream.synchronize() {
                fail(e);
            }
        },
    );
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    let per = |s: Sample| Sample {
        median: s.median / launches as f64,
        min: s.min / launches as f64,
        max: s.max / launches as f64,
    };
    Ok((per(wrapper), per(raw), ratio))
}

/// Runs every host figure into `report`.
pub fn run(report: &mut Report, sizes: &Sizes) -> Result<(), Error> {
    let device = Device::open(runtime_hip::Platform::Host, 0)?;
    report.note(format!("host device: {}", device.info().name));

    if sizes.wants("barrier") {
        let b = barrier_cost(&device, 64, sizes.reps)?;
        report.figure(
            "host.barrier.switch_cost",
            b.median,
            "ns per thread per barrier (one core)",
            Some(b),
        );
    }
    if sizes.wants("launch") {
        // Launch timings are the noisiest (a thread hand-off per launch): three
        // times the repetitions, and the ratio taken pair by pair.
        let (w, raw, ratio) = launch_overhead(&device, sizes.launches, 3 * sizes.reps)?;
        report.figure(
            "host.launch.wrapper",
            w.median * 1e9,
            "ns/dispatch",
            Some(w),
        );
        report.figure(
            "host.launch.raw",
            raw.median * 1e9,
            "ns/dispatch",
            Some(raw),
        );
        report.figure(
            "host.launch.wrapper_ratio",
            ratio,
            "x (wrapper/raw, median of pairs, target <= 1.05)",
            None,
        );
    }
    Ok(())
}

/// Throughput of `simple_mul` and the Rust loop for 2^lo ..= 2^hi elements,
/// for the plot: (log2 n, kernel GB/s, rust GB/s).
pub fn sweep(lo: u32, hi: u32, reps: usize) -> Result<Vec<(u32, f64, f64)>, Error> {
    let device = Device::open(runtime_hip::Platform::Host, 0)?;
    (lo..=hi)
        .map(|n| {
            let (k, r) = simple_mul_vs_rust(&device, n, reps)?;
            let bytes = 12.0 * (1u64 << n) as f64;
            Ok((n, bytes / k.median / 1e9, bytes / r.median / 1e9))
        })
        .collect()
}
