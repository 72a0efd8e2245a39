//! Shared by the `fake_*` test binaries: builds the fake driver in
//! `fake_driver.c` with the system C compiler and runs the IREE sample's two
//! kernels through it.

use std::path::PathBuf;
use std::process::Command;

use runtime_hip::{Device, Error, Format};

use crate::sample;

/// Compiles the fake driver (`which` = "CUDA" or "HIP"); `None` (the test
/// then skips) when no C compiler is found.
pub fn build(which: &str) -> Option<PathBuf> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake/fake_driver.c");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("libfake{which}.so"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    for compiler in [cc.as_str(), "clang-19", "clang", "gcc"] {
        let ok = Command::new(compiler)
            .args(["-shared", "-fPIC", "-O1", &format!("-DFAKE_{which}"), "-o"])
            .arg(&out)
            .arg(src)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(out);
        }
    }
    eprintln!("skipped: no C compiler to build the fake driver");
    None
}

/// The sample's executable with one text "object" per target; `bad` gives
/// objects the fake driver refuses to load.
pub fn bundle(targets: &[(&str, Format)], bad: bool) -> &'static [u8] {
    let text = if bad {
        "BAD object\0"
    } else {
        ".entry simple_mul simple_mul_inplace\0"
    };
    sample::bundle(
        targets
            .iter()
            .map(|(t, f)| sample::variant(t, *f, text.as_bytes()))
            .collect(),
    )
}

pub use sample::kernel;

/// simple_mul then simple_mul_inplace, as in the IREE sample, checking the
/// results computed by the fake driver from the packed kernel parameters.
pub fn run_sample(device: &Device, bundle: &'static [u8]) -> Result<(), Error> {
    let inplace = kernel(bundle, "simple_mul_inplace", 1);
    let sample::Launched {
        stream,
        lhs_host,
        lhs,
        mut ret,
    } = sample::simple_mul(device, bundle, 100)?;
    // SAFETY: simple_mul_inplace takes (const float*, float*, int) and stays
    // below `dim`; a sub-slice binding starts at its own element.
    unsafe {
        inplace.launch(
            &stream,
            [1, 1, 1],
            &[
                lhs.slice(10..20).binding(),
                ret.slice_mut(..10).binding_mut(),
            ],
            &[10],
        )?;
    }
    let got = stream.read(&ret)?;
    for (i, g) in got.iter().enumerate() {
        let want = if i < 10 {
            lhs_host[i] * 4.0 * lhs_host[10 + i]
        } else {
            lhs_host[i] * 4.0
        };
        assert_eq!(*g, want, "element {i}");
    }
    Ok(())
}
