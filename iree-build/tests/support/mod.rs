//! What the integration tests share: the kernel sources they compile, the
//! targets and toolchain of the `compile_*` tests, ELF header fields, dump
//! listings (`IREE_BUILD_DUMP` tests), and, in [`code_object`], compiling
//! code objects with the real tools.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use iree_build::target::TargetId;
use iree_build::toolchain::Toolchain;

pub mod code_object;

/// The seed's `kernels.cu` (IREE samples/custom_dispatch/hip).
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

/// The file names in `dir`, sorted (what an `IREE_BUILD_DUMP` run wrote).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// Writes a crate into `dir` (`src/lib.rs` = `bridge`, `kernels/k.cu` =
/// `kernels`) and builds it for `targets` through `Build` (no cargo
/// directives); the output and its manifest.
pub fn build_crate(
    dir: &Path,
    bridge: &str,
    kernels: &str,
    targets: &[&str],
) -> (iree_build::Output, iree_build::manifest::Manifest) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("kernels")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), bridge).unwrap();
    std::fs::write(dir.join("kernels/k.cu"), kernels).unwrap();
    let out = iree_build::Build::new()
        .crate_dir(dir)
        .out_dir(dir.join("out"))
        .cargo_metadata(false)
        .bridge("src/lib.rs")
        .targets(targets)
        .try_compile("k")
        .unwrap_or_else(|e| panic!("{e}"));
    let manifest = serde_json::from_slice(&std::fs::read(&out.manifest_path).unwrap()).unwrap();
    (out, manifest)
}

/// The manifest entry of the declaration `fn name`.
pub fn entry<'m>(
    m: &'m iree_build::manifest::Manifest,
    name: &str,
) -> &'m iree_build::manifest::DeclarationEntry {
    m.declarations
        .iter()
        .find(|d| d.fn_name == name)
        .unwrap_or_else(|| panic!("no `{name}` in {:#?}", m.declarations))
}
