//! NVIDIA cubins: ELF `e_machine` 190 as written by `ptxas`.
//!
//! Nothing here is documented by NVIDIA; the layout was checked against what
//! `ptxas` 12.9 writes (see the tests):
//! - `EI_ABIVERSION` 7 (sm_70 .. sm_90): `e_flags & 0xff` is the sm
//!   (`0x5a055a` for sm_90: sm, address/texmode bits, virtual sm);
//!   ABI version 8 (sm_100+): the sm is `(e_flags >> 8) & 0xff`
//!   (`0x6006402` for sm_100).
//! - A kernel is a global `STT_FUNC` symbol in `.text.<name>` with
//!   `st_other & 0x10` (`STO_CUDA_ENTRY`) and a `.nv.info.<name>` section.
//! - `.nv.info.<name>` is a list of attributes: `u8 format, u8 attribute`,
//!   then for format 4 (`EIFMT_SVAL`) a `u16` length and that many bytes, and
//!   for formats 1–3 a 2-byte inline value. `EIATTR_KPARAM_INFO` (0x17) gives
//!   each parameter's ordinal, offset and size (bits 18..32 of its last word),
//!   `EIATTR_CBANK_PARAM_SIZE` (0x19) the parameter block size,
//!   `EIATTR_MAX_THREADS` (0x05) `.maxntid`, `EIATTR_REQNTID` (0x10) `.reqntid`.
//! - Static shared memory of a kernel is the size of `.nv.shared.<name>`;
//!   on sm_90 that includes 1 KiB ptxas reserves in front of the user's
//!   variables (`.nv.shared.reserved.0`), i.e. it is what a block occupies.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};

use super::{elf, ArgInfo, ArgKind, InspectError, KernelInfo, ObjectInfo};
use crate::target::{Format, TargetId};

const WHAT: &str = "cubin";
const STO_CUDA_ENTRY: u8 = 0x10;
const EIFMT_SVAL: u8 = 4;
const EIATTR_MAX_THREADS: u8 = 0x05;
const EIATTR_REQNTID: u8 = 0x10;
const EIATTR_KPARAM_INFO: u8 = 0x17;
const EIATTR_CBANK_PARAM_SIZE: u8 = 0x19;

/// The sm an `e_flags` encodes, given `EI_ABIVERSION`.
pub(super) fn sm_from_flags(e_flags: u32, abi_version: u8) -> u32 {
    if abi_version >= 8 {
        (e_flags >> 8) & 0xff
    } else {
        e_flags & 0xff
    }
}

