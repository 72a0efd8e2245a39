//! The manifest: what the build learned, written for the macro to read.
//!
//! `Build::compile` writes `OUT_DIR/iree/manifest.json`; `#[extern_dispatch]`
//! reads it while expanding (from `OUT_DIR`, or `IREE_MANIFEST_DIR` in tests
//! that have no build script) and generates code only from what it says, so
//! a declaration whose signature drifted from the compiled kernel fails to
//! compile instead of failing at run time.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped whenever the schema changes; the macro refuses other versions.
pub const MANIFEST_VERSION: u32 = 3;

/// File name inside the manifest directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The directory the manifest lives in, given a crate's `OUT_DIR`.
pub fn manifest_dir(out_dir: &Path) -> PathBuf {
    out_dir.join("iree")
}

/// Everything one crate's build script produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] of the writer.
    pub version: u32,
    /// Absolute path of the bundle file (`include_bytes!`-ed by wrappers).
    pub bundle_path: PathBuf,
    /// Targets the build was asked for, canonical spelling.
    pub targets: Vec<String>,
    /// Bridge files the build parsed, relative to the crate root.
    pub bridges: Vec<String>,
    /// One entry per `#[extern_dispatch]` declaration found.
    pub declarations: Vec<DeclarationEntry>,
}

/// What the macro needs to know about one declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeclarationEntry {
    /// File holding the declaration, relative to the crate root, `/`-separated.
    pub file: String,
    /// 1-based line of the `fn` (or its attribute).
    pub line: u32,
    /// The Rust function name.
    pub fn_name: String,
    /// The kernel's exported (C) name.
    pub export: String,
    /// Index of the executable in the bundle.
    pub executable: u32,
    /// Name of the executable.
    pub executable_name: String,
    /// Ordinal of the export within its executable.
    pub ordinal: u32,
    /// The parameters in declaration order, as the signature spells them.
    pub params: Vec<ParamEntry>,
    /// Binding access flags in order (`true` = ReadOnly) and the constant count.
    pub layout: LayoutEntry,
    /// `workgroup_size` as declared.
    pub workgroup_size: [u32; 3],
    /// Targets that have a verified variant of this export.
    pub targets: Vec<String>,
    /// Host entry points, when a host variant exists.
    pub host: Option<HostEntryNames>,
    /// Verification failures: each becomes a compile error at the declaration.
    pub errors: Vec<Diagnostic>,
    /// Verification warnings: each becomes a warning at the declaration.
    pub warnings: Vec<Diagnostic>,
    /// Absolute path of the bundle holding this declaration's executable.
    /// Several `compile()` calls write several bundles into one manifest, so
    /// the top-level [`Manifest::bundle_path`] (the last one written) is only
    /// the fallback for entries where this is empty.
    #[serde(default)]
    pub bundle_path: PathBuf,
    /// The kernel's C++ parameter types in kernel order, as the host
    /// compile recorded them (see [`crate::signature`]); empty when unknown.
    /// The macro checks element types the build cannot name by size
    /// against these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernel_params: Vec<crate::signature::CType>,
}

/// One declared parameter: its name and kind. The one parameter type of
/// the whole pipeline: the declaration syntax lowers each parameter to one,
/// layout derivation reads its kind, the build's passes work on them and
/// the manifest records them, so the macro compares like with like.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParamEntry {
    /// Parameter name.
    pub name: String,
    /// What kind of parameter it is.
    pub kind: ParamKind,
}

impl ParamEntry {
    /// `name: &mut DeviceSlice<f32>`, for messages.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.name, self.kind)
    }
}

