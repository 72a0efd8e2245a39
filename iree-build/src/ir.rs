//! The dispatch IR: one [`DispatchExtern`] per `#[extern_dispatch]`
//! declaration, mirroring IREE's `hal.dispatch.extern` op.
//!
//! `hal.dispatch.extern "name"[workload](args) layout(…) bindings(…)
//! objects(…) count(…)` carries everything needed to outline a dispatch into
//! an executable; this type carries the same, lowered from the
//! [`syntax`] tree so that the passes (`outline`, `verify`,
//! `emit`) work on plain data: no spans, no `syn` types, cheap to clone and
//! compare, buildable by hand in tests.

use crate::layout::{InterfaceBinding, ParamClass, PipelineLayout};
use crate::manifest::{Diagnostic, ParamEntry, ParamKind};
use crate::syntax::{self, CountInput, Declaration, Objects};
use runtime_hip::target::TargetId;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a declaration is: what every diagnostic names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// File, relative to the crate root, `/`-separated.
    pub file: String,
    /// 1-based line of the fn name.
    pub line: u32,
    /// 1-based column of the fn name.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The kind of an argument of the dispatch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArgType {
    /// A buffer binding; `elem` is the element type as written.
    Buffer {
        /// Element type (`f32`).
        elem: String,
        /// `&mut`: read-write and tied (the dispatch updates it in place).
        mutable: bool,
    },
    /// A 32-bit push constant.
    Scalar(syntax::Scalar),
}

/// One argument, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    /// Parameter name.
    pub name: String,
    /// Its kind.
    pub ty: ArgType,
}

impl Arg {
    /// Its layout class.
    pub fn class(&self) -> ParamClass {
        match self.ty {
            ArgType::Buffer { mutable, .. } => ParamClass::Binding {
                read_only: !mutable,
            },
            ArgType::Scalar(_) => ParamClass::Constant,
        }
    }

    /// As the manifest records it.
    pub fn to_manifest(&self) -> ParamEntry {
        ParamEntry {
            name: self.name.clone(),
            kind: match &self.ty {
                ArgType::Buffer { elem, mutable } => ParamKind::Buffer {
                    elem: elem.clone(),
                    mutable: *mutable,
                },
                ArgType::Scalar(s) => ParamKind::Scalar {
                    ty: s.name().to_string(),
                },
            },
        }
    }
}

/// Where the objects of a dispatch come from: IREE's
/// `#hal.executable.objects`. Two dispatches with equal `ObjectSet`s share
/// one executable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectSet {
    /// A source file compiled by the build for every requested target
    /// (relative to the crate root, `/`-separated).
    Source(String),
    /// Prebuilt objects, one per target, sorted by target (relative paths).
    Prebuilt(Vec<(TargetId, String)>),
}

/// One `hal.dispatch.extern`: everything the passes need about one
/// declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchExtern {
    /// The Rust function name.
    pub fn_name: String,
    /// Inline modules around the declaration.
    pub module_path: Vec<String>,
    /// The exported kernel name.
    pub export: String,
    /// Arguments in declaration order.
    pub args: Vec<Arg>,
    /// Workload: the arguments the count function reads (IREE's
    /// `[%workload]`), by name, plus `device` when it asks for the device.
    pub workload: Vec<String>,
    /// Whether a count function was given (else one workgroup).
    pub has_count: bool,
    /// The effective layout (explicit and checked, or derived).
    pub layout: PipelineLayout,
    /// Whether the layout was written explicitly.
    pub explicit_layout: bool,
    /// Explicit `bindings = [...]`, when given.
    pub bindings: Option<Vec<InterfaceBinding>>,
    /// For the i-th buffer argument, the layout binding index it is passed as.
    pub binding_slots: Vec<usize>,
    /// The objects.
    pub objects: ObjectSet,
    /// Block dims.
    pub workgroup_size: [u32; 3],
    /// Declared subgroup (wavefront/warp) size.
    pub subgroup_size: Option<u32>,
    /// Dynamic shared memory in bytes (0 when not given).
    pub workgroup_local_memory: u32,
    /// Where it was declared.
    pub location: Location,
}

