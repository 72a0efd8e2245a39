//! Running cargo for xtask: the environment every cargo command gets, steps
//! with a log file and a timing, and reading test counts from cargo's output.

use std::fs::{self, File};
use std::io::{self, IsTerminal as _, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::Ctx;
use iree_build::setup::inventory::DEBIAN_LLVM_PREFIX;

/// A `cargo` command with the environment xtask gives every cargo it runs:
/// `LLVM_SYS_191_PREFIX` (for inkwell) only where
/// llvm-sys would not find LLVM 19 by itself (no `llvm-config-19` on PATH,
/// but Debian's `/usr/lib/llvm-19` is there), so that plain `cargo` and
/// `cargo xtask` see the same environment and do not rebuild each other's
/// build scripts.
pub fn cargo(ctx: &Ctx) -> Command {
    let mut c = Command::new(&ctx.cargo);
    c.current_dir(&ctx.root);
    if let Some(prefix) = llvm_prefix_to_export() {
        c.env("LLVM_SYS_191_PREFIX", prefix);
    }
    ci_env(&mut c);
    c
}

/// Under CI (`CI` set, as every CI service does), no incremental caches:
/// each is gigabytes over all the test binaries, a clean clone never reuses
/// them, and CI's disk ran out once. A developer's runs keep them.
fn ci_env(c: &mut Command) {
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        c.env("CARGO_INCREMENTAL", "0");
    }
}

fn llvm_prefix_to_export() -> Option<&'static str> {
    if std::env::var_os("LLVM_SYS_191_PREFIX").is_some() {
        return None;
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("llvm-config-19").is_file()));
    let debian = Path::new(DEBIAN_LLVM_PREFIX)
        .join("bin/llvm-config")
        .is_file();
    (!on_path && debian).then_some(DEBIAN_LLVM_PREFIX)
}

/// One cargo invocation of `cargo xtask test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Short name, used in progress lines, errors and the log file name.
    pub name: String,
    /// Arguments after `cargo`.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Runs `rustup run <toolchain> cargo` instead of the current cargo.
    pub toolchain: Option<String>,
}

impl Step {
    /// A step from a name and cargo arguments.
    pub fn new(name: &str, args: &[&str]) -> Step {
        Step {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: vec![],
            toolchain: None,
        }
    }

    /// Runs the step with another installed toolchain (`nightly`).
    pub fn toolchain(mut self, name: &str) -> Step {
        self.toolchain = Some(name.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, k: &str, v: &str) -> Step {
        self.env.push((k.into(), v.into()));
        self
    }

    /// The command line, for people.
    pub fn display(&self) -> String {
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        format!("{env}cargo {}", self.args.join(" "))
    }
}

/// Test counts summed over cargo's `test result:` lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestCounts {
    /// Passed tests.
    pub passed: u64,
    /// Failed tests.
    pub failed: u64,
    /// Ignored tests.
    pub ignored: u64,
}

impl std::ops::AddAssign for TestCounts {
    fn add_assign(&mut self, o: TestCounts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.ignored += o.ignored;
    }
}

/// Sums the `test result: ok. 3 passed; 0 failed; 1 ignored; …` lines of
/// cargo test's output (libtest's format, also for doctests).
pub fn parse_test_counts(text: &str) -> TestCounts {
    let mut c = TestCounts::default();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            // "ok. 3 passed" / "FAILED. 3 passed" / "0 failed" / "1 ignored"
            let (n, what) = match words.as_slice() {
                [_, n, w] | [n, w] => (n, w),
                _ => continue,
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match *what {
                "passed" => c.passed += n,
                "failed" => c.failed += n,
                "ignored" => c.ignored += n,
                _ => {}
            }
        }
    }
    c
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    let mut s = String::new();
    if start > 0 {
        s.push_str(&format!("… ({start} earlier lines)\n"));
    }
    s.push_str(&lines[start..].join("\n"));
    s
}

/// The log file of a step: `target/xtask/logs/<name>.log`.
pub fn log_path(ctx: &Ctx, name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ctx.root
        .join("target/xtask/logs")
        .join(format!("{slug}.log"))
}

