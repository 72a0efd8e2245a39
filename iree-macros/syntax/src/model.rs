//! The declaration model: one `#[extern_dispatch]` declaration lowered to
//! plain data (no spans, no `syn` types), mirroring IREE's
//! `hal.dispatch.extern` op.
//!
//! [`lower`] is the one lowering of the syntax. The build's passes
//! (`outline`, `verify`, `emit`) work on the result and the manifest is
//! written from it; the macro lowers the declaration it expands the same
//! way and [`compare`]s the result with the manifest entry, so both sides
//! compare one model instead of syntax with a schema.

use crate::layout::{InterfaceBinding, PipelineLayout};
use crate::{Count, CountInput, Declaration, LocalMemory, Objects};
use iree_abi::manifest::{DeclarationEntry, Diagnostic, LayoutEntry, ParamEntry, ParamKind};
use iree_abi::signature::CType;
use iree_abi::target::TargetId;
use std::fmt;

pub use iree_abi::manifest::Location;

/// One argument of a dispatch, in declaration order: the manifest's
/// parameter type (one type all the way through).
pub type Arg = ParamEntry;

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
    /// Dynamic shared memory in bytes when a constant (0 when not given or
    /// computed at launch).
    pub workgroup_local_memory: u32,
    /// When `workgroup_local_memory` is a closure: the names it reads (the
    /// bytes are computed and checked at each launch, not by the build).
    pub local_memory_workload: Option<Vec<String>>,
    /// Where it was declared.
    pub location: Location,
}

/// Lowers a parsed declaration: the one conversion from syntax to model.
/// `file` is the declaration's file relative to the crate root (used for
/// locations and for nothing else).
pub fn lower(d: &Declaration, file: &str) -> DispatchExtern {
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
    let workload = d.count.as_ref().map(names_read).unwrap_or_default();
    DispatchExtern {
        fn_name: d.ident.to_string(),
        module_path: d.module_path.clone(),
        export: d.export_name(),
        args: d.params.iter().map(|p| p.entry()).collect(),
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
        workgroup_local_memory: d
            .workgroup_local_memory
            .as_ref()
            .and_then(LocalMemory::bytes)
            .unwrap_or(0),
        local_memory_workload: match &d.workgroup_local_memory {
            Some(LocalMemory::Closure(c)) => Some(names_read(c)),
            _ => None,
        },
        location: Location {
            file: normalize_path(file),
            line: d.line(),
            column: d.column(),
        },
    }
}

/// The names a closure reads: declared parameters, and `device`.
fn names_read(c: &Count) -> Vec<String> {
    c.inputs
        .iter()
        .map(|(n, i)| match i {
            CountInput::Device => "device".to_string(),
            CountInput::Param(_) => n.to_string(),
        })
        .collect()
}