pub(super) fn inspect(bytes: &[u8]) -> Result<ObjectInfo, InspectError> {
    let file = elf::parse(bytes, WHAT, Format::Cubin, Some(elf::EM_CUDA))?;
    let (e_flags, _, abi_version) = elf::header_flags(&file);
    let sm = sm_from_flags(e_flags, abi_version);
    if sm == 0 {
        return Err(InspectError::malformed(
            WHAT,
            format!("e_flags 0x{e_flags:x} (ABI version {abi_version}) name no sm"),
        ));
    }
    let mut kernels = Vec::new();
    for sym in file.symbols() {
        if sym.kind() != SymbolKind::Text || !sym.is_global() {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        let info_section = file.section_by_name(&format!(".nv.info.{name}"));
        let entry = match sym.flags() {
            object::SymbolFlags::Elf { st_other, .. } => st_other.0 & STO_CUDA_ENTRY != 0,
            _ => false,
        };
        if !entry && info_section.is_none() {
            continue; // a device function, not a kernel
        }
        let mut kernel = KernelInfo {
            name: name.to_string(),
            ..KernelInfo::default()
        };
        if let Some(section) = info_section {
            let data = section
                .data()
                .map_err(|e| InspectError::malformed(WHAT, format!("bad .nv.info.{name}: {e}")))?;
            read_nv_info(data, &mut kernel)?;
        }
        if let Some(shared) = file.section_by_name(&format!(".nv.shared.{name}")) {
            kernel.group_segment_fixed_size = Some(u32::try_from(shared.size()).map_err(|_| {
                InspectError::malformed(WHAT, format!(".nv.shared.{name} is too large"))
            })?);
        } else {
            kernel.group_segment_fixed_size = Some(0);
        }
        kernels.push(kernel);
    }
    Ok(ObjectInfo {
        format: Format::Cubin,
        target: Some(TargetId::Nvidia { sm }),
        ptx_version: None,
        kernels,
        unexported: Vec::new(),
    })
}

fn read_nv_info(mut data: &[u8], kernel: &mut KernelInfo) -> Result<(), InspectError> {
    let name = kernel.name.clone();
    let bad = |what: &str| InspectError::malformed(WHAT, format!(".nv.info.{name}: {what}"));
    let u32_at = |b: &[u8], at: usize| -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    };
    // (ordinal, offset, size)
    let mut params: Vec<(u16, u16, u32)> = Vec::new();
    while !data.is_empty() {
        if data.len() < 4 {
            return Err(bad("truncated attribute"));
        }
        let (format, attr) = (data[0], data[1]);
        let value: &[u8];
        if format == EIFMT_SVAL {
            let len = usize::from(u16::from_le_bytes([data[2], data[3]]));
            value = data
                .get(4..4 + len)
                .ok_or_else(|| bad("truncated attribute value"))?;
            data = &data[4 + len..];
        } else {
            value = &data[2..4];
            data = &data[4..];
        }
        match attr {
            EIATTR_KPARAM_INFO if format == EIFMT_SVAL => {
                if value.len() < 12 {
                    return Err(bad("short EIATTR_KPARAM_INFO"));
                }
                let ordinal = u16::from_le_bytes([value[4], value[5]]);
                let offset = u16::from_le_bytes([value[6], value[7]]);
                let size = (u32_at(value, 8) >> 18) & 0x3fff;
                params.push((ordinal, offset, size));
            }
            EIATTR_CBANK_PARAM_SIZE => {
                kernel.kernarg_segment_size =
                    Some(u32::from(u16::from_le_bytes([value[0], value[1]])));
            }
            EIATTR_MAX_THREADS | EIATTR_REQNTID if format == EIFMT_SVAL => {
                if value.len() < 12 {
                    return Err(bad("short thread-count attribute"));
                }
                let dims = [u32_at(value, 0), u32_at(value, 4), u32_at(value, 8)];
                if attr == EIATTR_MAX_THREADS {
                    kernel.maxntid = Some(dims);
                } else {
                    kernel.reqntid = Some(dims);
                }
            }
            _ => {}
        }
    }
    params.sort_by_key(|p| p.0);
    for (i, (ordinal, offset, size)) in params.into_iter().enumerate() {
        if usize::from(ordinal) != i {
            return Err(bad("EIATTR_KPARAM_INFO ordinals are not 0..n"));
        }
        kernel.args.push(ArgInfo {
            size,
            offset: Some(u32::from(offset)),
            kind: ArgKind::Unknown,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm_from_ptxas_12_9_flags() {
        assert_eq!(sm_from_flags(0x500550, 7), 80);
        assert_eq!(sm_from_flags(0x5a055a, 7), 90);
        assert_eq!(sm_from_flags(0x460546, 7), 70);
        assert_eq!(sm_from_flags(0x6006402, 8), 100);
        assert_eq!(sm_from_flags(0x6007802, 8), 120);
    }

    #[test]
    fn nv_info_from_ptxas() {
        // `.nv.info.lb` of a sm_90 cubin: params (u64, .b8[24] align 8, u8, u16, f64),
        // `.maxntid 128, 1, 1`.
        let hex = "04370400810000000417 0c00000000000400280000f02100 04170c00000000000300220000f00900 \
                   04170c00000000000200200000f00500 04170c00000000000100080000f06100 \
                   04170c00000000000000000000f02100 03500000031bff00041c040030010000 \
                   04050c00800000000100000001000000 03193000040a08000c00000010023000 0436040008000000";
        let hex: String = hex.split_whitespace().collect();
        let data: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut k = KernelInfo::default();
        read_nv_info(&data, &mut k).unwrap();
        let layout: Vec<_> = k.args.iter().map(|a| (a.size, a.offset.unwrap())).collect();
        assert_eq!(layout, [(8, 0), (24, 8), (1, 32), (2, 34), (8, 40)]);
        assert_eq!(k.kernarg_segment_size, Some(48));
        assert_eq!(k.maxntid, Some([128, 1, 1]));
        for n in 0..data.len() {
            let _ = read_nv_info(&data[..n], &mut KernelInfo::default());
        }
    }
}