/// The kinds of parameter the ABI allows (see [`ParamEntry`]).
///
/// The kernel takes its parameters in declaration order, whatever their
/// kinds; the layout still lists bindings, then push constants, as IREE
/// does, and the runtime packs each parameter where the kernel expects it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParamKind {
    /// `&DeviceSlice<elem>` (a ReadOnly binding) or `&mut DeviceSlice<elem>`
    /// (read-write, tied: the dispatch updates it in place); wrapped in
    /// `Option<…>` when `optional`.
    Buffer {
        /// Element type as written, without spaces (`f32`, `runtime_hip::Half`).
        elem: String,
        /// `&mut`.
        mutable: bool,
        /// `Option<&DeviceSlice<elem>>` / `Option<&mut DeviceSlice<elem>>`:
        /// `None` is passed as a null pointer (kernels whose pointer "may be
        /// NULL"). Still one binding of the layout, checked like any other;
        /// absent in the JSON when false, so older manifests read the same.
        #[serde(default, skip_serializing_if = "is_false")]
        optional: bool,
    },
    /// A scalar passed by value, as the kernel types it: push constants
    /// in the layout ([`Scalar::words`] of them).
    Scalar {
        /// Which one.
        ty: Scalar,
    },
    /// A `#[repr(C)]` plain-old-data struct passed by value (it implements
    /// `runtime_hip::KernelParam`): as many push constants as its size
    /// takes 32-bit words, a size only the kernel's signature tells the
    /// build ([`crate::signature::CType::words`]) and the macro asserts.
    Struct {
        /// The type as written, without spaces.
        ty: String,
    },
}

impl ParamKind {
    /// True for buffers (bindings).
    pub fn is_buffer(&self) -> bool {
        matches!(self, ParamKind::Buffer { .. })
    }

    /// For a buffer, whether it is a ReadOnly binding (`&DeviceSlice`);
    /// `None` for values.
    pub fn read_only(&self) -> Option<bool> {
        match self {
            ParamKind::Buffer { mutable, .. } => Some(!mutable),
            ParamKind::Scalar { .. } | ParamKind::Struct { .. } => None,
        }
    }

    /// True for `&mut DeviceSlice` (tied) buffers, optional or not.
    pub fn is_mut_buffer(&self) -> bool {
        self.read_only() == Some(false)
    }

    /// The 32-bit push constants a value takes in the layout, when the
    /// declaration alone says (scalars); `None` for buffers and structs.
    pub fn words(&self) -> Option<u32> {
        match self {
            ParamKind::Scalar { ty } => Some(ty.words()),
            ParamKind::Buffer { .. } | ParamKind::Struct { .. } => None,
        }
    }

    /// True for `Option<&DeviceSlice>` / `Option<&mut DeviceSlice>` buffers.
    pub fn is_optional(&self) -> bool {
        matches!(self, ParamKind::Buffer { optional: true, .. })
    }
}

/// For `skip_serializing_if`.
fn is_false(b: &bool) -> bool {
    !*b
}

/// The way a signature spells the kind: `&mut DeviceSlice<f32>`, `i32`.
impl std::fmt::Display for ParamKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamKind::Buffer {
                elem,
                mutable,
                optional,
            } => {
                let m = if *mutable { "mut " } else { "" };
                if *optional {
                    write!(f, "Option<&{m}DeviceSlice<{elem}>>")
                } else {
                    write!(f, "&{m}DeviceSlice<{elem}>")
                }
            }
            ParamKind::Scalar { ty } => f.write_str(ty.name()),
            ParamKind::Struct { ty } => f.write_str(ty),
        }
    }
}

/// The scalar types a kernel may take by value, as it types them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scalar {
    /// `i32`.
    I32,
    /// `u32`.
    U32,
    /// `f32`.
    F32,
    /// `i64` (`long long`, `int64_t`).
    I64,
    /// `u64` (`unsigned long long`, `uint64_t`).
    U64,
    /// `isize` (`ptrdiff_t`).
    Isize,
    /// `usize` (`size_t`).
    Usize,
    /// `f64` (`double`).
    F64,
    /// `i8` (`signed char`, `int8_t`).
    I8,
    /// `u8` (`unsigned char`, `uint8_t`).
    U8,
    /// `i16` (`short`).
    I16,
    /// `u16` (`unsigned short`).
    U16,
    /// `bool`.
    Bool,
}