/// Waits for `child`; on a terminal, shows the last line of its log
/// (`Compiling foo`, `Running tests/…`) and the time so far, on one line.
fn wait_with_progress(mut child: Child, log: &Path, prefix: &str) -> Result<ExitStatus> {
    let tty = io::stdout().is_terminal();
    let start = Instant::now();
    let mut shown = false;
    loop {
        if let Some(st) = child.try_wait().context("waiting for cargo")? {
            if shown {
                // Put the step's line back as it was before the live status.
                print!("\r\x1b[2K{prefix} … ");
            }
            return Ok(st);
        }
        std::thread::sleep(Duration::from_millis(250));
        if tty && start.elapsed() > Duration::from_secs(1) {
            let last = last_line(log).unwrap_or_default();
            let last: String = last.chars().take(70).collect();
            print!(
                "\r\x1b[2K{prefix} {:>4.0}s {last}",
                start.elapsed().as_secs_f64()
            );
            let _ = io::stdout().flush();
            shown = true;
        }
    }
}

/// The last non-empty line of a file, read from its end.
fn last_line(path: &Path) -> Option<String> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(4096))).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// Runs one step: prints `[i/n] name … ok (1.2s)`; its output goes to a log
/// (or to the terminal with `verbose`). On failure the error names the step
/// and the command, after printing the tail of the log. Returns the log text
/// (empty when verbose) and the seconds taken.
pub fn run_step(
    ctx: &Ctx,
    step: &Step,
    i: usize,
    n: usize,
    verbose: bool,
) -> Result<(String, f64)> {
    print!("[{i}/{n}] {:<8} {} … ", step.name, step.display());
    let _ = io::stdout().flush();
    let mut c = match &step.toolchain {
        None => cargo(ctx),
        Some(tc) => {
            let mut c = Command::new("rustup");
            c.args(["run", tc, "cargo"])
                .current_dir(&ctx.root)
                .env_remove("CARGO")
                .env_remove("RUSTC");
            ci_env(&mut c);
            c
        }
    };
    c.args(&step.args);
    for (k, v) in &step.env {
        c.env(k, v);
    }
    let log = log_path(ctx, &step.name);
    let start = Instant::now();
    let status = if verbose {
        println!();
        c.status()
            .with_context(|| format!("could not start `{}`", step.display()))?
    } else {
        fs::create_dir_all(log.parent().expect("log path has a parent"))
            .with_context(|| format!("creating {}", log.display()))?;
        let f = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let f2 = f.try_clone().context("duplicating the log file handle")?;
        let child = c
            .stdin(Stdio::null())
            .stdout(f)
            .stderr(f2)
            .spawn()
            .with_context(|| format!("could not start `{}`", step.display()))?;
        wait_with_progress(child, &log, &format!("[{i}/{n}] {:<8}", step.name))?
    };
    let secs = start.elapsed().as_secs_f64();
    let text = if verbose {
        String::new()
    } else {
        fs::read_to_string(&log).unwrap_or_default()
    };
    let disk = crate::disk::summary(&ctx.root.join("target"));
    if !status.success() {
        if verbose {
            println!("[{i}/{n}] {} FAILED ({secs:.1}s, {disk})", step.name);
        } else {
            println!(
                "FAILED ({secs:.1}s, {disk})\n{}\n(full log: {})",
                tail(&text, 150),
                log.display()
            );
        }
        bail!("step `{}` failed ({status}): {}", step.name, step.display());
    }
    if verbose {
        println!("[{i}/{n}] {} ok ({secs:.1}s, {disk})", step.name);
    } else {
        println!("ok ({secs:.1}s, {disk})");
    }
    Ok((text, secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_summed_over_result_lines() {
        let out = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

   Doc-tests x
test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            parse_test_counts(out),
            TestCounts {
                passed: 5,
                failed: 1,
                ignored: 1
            }
        );
        assert_eq!(parse_test_counts("nothing here"), TestCounts::default());
    }

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("a\nb\nc", 2), "… (1 earlier lines)\nb\nc");
        assert_eq!(tail("a", 5), "a");
    }

    #[test]
    fn step_display() {
        let s = Step::new("doc", &["doc", "--workspace"]).env("RUSTDOCFLAGS", "-Dwarnings");
        assert_eq!(s.display(), "RUSTDOCFLAGS=-Dwarnings cargo doc --workspace");
    }
}
