//! AMD code objects (HSACO): ELF `e_machine` 224 with an `NT_AMDGPU_METADATA`
//! note. The reference is LLVM's AMDGPUUsage ("ELF Header", "Note Records",
//! "Code Object V3+ Metadata").

use object::read::elf::SectionHeader;
use object::{Object, ObjectSymbol};
use rmpv::Value;

use super::{elf, Access, ArgInfo, ArgKind, InspectError, KernelInfo, ObjectInfo};
use crate::target::{amd_chip_by_mach, Feature, Format, TargetId};

const WHAT: &str = "AMD code object";

/// `ELFOSABI_AMDGPU_HSA`.
const ELFOSABI_AMDGPU_HSA: u8 = 64;
/// `NT_AMDGPU_METADATA`.
const NT_AMDGPU_METADATA: u32 = 32;
/// `EF_AMDGPU_MACH`.
const EF_AMDGPU_MACH: u32 = 0xff;
// Code object v3 (`ELFABIVERSION_AMDGPU_HSA_V3` = 1): one bit per feature, on or off.
const EF_AMDGPU_FEATURE_XNACK_V3: u32 = 0x100;
const EF_AMDGPU_FEATURE_SRAMECC_V3: u32 = 0x200;
// Code object v4+: two bits per feature: unsupported / any / off / on.
const EF_AMDGPU_FEATURE_XNACK_V4: u32 = 0x300;
const EF_AMDGPU_FEATURE_SRAMECC_V4: u32 = 0xc00;

pub(super) fn inspect(bytes: &[u8]) -> Result<ObjectInfo, InspectError> {
    let file = elf::parse(bytes, WHAT, Format::Hsaco, Some(elf::EM_AMDGPU))?;
    let (e_flags, os_abi, abi_version) = elf::header_flags(&file);
    if os_abi != ELFOSABI_AMDGPU_HSA {
        return Err(InspectError::malformed(
            WHAT,
            format!("EI_OSABI is {os_abi}, not ELFOSABI_AMDGPU_HSA (64): not an HSA code object"),
        ));
    }
    let target = target_from_flags(e_flags, abi_version)?;

    let mut meta_kernels = parse_metadata(metadata_note(&file)?)?;

    // The `.kd` kernel descriptors are what the loader resolves; the metadata
    // describes them. Every descriptor needs its metadata and vice versa.
    // `.dynsym` too: a stripped code object has no `.symtab`, and the loader
    // only needs the dynamic symbols.
    let mut kernels = Vec::new();
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        let Ok(name) = sym.name() else { continue };
        let Some(kernel) = name.strip_suffix(".kd") else {
            continue;
        };
        if kernels.iter().any(|k: &KernelInfo| k.name == kernel) {
            continue;
        }
        let Some(pos) = meta_kernels.iter().position(|k| k.name == kernel) else {
            return Err(InspectError::malformed(
                WHAT,
                format!("kernel descriptor `{name}` has no entry in amdhsa.kernels"),
            ));
        };
        kernels.push(meta_kernels.remove(pos));
    }
    if let Some(k) = meta_kernels.first() {
        return Err(InspectError::malformed(
            WHAT,
            format!(
                "amdhsa.kernels lists `{}` but there is no `{}.kd` symbol",
                k.name, k.name
            ),
        ));
    }
    Ok(ObjectInfo {
        format: Format::Hsaco,
        target: Some(target),
        ptx_version: None,
        kernels,
        unexported: Vec::new(),
    })
}

/// The target id an AMD `e_flags` encodes, given the code object version
/// (`EI_ABIVERSION`: 1 = v3, 2 = v4, 3 = v5, 4 = v6).
pub(super) fn target_from_flags(e_flags: u32, abi_version: u8) -> Result<TargetId, InspectError> {
    let mach = e_flags & EF_AMDGPU_MACH;
    let chip = amd_chip_by_mach(mach).ok_or(InspectError::UnknownAmdMach(mach))?;
    let (xnack, sramecc) = match abi_version {
        0 => {
            return Err(InspectError::malformed(
                WHAT,
                "code object v2 (YAML metadata) is not supported; compile with clang 19",
            ))
        }
        1 => {
            let v3 = |bit: u32, has: bool| match (e_flags & bit != 0, has) {
                (true, _) => Feature::On,
                (false, true) => Feature::Off,
                (false, false) => Feature::Any,
            };
            (
                v3(EF_AMDGPU_FEATURE_XNACK_V3, chip.has_xnack),
                v3(EF_AMDGPU_FEATURE_SRAMECC_V3, chip.has_sramecc),
            )
        }
        _ => {
            // unsupported (0) and any (1) both mean "runs either way".
            let v4 = |mask: u32| match (e_flags & mask) >> mask.trailing_zeros() {
                2 => Feature::Off,
                3 => Feature::On,
                _ => Feature::Any,
            };
            (
                v4(EF_AMDGPU_FEATURE_XNACK_V4),
                v4(EF_AMDGPU_FEATURE_SRAMECC_V4),
            )
        }
    };
    Ok(TargetId::Amd {
        chip: chip.name.to_string(),
        xnack,
        sramecc,
    })
}

/// The kernels the msgpack `desc` of an `NT_AMDGPU_METADATA` note lists.
pub(crate) fn parse_metadata(mut desc: &[u8]) -> Result<Vec<KernelInfo>, InspectError> {
    let metadata = rmpv::decode::read_value(&mut desc).map_err(|e| {
        InspectError::malformed(WHAT, format!("bad NT_AMDGPU_METADATA msgpack: {e}"))
    })?;
    kernels_from_metadata(&metadata)
}

