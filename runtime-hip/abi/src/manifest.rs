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
pub const MANIFEST_VERSION: u32 = 1;

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

/// One declared parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamEntry {
    /// Parameter name.
    pub name: String,
    /// What kind of parameter it is.
    pub kind: ParamKind,
}

/// The kinds of parameter the ABI allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParamKind {
    /// `&DeviceSlice<elem>` or `&mut DeviceSlice<elem>`.
    Buffer {
        /// Element type as written (`f32`).
        elem: String,
        /// `&mut`.
        mutable: bool,
    },
    /// A 32-bit push constant (`i32`, `u32`, `f32`).
    Scalar {
        /// The type as written.
        ty: String,
    },
}

/// The export's layout, as the runtime packs it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutEntry {
    /// One entry per binding, in order: `true` when ReadOnly.
    pub bindings_read_only: Vec<bool>,
    /// Number of 32-bit push constants.
    pub constants: u32,
    /// For the i-th buffer parameter, the binding index (kernel parameter
    /// index) it is passed as: differs from `0, 1, 2, …` only when the
    /// declaration reorders buffers with `bindings = [...]`. Empty means
    /// the identity (older manifests, derived layouts).
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

/// A problem found by verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The full message, already naming the target, file and line.
    pub message: String,
    /// The parameter it concerns, if one (the macro points at it).
    pub param: Option<String>,
    /// The target it was found for, if one.
    pub target: Option<String>,
    /// The attribute key it concerns (`workgroup_size`, `subgroup_size`,
    /// `workgroup_local_memory`), if one: the macro points at its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
