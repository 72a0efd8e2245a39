//! The one clang command that builds host test kernels into a shared
//! library, shared by the host backend's unit tests (`src/host/tests`) and
//! the integration tests (`tests/host_kernels`, which include this file with
//! `#[path]`). It uses only `std`, so that both crates can compile it.
//!
//! The product links host objects statically into the program; the tests
//! `dlopen` a library instead, only for convenience (no build script). Such
//! a library must use general-dynamic TLS for its kilobytes of `__shared__`
//! (see the host header), unless `IREE_HOST_TEST_TLS=initial-exec` asks for
//! the TLS code a static link produces (see [`tls_flags`]).

use std::path::Path;
use std::process::Command;

/// The flags `iree-build` uses for the host target.
const HOST_FLAGS: &[&str] = &[
    "-x",
    "c++",
    "-std=c++17",
    "-O3",
    "-fPIC",
    "-fno-exceptions",
    "-fno-rtti",
    "-ffunction-sections",
    "-fno-math-errno",
];

/// What iree-build adds on x86-64 GNU/Linux (`compile::host::vector_math`):
/// vectorised loops call glibc's libmvec, which the library then links.
const VECTOR_MATH_FLAGS: &[&str] = if cfg!(all(
    target_arch = "x86_64",
    target_os = "linux",
    target_env = "gnu"
)) {
    &["-fveclib=libmvec", "-lmvec"]
} else {
    &[]
};

/// `IREE_HOST_TEST_TLS=initial-exec` compiles the test kernels with
/// initial-exec TLS throughout, as fast as a static link's local-exec; the
/// process then needs `GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536`
/// to dlopen them.
fn tls_flags() -> Vec<String> {
    match std::env::var("IREE_HOST_TEST_TLS").as_deref() {
        Ok("initial-exec") => vec![
            "-ftls-model=initial-exec".into(),
            "-DIREE_HOST_TLS_MODEL=\"initial-exec\"".into(),
        ],
        _ => vec!["-DIREE_HOST_TLS_MODEL=\"global-dynamic\"".into()],
    }
}

/// Compiles `sources` (C++, with the host HIP header of `iree-build`, the
/// `-D` flags `defines` and the flags of `IREE_HOST_TEST_CFLAGS`, e.g.
/// `-fsanitize=address` under ASan or the lockstep pass plugin) into the
/// shared library `so`. Panics with clang's output if it fails; `$CLANG`
/// names the compiler (default `clang++-19`).
pub fn compile_host_library(sources: &[&Path], defines: &[String], so: &Path) {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../iree-build/include/host");
    // The headers the host shares with AMD (iree-build writes both sets
    // into one directory; the source tree keeps the shared ones apart).
    let common = Path::new(env!("CARGO_MANIFEST_DIR")).join("../iree-build/include/common");
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang++-19".to_string());
    let out = Command::new(&clang)
        .args(HOST_FLAGS)
        .args(VECTOR_MATH_FLAGS)
        .args(["-Wall", "-Werror", "-I"])
        .arg(include)
        .arg("-I")
        .arg(common)
        .args(defines)
        .args(tls_flags())
        .args(
            std::env::var("IREE_HOST_TEST_CFLAGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        .arg("-shared")
        .arg("-o")
        .arg(so)
        .args(sources)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {clang} (set CLANG): {e}"));
    assert!(
        out.status.success(),
        "{clang} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
