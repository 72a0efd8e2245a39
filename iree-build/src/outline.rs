//! Outlining: dispatches → executables with exports and ordinals.
//!
//! IREE's `OutlineDispatchExterns` turns each `hal.dispatch.extern` into its
//! own `hal.executable` and relies on later deduplication; the seed warns
//! that one object used by 500 dispatch sites would otherwise be embedded
//! 500 times. Here grouping is done up front:
//!
//! - dispatches with equal [`ObjectSet`]s (the same source, or the same
//!   prebuilt objects for the same targets) become one executable, so each
//!   object is compiled and embedded once;
//! - within an executable, declarations of the same export with the same
//!   layout and launch attributes share one export (the inline-dispatch
//!   dedupe); the same export with a different layout is an error naming both
//!   declarations, since one kernel has one ABI; the same export and layout
//!   with a different `workgroup_size` (or shared memory, subgroup size)
//!   becomes a second export of the same kernel, as the runtime launches
//!   exports with their recorded block dims;
//! - exports get ordinals in declaration order within their executable, and
//!   executables are numbered in order of their first declaration, so
//!   the output is stable for a stable input;
//! - executables are named after the source stem (`kernels`), or
//!   `<crate>_dispatch_<n>` for prebuilt objects; a stem used twice gets the
//!   `_<n>` form too.

use crate::ir::{DispatchExtern, Location, ObjectSet};
use crate::layout::PipelineLayout;
use std::fmt;

/// One export of an executable (IREE's `hal.executable.export`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The kernel's symbol name.
    pub name: String,
    /// Ordinal within the executable.
    pub ordinal: u32,
    /// Its layout.
    pub layout: PipelineLayout,
    /// Block dims.
    pub workgroup_size: [u32; 3],
    /// Declared subgroup size.
    pub subgroup_size: Option<u32>,
    /// Dynamic shared memory in bytes.
    pub workgroup_local_memory: u32,
    /// The dispatches (indices into the input) that use this export, first
    /// one first: verification reports against each of them.
    pub dispatches: Vec<usize>,
}

/// One executable: a set of objects and the exports dispatched from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executable {
    /// Stable name.
    pub name: String,
    /// Where its objects come from.
    pub objects: ObjectSet,
    /// Exports in ordinal order.
    pub exports: Vec<Export>,
}

/// Where one dispatch ended up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Index of the executable.
    pub executable: usize,
    /// Ordinal of the export within it.
    pub ordinal: u32,
}

/// The result of outlining.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outlined {
    /// Executables in order of first use.
    pub executables: Vec<Executable>,
    /// For each input dispatch, where it went.
    pub placements: Vec<Placement>,
}

/// Two declarations of one export that cannot share it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineError {
    /// The later declaration.
    pub location: Location,
    /// The earlier one it conflicts with.
    pub previous: Location,
    /// Index of the later dispatch in the input.
    pub dispatch: usize,
    /// What differs.
    pub message: String,
}

impl fmt::Display for OutlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (first declared at {})",
            self.location, self.message, self.previous
        )
    }
}

impl std::error::Error for OutlineError {}

impl OutlineError {
    /// As a diagnostic of the later declaration (it reaches the manifest
    /// and the macro like any verification error).
    pub fn diagnostic(&self) -> crate::manifest::Diagnostic {
        crate::manifest::Diagnostic {
            message: format!("{} (first declared at {})", self.message, self.previous),
            location: Some(self.location.clone()),
            ..Default::default()
        }
    }
}

