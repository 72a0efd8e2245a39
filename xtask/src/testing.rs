//! `cargo xtask test`: provision, then fmt, clippy, tests, feature tests and
//! docs, failing fast with the step's name.

use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use crate::runner::{parse_test_counts, run_step, Step, TestCounts};
use crate::Ctx;

/// A feature whose tests run as their own step, once the package has code
/// that uses the feature (so a feature nobody implemented yet costs nothing).
/// Extend this list to test more features.
pub struct FeatureTests {
    /// Cargo package name.
    pub package: &'static str,
    /// Its directory, relative to the repo root.
    pub dir: &'static str,
    /// The feature.
    pub feature: &'static str,
}

/// The feature test steps. `iree-build --features llvm` is the in-process
/// LLVM path (inkwell); it needs `llvm-19-dev`, which provision installs.
pub const FEATURE_TESTS: &[FeatureTests] = &[FeatureTests {
    package: "iree-build",
    dir: "iree-build",
    feature: "llvm",
}];

/// Whether any `.rs` file under `<dir>/src` or `<dir>/tests` mentions
/// `feature = "<feature>"`, i.e. the feature has code (and so tests) yet.
pub fn feature_in_use(root: &Path, ft: &FeatureTests) -> bool {
    let needle = format!("feature = \"{}\"", ft.feature);
    ["src", "tests"]
        .iter()
        .any(|sub| mentions(&root.join(ft.dir).join(sub), &needle))
}

fn mentions(dir: &Path, needle: &str) -> bool {
    let Ok(rd) = fs::read_dir(dir) else {
        return false;
    };
    rd.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            mentions(&p, needle)
        } else {
            p.extension().is_some_and(|x| x == "rs")
                && fs::read_to_string(&p).is_ok_and(|t| t.contains(needle))
        }
    })
}

/// The steps of `cargo xtask test`, in order: fmt, clippy, tests, feature
/// tests, each runnable example (`cargo run`; an example exits non-zero on a
/// wrong answer), the fuzz targets for a bounded time, the user's way in
/// ([`user_steps`]), docs.
///
/// `lockstep` is iree-build's lockstep pass plugin, when it builds here: the
/// runtime's host tests then run a second time with their kernels compiled
/// under it (and the ASan step uses it too), so both ways of running a
/// block, coroutines and lockstep segments, are tested against the same
/// kernels.
pub fn steps(root: &Path, examples: &[String], lockstep: Option<&Path>) -> Vec<Step> {
    let mut s = vec![
        Step::new("fmt", &["fmt", "--all", "--check"]),
        Step::new(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        Step::new("test", &["test", "--workspace"]),
    ];
    if let Some(plugin) = lockstep {
        s.push(
            Step::new(
                "test-host-lockstep",
                &["test", "-p", "runtime-hip", "--lib", "host::"],
            )
            .env("IREE_HOST_TEST_CFLAGS", &lockstep_flags(plugin))
            .env("IREE_HOST_TEST_LOCKSTEP", "1"),
        );
    }
    for ft in FEATURE_TESTS {
        if feature_in_use(root, ft) {
            s.push(Step::new(
                &format!("test-{}", ft.feature),
                &["test", "-p", ft.package, "--features", ft.feature],
            ));
        }
    }
    if nightly_available() {
        // Both ways of running a block: coroutines, then lockstep segments.
        s.push(asan_step("asan", None));
        if let Some(plugin) = lockstep {
            s.push(asan_step("asan-lockstep", Some(plugin)));
        }
    }
    for ex in examples {
        s.push(Step::new(
            &format!("run-{ex}"),
            &["run", "--quiet", "-p", ex],
        ));
    }
    s.push(fuzz_step());
    s.extend(user_steps());
    s.push(
        Step::new("doc", &["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-Dwarnings"),
    );
    s
}

/// Seconds the fuzz step spends, shared by every target.
const FUZZ_SECONDS: &str = "60";

/// Every parser's fuzz target for a bounded time, on stable: the mutation
/// driver of `runtime-hip/fuzz` (its README has the libFuzzer recipe). The
/// test step already replayed each target's seeds; this runs longer.
fn fuzz_step() -> Step {
    Step::new(
        "fuzz",
        &[
            "run",
            "--quiet",
            "-p",
            "runtime-hip-fuzz",
            "--",
            "--seconds",
            FUZZ_SECONDS,
        ],
    )
}

/// The crates a user depends on, published to crates.io, in dependency order.
pub const PUBLISHED: &[&str] = &[
    "iree-abi",
    "iree-syntax",
    "iree-macros",
    "runtime-hip",
    "iree-build",
];

/// What a user of the published crates goes through: the pip advice of a
/// build error followed for real (PyPI), a crate made outside the workspace
/// by the `iree-build` binary and run (the README's "Use it in your own
/// crate"; crates.io), and `cargo publish --dry-run` of every published
/// crate (packaged and built from its package alone). The first two are
/// `#[ignore]`d tests of iree-build, too slow and networked for `cargo test`.
fn user_steps() -> Vec<Step> {
    let mut publish = vec![
        "publish",
        "--dry-run",
        "--allow-dirty",
        "--target-dir",
        PUBLISH_TARGET_DIR,
    ];
    for p in PUBLISHED {
        publish.extend(["-p", p]);
    }
    vec![
        Step::new(
            "pip-advice",
            &[
                "test",
                "-p",
                "iree-build",
                "--test",
                "pip_advice",
                "--",
                "--ignored",
            ],
        ),
        Step::new(
            "user-crate",
            &[
                "test",
                "-p",
                "iree-build",
                "--test",
                "user_crate",
                "--",
                "--ignored",
            ],
        ),
        Step::new("publish", &publish),
    ]
}

/// Where the publish step builds: packaged crates are built with their own
/// manifests (no workspace profile), so they share no artifacts with the
/// other steps anyway.
const PUBLISH_TARGET_DIR: &str = "target/publish";

/// `cargo publish --dry-run` of several crates verifies each against the
/// ones before it through a local registry (`target/package/tmp-registry`).
/// Cargo treats a registry crate as immutable: it unpacks it once under
/// `$CARGO_HOME/registry/src/-<hash of that path>/` and never rebuilds it
/// for a changed content, so a second run in the same checkout would verify
/// against the first run's `iree-abi`, say, and fail on any change since.
/// Both are forgotten first: our crates' unpacked copies in such path-named
/// (`-`-prefixed) registries (crates.io's are never touched) and their
/// fingerprints in [`PUBLISH_TARGET_DIR`].
fn forget_unpacked_local_packages(root: &Path) {
    let version = env!("CARGO_PKG_VERSION");
    let fingerprints = root.join(PUBLISH_TARGET_DIR).join("debug/.fingerprint");
    if let Ok(dirs) = fs::read_dir(&fingerprints) {
        for d in dirs.flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            let ours = PUBLISHED.iter().any(|k| {
                name.strip_prefix(k)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|hash| hash.chars().all(|c| c.is_ascii_hexdigit()))
            });
            if ours {
                let _ = fs::remove_dir_all(d.path());
            }
        }
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return;
    };
    let Ok(registries) = fs::read_dir(&src) else {
        return;
    };
    for reg in registries.flatten() {
        if !reg.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for krate in PUBLISHED {
            let _ = fs::remove_dir_all(reg.path().join(format!("{krate}-{version}")));
        }
    }
}

