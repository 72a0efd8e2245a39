//! `cargo xtask bench [--quick]`: runs every benchmark target of the
//! workspace and prints its figures, one line each: `name: value unit`.
//!
//! A benchmark is a `[[bench]]` target with `harness = false` whose stdout
//! lines of the form `name: value unit` are its figures, and its lines
//! starting `# ` are notes (what ran where, which column was skipped and
//! why); both are printed, anything else on stdout, and all of stderr, goes
//! to `target/xtask/logs/bench-<name>.log`.
//! `--quick` is passed to it as an argument and as `IREE_BENCH_QUICK=1`;
//! quick runs must finish in under 3 minutes in all. A full run passes
//! `--write-docs <repo>/docs` instead: the bench (examples/perf) rewrites the
//! measured section of `docs/BENCHMARKS.md` and `docs/host_throughput.png`.

use std::fs::{self, File};
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::Stdio;

use anyhow::{bail, Context as _, Result};

use crate::runner::{cargo, log_path};
use crate::Ctx;

/// One figure: `name: value unit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What was measured, e.g. `host.simple_mul.vs_rust_loop`.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit, e.g. `ratio`, `ns/dispatch`, `s`.
    pub unit: String,
}

/// Parses `name: value unit`; `None` for any other line.
pub fn parse_figure(line: &str) -> Option<Figure> {
    let (name, rest) = line.split_once(": ")?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let mut words = rest.split_whitespace();
    let value: f64 = words.next()?.parse().ok()?;
    let unit: Vec<&str> = words.collect();
    if unit.is_empty() {
        return None;
    }
    Some(Figure {
        name: name.into(),
        value,
        unit: unit.join(" "),
    })
}

/// The text of a note line (`# text`); `None` for any other line.
pub fn parse_note(line: &str) -> Option<&str> {
    line.strip_prefix("# ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The workspace's bench targets as (package, bench name).
fn benches(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let meta = cargo_metadata::MetadataCommand::new()
        .cargo_path(&ctx.cargo)
        .manifest_path(ctx.root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .context("reading the workspace with `cargo metadata`")?;
    let mut out = vec![];
    for p in &meta.packages {
        for t in &p.targets {
            if t.kind.contains(&cargo_metadata::TargetKind::Bench) {
                out.push((p.name.to_string(), t.name.clone()));
            }
        }
    }
    Ok(out)
}

/// Runs the benchmarks.
pub fn bench(ctx: &Ctx, quick: bool) -> Result<()> {
    crate::provision::provision()?;
    let list = benches(ctx)?;
    if list.is_empty() {
        println!(
            "bench: no benchmarks found: add a `[[bench]]` target with \
             `harness = false` that prints `name: value unit` lines"
        );
        return Ok(());
    }
    let mut figures = 0;
    for (pkg, name) in &list {
        figures += run_bench(ctx, pkg, name, quick)?.len();
    }
    if !quick {
        println!(
            "bench: {figures} figures; docs/BENCHMARKS.md and docs/host_throughput.png rewritten"
        );
    }
    Ok(())
}

/// What follows `--` on the `cargo bench` command line.
fn bench_args(ctx: &Ctx, quick: bool) -> Vec<String> {
    if quick {
        vec!["--".into(), "--quick".into()]
    } else {
        vec![
            "--".into(),
            "--write-docs".into(),
            ctx.root.join("docs").display().to_string(),
        ]
    }
}

fn run_bench(ctx: &Ctx, pkg: &str, name: &str, quick: bool) -> Result<Vec<Figure>> {
    let log = log_path(ctx, &format!("bench-{name}"));
    fs::create_dir_all(log.parent().expect("log path has a parent"))?;
    let mut logf = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let mut c = cargo(ctx);
    c.args(["bench", "--quiet", "-p", pkg, "--bench", name]);
    c.args(bench_args(ctx, quick));
    if quick {
        c.env("IREE_BENCH_QUICK", "1");
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(logf.try_clone()?)
        .spawn()
        .with_context(|| format!("could not start `cargo bench -p {pkg} --bench {name}`"))?;
    let mut figures = vec![];
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        match parse_figure(&line) {
            Some(f) => {
                println!("{}: {} {}", f.name, f.value, f.unit);
                figures.push(f);
            }
            None => match parse_note(&line) {
                Some(note) => println!("# {note}"),
                None => writeln!(logf, "{line}")?,
            },
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "bench {name} (package {pkg}) failed ({status}); its output is in {}",
            log.display()
        );
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        assert_eq!(
            parse_figure("host.simple_mul.vs_rust: 0.93 ratio"),
            Some(Figure {
                name: "host.simple_mul.vs_rust".into(),
                value: 0.93,
                unit: "ratio".into()
            })
        );
        assert_eq!(
            parse_figure("launch: 1.5e3 ns/dispatch").map(|f| f.value),
            Some(1500.0)
        );
        assert_eq!(parse_figure("Compiling foo v0.1"), None);
        assert_eq!(parse_figure("a b: 1 s"), None);
        assert_eq!(parse_figure("x: fast s"), None);
        assert_eq!(parse_figure("x: 3"), None);
    }

    /// The comparison's ratio lines carry their target, verdict and path
    /// in the unit, and must come through whole.
    #[test]
    fn ratio_figures_keep_their_verdict() {
        let f = parse_figure(
            "host.block_sum_2^22.vs_rust: 0.246 x (ours/Rust throughput, chunked sum, \
             16 accumulators; target >= 0.8: NOT met; ran as lockstep)",
        )
        .expect("a figure");
        assert_eq!(f.name, "host.block_sum_2^22.vs_rust");
        assert_eq!(f.value, 0.246);
        assert!(f.unit.ends_with("target >= 0.8: NOT met; ran as lockstep)"));
    }

    #[test]
    fn notes() {
        assert_eq!(
            parse_note("# pocl column skipped: no libOpenCL.so.1"),
            Some("pocl column skipped: no libOpenCL.so.1")
        );
        assert_eq!(parse_note("#"), None);
        assert_eq!(parse_note("# "), None);
        assert_eq!(parse_note("host.x: 1 s"), None);
        assert_eq!(parse_note("#nospace"), None);
    }
}
