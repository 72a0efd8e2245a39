//! What the benchmarks print: one `figure:` line per measurement, which
//! run.sh copies into the report, and the timing they share.

use std::fmt;
use std::time::Instant;

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Dotted name, e.g. `launch.wrapper`.
    pub name: String,
    /// The median over the repetitions.
    pub value: f64,
    /// `us`, `GB/s`, …
    pub unit: &'static str,
    /// How it was measured, in words.
    pub how: String,
}

impl fmt::Display for Figure {
    /// `figure: launch.wrapper = 2.314 us (median of 7 runs of 20000 launches)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "figure: {} = {:.3} {} ({})",
            self.name, self.value, self.unit, self.how
        )
    }
}

/// The median of `reps` timings of `run`, in seconds; `run` must wait for
/// the device itself before returning.
pub fn median_secs(
    reps: usize,
    mut run: impl FnMut() -> Result<(), String>,
) -> Result<f64, String> {
    median_of(reps, || {
        let t = Instant::now();
        run()?;
        Ok(t.elapsed().as_secs_f64())
    })
}

/// The median of `reps` values `measure` returns (seconds it timed itself).
pub fn median_of(
    reps: usize,
    mut measure: impl FnMut() -> Result<f64, String>,
) -> Result<f64, String> {
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        times.push(measure()?);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Deterministic inputs in [-1, 1), never zero (zeros hide unwritten
/// outputs): a xorshift stream.
pub fn inputs(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
            if v == 0.0 {
                0.5
            } else {
                v
            }
        })
        .collect()
}

/// Checks `got == lhs * rhs` element for element (f32 products are exact
/// to compare: the device and the CPU round the same way).
pub fn check_product(got: &[f32], lhs: &[f32], rhs: &[f32]) -> Result<(), String> {
    if got.len() != lhs.len() {
        return Err(format!("{} results for {} inputs", got.len(), lhs.len()));
    }
    match (0..got.len()).find(|&i| got[i].to_bits() != (lhs[i] * rhs[i]).to_bits()) {
        None => Ok(()),
        Some(i) => Err(format!(
            "wrong answer at element {i} of {}: {} * {} gave {}, expected {}",
            got.len(),
            lhs[i],
            rhs[i],
            got[i],
            lhs[i] * rhs[i]
        )),
    }
}
