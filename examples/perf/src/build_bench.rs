//! Build-loop figures, taken on a scratch copy of the custom_dispatch
//! example so the repository is never touched: a cold build of its kernels
//! for its six targets (issue 10) and for those plus gfx1201 (seven, issue
//! 3), each against the very same compiler commands run by hand in
//! parallel; a no-op rebuild (which must start no compiler), and a touch
//! without change against a real change (six targets).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::stats::Sample;
use crate::Report;

/// The custom_dispatch example's own six targets (its build.rs).
const SIX: [&str; 6] = ["gfx1100", "gfx90a", "gfx942", "sm_80", "sm_90", "host"];
/// The six plus RDNA4: the cold-build figure of the build-loop issue.
const SEVEN: [&str; 7] = [
    "gfx1100", "gfx90a", "gfx942", "sm_80", "sm_90", "host", "gfx1201",
];

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../custom_dispatch")
}

/// Copies the example's bridge and kernels into `dir`.
fn scratch_copy(dir: &Path) -> std::io::Result<()> {
    for sub in ["src", "kernels"] {
        std::fs::create_dir_all(dir.join(sub))?;
        for entry in std::fs::read_dir(example_dir().join(sub))? {
            let entry = entry?;
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn build(
    crate_dir: &Path,
    out_dir: &Path,
    targets: &[&str],
) -> Result<(Duration, iree_build::Output), String> {
    let start = Instant::now();
    let out = iree_build::Build::new()
        .crate_dir(crate_dir)
        .out_dir(out_dir)
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .source("kernels/kernels.cu")
        .source("kernels/add.cu")
        .targets(targets.iter().copied())
        .try_compile("custom_dispatch")
        .map_err(|e| e.to_string())?;
    Ok((start.elapsed(), out))
}

/// Runs the recorded compiler jobs (a job's own commands in order: clang,
/// then ptxas) on as many threads as there are cores, each taking the next
/// job, as a user with a Makefile and `make -j$(nproc)` would. (Running all
/// of them at once instead wins CPU share from whatever else runs on a
/// shared machine, which `iree-build`, holding to the cores, does not.)
fn by_hand(jobs: &[Vec<Vec<String>>]) -> Result<Duration, String> {
    let start = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores.min(jobs.len()))
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else {
                            return Ok(());
                        };
                        job.iter().try_for_each(|cmd| {
                            match Command::new(&cmd[0]).args(&cmd[1..]).status() {
                                Ok(s) if s.success() => Ok(()),
                                other => Err(format!("{}: {other:?}", cmd.join(" "))),
                            }
                        })?;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or(Err("panicked".into())))
    })?;
    Ok(start.elapsed())
}

fn sample(runs: &mut [f64]) -> Sample {
    runs.sort_by(f64::total_cmp);
    Sample {
        median: runs[runs.len() / 2],
        min: runs[0],
        max: runs[runs.len() - 1],
    }
}

/// Runs every build figure into `report`.
pub fn run(report: &mut Report, reps: usize) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    scratch_copy(scratch.path()).map_err(|e| e.to_string())?;
    let (mut cold, mut hand, mut noop, mut touch, mut change) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut cold7, mut hand7) = (vec![], vec![]);
    let mut noop_clang_runs = 0;
    let (mut commands, mut commands7) = (0, 0);
    for rep in 0..reps.max(1) {
        let out_dir = scratch.path().join(format!("seven{rep}"));
        let (t, out) = build(scratch.path(), &out_dir, &SEVEN)?;
        cold7.push(t.as_secs_f64());
        commands7 = out.commands.len();
        hand7.push(by_hand(&out.commands)?.as_secs_f64());

        let out_dir = scratch.path().join(format!("out{rep}"));
        let (t, out) = build(scratch.path(), &out_dir, &SIX)?;
        cold.push(t.as_secs_f64());
        commands = out.commands.len();
        hand.push(by_hand(&out.commands)?.as_secs_f64());

        let (t, out) = build(scratch.path(), &out_dir, &SIX)?;
        noop.push(t.as_secs_f64());
        noop_clang_runs += out.compiler_runs;

        let kernels = scratch.path().join("kernels/kernels.cu");
        let file = std::fs::File::options()
            .append(true)
            .open(&kernels)
            .map_err(|e| e.to_string())?;
        file.set_modified(SystemTime::now())
            .map_err(|e| e.to_string())?;
        let (t, out) = build(scratch.path(), &out_dir, &SIX)?;
        touch.push(t.as_secs_f64());
        noop_clang_runs += out.compiler_runs;

        let mut text = std::fs::read_to_string(&kernels).map_err(|e| e.to_string())?;
        text.push_str(&format!("\n// change {rep}\n"));
        std::fs::write(&kernels, text).map_err(|e| e.to_string())?;
        let (t, _) = build(scratch.path(), &out_dir, &SIX)?;
        change.push(t.as_secs_f64());
    }
    let (cold, hand, noop, touch, change) = (
        sample(&mut cold),
        sample(&mut hand),
        sample(&mut noop),
        sample(&mut touch),
        sample(&mut change),
    );
    let (cold7, hand7) = (sample(&mut cold7), sample(&mut hand7));
    report.note(format!(
        "build figures: custom_dispatch's kernels, {commands} compiler commands for its 6 \
         targets ({}), {commands7} for 7 (+ gfx1201)",
        SIX.join(", ")
    ));
    report.figure("build.cold_6_targets", cold.median, "s", Some(cold));
    report.figure("build.cold_6_targets.by_hand", hand.median, "s", Some(hand));
    report.figure(
        "build.cold_6_targets.ratio",
        cold.median / hand.median,
        "x (iree-build/by hand)",
        None,
    );
    report.figure("build.cold_7_targets", cold7.median, "s", Some(cold7));
    report.figure(
        "build.cold_7_targets.by_hand",
        hand7.median,
        "s",
        Some(hand7),
    );
    report.figure(
        "build.cold_7_targets.ratio",
        cold7.median / hand7.median,
        "x (iree-build/by hand)",
        None,
    );
    report.figure("build.noop_rebuild", noop.median * 1e3, "ms", Some(noop));
    report.figure(
        "build.noop_and_touch_compiler_runs",
        noop_clang_runs as f64,
        "processes",
        None,
    );
    report.figure(
        "build.touch_without_change",
        touch.median * 1e3,
        "ms",
        Some(touch),
    );
    report.figure("build.real_change", change.median * 1e3, "ms", Some(change));
    report.figure(
        "build.touch_vs_change",
        touch.median / change.median,
        "x",
        None,
    );
    Ok(())
}
