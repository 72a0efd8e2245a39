//! The figures of docs/BENCHMARKS.md, one line each (`name: value unit`).
//! `cargo xtask bench` runs them through `benches/perf.rs`; `--quick`
//! shrinks sizes and repetitions to finish in well under three minutes;
//! `--write-docs DIR` also writes `DIR/BENCHMARKS.md` (the table) and
//! `DIR/host_throughput.png`; `--only SECTION` runs one section (simple_mul,
//! block_sum, matmul, softmax, barrier, launch, warps, async, build), e.g.
//! under callgrind.

pub mod async_figures;
pub mod build_bench;
pub mod compare;
pub mod host;
pub mod kernels;
pub mod opencl;
pub mod plot;
pub mod pocl;
pub mod references;
pub mod stats;
pub mod warps;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use stats::Sample;

/// Figures as they are measured: printed at once, kept for the docs table.
#[derive(Default)]
pub struct Report {
    rows: Vec<(String, f64, String, Option<Sample>)>,
    notes: Vec<String>,
    /// The kernels against best Rust and pocl (`compare.rs`), for their table.
    pub comparisons: Vec<compare::Comparison>,
}

impl Report {
    /// Records and prints one figure.
    pub fn figure(&mut self, name: &str, value: f64, unit: &str, sample: Option<Sample>) {
        println!("{name}: {value:.3} {unit}");
        self.rows
            .push((name.to_string(), value, unit.to_string(), sample));
    }

    /// Records and prints context (device, thread count).
    pub fn note(&mut self, text: String) {
        println!("# {text}");
        self.notes.push(text);
    }

    fn markdown(&self) -> String {
        let mut md = String::from(
            "| figure | value | unit | spread (max-min)/median |\n| --- | ---: | --- | ---: |\n",
        );
        for (name, value, unit, sample) in &self.rows {
            let spread = sample.map_or("".into(), |s| format!("{:.0}%", s.spread_pct()));
            let _ = writeln!(md, "| `{name}` | {value:.3} | {unit} | {spread} |");
        }
        md
    }
}

/// Runs the benchmarks as the command line `args` asks.
pub fn main_with_args(args: &[String]) -> ExitCode {
    let quick =
        args.iter().any(|a| a == "--quick") || std::env::var_os("IREE_BENCH_QUICK").is_some();
    let docs = args
        .iter()
        .position(|a| a == "--write-docs")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut report = Report::default();
    let mut sizes = if quick {
        host::Sizes {
            log2_n: 22,
            reps: 5,
            launches: 2_000,
            only: only.clone(),
        }
    } else {
        host::Sizes {
            log2_n: 24,
            reps: 15,
            launches: 20_000,
            only: only.clone(),
        }
    };
    // `IREE_BENCH_LOG2_N=20` (say): the memory-bound and reduction figures
    // at another size, for comparing cache-resident and DRAM-bound runs.
    if let Some(n) = std::env::var("IREE_BENCH_LOG2_N")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (10..=28).contains(n))
    {
        sizes.log2_n = n;
    }
    report.note(format!(
        "host SIMD block entries and lockstep rounds: {} (IREE_HOST_SIMD=0: scalar); each \
         comparison also times the scalar path (`ours/scalar path`): a kernel the passes could \
         not vectorise runs it either way",
        runtime_hip::host::simd::Level::detected().name()
    ));
    report.note(format!(
        "{} run on {} (UTC), {} cores, {}",
        if quick { "quick" } else { "full" },
        today(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        std::env::consts::ARCH
    ));
    if ["simple_mul", "block_sum", "matmul", "softmax"]
        .iter()
        .any(|s| sizes.wants(s))
    {
        if let Err(e) = compare::run(
            &mut report,
            |s| sizes.wants(s),
            quick,
            sizes.log2_n,
            sizes.reps,
        ) {
            eprintln!("error: kernels against Rust and pocl: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = host::run(&mut report, &sizes) {
        eprintln!("error: host benchmarks: {e}");
        return ExitCode::FAILURE;
    }
    if sizes.wants("async") {
        if let Err(e) = async_figures::run(&mut report, quick, sizes.reps) {
            eprintln!("error: replay/overlap benchmarks: {e}");
            return ExitCode::FAILURE;
        }
    }
    if sizes.wants("warps") {
        if let Err(e) = warps::run(&mut report, sizes.log2_n, quick, sizes.reps) {
            eprintln!("error: warp benchmarks: {e}");
            return ExitCode::FAILURE;
        }
    }
    if only.as_deref().is_some_and(|o| !"build".contains(o)) {
        return ExitCode::SUCCESS;
    }
    if let Err(e) = build_bench::run(&mut report, if quick { 1 } else { 5 }) {
        eprintln!("error: build benchmarks: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = docs {
        if let Err(e) = write_docs(&report, &dir, sizes.reps) {
            eprintln!("error: writing {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Regenerates the measured part of BENCHMARKS.md between its markers and
/// the plot next to it; prose outside the markers is kept.
fn write_docs(report: &Report, dir: &std::path::Path, reps: usize) -> Result<(), String> {
    let points = host::sweep(14, 24, reps.min(7)).map_err(|e| e.to_string())?;
    plot::throughput(&points, &dir.join("host_throughput.png"))?;
    let mut table = String::new();
    for note in &report.notes {
        let _ = writeln!(table, "- {note}");
    }
    table.push('\n');
    table.push_str(&compare::Comparison::markdown(&report.comparisons));
    table.push('\n');
    table.push_str(&report.markdown());
    table.push_str("\n| log2(n) | kernel GB/s | Rust loop GB/s |\n| ---: | ---: | ---: |\n");
    for (n, k, r) in &points {
        let _ = writeln!(table, "| {n} | {k:.2} | {r:.2} |");
    }
    let path = dir.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let (begin, end) = ("<!-- measured:begin -->", "<!-- measured:end -->");
    let new = match (old.find(begin), old.find(end)) {
        (Some(b), Some(e)) if b < e => format!("{}{begin}\n{table}{}", &old[..b], &old[e..]),
        _ => format!("# Benchmarks\n\n{begin}\n{table}{end}\n"),
    };
    std::fs::write(&path, new).map_err(|e| e.to_string())
}
