//! Helpers shared by the compile_* integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use iree_build::target::TargetId;
use iree_build::toolchain::Toolchain;

/// The seed's kernels.cu.
pub fn seed_kernels() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/custom_dispatch/kernels/kernels.cu")
}

/// Our math kernel.
pub fn math_kernels() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kernels/math.cu")
}

/// The targets every test compiles for.
pub const TARGETS: &[&str] = &[
    "gfx90a", "gfx942", "gfx1100", "gfx1201", "sm_80", "sm_90", "host",
];

/// Parses a target id.
pub fn t(s: &str) -> TargetId {
    s.parse().unwrap()
}

/// The real toolchain; says once whether cubins will be checked.
pub fn toolchain() -> Toolchain {
    let tc = Toolchain::discover();
    if tc.ptxas().is_none() {
        eprintln!(
            "note: ptxas not found, cubin assertions skipped (`cargo xtask provision` installs it)\n{tc}"
        );
    }
    tc
}

/// `e_machine` of an ELF file, or None when it is not ELF64 little-endian.
pub fn elf_machine(bytes: &[u8]) -> Option<u16> {
    (bytes.len() >= 64 && bytes.starts_with(b"\x7fELF\x02\x01"))
        .then(|| u16::from_le_bytes([bytes[18], bytes[19]]))
}

/// `e_flags` of an ELF64 file.
pub fn elf_flags(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[48..52].try_into().unwrap())
}
