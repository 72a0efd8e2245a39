//! The stable-Rust driver: replays a target's seeds, then mutates its corpus
//! for a budget of iterations and time. Without coverage feedback it keeps,
//! as a crude substitute, every mutant the parser accepted (a bounded
//! number), so later mutations start from inputs that got past the first
//! checks.
//!
//! Findings: a panic (caught, with its message and location), an input that
//! runs longer than [`Budget::hang`] (a watchdog aborts the process) and a
//! huge allocation ([`crate::limits`], aborts too). Each saves the input
//! under [`findings_dir`] and names the file, which
//! `cargo run -p runtime-hip-fuzz -- TARGET --input FILE` replays.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mutate::{mutate, Rng};
use crate::targets::Target;

/// How long and how hard to fuzz one target.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Mutated inputs to run at most (seeds are always replayed).
    pub iterations: u64,
    /// Wall time for the mutations at most.
    pub time: Duration,
    /// One input running longer than this is a hang.
    pub hang: Duration,
    /// Seed of the mutator's random numbers.
    pub rng_seed: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            iterations: u64::MAX,
            time: Duration::from_secs(10),
            hang: Duration::from_secs(10),
            rng_seed: 0x1ee7_f022,
        }
    }
}

/// What a clean run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Seeds replayed.
    pub seeds: usize,
    /// Seeds the parser accepted.
    pub seeds_accepted: usize,
    /// Mutated inputs run.
    pub mutations: u64,
    /// Mutated inputs the parser accepted.
    pub mutations_accepted: u64,
    /// Time spent.
    pub elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} seeds ({} accepted), {} mutations ({} accepted) in {:.1?}, no finding",
            self.target,
            self.seeds,
            self.seeds_accepted,
            self.mutations,
            self.mutations_accepted,
            self.elapsed
        )
    }
}

/// A panic in a parser, with the input saved to `input`.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The target.
    pub target: &'static str,
    /// The panic message and location.
    pub message: String,
    /// Where the input was saved.
    pub input: PathBuf,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}; input saved to {} (replay: cargo run -p runtime-hip-fuzz -- {} --input {})",
            self.target,
            self.message,
            self.input.display(),
            self.target,
            self.input.display()
        )
    }
}

/// Where findings are saved: `$IREE_FUZZ_FINDINGS`, else
/// `target/fuzz-findings` of the repository.
pub fn findings_dir() -> PathBuf {
    std::env::var_os("IREE_FUZZ_FINDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::seeds::repo_root().join("target/fuzz-findings"))
}

/// Saves `input` of `target` under [`findings_dir`], named by its hash.
fn save(target: &str, input: &[u8]) -> PathBuf {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let dir = findings_dir();
    let path = dir.join(format!("{target}-{hash:016x}.bin"));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&path, input);
    path
}

thread_local! {
    /// The target and input this thread runs now, for the reports that
    /// abort (hangs are reported from the watchdog, which reads the copy in
    /// its `Watch`).
    static CURRENT: RefCell<(&'static str, Vec<u8>)> = const { RefCell::new(("", Vec::new())) };
    /// The message of the last panic on this thread.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Saves the current input of this thread, prints `why` and aborts: for
/// findings that cannot be unwound from (the allocation limits).
pub fn abort_with_finding(why: &str) -> ! {
    let saved = CURRENT
        .try_with(|c| c.try_borrow().ok().map(|c| (c.0, save(c.0, &c.1))))
        .ok()
        .flatten();
    match saved {
        Some((target, path)) => eprintln!(
            "fuzz finding in `{target}`: {why}; input saved to {} (replay: cargo run -p \
             runtime-hip-fuzz -- {target} --input {})",
            path.display(),
            path.display()
        ),
        None => eprintln!("fuzz finding: {why} (outside a fuzz input)"),
    }
    std::process::abort()
}

/// Installs (once) a panic hook that records the message for the driver
/// instead of printing it, on threads that are running a fuzz input.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let fuzzing = CURRENT
                .try_with(|c| !c.borrow().0.is_empty())
                .unwrap_or(false);
            if fuzzing {
                let _ = PANIC.try_with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// The watchdog's view of the input in flight.
struct Watch {
    /// Since when the current input runs, and a copy of it.
    current: Mutex<Option<(Instant, Vec<u8>)>>,
    done: AtomicBool,
}

/// Aborts the process when one input runs longer than `hang`.
fn watchdog(target: &'static str, hang: Duration) -> Arc<Watch> {
    let watch = Arc::new(Watch {
        current: Mutex::new(None),
        done: AtomicBool::new(false),
    });
    let w = watch.clone();
    std::thread::spawn(move || {
        while !w.done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            let guard = w.current.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((start, input)) = guard.as_ref() {
                if start.elapsed() > hang {
                    let path = save(target, input);
                    eprintln!(
                        "fuzz finding in `{target}`: one input ran longer than {hang:?} (a hang); \
                         input saved to {} (replay: cargo run -p runtime-hip-fuzz -- {target} \
                         --input {})",
                        path.display(),
                        path.display()
                    );
                    std::process::abort();
                }
            }
        }
    });
    watch
}

/// Runs `target` once on `input`: `Ok(accepted)`, or the panic message.
fn run_one(target: &'static Target, watch: &Watch, input: &[u8]) -> Result<bool, String> {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        c.0 = target.name;
        c.1.clear();
        c.1.extend_from_slice(input);
    });
    *watch.current.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((Instant::now(), input.to_vec()));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    *watch.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    outcome.map_err(|_| {
        PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "a panic".to_string())
    })
}