impl Scalar {
    /// Every scalar, in documentation order.
    pub const ALL: [Scalar; 13] = [
        Scalar::I32,
        Scalar::U32,
        Scalar::F32,
        Scalar::I64,
        Scalar::U64,
        Scalar::Isize,
        Scalar::Usize,
        Scalar::F64,
        Scalar::I8,
        Scalar::U8,
        Scalar::I16,
        Scalar::U16,
        Scalar::Bool,
    ];

    /// The Rust spelling.
    pub fn name(self) -> &'static str {
        match self {
            Scalar::I32 => "i32",
            Scalar::U32 => "u32",
            Scalar::F32 => "f32",
            Scalar::I64 => "i64",
            Scalar::U64 => "u64",
            Scalar::Isize => "isize",
            Scalar::Usize => "usize",
            Scalar::F64 => "f64",
            Scalar::I8 => "i8",
            Scalar::U8 => "u8",
            Scalar::I16 => "i16",
            Scalar::U16 => "u16",
            Scalar::Bool => "bool",
        }
    }

    /// The scalar spelled `name`, if one.
    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Its size in bytes (also its alignment: every scalar is naturally
    /// aligned, on the host and in a kernel's argument segment).
    pub fn size(self) -> u32 {
        match self {
            Scalar::I8 | Scalar::U8 | Scalar::Bool => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 => 8,
            Scalar::Isize | Scalar::Usize => usize::BITS / 8,
        }
    }

    /// The 32-bit push constants it takes in the layout, as IREE counts
    /// them: one per started word (a 64-bit value is two, a byte one).
    pub fn words(self) -> u32 {
        self.size().div_ceil(4)
    }
}

/// The export's layout, as the runtime packs it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutEntry {
    /// One entry per binding, in order: `true` when ReadOnly.
    pub bindings_read_only: Vec<bool>,
    /// Number of 32-bit push constants (a 64-bit scalar counts two).
    pub constants: u32,
    /// For the i-th buffer parameter, the layout binding index it is passed
    /// as: differs from `0, 1, 2, …` only when the declaration names its
    /// bindings with `bindings = [...]` out of order. The kernel still takes
    /// its parameters in declaration order. Empty means the identity (older
    /// manifests, derived layouts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binding_slots: Vec<u32>,
}

/// Host entry symbols of one export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntryNames {
    /// `__iree_host_block_<export>`.
    pub block_symbol: String,
    /// `__iree_host_thread_<export>`.
    pub thread_symbol: String,
    /// Whether the kernel reaches `__syncthreads()` (false for a lockstep
    /// kernel: its block entry runs the barriers itself).
    pub uses_barrier: bool,
    /// Whether the lockstep pass transformed the kernel. Informational: the
    /// runtime goes by `uses_barrier`. Absent in older manifests.
    #[serde(default)]
    pub lockstep: bool,
}

/// A problem found by verification, as structured data: the macro points
/// at the parameter or attribute it names and merges per-target copies
/// without parsing text; [`Diagnostic`]'s `Display` is the one rendering for
/// build-script output (`file:line:column: `fn` for target, parameter `p`:
/// message`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// What is wrong, without location, fn name, target or parameter.
    pub message: String,
    /// Where the declaration is, when the diagnostic concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The declaration's Rust path (`a::b::simple_mul`), when one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fn_name: Option<String>,
    /// The target it was found for, if one.
    pub target: Option<String>,
    /// The parameter it concerns, if one (the macro points at it).
    pub param: Option<String>,
    /// That parameter's index in declaration order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_index: Option<u32>,
    /// The attribute key it concerns (`workgroup_size`, `subgroup_size`,
    /// `workgroup_local_memory`), if one: the macro points at its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

impl Diagnostic {
    /// The text without the location: `` `fn` for t1, t2, parameter `p`: message ``,
    /// naming `targets` (the macro merges per-target copies into one; the
    /// compiler shows the location itself).
    pub fn headline(&self, targets: &[&str]) -> String {
        let mut text = String::new();
        if let Some(f) = &self.fn_name {
            text.push_str(&format!("`{f}`"));
        }
        if !targets.is_empty() {
            text.push_str(&format!(" for {}", targets.join(", ")));
        }
        if let Some(p) = &self.param {
            text.push_str(&format!(", parameter `{p}`"));
        }
        let text = text.trim_start_matches([',', ' ']);
        if text.is_empty() {
            self.message.clone()
        } else {
            format!("{text}: {}", self.message)
        }
    }
}

