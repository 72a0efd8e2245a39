//! Seed inputs: real objects the repository holds (compiled by clang-19 and
//! ptxas; `seeds/make.sh` regenerates the ones committed here), and seeds
//! made by the writers the runtime and the build use.

use std::path::{Path, PathBuf};

use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec};
use runtime_hip::Format;

/// One seed input and where it came from.
#[derive(Clone, Debug)]
pub struct Seed {
    /// A path relative to the repository root, or a description of how the
    /// seed was made.
    pub name: String,
    /// The input.
    pub bytes: Vec<u8>,
}

/// The repository root (this crate is `runtime-hip/fuzz`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file directly in `dir` (relative to the root) whose name ends with
/// one of `suffixes`, sorted by name. A missing directory gives nothing: the
/// tests check that each target has seeds.
fn files(dir: &str, suffixes: &[&str]) -> Vec<Seed> {
    let Ok(rd) = std::fs::read_dir(repo_root().join(dir)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let name = format!("{dir}/{}", p.file_name()?.to_string_lossy());
            Some(Seed { name, bytes })
        })
        .collect()
}

const TEST_DATA: &str = "runtime-hip/tests/data";
const PREBUILT: &str = "examples/custom_dispatch_prebuilt/prebuilt";
const SEEDS: &str = "runtime-hip/fuzz/seeds";

/// Raw AMD code objects (HSACO) for gfx90a, gfx942 and gfx1100.
pub fn amd_objects() -> Vec<Seed> {
    let mut s = files(TEST_DATA, &[".co"]);
    s.extend(files(PREBUILT, &[".co"]));
    s
}

/// The msgpack metadata notes of [`amd_objects`].
pub fn amd_metadata() -> Vec<Seed> {
    amd_objects()
        .into_iter()
        .filter_map(|s| {
            let bytes = iree_build::fuzzing::amd_metadata_of(&s.bytes)?;
            let name = format!("NT_AMDGPU_METADATA of {}", s.name);
            Some(Seed { name, bytes })
        })
        .collect()
}

/// PTX text from clang-19 for sm_80.
pub fn ptx() -> Vec<Seed> {
    let mut s = files(TEST_DATA, &[".ptx"]);
    s.extend(files(PREBUILT, &[".ptx"]));
    s
}

/// A cubin from ptxas.
pub fn cubins() -> Vec<Seed> {
    files(&format!("{SEEDS}/cubin"), &[".cubin"])
}

/// A host object compiled as iree-build compiles one.
pub fn host_objects() -> Vec<Seed> {
    files(&format!("{SEEDS}/host_object"), &[".o"])
}

/// Clang offload bundles: plain with one and two entries, and compressed.
pub fn offload_bundles() -> Vec<Seed> {
    let mut s = files(PREBUILT, &[".hipfb"]);
    s.extend(files(&format!("{SEEDS}/offload_bundle"), &[".hipfb"]));
    s
}

/// IREE layout strings in both spellings, and an interface binding.
pub fn layouts() -> Vec<Seed> {
    files(&format!("{SEEDS}/layout"), &[".txt"])
}

/// Rust files with `#[extern_dispatch]` declarations: every example's, the
/// macro's compile-fail cases (declarations that must be errors) and one
/// that uses every attribute key.
pub fn declarations() -> Vec<Seed> {
    let mut s = files(&format!("{SEEDS}/declarations"), &[".rs"]);
    for dir in [
        "custom_dispatch",
        "custom_dispatch_prebuilt",
        "inline_dispatch",
    ] {
        s.extend(files(&format!("examples/{dir}/src"), &[".rs"]));
    }
    s.extend(files("examples/matmul/src", &[".rs"]));
    s.extend(files("iree-macros/tests/ui", &[".rs"]));
    s
}

/// Bundles as `iree-build` writes them: one with an executable per kind of
/// variant holding the real objects above, and a small one of many exports.
pub fn bundles() -> Vec<Seed> {
    let object = |seeds: Vec<Seed>| {
        seeds
            .into_iter()
            .next()
            .map(|s| s.bytes)
            .unwrap_or_default()
    };
    let export = |name: &str, ordinal| ExportSpec {
        name: name.to_string(),
        ordinal,
        block_dims: [64, 1, 1],
        constant_count: 1,
        binding_flags: vec![1, 1, 0],
        workgroup_local_memory: 256,
    };
    let variant = |target: &str, format, data| VariantSpec {
        target: target.to_string(),
        format,
        data,
        symbols: Vec::new(),
    };
    let real = BundleSpec {
        executables: vec![ExecutableSpec {
            name: "kernels".into(),
            exports: vec![export("simple_mul", 0), export("simple_mul_inplace", 1)],
            variants: vec![
                variant("gfx90a", Format::Hsaco, object(amd_objects())),
                variant("sm_80", Format::Ptx, object(ptx())),
                variant("sm_80", Format::Cubin, object(cubins())),
                variant("host", Format::Host, Vec::new()),
            ],
        }],
    };
    let small = BundleSpec {
        executables: (0..3)
            .map(|e| ExecutableSpec {
                name: format!("exe{e}"),
                exports: (0..4).map(|o| export(&format!("k{o}"), o)).collect(),
                variants: vec![variant("gfx1100:xnack-", Format::Hsaco, vec![e as u8; 64])],
            })
            .collect(),
    };
    [("real objects", real), ("small", small)]
        .into_iter()
        .map(|(what, spec)| Seed {
            name: format!("BundleSpec::to_bytes ({what})"),
            bytes: spec.to_bytes(),
        })
        .collect()
}
