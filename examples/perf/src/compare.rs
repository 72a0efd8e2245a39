//! The comparison of issue #22: each host kernel against the best plain
//! Rust for the same job (`references.rs`) and against pocl running the
//! OpenCL port of the same kernel (`pocl.rs`), all three timed round-robin
//! in the same run, each answer checked against the Rust one first.
//!
//! Kernels come from where they are defined: `simple_mul` from
//! custom_dispatch (through `kernels.rs`), `block_sum` from
//! `kernels/reduce.cu`, the tiled matmul and the row softmax from the
//! matmul and softmax examples' crates.

use std::fmt::Write as _;

use runtime_hip::{Device, Error, Stream};

use crate::host::BLOCKS_PER_MP;
use crate::kernels::{block_sum, simple_mul};
use crate::opencl::{self, Absent};
use crate::stats::{time_round, Sample};
use crate::{pocl, references, Report};

/// Every kernel must be at least this many times pocl's throughput.
pub const POCL_TARGET: f64 = 1.5;

/// The peer's cell of one kernel.
#[derive(Clone, Debug)]
pub enum Peer {
    /// Timed, and its answer agreed with the Rust reference.
    Measured(Sample),
    /// It ran (or failed to build or run) and is not a number: why.
    Failed(String),
    /// No OpenCL CPU platform on this machine (see the run's notes).
    Skipped,
}

/// One kernel's row: our throughput, the Rust reference's and pocl's.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// `simple_mul_2^20`, `matmul_1024^3`, …
    pub name: String,
    /// The throughput unit, `GB/s` or `GFLOP/s`.
    pub unit: &'static str,
    /// Bytes or flops of one run, so that a rate is `work / seconds / 1e9`.
    pub work: f64,
    /// The host platform's time.
    pub ours: Sample,
    /// The host platform's time with the scalar entries and rounds
    /// (`IREE_HOST_SIMD=0`'s path, as `simd::capped` runs it): what says
    /// which way `ours` ran, the SIMD lanes or not.
    pub scalar: Sample,
    /// The Rust reference's time.
    pub rust: Sample,
    /// What the Rust reference is, for the table.
    pub rust_what: &'static str,
    /// The minimum ours/Rust throughput ratio issue #22 asks for.
    pub rust_target: f64,
    /// pocl's cell.
    pub pocl: Peer,
    /// How the host executor ran the kernel (`HostPath`).
    pub path: String,
}

impl Comparison {
    fn rate(&self, s: &Sample) -> f64 {
        self.work / s.median / 1e9
    }

    /// Ours / the scalar path, as a throughput ratio.
    pub fn vs_scalar(&self) -> f64 {
        self.scalar.median / self.ours.median
    }

    /// Ours / Rust, as a throughput ratio (higher is better).
    pub fn vs_rust(&self) -> f64 {
        self.rust.median / self.ours.median
    }

    /// Ours / pocl, as a throughput ratio, when pocl has a number.
    pub fn vs_pocl(&self) -> Option<f64> {
        match &self.pocl {
            Peer::Measured(p) => Some(p.median / self.ours.median),
            _ => None,
        }
    }

