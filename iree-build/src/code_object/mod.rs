//! Inspection of compiled and prebuilt kernel objects.
//!
//! Every object that ends up in a bundle — an AMD code object (HSACO), NVIDIA
//! PTX text or a cubin, or a host object file — is read back here into one
//! typed description, [`ObjectInfo`], which the verification pass compares
//! with the `#[extern_dispatch]` declarations. Reading what the compiler
//! *actually* produced (rather than trusting what we asked for) is what lets
//! the build reject a wrong-arch prebuilt object or a kernel whose parameters
//! do not match its declaration before anything runs on a device.
//!
//! Each format has its own submodule; this module holds the shared types and
//! dispatches on [`Format`]. Clang offload bundles (the container clang
//! writes without `--no-gpu-bundle-output`) are unpacked by [`unbundle`].
//!
//! Nothing here panics on bad input: truncated, garbage or corrupt bytes are
//! an [`InspectError`].

use std::fmt;

use crate::target::{Format, TargetId};

pub(crate) mod amd;
mod cubin;
pub(crate) mod elf;
pub(crate) mod host;
mod names;
mod offload_bundle;
mod ptx;

pub(crate) use names::parameter_list_at;
pub use names::{candidates, canonical, display_name, matching, short_name, Lookup};
pub use offload_bundle::{bundle_entries, unbundle, BundleEntry};

/// What one object says about itself: the target it was compiled for and
/// the kernels it exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The format the bytes were read as.
    pub format: Format,
    /// The target the object itself claims (AMD `e_flags`, PTX `.target`,
    /// cubin `e_flags`, `Host` for host objects). `None` only where the
    /// format does not record one.
    pub target: Option<TargetId>,
    /// The PTX ISA version (`.version 7.8` → `"7.8"`) for PTX; `None` otherwise.
    /// The driver refuses PTX newer than it understands, so the runtime may
    /// want to report it.
    pub ptx_version: Option<String>,
    /// Exported kernels, in the order the object lists them.
    pub kernels: Vec<KernelInfo>,
    /// Host objects only: functions in the kernel section (`__global__`)
    /// that have no `IREE_HOST_EXPORT` (no `__iree_host_sig_` array), so no
    /// thunk the runtime could launch; possibly C++-mangled. Lets the
    /// verifier say "not exported" instead of "not found".
    pub unexported: Vec<String>,
}

/// One exported kernel and what the object knows about its interface and
/// resource limits. Fields a format does not record are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelInfo {
    /// The symbol name the runtime looks the kernel up by.
    pub name: String,
    /// Explicit parameters in declaration order (AMD hidden arguments are
    /// left out: the runtime/driver fills them, the user never passes them).
    pub args: Vec<ArgInfo>,
    /// AMD `.max_flat_workgroup_size`: the largest workgroup the kernel was
    /// compiled to accept.
    pub max_flat_workgroup_size: Option<u32>,
    /// AMD `.wavefront_size` (32 or 64).
    pub wavefront_size: Option<u32>,
    /// Static LDS / shared memory in bytes (AMD `.group_segment_fixed_size`,
    /// cubin `.nv.shared.<name>` size).
    pub group_segment_fixed_size: Option<u32>,
    /// AMD `.private_segment_fixed_size` (scratch per work-item).
    pub private_segment_fixed_size: Option<u32>,
    /// Size of the kernel argument block in bytes, hidden arguments included
    /// (AMD `.kernarg_segment_size`, cubin `EIATTR_CBANK_PARAM_SIZE`, PTX:
    /// computed from the parameter list).
    pub kernarg_segment_size: Option<u32>,
    /// PTX `.reqntid` / cubin `EIATTR_REQNTID`: the exact block size required.
    pub reqntid: Option<[u32; 3]>,
    /// PTX `.maxntid` / cubin `EIATTR_MAX_THREADS`: the largest block allowed.
    pub maxntid: Option<[u32; 3]>,
    /// Host objects only: whether the kernel can reach `__iree_host_barrier`
    /// (`__syncthreads`), which decides whether the host executor must run
    /// the block's threads as coroutines. `Some(false)` for a lockstep
    /// kernel, whose block entry runs the block's barriers itself.
    pub uses_barrier: Option<bool>,
    /// Host objects only: whether the lockstep pass transformed the kernel
    /// (the object defines `__iree_host_lockstep_<name>`), so that its block
    /// entry runs the whole block, barriers included.
    pub lockstep: Option<bool>,
    /// Host objects only: each parameter's C++ type, from the signature
    /// table's type records (`None` for tables with sizes only, from an
    /// older header). The source of truth for element types and constness
    /// on every target (see [`crate::signature`]).
    pub signature: Option<Vec<crate::signature::CType>>,
}

/// One explicit kernel parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgInfo {
    /// Size in bytes of the parameter as passed.
    pub size: u32,
    /// Byte offset in the argument block, where the format records one.
    pub offset: Option<u32>,
    /// What the parameter is, as far as the format says.
    pub kind: ArgKind,
}

