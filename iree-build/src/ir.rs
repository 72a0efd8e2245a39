//! The dispatch IR: one [`DispatchExtern`] per `#[extern_dispatch]`
//! declaration, mirroring IREE's `hal.dispatch.extern` op.
//!
//! `hal.dispatch.extern "name"[workload](args) layout(…) bindings(…)
//! objects(…) count(…)` carries everything needed to outline a dispatch into
//! an executable; this type carries the same, lowered from the
//! [`syntax`] tree by [`lower`] so that the passes (`outline`, `verify`,
//! `emit`) work on plain data: no spans, no `syn` types, cheap to clone and
//! compare, buildable by hand in tests. The model and its lowering live in
//! `iree_syntax::model`, because the macro lowers declarations the same way
//! to compare them with the manifest.

use crate::syntax;
use std::path::{Path, PathBuf};

/// The model lives in `iree_syntax` (the macro lowers with it too); the
/// build's passes name it from here.
pub use iree_syntax::model::{lower, normalize_path, Arg, DispatchExtern, Location, ObjectSet};
/// An argument's kind: the one parameter-kind type.
pub use iree_syntax::ParamKind;

/// The one place declaration sizes are multiplied (checked), so that no
/// value a user writes can overflow (and panic) anywhere downstream.
pub use iree_abi::limits::workgroup_threads;

/// Parses a bridge file into dispatches: `path` is read relative to nothing
/// (the caller resolves it); `rel` is how locations name it.
pub fn lower_file(
    path: &Path,
    rel: &str,
    text: &str,
) -> Result<Vec<DispatchExtern>, syntax::Errors> {
    let (dispatches, errors) = lower_file_each(path, rel, text)?;
    errors.finish(dispatches)
}

/// [`lower_file`] declaration by declaration (see
/// [`syntax::parse_file_each`]): the dispatches of the good declarations and
/// the errors of the broken ones.
pub fn lower_file_each(
    path: &Path,
    rel: &str,
    text: &str,
) -> Result<(Vec<DispatchExtern>, syntax::Errors), syntax::Errors> {
    let (decls, errors) = syntax::parse_file_each(path, text)?;
    let dispatches = decls.iter().map(|d| lower(d, rel)).collect();
    Ok((dispatches, errors))
}

/// The file stem of a source (`kernels/kernels.cu` → `kernels`).
pub fn source_stem(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.to_string())
}

/// Resolves a crate-relative path against the crate root.
pub fn resolve(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use runtime_hip::target::TargetId;
    use std::path::Path;

    /// Lowers Rust source holding declarations (a test helper for all passes).
    pub(crate) fn dispatches(file: &str, src: &str) -> Vec<DispatchExtern> {
        lower_file(Path::new(file), file, src).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) const SAMPLE: &str = r#"
use runtime_hip::DeviceSlice;

/// `ret = lhs * rhs`
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);

/// `rhs *= lhs`
#[iree_macros::extern_dispatch(
    source = "./kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
pub fn simple_mul_inplace(lhs: &DeviceSlice<f32>, rhs: &mut DeviceSlice<f32>, dim: i32);
"#;

    #[test]
    fn lowers_the_sample() {
        let d = dispatches("src/main.rs", SAMPLE);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].export, "simple_mul");
        assert_eq!(d[0].objects, ObjectSet::Source("kernels/kernels.cu".into()));
        assert_eq!(d[1].objects, d[0].objects, "`./` is normalised away");
        assert_eq!(d[0].workload, vec!["dim"]);
        assert_eq!(d[0].tied(), vec![2]);
        assert_eq!(d[1].tied(), vec![1]);
        assert_eq!(d[0].location.to_string(), "src/main.rs:10:8");
        assert_eq!(d[0].arg_for_binding(2).unwrap().name, "ret");
        assert_eq!(d[0].arg_for_constant(0).unwrap().name, "dim");
        let diag = d[0].diagnostic("bad", Some("ret"), Some(&TargetId::Host));
        assert_eq!(
            diag.to_string(),
            "src/main.rs:10:8: `simple_mul` for host, parameter `ret`: bad"
        );
        assert_eq!((diag.message.as_str(), diag.param_index), ("bad", Some(2)));
    }

    #[test]
    fn prebuilt_objects_are_sorted() {
        let d = dispatches(
            "src/lib.rs",
            r#"
#[extern_dispatch(objects = { "sm_80" = "k.ptx", "gfx1100" = "k.co" }, workgroup_size = [1, 1, 1])]
fn k(x: &mut DeviceSlice<u32>);
"#,
        );
        let ObjectSet::Prebuilt(v) = &d[0].objects else {
            panic!()
        };
        assert_eq!(v[0].0.to_string(), "gfx1100");
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize_path("./a/./b.cu"), "a/b.cu");
        assert_eq!(normalize_path("a\\b.cu"), "a/b.cu");
        assert_eq!(normalize_path("/abs/x.cu"), "/abs/x.cu");
        assert_eq!(source_stem("kernels/kernels.cu"), "kernels");
    }
}