/// `file:line:column: `fn` for target, parameter `p`: message`: how the
/// build script prints it.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        let targets: Vec<&str> = self.target.as_deref().into_iter().collect();
        f.write_str(&self.headline(&targets))
    }
}

/// Where a declaration is: what every diagnostic names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// File, relative to the crate root, `/`-separated.
    pub file: String,
    /// 1-based line of the fn name.
    pub line: u32,
    /// 1-based column of the fn name.
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_kinds_keep_their_json() {
        let k = ParamKind::Scalar { ty: Scalar::F32 };
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"{"kind":"scalar","ty":"f32"}"#);
        assert_eq!(serde_json::from_str::<ParamKind>(&json).unwrap(), k);
        assert_eq!(k.to_string(), "f32");
        let k = ParamKind::Scalar { ty: Scalar::Usize };
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            r#"{"kind":"scalar","ty":"usize"}"#
        );
        let s = ParamKind::Struct {
            ty: "Params".into(),
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"kind":"struct","ty":"Params"}"#);
        assert_eq!(serde_json::from_str::<ParamKind>(&json).unwrap(), s);
    }

    #[test]
    fn scalar_sizes_and_words() {
        for s in Scalar::ALL {
            assert_eq!(Scalar::from_name(s.name()), Some(s));
        }
        assert_eq!((Scalar::U8.size(), Scalar::U8.words()), (1, 1));
        assert_eq!((Scalar::I16.size(), Scalar::I16.words()), (2, 1));
        assert_eq!((Scalar::F64.size(), Scalar::F64.words()), (8, 2));
        assert_eq!(Scalar::Usize.size() as usize, std::mem::size_of::<usize>());
    }

    #[test]
    fn optional_buffers_keep_plain_buffers_json() {
        let plain = ParamKind::Buffer {
            elem: "f32".into(),
            mutable: true,
            optional: false,
        };
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(json, r#"{"kind":"buffer","elem":"f32","mutable":true}"#);
        assert_eq!(serde_json::from_str::<ParamKind>(&json).unwrap(), plain);
        let opt = ParamKind::Buffer {
            elem: "f32".into(),
            mutable: true,
            optional: true,
        };
        assert!(opt.is_optional() && opt.is_mut_buffer());
        assert_eq!(opt.to_string(), "Option<&mut DeviceSlice<f32>>");
        let json = serde_json::to_string(&opt).unwrap();
        assert_eq!(serde_json::from_str::<ParamKind>(&json).unwrap(), opt);
    }

    #[test]
    fn diagnostics_render_with_and_without_location() {
        let d = Diagnostic {
            message: "bad".into(),
            location: Some(Location {
                file: "src/main.rs".into(),
                line: 10,
                column: 8,
            }),
            fn_name: Some("simple_mul".into()),
            target: Some("host".into()),
            param: Some("ret".into()),
            param_index: Some(2),
            attribute: None,
        };
        assert_eq!(
            d.to_string(),
            "src/main.rs:10:8: `simple_mul` for host, parameter `ret`: bad"
        );
        assert_eq!(
            d.headline(&["gfx1100", "sm_80"]),
            "`simple_mul` for gfx1100, sm_80, parameter `ret`: bad"
        );
        let bare = Diagnostic { fn_name: None, ..d };
        assert_eq!(bare.headline(&[]), "parameter `ret`: bad");
    }

    #[test]
    fn host_entries_without_lockstep_still_parse() {
        let old = r#"{"block_symbol":"__iree_host_block_k","thread_symbol":"__iree_host_thread_k","uses_barrier":true}"#;
        let e: HostEntryNames = serde_json::from_str(old).unwrap();
        assert!(e.uses_barrier && !e.lockstep);
        let new = serde_json::to_string(&HostEntryNames {
            lockstep: true,
            ..e
        })
        .unwrap();
        assert!(new.contains(r#""lockstep":true"#), "{new}");
    }
}
