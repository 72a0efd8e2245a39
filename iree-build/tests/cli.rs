//! The `iree-build` binary's command line: what it does with good and bad
//! arguments (the commands themselves are run end to end by `user_crate`).

use std::process::{Command, Output};

fn iree_build(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iree-build"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_every_command() {
    for args in [&[][..], &["help"], &["--help"]] {
        let out = iree_build(args);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for cmd in ["doctor", "provision", "new <dir>"] {
            assert!(text.contains(cmd), "{cmd} in {text}");
        }
    }
}

#[test]
fn mistakes_are_errors_that_say_what_to_type() {
    let out = iree_build(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown command \"frobnicate\""));
    let out = iree_build(&["new"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("iree-build new my-kernels"),
        "{}",
        stderr(&out)
    );
    let out = iree_build(&["new", "a", "b"]);
    assert!(stderr(&out).contains("one directory"), "{}", stderr(&out));
    let out = iree_build(&["new", "a", "--path"]);
    assert!(stderr(&out).contains("--path needs"), "{}", stderr(&out));
    let out = iree_build(&["doctor", "--fix"]);
    assert!(
        stderr(&out).contains("does not take \"--fix\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn new_writes_a_crate_and_refuses_to_overwrite_one() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("fresh");
    let out = iree_build(&["new", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cargo run"));
    assert!(dir.join("Cargo.toml").is_file() && dir.join("kernels/kernels.cu").is_file());
    let again = iree_build(&["new", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
}