/// Most inputs the corpus grows to (seeds plus accepted mutants).
const MAX_CORPUS: usize = 512;

/// Replays `target`'s seeds, then fuzzes for `budget`; the first panic is a
/// [`Finding`] (hangs and huge allocations abort the process instead).
pub fn fuzz(target: &'static Target, budget: Budget) -> Result<Report, Finding> {
    quiet_panics();
    let start = Instant::now();
    let watch = watchdog(target.name, budget.hang);
    let result = fuzz_watched(target, budget, &watch, start);
    watch.done.store(true, Ordering::Relaxed);
    CURRENT.with(|c| c.borrow_mut().0 = "");
    result
}

fn fuzz_watched(
    target: &'static Target,
    budget: Budget,
    watch: &Watch,
    start: Instant,
) -> Result<Report, Finding> {
    let finding = |message, input: &[u8]| Finding {
        target: target.name,
        message,
        input: save(target.name, input),
    };
    let mut corpus: Vec<Vec<u8>> = (target.seeds)().into_iter().map(|s| s.bytes).collect();
    let mut report = Report {
        target: target.name,
        seeds: corpus.len(),
        seeds_accepted: 0,
        mutations: 0,
        mutations_accepted: 0,
        elapsed: Duration::ZERO,
    };
    for seed in &corpus {
        match run_one(target, watch, seed) {
            Ok(accepted) => report.seeds_accepted += usize::from(accepted),
            Err(message) => return Err(finding(message, seed)),
        }
    }
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let mut rng = Rng::new(budget.rng_seed);
    let mutation_start = Instant::now();
    let mut input = Vec::new();
    while report.mutations < budget.iterations && mutation_start.elapsed() < budget.time {
        let base = rng.below(corpus.len());
        let other = rng.below(corpus.len());
        input.clone_from(&corpus[base]);
        mutate(
            &mut rng,
            &mut input,
            &corpus[other],
            target.dict,
            target.max_len,
        );
        report.mutations += 1;
        match run_one(target, watch, &input) {
            Ok(true) => {
                report.mutations_accepted += 1;
                if corpus.len() < MAX_CORPUS {
                    corpus.push(input.clone());
                } else {
                    // Replace a kept mutant, never a seed.
                    let seeds = report.seeds.min(corpus.len() - 1);
                    let slot = seeds + rng.below(corpus.len() - seeds);
                    corpus[slot].clone_from(&input);
                }
            }
            Ok(false) => {}
            Err(message) => return Err(finding(message, &input)),
        }
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Runs `f` on a thread with a 256 MiB stack (reserved, touched only as
/// used): parsers of nested text recurse, and a deep but legitimate nesting
/// must not be mistaken for a crash by the 2 MiB default.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(256 << 20)
        .spawn(f)
        .expect("spawn the fuzz thread")
        .join()
        .unwrap_or_else(|p| panic::resume_unwind(p))
}
