//! Repeated timing: the machines are noisy, so every figure is the median
//! of several runs, reported with its spread, and every comparison is taken
//! as a ratio of two medians measured in the same run.

use std::time::Instant;

/// Median and spread of repeated measurements, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// The median.
    pub median: f64,
    /// The fastest run.
    pub min: f64,
    /// The slowest run.
    pub max: f64,
}

impl Sample {
    /// `(max - min) / median`, as a percentage.
    pub fn spread_pct(&self) -> f64 {
        100.0 * (self.max - self.min) / self.median
    }
}

/// Times `f` `reps` times after one untimed warm-up run.
pub fn time(reps: usize, mut f: impl FnMut()) -> Sample {
    f();
    summarise((0..reps.max(1)).map(|_| once(&mut f)).collect())
}

fn once(f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Times `a` and `b` alternately, so drift in the machine's speed hits both.
pub fn time_pair(reps: usize, a: impl FnMut(), b: impl FnMut()) -> (Sample, Sample) {
    let (a, b, _) = time_pair_ratio(reps, a, b);
    (a, b)
}

/// As [`time_pair`], also returning the median of the per-pair ratios
/// `a_i / b_i`: each pair ran back to back, so this ratio is steadier than
/// the ratio of the medians when the machine's speed drifts.
pub fn time_pair_ratio(
    reps: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Sample, Sample, f64) {
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    a();
    b();
    for _ in 0..reps.max(1) {
        ra.push(once(&mut a));
        rb.push(once(&mut b));
    }
    let mut ratios: Vec<f64> = ra.iter().zip(&rb).map(|(x, y)| x / y).collect();
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    (summarise(ra), summarise(rb), ratio)
}

/// Times each of `fs` `reps` times, round-robin (one run of each in turn,
/// after one untimed warm-up run of each), so drift hits all alike.
pub fn time_round(reps: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Sample> {
    for f in fs.iter_mut() {
        f();
    }
    let mut runs = vec![Vec::new(); fs.len()];
    for _ in 0..reps.max(1) {
        for (f, r) in fs.iter_mut().zip(&mut runs) {
            r.push(once(f));
        }
    }
    runs.into_iter().map(summarise).collect()
}

fn summarise(mut runs: Vec<f64>) -> Sample {
    runs.sort_by(f64::total_cmp);
    Sample {
        median: runs[runs.len() / 2],
        min: runs[0],
        max: runs[runs.len() - 1],
    }
}
