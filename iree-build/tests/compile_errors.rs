//! What a user sees when something goes wrong: clang's diagnostics as it
//! printed them, prefixed with the target; a missing tool named with where
//! it was looked for and what to install.

mod support;

use iree_build::compile::{compile, CompileError, CompileJob};
use iree_build::toolchain::{Probe, Toolchain};
use support::*;

#[test]
fn syntax_error_carries_file_line_and_target() {
    let tc = toolchain();
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = src.path().join("bad.cu");
    std::fs::write(
        &file,
        "#include <hip/hip_runtime.h>\n\
         extern \"C\" __global__ void k(float* x) {\n\
           x[0] = 1.0f +;\n\
         }\n",
    )
    .unwrap();
    for target in ["gfx1100", "sm_90", "host"] {
        let job = CompileJob::new(&file, t(target), out.path());
        let err = compile(&job, &tc).unwrap_err();
        assert!(matches!(err, CompileError::Tool(_)), "{target}: {err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{target}: clang-19 failed")),
            "{text}"
        );
        assert!(
            text.contains("bad.cu:3:"),
            "{target}: no file:line in\n{text}"
        );
        assert!(text.contains("expected expression"), "{text}");
        assert!(!out
            .path()
            .join("iree-objects")
            .read_dir()
            .unwrap()
            .any(|d| {
                d.unwrap().path().read_dir().unwrap().any(|f| {
                    let f = f.unwrap().path();
                    f.extension().is_some_and(|e| e == "stamp")
                })
            }));
    }
}

#[test]
fn missing_source_is_an_error_naming_it() {
    let tc = toolchain();
    let out = tempfile::tempdir().unwrap();
    let job = CompileJob::new("/no/such/kernel.cu", t("host"), out.path());
    let text = compile(&job, &tc).unwrap_err().to_string();
    assert!(text.contains("/no/such/kernel.cu"), "{text}");
}

#[test]
fn clang_env_pointing_nowhere_names_the_variable_and_the_file() {
    let root = tempfile::tempdir().unwrap();
    // A usable clang on PATH must not be used instead: the variable decides.
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = Toolchain::discover().clang().unwrap().path.clone();
    std::os::unix::fs::symlink(real, bin.join("clang-19")).unwrap();
    let probe = Probe::fake(root.path())
        .with_env("CLANG", "/nonexistent")
        .with_path_dir(&bin);
    let tc = Toolchain::discover_with(&probe);
    let out = tempfile::tempdir().unwrap();
    let job = CompileJob::new(seed_kernels(), t("host"), out.path());
    let err = compile(&job, &tc).unwrap_err();
    assert!(matches!(err, CompileError::Toolchain(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("CLANG"), "{text}");
    assert!(text.contains("/nonexistent"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    // Installing cannot fix a variable that points nowhere: unsetting it does.
    assert!(text.contains("to fix it: unset CLANG"), "{text}");
    assert!(!text.contains("to install it"), "{text}");
    assert!(text.starts_with("cannot build for host"), "{text}");
}

#[test]
fn missing_libdevice_blocks_nvidia_only() {
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = Toolchain::discover().clang().unwrap().path.clone();
    std::os::unix::fs::symlink(real, bin.join("clang-19")).unwrap();
    let tc = Toolchain::discover_with(&Probe::fake(root.path()).with_path_dir(&bin));
    assert!(tc.require_for(&t("host")).is_ok());
    let text = tc.require_for(&t("sm_80")).unwrap_err().to_string();
    assert!(text.contains("libdevice.10.bc not found"), "{text}");
    assert!(
        text.contains("python3 -m pip install --target") && text.contains("nvidia-cuda-nvcc-cu12"),
        "{text}"
    );
    assert!(text.contains("$IREE_TOOLCHAIN_HOME (not set)"), "{text}");
    let text = tc.require_for(&t("gfx1100")).unwrap_err().to_string();
    assert!(
        text.contains("apt-get update && apt-get install -y"),
        "{text}"
    );
}