/// The msgpack bytes of the object's `NT_AMDGPU_METADATA` note.
pub(crate) fn metadata_note<'a>(
    file: &object::read::elf::ElfFile64<'a, object::Endianness>,
) -> Result<&'a [u8], InspectError> {
    let endian = file.endian();
    for section in file.elf_section_table().iter() {
        let notes = section
            .notes(endian, file.data())
            .map_err(|e| InspectError::malformed(WHAT, format!("bad note section: {e}")))?;
        let Some(mut notes) = notes else { continue };
        while let Some(note) = notes
            .next()
            .map_err(|e| InspectError::malformed(WHAT, format!("bad note: {e}")))?
        {
            let name = note.name();
            let name = name.strip_suffix(b"\0").unwrap_or(name);
            if name == b"AMDGPU" && note.n_type(endian).0 == NT_AMDGPU_METADATA {
                return Ok(note.desc());
            }
        }
    }
    Err(InspectError::malformed(
        WHAT,
        "no NT_AMDGPU_METADATA note (owner \"AMDGPU\", type 32)",
    ))
}

/// Looks up `key` in a msgpack map.
fn get<'v>(map: &'v Value, key: &str) -> Option<&'v Value> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// A `u32` field, `None` when absent, an error when present but not a `u32`.
fn get_u32(map: &Value, key: &str, kernel: &str) -> Result<Option<u32>, InspectError> {
    match get(map, key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .map(Some)
            .ok_or_else(|| {
                InspectError::malformed(
                    WHAT,
                    format!("kernel `{kernel}`: `{key}` is not a u32: {v}"),
                )
            }),
    }
}

fn kernels_from_metadata(metadata: &Value) -> Result<Vec<KernelInfo>, InspectError> {
    let kernels = get(metadata, "amdhsa.kernels")
        .and_then(Value::as_array)
        .ok_or_else(|| InspectError::malformed(WHAT, "metadata has no `amdhsa.kernels` array"))?;
    kernels.iter().map(kernel_from_metadata).collect()
}

fn kernel_from_metadata(k: &Value) -> Result<KernelInfo, InspectError> {
    let name = get(k, ".name")
        .and_then(Value::as_str)
        .ok_or_else(|| InspectError::malformed(WHAT, "an amdhsa.kernels entry has no `.name`"))?
        .to_string();
    let mut args = Vec::new();
    if let Some(list) = get(k, ".args") {
        let list = list.as_array().ok_or_else(|| {
            InspectError::malformed(WHAT, format!("kernel `{name}`: `.args` is not an array"))
        })?;
        for (i, arg) in list.iter().enumerate() {
            let kind = get(arg, ".value_kind")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    InspectError::malformed(
                        WHAT,
                        format!("kernel `{name}` arg {i}: no `.value_kind`"),
                    )
                })?;
            if kind.starts_with("hidden_") {
                continue;
            }
            let size = get_u32(arg, ".size", &name)?.ok_or_else(|| {
                InspectError::malformed(WHAT, format!("kernel `{name}` arg {i}: no `.size`"))
            })?;
            let offset = get_u32(arg, ".offset", &name)?;
            let kind = match kind {
                "global_buffer" => {
                    let access = match get(arg, ".actual_access").and_then(Value::as_str) {
                        None => None,
                        Some("read_only") => Some(Access::ReadOnly),
                        Some("write_only") => Some(Access::WriteOnly),
                        Some("read_write") => Some(Access::ReadWrite),
                        Some(other) => {
                            return Err(InspectError::malformed(
                                WHAT,
                                format!(
                                    "kernel `{name}` arg {i}: unknown `.actual_access` `{other}`"
                                ),
                            ))
                        }
                    };
                    ArgKind::GlobalBuffer { access }
                }
                "by_value" => ArgKind::ByValue,
                other => ArgKind::Other(other.to_string()),
            };
            args.push(ArgInfo { size, offset, kind });
        }
    }
    Ok(KernelInfo {
        max_flat_workgroup_size: get_u32(k, ".max_flat_workgroup_size", &name)?,
        wavefront_size: get_u32(k, ".wavefront_size", &name)?,
        group_segment_fixed_size: get_u32(k, ".group_segment_fixed_size", &name)?,
        private_segment_fixed_size: get_u32(k, ".private_segment_fixed_size", &name)?,
        kernarg_segment_size: get_u32(k, ".kernarg_segment_size", &name)?,
        reqntid: None,
        maxntid: None,
        uses_barrier: None,
        lockstep: None,
        signature: None,
        args,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_flags_decode_like_llvm_readelf() {
        // Values observed from clang-19 / `llvm-readelf-19 -h`.
        let t = |flags, abi| target_from_flags(flags, abi).unwrap().to_string();
        assert_eq!(t(0x53f, 3), "gfx90a");
        assert_eq!(t(0x41, 3), "gfx1100");
        assert_eq!(t(0x64c, 3), "gfx942:xnack-");
        assert_eq!(t(0xf3f, 3), "gfx90a:sramecc+:xnack+");
        assert_eq!(t(0x83f, 3), "gfx90a:sramecc-");
        assert_eq!(t(0x13f, 1), "gfx90a:sramecc-:xnack+");
        assert!(matches!(
            target_from_flags(0x7f, 3),
            Err(InspectError::UnknownAmdMach(0x7f))
        ));
    }
}