/// A crate name as an identifier part (`my-crate` → `my_crate`).
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Outlines `dispatches` into executables. All conflicts are reported.
pub fn outline(
    crate_name: &str,
    dispatches: &[DispatchExtern],
) -> Result<Outlined, Vec<OutlineError>> {
    let (out, errors) = outline_all(crate_name, dispatches);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Like [`outline`], but always returns the outlined result alongside the
/// conflicts (a conflicting dispatch is placed at the export it conflicts
/// with), so the build can still write a manifest in which the macro finds
/// the error for that declaration.
pub fn outline_all(
    crate_name: &str,
    dispatches: &[DispatchExtern],
) -> (Outlined, Vec<OutlineError>) {
    let mut out = Outlined::default();
    let mut errors = Vec::new();
    for (i, d) in dispatches.iter().enumerate() {
        let exe_index = match out.executables.iter().position(|e| e.objects == d.objects) {
            Some(x) => x,
            None => {
                out.executables.push(Executable {
                    name: String::new(),
                    objects: d.objects.clone(),
                    exports: Vec::new(),
                });
                out.executables.len() - 1
            }
        };
        let exe = &mut out.executables[exe_index];
        let mut placed = None;
        for export in exe.exports.iter_mut().filter(|e| e.name == d.export) {
            let first = &dispatches[export.dispatches[0]];
            if !export.layout.same_abi(&d.layout) {
                errors.push(OutlineError {
                    location: d.location.clone(),
                    previous: first.location.clone(),
                    dispatch: i,
                    message: format!(
                        "export `{}` is declared by `{}` with layout `{}` but `{}` declared it with layout `{}`; one kernel has one ABI",
                        d.export,
                        d.qualified_name(),
                        d.layout,
                        first.qualified_name(),
                        export.layout
                    ),
                });
                placed = Some(export.ordinal);
                break;
            }
            if export.workgroup_size == d.workgroup_size
                && export.subgroup_size == d.subgroup_size
                && export.workgroup_local_memory == d.workgroup_local_memory
            {
                export.dispatches.push(i);
                placed = Some(export.ordinal);
                break;
            }
        }
        let ordinal = match placed {
            Some(o) => o,
            None => {
                let ordinal = exe.exports.len() as u32;
                exe.exports.push(Export {
                    name: d.export.clone(),
                    ordinal,
                    layout: d.layout.clone(),
                    workgroup_size: d.workgroup_size,
                    subgroup_size: d.subgroup_size,
                    workgroup_local_memory: d.workgroup_local_memory,
                    dispatches: vec![i],
                });
                ordinal
            }
        };
        out.placements.push(Placement {
            executable: exe_index,
            ordinal,
        });
    }

    // Names: the source stem when unique, else `<crate>_dispatch_<n>`.
    let stems: Vec<Option<String>> = out
        .executables
        .iter()
        .map(|e| match &e.objects {
            ObjectSet::Source(s) => Some(sanitize(&crate::ir::source_stem(s))),
            ObjectSet::Prebuilt(_) => None,
        })
        .collect();
    let crate_part = sanitize(crate_name);
    for (n, exe) in out.executables.iter_mut().enumerate() {
        exe.name = match &stems[n] {
            Some(stem) if stems.iter().filter(|s| s.as_ref() == Some(stem)).count() == 1 => {
                stem.clone()
            }
            _ => format!("{crate_part}_dispatch_{n}"),
        };
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::tests::{dispatches, SAMPLE};

    #[test]
    fn iree_sample_is_one_executable_with_two_ordinals() {
        let d = dispatches("src/main.rs", SAMPLE);
        let o = outline("custom_dispatch", &d).unwrap();
        assert_eq!(o.executables.len(), 1);
        let exe = &o.executables[0];
        assert_eq!(exe.name, "kernels");
        assert_eq!(exe.exports.len(), 2);
        let mul = &exe.exports[0];
        assert_eq!((mul.name.as_str(), mul.ordinal), ("simple_mul", 0));
        assert_eq!(mul.layout.read_only_flags(), vec![true, true, false]);
        assert_eq!(mul.layout.constants, 1);
        let inplace = &exe.exports[1];
        assert_eq!(
            (inplace.name.as_str(), inplace.ordinal),
            ("simple_mul_inplace", 1)
        );
        assert_eq!(inplace.layout.read_only_flags(), vec![true, false]);
        assert_eq!(
            o.placements,
            vec![
                Placement {
                    executable: 0,
                    ordinal: 0
                },
                Placement {
                    executable: 0,
                    ordinal: 1
                }
            ]
        );
    }

    /// The inline form (example_inline.mlir): the same export declared at
    /// several sites under different Rust names becomes one export.
    #[test]
    fn inline_declarations_of_one_export_are_deduplicated() {
        let mut src = String::from("use runtime_hip::DeviceSlice;\n");
        for i in 0..5 {
            src.push_str(&format!(
                r#"
#[extern_dispatch(source = "kernels/kernels.cu", export = "simple_mul", workgroup_size = [64, 1, 1], count = |n| [n.div_ceil(64), 1, 1])]
fn mul_site_{i}(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: u32);
"#
            ));
        }
        let d = dispatches("src/inline.rs", &src);
        let o = outline("inline", &d).unwrap();
        assert_eq!(o.executables.len(), 1);
        assert_eq!(o.executables[0].exports.len(), 1);
        assert_eq!(o.executables[0].exports[0].dispatches, vec![0, 1, 2, 3, 4]);
        assert!(o
            .placements
            .iter()
            .all(|p| p.ordinal == 0 && p.executable == 0));
    }

    #[test]
    fn same_export_different_layout_names_both() {
        let src = r#"
#[extern_dispatch(source = "k.cu", export = "k", workgroup_size = [64, 1, 1])]
fn a(x: &DeviceSlice<f32>, n: i32);
#[extern_dispatch(source = "k.cu", export = "k", workgroup_size = [64, 1, 1])]
fn b(x: &mut DeviceSlice<f32>, n: i32);
"#;
        let d = dispatches("src/lib.rs", src);
        let e = outline("c", &d).unwrap_err();
        assert_eq!(e.len(), 1);
        let text = e[0].to_string();
        assert!(text.starts_with("src/lib.rs:5:4:"), "{text}");
        assert!(text.contains("first declared at src/lib.rs:3:4"), "{text}");
        assert!(text.contains("`a`") && text.contains("`b`"), "{text}");
    }

    #[test]
    fn different_workgroup_size_is_another_export_of_the_same_kernel() {
        let src = r#"
#[extern_dispatch(source = "k.cu", export = "k", workgroup_size = [64, 1, 1])]
fn a(x: &DeviceSlice<f32>);
#[extern_dispatch(source = "k.cu", export = "k", workgroup_size = [128, 1, 1])]
fn b(x: &DeviceSlice<f32>);
"#;
        let o = outline("c", &dispatches("src/lib.rs", src)).unwrap();
        assert_eq!(o.executables[0].exports.len(), 2);
        assert_eq!(o.placements[1].ordinal, 1);
    }

    #[test]
    fn grouping_and_names() {
        let src = r#"
#[extern_dispatch(source = "a/kernels.cu", workgroup_size = [1, 1, 1])]
fn a(x: &DeviceSlice<f32>);
#[extern_dispatch(source = "b/kernels.cu", workgroup_size = [1, 1, 1])]
fn b(x: &DeviceSlice<f32>);
#[extern_dispatch(objects = { "gfx1100" = "k.co", "sm_80" = "k.ptx" }, workgroup_size = [1, 1, 1])]
fn c(x: &DeviceSlice<f32>);
#[extern_dispatch(objects = { "sm_80" = "./k.ptx", "gfx1100" = "k.co" }, workgroup_size = [1, 1, 1])]
fn d(x: &DeviceSlice<f32>);
#[extern_dispatch(source = "other.cu", workgroup_size = [1, 1, 1])]
fn e(x: &DeviceSlice<f32>);
"#;
        let o = outline("my-crate", &dispatches("src/lib.rs", src)).unwrap();
        let names: Vec<&str> = o.executables.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "my_crate_dispatch_0",
                "my_crate_dispatch_1",
                "my_crate_dispatch_2",
                "other"
            ]
        );
        assert_eq!(
            o.placements[3].executable, 2,
            "same prebuilt set, any order"
        );
        assert_eq!(o.executables[2].exports.len(), 2);
    }
}