    /// `met` or `NOT met`.
    fn verdict(value: f64, target: f64) -> &'static str {
        if value >= target {
            "met"
        } else {
            "NOT met"
        }
    }

    /// Prints the row's figures (`name: value unit` lines) into `report`.
    pub fn figures(&self, report: &mut Report) {
        let n = &self.name;
        report.figure(
            &format!("host.{n}.ours"),
            self.rate(&self.ours),
            self.unit,
            Some(self.ours),
        );
        report.figure(
            &format!("host.{n}.rust"),
            self.rate(&self.rust),
            self.unit,
            Some(self.rust),
        );
        if let Peer::Measured(p) = &self.pocl {
            report.figure(&format!("host.{n}.pocl"), self.rate(p), self.unit, Some(*p));
        }
        let r = self.vs_rust();
        report.figure(
            &format!("host.{n}.vs_rust"),
            r,
            &format!(
                "x (ours/Rust throughput, {}; target >= {}: {}; ran as {}, {:.2}x its scalar path)",
                self.rust_what,
                self.rust_target,
                Self::verdict(r, self.rust_target),
                self.path,
                self.vs_scalar()
            ),
            None,
        );
        match (&self.pocl, self.vs_pocl()) {
            (_, Some(p)) => report.figure(
                &format!("host.{n}.vs_pocl"),
                p,
                &format!(
                    "x (ours/pocl throughput; target >= {POCL_TARGET}: {})",
                    Self::verdict(p, POCL_TARGET)
                ),
                None,
            ),
            (Peer::Failed(why), _) => report.note(format!("host.{n}.pocl FAILED: {why}")),
            _ => {}
        }
    }

    /// The markdown table of `rows`, one line per kernel.
    pub fn markdown(rows: &[Comparison]) -> String {
        let mut md = String::from(
            "| kernel | path | ours | ours/scalar path | best Rust | ours/Rust | target | pocl | ours/pocl | target |\n\
             | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |\n",
        );
        for c in rows {
            let r = c.vs_rust();
            let (pocl, vs_pocl, pocl_verdict) = match (&c.pocl, c.vs_pocl()) {
                (Peer::Measured(p), Some(v)) => (
                    format!("{:.2}", c.rate(p)),
                    format!("{v:.2}"),
                    format!(">= {POCL_TARGET}: {}", Self::verdict(v, POCL_TARGET)),
                ),
                (Peer::Failed(_), _) => ("**failed**".into(), "–".into(), "(see notes)".into()),
                _ => ("skipped".into(), "–".into(), "(no pocl)".into()),
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {:.2} {} | {:.2} | {:.2} ({}) | {r:.2} | >= {}: {} | {pocl} | {vs_pocl} | {pocl_verdict} |",
                c.name,
                c.path,
                c.rate(&c.ours),
                c.unit,
                c.vs_scalar(),
                c.rate(&c.rust),
                c.rust_what,
                c.rust_target,
                Self::verdict(r, c.rust_target),
            );
        }
        md
    }
}

/// ‖got − want‖ / ‖want‖ (0 when both are zero).
fn relative_error(got: &[f32], want: &[f32]) -> f64 {
    if got.len() != want.len() {
        return f64::INFINITY;
    }
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (&g, &w) in got.iter().zip(want) {
        num += (f64::from(g) - f64::from(w)).powi(2);
        den += f64::from(w).powi(2);
    }
    if num == 0.0 {
        0.0
    } else {
        (num / den).sqrt()
    }
}

/// `Err` naming `who` and the error when `got` is not within `tolerance`
/// (relative, in the 2-norm) of `want`.
fn agrees(who: &str, got: &[f32], want: &[f32], tolerance: f64) -> Result<(), String> {
    let e = relative_error(got, want);
    if e <= tolerance {
        Ok(())
    } else {
        Err(format!(
            "{who}: wrong answer, relative error {e:.2e} against the Rust reference (tolerance {tolerance:.0e})"
        ))
    }
}

/// How the host executor ran export `name` (from the runtime's record of
/// loaded variants).
fn path_of(name: &str) -> String {
    runtime_hip::dispatch::loaded_variants()
        .iter()
        .rev()
        .find(|v| v.export == name)
        .and_then(|v| v.host_path)
        .map_or("?".into(), |p| p.to_string())
}

/// The peer's cell once its output `out` is checked by `check`.
fn judge(
    peer: Peer,
    out: Option<Vec<f32>>,
    check: impl FnOnce(&[f32]) -> Result<(), String>,
) -> Peer {
    match (peer, out) {
        (Peer::Measured(s), Some(out)) => match check(&out) {
            Ok(()) => Peer::Measured(s),
            Err(why) => Peer::Failed(why),
        },
        (peer, _) => peer,
    }
}

/// Sizes of the comparison: the issue's, smaller where `quick` needs it.
struct Shapes {
    mul_log2: [u32; 2],
    sum_log2: u32,
    matmul: usize,
    softmax_rows: usize,
}

const SOFTMAX_COLS: usize = 1024;