impl DispatchExtern {
    /// Lowers a parsed declaration. `file` is the declaration's file relative
    /// to the crate root (used for locations and for nothing else).
    pub fn from_declaration(d: &Declaration, file: &str) -> Self {
        let args = d
            .params
            .iter()
            .map(|p| Arg {
                name: p.ident.to_string(),
                ty: match &p.kind {
                    syntax::ParamType::Buffer { elem, mutable } => ArgType::Buffer {
                        elem: syntax::type_string(elem),
                        mutable: *mutable,
                    },
                    syntax::ParamType::Scalar(s) => ArgType::Scalar(*s),
                },
            })
            .collect();
        let objects = match &d.objects {
            Objects::Source(s) => ObjectSet::Source(normalize_path(&s.value())),
            Objects::Prebuilt(list) => {
                let mut v: Vec<(TargetId, String)> = list
                    .iter()
                    .map(|o| (o.target.clone(), normalize_path(&o.path.value())))
                    .collect();
                v.sort();
                ObjectSet::Prebuilt(v)
            }
        };
        let workload = d
            .count
            .iter()
            .flat_map(|c| c.inputs.iter())
            .map(|(n, i)| match i {
                CountInput::Device => "device".to_string(),
                CountInput::Param(_) => n.to_string(),
            })
            .collect();
        DispatchExtern {
            fn_name: d.ident.to_string(),
            module_path: d.module_path.clone(),
            export: d.export_name(),
            args,
            workload,
            has_count: d.count.is_some(),
            layout: d.layout.clone(),
            explicit_layout: d.layout_lit.is_some(),
            bindings: d
                .bindings
                .as_ref()
                .map(|b| b.iter().map(|(_, b)| *b).collect()),
            binding_slots: d.binding_slots.clone(),
            objects,
            workgroup_size: d.workgroup_size.value,
            subgroup_size: d.subgroup_size.as_ref().map(|s| s.value),
            workgroup_local_memory: d.workgroup_local_memory.as_ref().map_or(0, |s| s.value),
            location: Location {
                file: normalize_path(file),
                line: d.line(),
                column: d.column(),
            },
        }
    }

    /// The `&mut` (tied, in-place) arguments, by index into `args`.
    pub fn tied(&self) -> Vec<usize> {
        self.args
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.ty, ArgType::Buffer { mutable: true, .. }))
            .map(|(i, _)| i)
            .collect()
    }

    /// The argument passed as layout binding `slot`.
    pub fn arg_for_binding(&self, slot: usize) -> Option<&Arg> {
        let i = self.binding_slots.iter().position(|s| *s == slot)?;
        self.args
            .iter()
            .filter(|a| matches!(a.ty, ArgType::Buffer { .. }))
            .nth(i)
    }

    /// The argument passed as push constant `index`.
    pub fn arg_for_constant(&self, index: usize) -> Option<&Arg> {
        self.args
            .iter()
            .filter(|a| matches!(a.ty, ArgType::Scalar(_)))
            .nth(index)
    }

    /// The Rust path of the fn (`a::b::simple_mul`), for messages.
    pub fn qualified_name(&self) -> String {
        let mut s = self.module_path.join("::");
        if !s.is_empty() {
            s.push_str("::");
        }
        s.push_str(&self.fn_name);
        s
    }

    /// A diagnostic about this dispatch: the message is prefixed with the
    /// location and fn name, so it reads well wherever it ends up (a
    /// build-script panic, a `cargo:warning`, a `compile_error!`).
    pub fn diagnostic(
        &self,
        message: impl fmt::Display,
        param: Option<&str>,
        target: Option<&TargetId>,
    ) -> Diagnostic {
        let mut text = format!("{}: `{}`", self.location, self.qualified_name());
        if let Some(t) = target {
            text.push_str(&format!(" for {t}"));
        }
        if let Some(p) = param {
            text.push_str(&format!(", parameter `{p}`"));
        }
        text.push_str(&format!(": {message}"));
        Diagnostic {
            message: text,
            param: param.map(str::to_string),
            target: target.map(ToString::to_string),
            attribute: None,
        }
    }

    /// A [`DispatchExtern::diagnostic`] about the value of attribute `key`
    /// (`workgroup_size`, …), which the macro points at.
    pub fn attribute_diagnostic(
        &self,
        key: &str,
        message: impl fmt::Display,
        target: Option<&TargetId>,
    ) -> Diagnostic {
        Diagnostic {
            attribute: Some(key.to_string()),
            ..self.diagnostic(message, None, target)
        }
    }
}

/// The one place declaration sizes are multiplied (checked), so that no
/// value a user writes can overflow (and panic) anywhere downstream.
pub use iree_abi::limits::workgroup_threads;

/// `/`-separated, without a leading `./`, so equal paths compare equal.
pub fn normalize_path(p: &str) -> String {
    let s = p.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in s.split('/') {
        match part {
            "." | "" if !parts.is_empty() || part == "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

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
    let dispatches = decls
        .iter()
        .map(|d| DispatchExtern::from_declaration(d, rel))
        .collect();
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
            diag.message,
            "src/main.rs:10:8: `simple_mul` for host, parameter `ret`: bad"
        );
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
