//! The host header's `HostLaunch` and the runtime's agree: the header's
//! `static_assert`s state exactly `runtime_hip::host::HOST_LAUNCH_LAYOUT`
//! (the Rust side asserts the same table at compile time), and the header
//! compiles with them, so a field added, moved or resized on one side only
//! is a build error (a failing test here, or a failing host compile).

use std::path::Path;
use std::process::Command;

use runtime_hip::host::HOST_LAUNCH_LAYOUT;

fn header() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/host/hip/hip_runtime.h")
}

/// `(size, [(field, offset)])` as the header's `static_assert` lines say.
fn header_layout(text: &str) -> (Option<usize>, Vec<(String, usize)>) {
    let mut size = None;
    let mut fields = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("static_assert(") else {
            continue;
        };
        let Some((lhs, rhs)) = rest.split_once(" == ") else {
            continue;
        };
        let value = || {
            rhs.split(',')
                .next()
                .and_then(|n| n.trim().parse::<usize>().ok())
        };
        if lhs == "sizeof(HostLaunch)" {
            size = value();
        } else if let Some(f) = lhs
            .strip_prefix("offsetof(HostLaunch, ")
            .and_then(|f| f.strip_suffix(')'))
        {
            fields.push((f.to_string(), value().expect("an offset")));
        }
    }
    (size, fields)
}

#[test]
fn header_asserts_the_runtime_layout() {
    let text = std::fs::read_to_string(header()).unwrap();
    let (size, fields) = header_layout(&text);
    let (want_size, want_fields) = HOST_LAUNCH_LAYOUT;
    assert_eq!(size, Some(want_size), "sizeof(HostLaunch) in the header");
    let want: Vec<(String, usize)> = want_fields
        .iter()
        .map(|&(f, o)| (f.to_string(), o))
        .collect();
    assert_eq!(fields, want, "offsetof(HostLaunch, ...) in the header");
}

/// The header's assertions hold for its own struct (so every host kernel
/// compile checks them), and a drifted number is a compile error.
#[test]
fn header_asserts_are_checked_by_clang() {
    let dir = tempfile::tempdir().unwrap();
    let compile = |src: &str| {
        let tu = dir.path().join("tu.cc");
        std::fs::write(&tu, src).unwrap();
        let clang = std::env::var("IREE_CLANG").unwrap_or_else(|_| "clang-19".into());
        Command::new(clang)
            .args(["-x", "c++", "-std=c++17", "-fsyntax-only", "-I"])
            .arg(header().parent().unwrap().parent().unwrap())
            // The headers the host shares with AMD (`SHARED_HEADERS`).
            .arg("-I")
            .arg(
                header()
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .join("common"),
            )
            .arg(&tu)
            .output()
            .expect("clang-19 runs (cargo xtask provision installs it)")
    };
    let ok = compile("#include <hip/hip_runtime.h>\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // The same header with one offset moved: clang must refuse it.
    let text = std::fs::read_to_string(header()).unwrap();
    let drifted = text.replace(
        "offsetof(HostLaunch, block_count) == 48",
        "offsetof(HostLaunch, block_count) == 52",
    );
    assert_ne!(drifted, text);
    let bad = compile(&drifted);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("HostLaunch.block_count"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
