//! `cargo run -p runtime-hip-fuzz -- [--seconds N] [--iterations N]
//! [--seed N] [TARGET...]` fuzzes each target (all by default) for its share
//! of the time; `-- TARGET --input FILE` replays one saved input;
//! `--list` names the targets; `--write-seeds DIR` writes each target's
//! seeds into `DIR/<target>/` (a starting corpus for the libFuzzer
//! binaries). Exits non-zero on a finding.

use std::process::ExitCode;
use std::time::Duration;

use runtime_hip_fuzz::driver::{self, Budget};
use runtime_hip_fuzz::targets::{by_name, TARGETS};

#[global_allocator]
static ALLOC: runtime_hip_fuzz::limits::Capped = runtime_hip_fuzz::limits::Capped;

struct Args {
    seconds: f64,
    budget: Budget,
    targets: Vec<&'static str>,
    input: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 60.0,
        budget: Budget::default(),
        targets: Vec::new(),
        input: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().ok_or(format!("{a} needs {what}"));
        match a.as_str() {
            "--seconds" => {
                args.seconds = value("a number")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--iterations" => {
                args.budget.iterations = value("a number")?
                    .parse()
                    .map_err(|e| format!("--iterations: {e}"))?
            }
            "--seed" => {
                args.budget.rng_seed = value("a number")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--input" => args.input = Some(value("a file")?),
            "--write-seeds" => {
                let dir = std::path::PathBuf::from(value("a directory")?);
                write_seeds(&dir).map_err(|e| format!("--write-seeds {}: {e}", dir.display()))?;
                std::process::exit(0);
            }
            "--list" => {
                for t in TARGETS {
                    println!("{}", t.name);
                }
                std::process::exit(0);
            }
            name => match by_name(name) {
                Some(t) => args.targets.push(t.name),
                None => {
                    let known: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
                    return Err(format!(
                        "unknown target `{name}`; targets: {}",
                        known.join(", ")
                    ));
                }
            },
        }
    }
    if args.targets.is_empty() {
        args.targets = TARGETS.iter().map(|t| t.name).collect();
    }
    Ok(args)
}

/// Writes every target's seeds into `dir/<target>/<n>`.
fn write_seeds(dir: &std::path::Path) -> std::io::Result<()> {
    for t in TARGETS {
        let sub = dir.join(t.name);
        std::fs::create_dir_all(&sub)?;
        for (i, seed) in (t.seeds)().iter().enumerate() {
            std::fs::write(sub.join(format!("seed-{i}")), &seed.bytes)?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.input {
        let [name] = args.targets[..] else {
            eprintln!("fuzz: --input replays one target: name it");
            return ExitCode::from(2);
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("fuzz: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let accepted = driver::with_big_stack(move || runtime_hip_fuzz::targets::run(name, &bytes));
        println!("{name}: {path} ran to completion (accepted: {accepted})");
        return ExitCode::SUCCESS;
    }
    let share = Duration::from_secs_f64(args.seconds.max(0.0) / args.targets.len() as f64);
    let mut failed = 0;
    for name in args.targets.clone() {
        let target = by_name(name).expect("checked when parsing the arguments");
        let budget = Budget {
            time: share,
            ..args.budget
        };
        match driver::with_big_stack(move || driver::fuzz(target, budget)) {
            Ok(report) => println!("{report}"),
            Err(finding) => {
                println!("FINDING {finding}");
                failed += 1;
            }
        }
    }
    let passed = args.targets.len() - failed;
    println!("fuzz: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