/// What a parameter is.
///
/// Only AMD metadata distinguishes pointers from values; PTX, cubins and host
/// objects record sizes only, so their parameters are [`ArgKind::Unknown`]
/// and the verifier can only check sizes there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A pointer to global memory (a binding). `access` is what the compiler
    /// proved about the kernel's use of it (`.actual_access`), `None` when it
    /// proved nothing (the kernel may read and write).
    GlobalBuffer {
        /// The proven access, if any.
        access: Option<Access>,
    },
    /// A value passed in the argument block (a push constant).
    ByValue,
    /// The format records only the size (PTX, cubin, host objects).
    Unknown,
    /// An AMD `.value_kind` this project does not model (`image`, `sampler`,
    /// `dynamic_shared_pointer`, ...), kept verbatim so the verifier can name it.
    Other(String),
}

/// How a kernel accesses a buffer, from AMD `.actual_access`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Only loads.
    ReadOnly,
    /// Only stores.
    WriteOnly,
    /// Both.
    ReadWrite,
}

/// Why an object could not be inspected, unbundled or accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// The bytes are not a well-formed object of the expected kind
    /// (truncated, garbage, inconsistent).
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What the bytes were read as (`AMD code object`, `PTX`, ...).
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A well-formed object of another kind, e.g. a cubin given as HSACO.
    #[error("expected {expected}, found {found}")]
    WrongFormat {
        /// The format the caller asked for.
        expected: Format,
        /// What the bytes actually are.
        found: String,
    },
    /// An AMD code object for a chip missing from the target table.
    #[error("AMD code object for an unknown chip (EF_AMDGPU_MACH 0x{0:x}); known chips are in runtime_hip::target::AMD_CHIPS")]
    UnknownAmdMach(u32),
    /// The object was built for another target than the one it was given for.
    #[error("object is {found} but was given for {wanted}")]
    WrongTarget {
        /// What the object says.
        found: String,
        /// What the caller wanted.
        wanted: String,
    },
    /// An offload bundle holds no entry for the wanted target.
    #[error("offload bundle has no entry for {wanted}; it holds: {available}", available = if .available.is_empty() { "nothing".to_string() } else { .available.join(", ") })]
    NotInBundle {
        /// The target asked for.
        wanted: String,
        /// The entry ids the bundle holds.
        available: Vec<String>,
    },
}

impl InspectError {
    pub(crate) fn malformed(what: &'static str, detail: impl fmt::Display) -> Self {
        InspectError::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

/// Reads `bytes` as an object of `format` and describes it.
///
/// The caller says the format (it knows which compiler step or which prebuilt
/// path produced the bytes); an object of another kind is
/// [`InspectError::WrongFormat`] rather than a silent misread. Use
/// [`sniff_format`] for bytes of unknown origin.
pub fn inspect(bytes: &[u8], format: Format) -> Result<ObjectInfo, InspectError> {
    match format {
        Format::Hsaco => amd::inspect(bytes),
        Format::Ptx => ptx::inspect(bytes),
        Format::Cubin => cubin::inspect(bytes),
        Format::Host => host::inspect(bytes),
    }
}

/// Guesses the format of bytes of unknown origin (a prebuilt object path with
/// an unhelpful extension): ELF by `e_machine`, PTX by its `.version`
/// directive. `None` for anything else, offload bundles included (see
/// [`is_offload_bundle`]).
pub fn sniff_format(bytes: &[u8]) -> Option<Format> {
    if let Some(machine) = elf::machine(bytes) {
        return Some(match machine {
            elf::EM_AMDGPU => Format::Hsaco,
            elf::EM_CUDA => Format::Cubin,
            _ => Format::Host,
        });
    }
    let text = std::str::from_utf8(bytes.get(..bytes.len().min(4096))?).ok()?;
    text.lines()
        .any(|l| l.trim_start().starts_with(".version"))
        .then_some(Format::Ptx)
}

/// Whether `bytes` are a clang offload bundle (plain or compressed), which
/// must go through [`unbundle`] before [`inspect`].
pub fn is_offload_bundle(bytes: &[u8]) -> bool {
    offload_bundle::is_bundle(bytes)
}

/// Accepts `info` for `wanted` only if the object was built for it: the
/// object's own target, in its format, runs on every device `wanted` stands
/// for ([`TargetId::runs_on`], the rule the runtime picks variants by).
///
/// So an AMD object that pins a feature the caller left open
/// (`gfx90a:xnack+` given for `gfx90a`) is rejected, `Any` code serves a
/// pinned request, and PTX for an older sm serves a newer one.
pub fn check_target(info: &ObjectInfo, wanted: &TargetId) -> Result<(), InspectError> {
    let wrong = |found: String| InspectError::WrongTarget {
        found,
        wanted: wanted.to_string(),
    };
    match &info.target {
        None => Err(wrong(format!(
            "a {} object that names no target",
            info.format
        ))),
        Some(found) if found.runs_on(info.format, wanted) => Ok(()),
        Some(found) => Err(wrong(found.to_string())),
    }
}