/// The host platform's tests under AddressSanitizer: the executor (worker
/// pool, coroutine stacks, the allocation registry) and the kernels it runs
/// are instrumented, the Rust side by `-Zsanitizer=address` (nightly only)
/// and the test kernels by `-fsanitize=address`. A separate target dir keeps
/// these builds from invalidating the normal ones (the kernels are
/// rebuilt when the flags change; the Rust side is not).
fn asan_step(name: &str, lockstep: Option<&Path>) -> Step {
    let mut cflags = "-fsanitize=address".to_string();
    if let Some(plugin) = lockstep {
        cflags = format!("{cflags} {}", lockstep_flags(plugin));
    }
    let step = Step::new(
        name,
        &[
            "test",
            "-p",
            "runtime-hip",
            "--lib",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--target-dir",
            "target/asan",
            "host::",
        ],
    )
    .toolchain("nightly")
    // -rdynamic: the test kernels are a dlopened library, and their
    // instrumentation calls into the ASan runtime linked into the test binary.
    .env("RUSTFLAGS", "-Zsanitizer=address -Clink-arg=-rdynamic")
    .env("IREE_HOST_TEST_CFLAGS", &cflags)
    .env("ASAN_OPTIONS", "detect_leaks=0");
    if lockstep.is_some() {
        step.env("IREE_HOST_TEST_LOCKSTEP", "1")
    } else {
        step
    }
}

/// The host compile flags that load the lockstep plugin, as iree-build
/// passes them (`IREE_HOST_TEST_CFLAGS` is split at whitespace, so a target
/// dir whose path has spaces gets no lockstep step: see [`test()`]).
fn lockstep_flags(plugin: &Path) -> String {
    format!("-fpass-plugin={} -DIREE_HOST_LOCKSTEP=1", plugin.display())
}