/// Runs the comparison sections that `wants` selects (`simple_mul`,
/// `block_sum`, `matmul`, `softmax`) into `report`.
pub fn run(
    report: &mut Report,
    wants: impl Fn(&str) -> bool,
    quick: bool,
    log2_n: u32,
    reps: usize,
) -> Result<(), Error> {
    let device = Device::open(runtime_hip::Platform::Host, 0)?;
    let stream = device.stream()?;
    let threads = device.limits().multiprocessor_count as usize;
    let shapes = Shapes {
        mul_log2: [20, 24],
        sum_log2: log2_n,
        matmul: if quick { 512 } else { 1024 },
        softmax_rows: if quick { 1024 } else { 4096 },
    };
    let cl = match opencl::Device::first_cpu() {
        Ok(d) => {
            report.note(format!("pocl column: {}", d.description));
            Some(d)
        }
        Err(Absent(why)) => {
            report.note(format!("pocl column skipped: {why}"));
            None
        }
    };
    report.note(format!(
        "comparison: best Rust and pocl on the same {threads} threads as the host platform's workers"
    ));
    let ctx = Ctx {
        device: &device,
        stream: &stream,
        threads,
        cl: cl.as_ref(),
        reps,
    };
    if wants("simple_mul") {
        for n in shapes.mul_log2 {
            let c = ctx.simple_mul(n)?;
            c.figures(report);
            report.comparisons.push(c);
        }
    }
    if wants("block_sum") {
        let c = ctx.block_sum(shapes.sum_log2)?;
        c.figures(report);
        report.comparisons.push(c);
        report.note(format!(
            "block_sum: {} blocks of 256 threads ({BLOCKS_PER_MP} per multiprocessor), grid-stride; pocl the same",
            BLOCKS_PER_MP * threads
        ));
    }
    if wants("matmul") {
        let c = ctx.matmul(shapes.matmul)?;
        c.figures(report);
        report.comparisons.push(c);
    }
    if wants("softmax") {
        let c = ctx.softmax(shapes.softmax_rows)?;
        c.figures(report);
        report.comparisons.push(c);
    }
    Ok(())
}

/// Ours, ours on the scalar path, Rust, the peer's cell and its output
/// (see [`Ctx::time3`]).
type Timed = (Sample, Sample, Sample, Peer, Option<Vec<f32>>);

/// What every comparison uses.
struct Ctx<'a> {
    device: &'a Device,
    stream: &'a Stream,
    threads: usize,
    cl: Option<&'a opencl::Device>,
    reps: usize,
}

