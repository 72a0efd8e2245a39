//! ELF plumbing shared by the AMD, cubin and host readers.

use object::read::elf::{ElfFile64, FileHeader};
use object::Endianness;

use super::InspectError;
use crate::target::Format;

/// `EM_AMDGPU`.
pub(crate) const EM_AMDGPU: u16 = 224;
/// `EM_CUDA`.
pub(crate) const EM_CUDA: u16 = 190;

/// `e_machine` of an ELF file, read straight from the header so that the
/// sniffing never depends on the rest of the file being well formed.
pub(crate) fn machine(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let raw = [bytes[18], bytes[19]];
    Some(match bytes[5] {
        2 => u16::from_be_bytes(raw),
        _ => u16::from_le_bytes(raw),
    })
}

/// A human name for an `e_machine`, for "expected X, found Y" messages.
pub(crate) fn machine_name(machine: u16) -> String {
    match machine {
        EM_AMDGPU => "an AMD code object (EM_AMDGPU)".into(),
        EM_CUDA => "an NVIDIA cubin (EM_CUDA)".into(),
        62 => "an x86-64 ELF object".into(),
        183 => "an AArch64 ELF object".into(),
        m => format!("an ELF object for e_machine {m}"),
    }
}

/// Parses a 64-bit ELF file, with errors phrased for `what`.
///
/// `want_machine` checks `e_machine`: `Some(m)` requires exactly `m`, `None`
/// (host objects) accepts anything but the GPU machines.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    what: &'static str,
    format: Format,
    want_machine: Option<u16>,
) -> Result<ElfFile64<'a, Endianness>, InspectError> {
    let Some(machine) = machine(bytes) else {
        if bytes.starts_with(b"\x7fELF") {
            return Err(InspectError::malformed(what, "truncated ELF header"));
        }
        return Err(InspectError::WrongFormat {
            expected: format,
            found: describe_non_elf(bytes),
        });
    };
    let machine_ok = match want_machine {
        Some(m) => machine == m,
        None => machine != EM_AMDGPU && machine != EM_CUDA,
    };
    if !machine_ok {
        return Err(InspectError::WrongFormat {
            expected: format,
            found: machine_name(machine),
        });
    }
    if bytes.get(4) != Some(&2) {
        return Err(InspectError::malformed(what, "not a 64-bit ELF file"));
    }
    let file = ElfFile64::<Endianness>::parse(bytes)
        .map_err(|e| InspectError::malformed(what, format!("bad ELF: {e}")))?;
    Ok(file)
}

/// `(e_flags, EI_OSABI, EI_ABIVERSION)` of a parsed file.
pub(crate) fn header_flags(file: &ElfFile64<'_, Endianness>) -> (u32, u8, u8) {
    let header = file.elf_header();
    let endian = file.endian();
    let ident = header.e_ident();
    (header.e_flags(endian).0, ident.os_abi.0, ident.abi_version)
}

/// What bytes that are not ELF look like, for error messages.
fn describe_non_elf(bytes: &[u8]) -> String {
    if super::offload_bundle::is_bundle(bytes) {
        "a clang offload bundle (unbundle it first)".into()
    } else if bytes.is_empty() {
        "an empty file".into()
    } else if std::str::from_utf8(&bytes[..bytes.len().min(4096)])
        .map(|t| t.contains(".version") && t.contains(".target"))
        .unwrap_or(false)
    {
        "PTX text".into()
    } else {
        "bytes that are not ELF".into()
    }
}