impl DispatchExtern {
    /// The `&mut` (tied, in-place) arguments, by index into `args`.
    pub fn tied(&self) -> Vec<usize> {
        self.args
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind.is_mut_buffer())
            .map(|(i, _)| i)
            .collect()
    }

    /// The argument passed as layout binding `slot`.
    pub fn arg_for_binding(&self, slot: usize) -> Option<&Arg> {
        let i = self.binding_slots.iter().position(|s| *s == slot)?;
        self.args.iter().filter(|a| a.kind.is_buffer()).nth(i)
    }

    /// The value argument (scalar or struct) at position `index` among the
    /// values, in declaration order.
    pub fn arg_for_constant(&self, index: usize) -> Option<&Arg> {
        self.args.iter().filter(|a| !a.kind.is_buffer()).nth(index)
    }

    /// For the kernel's parameter `k` (= argument `k`) that is a buffer, the
    /// layout binding it is passed as.
    pub fn binding_of_arg(&self, k: usize) -> Option<usize> {
        if !self.args.get(k)?.kind.is_buffer() {
            return None;
        }
        let i = self.args[..k].iter().filter(|a| a.kind.is_buffer()).count();
        Some(self.binding_slots.get(i).copied().unwrap_or(i))
    }

    /// Sizes the structs passed by value from the kernel's C++ parameter
    /// types (`kernel`, in kernel order = declaration order): a derived
    /// layout then counts each struct's words. The build calls it once the
    /// signatures are known, the macro before comparing with the manifest
    /// (whose `kernel_params` are those types), so both count alike. An
    /// explicit layout is left as written (the build checks its count).
    pub fn size_structs(&mut self, kernel: &[CType]) {
        if self.explicit_layout || kernel.len() != self.args.len() {
            return;
        }
        let sized = crate::layout::derive(self.args.iter().map(|a| &a.kind), kernel);
        self.layout.constants = sized.constants;
    }

    /// The push-constant words the values take, structs sized by `kernel`
    /// (`None` while a struct's size is unknown).
    pub fn value_words(&self, kernel: &[CType]) -> Option<u32> {
        let mut n = 0;
        for (k, a) in self.args.iter().enumerate() {
            n += match &a.kind {
                ParamKind::Buffer { .. } => 0,
                kind => kind.words().or_else(|| kernel.get(k).map(CType::words))?,
            };
        }
        Some(n)
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

    /// The layout as the manifest records it: the one place the entry's
    /// layout is built.
    pub fn layout_entry(&self) -> LayoutEntry {
        let identity = self.binding_slots.iter().enumerate().all(|(i, s)| i == *s);
        LayoutEntry {
            bindings_read_only: self.layout.read_only_flags(),
            constants: self.layout.constants,
            binding_slots: if identity {
                Vec::new()
            } else {
                self.binding_slots.iter().map(|s| *s as u32).collect()
            },
        }
    }

    /// A diagnostic about this dispatch, as structured data: its location,
    /// fn name, the parameter (by name and index) and target it concerns.
    /// Its `Display` reads well wherever it ends up (a build-script panic, a
    /// `cargo:warning`); the macro renders it without the location.
    pub fn diagnostic(
        &self,
        message: impl fmt::Display,
        param: Option<&str>,
        target: Option<&TargetId>,
    ) -> Diagnostic {
        Diagnostic {
            message: message.to_string(),
            location: Some(self.location.clone()),
            fn_name: Some(self.qualified_name()),
            target: target.map(ToString::to_string),
            param: param.map(str::to_string),
            param_index: param
                .and_then(|p| self.args.iter().position(|a| a.name == p))
                .map(|i| i as u32),
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

/// How a lowered declaration differs from the manifest entry the build
/// wrote for it (see [`compare`]); the macro points each at its tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The entry is for another fn.
    FnName,
    /// The exported name differs.
    Export,
    /// Parameter `index` differs from the entry's.
    Param {
        /// Index in declaration order.
        index: usize,
    },
    /// Parameter `index` is not in the entry.
    MissingParam {
        /// Index in declaration order.
        index: usize,
    },
    /// The entry has more parameters.
    ExtraParam,
    /// The layout (or binding slots) differ.
    Layout,
    /// The workgroup size differs.
    WorkgroupSize,
}

/// Appended to every [`Mismatch`] message.
const STALE: &str = "; the build script saw a different declaration (rebuild, or check `.bridge(...)` lists this file)";

/// Compares a lowered declaration with the manifest entry the build wrote
/// for it: the one comparison between what the macro expands and what the
/// build verified. `None` when they agree; else what differs first and the
/// message to report.
pub fn compare(d: &DispatchExtern, entry: &DeclarationEntry) -> Option<(Mismatch, String)> {
    if d.fn_name != entry.fn_name {
        let m = format!(
            "the manifest entry is for `{}`, not `{}`{STALE}",
            entry.fn_name, d.fn_name
        );
        return Some((Mismatch::FnName, m));
    }
    if d.export != entry.export {
        let m = format!(
            "export `{}` here but `{}` in the manifest{STALE}",
            d.export, entry.export
        );
        return Some((Mismatch::Export, m));
    }
    if let Some(found) = compare_params(&d.args, &entry.params) {
        return Some(found);
    }
    // Structs count the words the build sized them to.
    let mut d = d.clone();
    d.size_structs(&entry.kernel_params);
    if d.layout_entry() != entry.layout {
        let m = format!(
            "the layout `{}` differs from the manifest's{STALE}",
            d.layout
        );
        return Some((Mismatch::Layout, m));
    }
    if d.workgroup_size != entry.workgroup_size {
        let m = format!(
            "workgroup_size {:?} here but {:?} in the manifest{STALE}",
            d.workgroup_size, entry.workgroup_size
        );
        return Some((Mismatch::WorkgroupSize, m));
    }
    None
}

/// The parameter part of [`compare`].
fn compare_params(mine: &[Arg], theirs: &[Arg]) -> Option<(Mismatch, String)> {
    for (index, p) in mine.iter().enumerate() {
        match theirs.get(index) {
            Some(t) if t == p => {}
            Some(t) => {
                let m = format!(
                    "parameter {} is `{}` here but `{}` in the manifest{STALE}",
                    index + 1,
                    p.describe(),
                    t.describe()
                );
                return Some((Mismatch::Param { index }, m));
            }
            None => {
                let m = format!(
                    "parameter `{}` is not in the manifest, which has {} parameter(s){STALE}",
                    p.name,
                    theirs.len()
                );
                return Some((Mismatch::MissingParam { index }, m));
            }
        }
    }
    theirs.get(mine.len()).map(|extra| {
        let m = format!(
            "the manifest also has parameter `{}`{STALE}",
            extra.describe()
        );
        (Mismatch::ExtraParam, m)
    })
}

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