impl Ctx<'_> {
    /// Times `ours`, `rust` and (when present) `peer` round-robin. A
    /// failure of `ours` ends the benchmark; the peer's becomes its cell.
    /// Returns the peer's output too, for [`judge`] to check once the Rust
    /// reference's answer may be borrowed again.
    fn time3(
        &self,
        reps: usize,
        ours: &mut dyn FnMut() -> Result<(), Error>,
        rust: &mut dyn FnMut(),
        peer: Option<Result<pocl::Launch<'_>, opencl::ClError>>,
    ) -> Result<Timed, Error> {
        let failure = std::cell::RefCell::new(None);
        let ours = std::cell::RefCell::new(ours);
        let run = || {
            if let Err(e) = (ours.borrow_mut())() {
                failure.borrow_mut().get_or_insert(e);
            }
        };
        let mut scalar =
            || runtime_hip::host::simd::capped(runtime_hip::host::simd::Level::Scalar, run);
        let mut ours = run;
        let (samples, peer, out) = match peer {
            None => (
                time_round(reps, &mut [&mut ours, rust, &mut scalar]),
                Peer::Skipped,
                None,
            ),
            Some(Err(e)) => (
                time_round(reps, &mut [&mut ours, rust, &mut scalar]),
                Peer::Failed(e.to_string()),
                None,
            ),
            Some(Ok(launch)) => {
                let mut peer_failure = None;
                let mut peer = || {
                    if let Err(e) = launch.run() {
                        peer_failure.get_or_insert(e);
                    }
                };
                let s = time_round(reps, &mut [&mut ours, rust, &mut scalar, &mut peer]);
                match peer_failure.map_or_else(|| launch.output(), Err) {
                    Ok(out) => (s.clone(), Peer::Measured(s[3]), Some(out)),
                    Err(e) => (s, Peer::Failed(e.to_string()), None),
                }
            }
        };
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        Ok((samples[0], samples[2], samples[1], peer, out))
    }

    fn simple_mul(&self, log2_n: u32) -> Result<Comparison, Error> {
        let n = 1usize << log2_n;
        let lhs_h: Vec<f32> = (0..n).map(|i| (i % 97) as f32).collect();
        let rhs_h: Vec<f32> = (0..n).map(|i| (i % 89) as f32 * 0.5).collect();
        let (lhs, rhs) = (self.device.upload(&lhs_h)?, self.device.upload(&rhs_h)?);
        let mut ret = self.device.alloc_zeroed::<f32>(n)?;
        let mut want = vec![0.0f32; n];
        let stream = self.stream;
        let peer = self.cl.map(|cl| pocl::simple_mul(cl, &lhs_h, &rhs_h));
        let (ours, scalar, rust, pocl, out) = self.time3(
            self.reps,
            &mut || {
                simple_mul(stream, &lhs, &rhs, &mut ret, n as i32)?;
                stream.synchronize()
            },
            &mut || references::mul(self.threads, &lhs_h, &rhs_h, &mut want),
            peer,
        )?;
        let got = ret.download()?;
        assert_eq!(got, want, "simple_mul and the Rust loop disagree");
        let pocl = judge(pocl, out, |out| agrees("pocl simple_mul", out, &want, 0.0));
        Ok(Comparison {
            name: format!("simple_mul_2^{log2_n}"),
            unit: "GB/s",
            work: 12.0 * n as f64,
            ours,
            scalar,
            rust,
            rust_what: "zipped-slices loop",
            rust_target: 0.9,
            pocl,
            path: path_of("simple_mul"),
        })
    }

    fn block_sum(&self, log2_n: u32) -> Result<Comparison, Error> {
        let n = 1usize << log2_n;
        let blocks = BLOCKS_PER_MP * self.threads;
        let x_h: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
        let x = self.device.upload(&x_h)?;
        let mut partial = self.device.alloc_zeroed::<f32>(blocks)?;
        let want: f64 = x_h.iter().map(|&v| f64::from(v)).sum();
        let close = |got: f64| (got - want).abs() <= 1e-6 * want;
        let mut rust_sum = 0.0f32;
        let stream = self.stream;
        let peer = self.cl.map(|cl| pocl::block_sum(cl, &x_h, blocks));
        let (ours, scalar, rust, pocl, out) = self.time3(
            self.reps,
            &mut || {
                block_sum(stream, &x, &mut partial, n as i32)?;
                stream.synchronize()
            },
            &mut || rust_sum = references::sum(self.threads, &x_h),
            peer,
        )?;
        let pocl = judge(pocl, out, |out| {
            let got: f64 = out.iter().map(|&v| f64::from(v)).sum();
            if close(got) {
                Ok(())
            } else {
                Err(format!("pocl block_sum: wrong answer, {got} for {want}"))
            }
        });
        let got: f64 = partial.download()?.iter().map(|&v| f64::from(v)).sum();
        assert!(close(got), "block_sum {got} vs {want}");
        assert!(close(f64::from(rust_sum)), "Rust sum {rust_sum} vs {want}");
        Ok(Comparison {
            name: format!("block_sum_2^{log2_n}"),
            unit: "GB/s",
            work: 4.0 * n as f64,
            ours,
            scalar,
            rust,
            rust_what: "chunked sum, 16 accumulators",
            rust_target: 0.8,
            pocl,
            path: path_of("block_sum"),
        })
    }

    fn matmul(&self, s: usize) -> Result<Comparison, Error> {
        let (m, n, k) = (s, s, s);
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7) % 19) as f32 * 0.1 - 0.9)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5) % 23) as f32 * 0.1 - 1.1)
            .collect();
        let (da, db) = (self.device.upload(&a)?, self.device.upload(&b)?);
        let mut dc = self.device.alloc_zeroed::<f32>(m * n)?;
        let mut want = vec![0f32; m * n];
        let stream = self.stream;
        let peer = self.cl.map(|cl| pocl::matmul(cl, &a, &b, (m, n, k)));
        let (ours, scalar, rust, pocl, out) = {
            let want_ref = &mut want;
            self.time3(
                self.reps.min(5),
                &mut || {
                    matmul::matmul_checked(stream, &da, &db, &mut dc, (m, n, k))?;
                    stream.synchronize()
                },
                &mut || references::matmul(self.threads, &a, &b, want_ref, (m, n, k)),
                peer,
            )?
        };
        let got = dc.download()?;
        if let Err(why) = agrees("matmul_tiled", &got, &want, 1e-5) {
            panic!("{why}");
        }
        let pocl = judge(pocl, out, |out| {
            agrees("pocl matmul_tiled", out, &want, 1e-5)
        });
        Ok(Comparison {
            name: format!("matmul_{s}^3"),
            unit: "GFLOP/s",
            work: 2.0 * (m * n * k) as f64,
            ours,
            scalar,
            rust,
            rust_what: "matrixmultiply::sgemm",
            rust_target: 0.25,
            pocl,
            path: path_of("matmul_tiled"),
        })
    }

    fn softmax(&self, rows: usize) -> Result<Comparison, Error> {
        let cols = SOFTMAX_COLS;
        let x: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 1601) as f32 / 100.0 - 8.0)
            .collect();
        let dx = self.device.upload(&x)?;
        let mut dout = self.device.alloc_zeroed::<f32>(rows * cols)?;
        let mut want = vec![0f32; rows * cols];
        let stream = self.stream;
        let peer = self.cl.map(|cl| pocl::softmax(cl, &x, (rows, cols)));
        let (ours, scalar, rust, pocl, out) = {
            let want_ref = &mut want;
            self.time3(
                self.reps.min(5),
                &mut || {
                    softmax::softmax_checked(stream, &dx, &mut dout, (rows, cols))?;
                    stream.synchronize()
                },
                &mut || {
                    references::by_rows(self.threads, cols, &x, want_ref, references::softmax_row)
                },
                peer,
            )?
        };
        let got = dout.download()?;
        if let Err(why) = agrees("softmax_rows", &got, &want, 1e-5) {
            panic!("{why}");
        }
        let pocl = judge(pocl, out, |out| {
            agrees("pocl softmax_rows", out, &want, 1e-5)
        });
        Ok(Comparison {
            name: format!("softmax_{rows}x{cols}"),
            unit: "GB/s",
            work: 8.0 * (rows * cols) as f64,
            ours,
            scalar,
            rust,
            rust_what: "per-row softmax",
            rust_target: 0.5,
            pocl,
            path: path_of("softmax_rows"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pocl: Peer, ours: f64) -> Comparison {
        let s = |t: f64| Sample {
            median: t,
            min: t,
            max: t,
        };
        Comparison {
            name: "k".into(),
            unit: "GB/s",
            work: 1e9,
            ours: s(ours),
            scalar: s(ours),
            rust: s(1.0),
            rust_what: "loop",
            rust_target: 0.9,
            pocl,
            path: "lockstep".into(),
        }
    }

    #[test]
    fn ratios_are_throughput_ratios() {
        let c = row(
            Peer::Measured(Sample {
                median: 3.0,
                min: 3.0,
                max: 3.0,
            }),
            2.0,
        );
        assert_eq!(c.vs_rust(), 0.5);
        assert_eq!(c.vs_pocl(), Some(1.5));
        assert_eq!(row(Peer::Skipped, 1.0).vs_pocl(), None);
        assert_eq!(row(Peer::Failed("x".into()), 1.0).vs_pocl(), None);
    }

    /// Met and not met are both said; a wrong or missing pocl answer is a
    /// cell of its own, never a number.
    #[test]
    fn table_cells() {
        let md = Comparison::markdown(&[
            row(
                Peer::Measured(Sample {
                    median: 3.0,
                    min: 3.0,
                    max: 3.0,
                }),
                2.0,
            ),
            row(Peer::Failed("wrong answer".into()), 1.0),
            row(Peer::Skipped, 1.0),
        ]);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 5, "{md}");
        assert_eq!(
            lines[2],
            "| `k` | lockstep | 0.50 GB/s | 1.00 | 1.00 (loop) | 0.50 | >= 0.9: NOT met | 0.33 | 1.50 | >= 1.5: met |"
        );
        assert!(
            lines[3].contains("| 1.00 | >= 0.9: met | **failed** | – |"),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].contains("| skipped | – | (no pocl) |"),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn agreement_is_relative() {
        assert!(agrees("k", &[1.0, 2.0], &[1.0, 2.0], 0.0).is_ok());
        assert!(agrees("k", &[1.0, 2.1], &[1.0, 2.0], 1e-5).is_err());
        assert!(agrees("k", &[1.0], &[1.0, 2.0], 1.0).is_err());
        assert!(agrees("k", &[0.0], &[0.0], 0.0).is_ok());
    }
}