/// Whether `rustup` has a nightly toolchain (the machine image ships one);
/// without it the ASan step is skipped with a note.
fn nightly_available() -> bool {
    std::process::Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .env_remove("RUSTC")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs every step; prints a closing `xtask test: N passed, N failed, N skipped` line.
pub fn test(ctx: &Ctx, verbose: bool) -> Result<()> {
    let start = Instant::now();
    let examples: Vec<String> = crate::examples::list(ctx)?
        .into_iter()
        .filter(|e| e.runnable)
        .map(|e| e.name)
        .collect();
    let tc = iree_build::toolchain::Toolchain::discover();
    let lockstep = iree_build::compile::plugin::for_host(&tc, &ctx.root.join("target"));
    let plugin = match lockstep.plugin() {
        Some(p) if !p.to_string_lossy().contains(char::is_whitespace) => Some(p),
        _ => {
            println!("(skipping the host tests under the lockstep pass: {lockstep:?})");
            None
        }
    };
    let steps = steps(&ctx.root, &examples, plugin);
    forget_unpacked_local_packages(&ctx.root);
    for ft in FEATURE_TESTS {
        if !feature_in_use(&ctx.root, ft) {
            println!(
                "(skipping `cargo test -p {} --features {}`: no code uses that feature yet)",
                ft.package, ft.feature
            );
        }
    }
    if cfg!(target_arch = "x86_64") && !nightly_available() {
        println!("(skipping the AddressSanitizer step: no nightly toolchain in rustup)");
    }
    let mut counts = TestCounts::default();
    for (i, step) in steps.iter().enumerate() {
        let (text, _) = run_step(ctx, step, i + 1, steps.len(), verbose)?;
        if step.args.first().is_some_and(|a| a == "test") {
            counts += parse_test_counts(&text);
        }
    }
    // The device folder builds from this checkout, `--run` stops clearly on
    // this GPU-less machine, and run.sh is rehearsed on the host (docs/GPU.md).
    crate::gpu_check::ci(ctx)?;
    println!(
        "all {} steps ok in {:.0}s",
        steps.len(),
        start.elapsed().as_secs_f64()
    );
    if !verbose {
        // The plain closing line CI reads (cargo's own lines are in the logs).
        println!(
            "xtask: {} passed, {} failed, {} skipped",
            counts.passed, counts.failed, counts.ignored
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_in_order_and_feature_tests_only_when_used() {
        let dir = std::env::temp_dir().join(format!("xtask-steps-{}", std::process::id()));
        let src = dir.join("iree-build/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("lib.rs"), "pub fn f() {}").unwrap();
        // The ASan steps are there exactly when rustup has a nightly: one
        // for coroutines, one more for lockstep when the plugin builds.
        let names = |s: Vec<Step>| {
            s.into_iter()
                .map(|s| s.name)
                .filter(|n| !n.starts_with("asan"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            steps(&dir, &[], None).iter().any(|s| s.name == "asan"),
            nightly_available()
        );
        assert_eq!(
            names(steps(&dir, &[], None)),
            [
                "fmt",
                "clippy",
                "test",
                "fuzz",
                "pip-advice",
                "user-crate",
                "publish",
                "doc"
            ]
        );
        let plugin = Path::new("/t/liblockstep.so");
        let with = steps(&dir, &[], Some(plugin));
        assert_eq!(
            names(with.clone()),
            [
                "fmt",
                "clippy",
                "test",
                "test-host-lockstep",
                "fuzz",
                "pip-advice",
                "user-crate",
                "publish",
                "doc"
            ]
        );
        let asan: Vec<&str> = with
            .iter()
            .filter(|s| s.name.starts_with("asan"))
            .map(|s| s.name.as_str())
            .collect();
        let expected: &[&str] = if nightly_available() {
            &["asan", "asan-lockstep"]
        } else {
            &[]
        };
        assert_eq!(asan, expected);
        let lock = with
            .iter()
            .find(|s| s.name == "test-host-lockstep")
            .unwrap();
        assert_eq!(
            lock.display(),
            "IREE_HOST_TEST_CFLAGS=-fpass-plugin=/t/liblockstep.so -DIREE_HOST_LOCKSTEP=1 \
             IREE_HOST_TEST_LOCKSTEP=1 cargo test -p runtime-hip --lib host::"
        );
        fs::write(src.join("llvm.rs"), "#[cfg(feature = \"llvm\")]\nmod t {}").unwrap();
        let s = steps(&dir, &["custom_dispatch".to_string()], None);
        assert_eq!(s[3].display(), "cargo test -p iree-build --features llvm");
        let run = s.iter().find(|s| s.name == "run-custom_dispatch").unwrap();
        assert_eq!(run.display(), "cargo run --quiet -p custom_dispatch");
        let publish = s.iter().find(|s| s.name == "publish").unwrap();
        assert_eq!(
            publish.display(),
            "cargo publish --dry-run --allow-dirty --target-dir target/publish -p iree-abi \
             -p iree-syntax -p iree-macros -p runtime-hip -p iree-build"
        );
        assert_eq!(
            names(s),
            [
                "fmt",
                "clippy",
                "test",
                "test-llvm",
                "run-custom_dispatch",
                "fuzz",
                "pip-advice",
                "user-crate",
                "publish",
                "doc"
            ]
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
