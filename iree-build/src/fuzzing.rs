//! Entry points for the fuzz targets (`runtime-hip/fuzz`): one function per
//! parser of untrusted bytes, each running the parser and everything the
//! build does with an accepted result, so that a fuzz target is one call.
//! Not a stable API: it exists so that the parsers can stay private modules
//! and still be fuzzed from outside the crate.
//!
//! Every function here must return normally for any input: a panic, a hang
//! or a huge allocation inside one is a bug in the parser it drives. Each
//! returns whether the parser accepted the input, which the mutation driver
//! uses to keep inputs that reach past the first checks.

use crate::code_object;
use crate::target::Format;
use crate::target::TargetId;

/// Targets to check inspected objects and offload bundles against: one of
/// each kind, with and without AMD features.
const TARGETS: &[&str] = &["gfx90a", "gfx942:xnack-", "gfx1100", "sm_80", "host"];

fn targets() -> impl Iterator<Item = TargetId> {
    TARGETS.iter().filter_map(|t| t.parse().ok())
}

/// Inspects `bytes` as `format` (and sniffs them), then checks an accepted
/// object against every kind of target, as the build does with a prebuilt
/// object.
pub fn code_object(format: Format, bytes: &[u8]) -> bool {
    let _ = code_object::sniff_format(bytes);
    let _ = code_object::is_offload_bundle(bytes);
    let Ok(info) = code_object::inspect(bytes, format) else {
        return false;
    };
    for t in targets() {
        let _ = code_object::check_target(&info, &t);
    }
    for k in &info.kernels {
        let _ = info.kernel(&k.name);
    }
    let _ = format!("{info:?}");
    true
}

/// Decodes `msgpack` as the desc of an AMD `NT_AMDGPU_METADATA` note (the
/// ELF around it is fuzzed by `code_object`; this reaches the metadata
/// reader without first surviving the ELF parser).
pub fn amd_metadata(msgpack: &[u8]) -> bool {
    code_object::amd::parse_metadata(msgpack).is_ok()
}

/// The `NT_AMDGPU_METADATA` desc of an AMD code object, to seed
/// [`amd_metadata`] from real objects.
pub fn amd_metadata_of(hsaco: &[u8]) -> Option<Vec<u8>> {
    let file = code_object::elf::parse(
        hsaco,
        "AMD code object",
        Format::Hsaco,
        Some(code_object::elf::EM_AMDGPU),
    )
    .ok()?;
    code_object::amd::metadata_note(&file)
        .ok()
        .map(<[u8]>::to_vec)
}

/// Reads `bytes` as a clang offload bundle, plain or compressed: every
/// entry, then unbundling for each kind of target and inspecting what comes
/// out, as the build does with a prebuilt `.hipfb`.
pub fn offload_bundle(bytes: &[u8]) -> bool {
    if code_object::bundle_entries(bytes).is_err() {
        return false;
    }
    for t in targets() {
        if let Ok(object) = code_object::unbundle(bytes, &t) {
            let format = match t {
                TargetId::Nvidia { .. } => Format::Ptx,
                TargetId::Host => Format::Host,
                TargetId::Amd { .. } => Format::Hsaco,
            };
            code_object(format, &object);
        }
    }
    true
}

/// Parses `text` as an IREE pipeline layout and as an interface binding,
/// printing and re-parsing what was accepted (the manifest and the
/// generated docs print layouts) and checking it against a signature.
pub fn layout(text: &str) -> bool {
    use crate::layout;
    use crate::manifest::{ParamEntry, ParamKind};
    let mut accepted = false;
    if let Ok(l) = layout::parse_layout(text) {
        accepted = true;
        let printed = l.to_string();
        let _ = layout::parse_layout(&printed);
        let params: Vec<ParamEntry> = l
            .bindings
            .iter()
            .map(|b| ParamEntry {
                name: b.binding.to_string(),
                kind: ParamKind::Buffer {
                    elem: "u32".into(),
                    mutable: !b.flags.read_only,
                    optional: false,
                },
            })
            .collect();
        let slots: Vec<usize> = (0..params.len()).collect();
        let _ = layout::check_against_signature(&l, &params, &slots);
        let _ = l.same_abi(&layout::derive(params.iter().map(|p| &p.kind), &[]));
    }
    if let Ok(b) = layout::parse_interface_binding(text) {
        accepted = true;
        let _ = b.to_string();
    }
    accepted
}

/// Parses `text` as a Rust file holding `#[extern_dispatch]` declarations
/// (what `Build::bridge` reads), computes what the build records for each
/// declaration it accepted, then outlines them and verifies every export
/// against each of `objects` (real inspected objects, given for every
/// executable), as the build does after compiling.
pub fn declarations(text: &str, objects: &[(TargetId, code_object::ObjectInfo)]) -> bool {
    let path = std::path::Path::new("fuzz.rs");
    match crate::syntax::parse_file(path, text) {
        Ok(decls) => {
            for d in &decls {
                let _ = (d.export_name(), d.line(), d.column(), d.count_uses());
                let _ = d.layout.to_string();
            }
            let dispatches: Vec<_> = decls
                .iter()
                .map(|d| crate::ir::lower(d, "fuzz.rs"))
                .collect();
            for d in &dispatches {
                let _ = d.layout_entry();
            }
            let (outlined, _) = crate::outline::outline_all("fuzz", &dispatches);
            let per_executable = vec![objects.to_vec(); outlined.executables.len()];
            let _ = crate::verify::verify(&outlined, &dispatches, &per_executable, &[]);
            !decls.is_empty()
        }
        Err(errors) => {
            let _ = errors.to_compile_error();
            for e in &errors.0 {
                let _ = (e.line(), e.column(), e.to_string());
            }
            false
        }
    }
}
