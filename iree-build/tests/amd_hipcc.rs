//! AMD without a device: for the same sources, the gfx90a code objects
//! iree-build produces (clang-19) carry the same kernel interface as those
//! of Debian's `hipcc` (HIP 5.2 on clang-15): the same kernels, explicit
//! arguments (kind, size, offset), static shared (group segment) and
//! scratch (private segment) sizes, workgroup limit and wavefront size.
//!
//! Where the two differ, the difference is asserted exactly, so that a
//! change in either compiler shows up here; docs/GPU.md explains each:
//! - code object v5 (clang-19's default) against v4 (clang-15's);
//! - v5 reads `blockDim`/`gridDim` from hidden kernel arguments (a 256-byte
//!   block after the explicit ones), v4 from the dispatch packet; a kernel
//!   that uses neither has the same kernarg size in both;
//! - access: clang-15 records what the source declares (`.access:
//!   read_only` for a `const` pointer), clang-19 what it proved about the
//!   code (`.actual_access`: `read_only`, `write_only`, or nothing when the
//!   kernel reads and writes). iree-build's inspection reads
//!   `.actual_access`; for hipcc's objects the access is read from
//!   `llvm-readelf-19 --notes`.
//!
//! Needs `hipcc` (Debian package `hipcc`; `cargo xtask provision` installs it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use iree_build::code_object::{inspect, unbundle, Access, ArgKind, KernelInfo};
use iree_build::compile::{compile, CompileJob};
use iree_build::target::{Format, TargetId};
use iree_build::toolchain::Toolchain;
use support::code_object::{self as s, Notes};

/// Real kernels: the examples' and the tests' own, chosen so that shared
/// memory, scratch, launch bounds, by-value structs and read-write buffers
/// all appear.
const SOURCES: &[&str] = &[
    "../examples/custom_dispatch/kernels/kernels.cu",
    "../examples/custom_dispatch/kernels/add.cu",
    "../examples/matmul/kernels/matmul.cu",
    "../examples/softmax/kernels/softmax.cu",
    "tests/kernels/metadata.cu",
    "tests/kernels/hip_api.cu",
];

/// The size of code object v5's hidden argument block.
const V5_HIDDEN_BYTES: u32 = 256;

/// One source compiled both ways, with what each object says.
struct Pair {
    source: PathBuf,
    ours: (Vec<KernelInfo>, Notes),
    hipcc: (Vec<KernelInfo>, Notes),
}

fn gfx90a() -> TargetId {
    "gfx90a".parse().unwrap()
}

/// `hipcc` on PATH, or a panic saying how to install it.
fn hipcc() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("hipcc"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "hipcc is not on PATH: this test compares iree-build's AMD code objects with \
                 Debian's hipcc; install it with `cargo xtask provision` or `apt-get install hipcc`"
            )
        })
}

/// Inspects a raw code object and reads its notes back with readelf.
fn describe(co: &[u8], path: &Path) -> (Vec<KernelInfo>, Notes) {
    std::fs::write(path, co).unwrap();
    let info = inspect(co, Format::Hsaco).unwrap();
    (info.kernels, s::readelf_notes(path))
}

fn compile_both(source: &Path, dir: &Path, tc: &Toolchain) -> Pair {
    let stem = source.file_stem().unwrap().to_string_lossy().to_string();
    let job_dir = dir.join(&stem);
    let obj = compile(&CompileJob::new(source, gfx90a(), &job_dir), tc).unwrap();
    let ours = std::fs::read(&obj.outputs[0].1).unwrap();
    let bundle = dir.join(format!("{stem}.hipcc.hsaco"));
    // `--genco` makes hipcc write a device-only clang offload bundle.
    s::run(
        Command::new(hipcc())
            .args(["--offload-arch=gfx90a", "--genco", "-O3"])
            .arg(source)
            .arg("-o")
            .arg(&bundle),
    );
    let theirs = unbundle(&std::fs::read(&bundle).unwrap(), &gfx90a()).unwrap();
    Pair {
        source: source.to_path_buf(),
        ours: describe(&ours, &dir.join(format!("{stem}.ours.co"))),
        hipcc: describe(&theirs, &dir.join(format!("{stem}.hipcc.co"))),
    }
}

/// Every source compiled by both compilers, in parallel (hipcc takes a few
/// seconds per file).
fn pairs() -> Vec<Pair> {
    let tc = Toolchain::discover();
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::thread::scope(|scope| {
        let handles: Vec<_> = SOURCES
            .iter()
            .map(|src| {
                let (tc, dir) = (&tc, dir.path());
                scope.spawn(move || compile_both(&root.join(src), dir, tc))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The end of the explicit arguments.
fn explicit_end(k: &KernelInfo) -> u32 {
    k.args
        .iter()
        .map(|a| a.offset.unwrap() + a.size)
        .max()
        .unwrap_or(0)
}

/// The readelf fields of each explicit argument of kernel `name`.
fn explicit_args<'a>(notes: &'a Notes, name: &str) -> Vec<&'a [(String, String)]> {
    let k = notes
        .kernels
        .iter()
        .find(|k| s::field(&k.fields, ".name") == Some(name))
        .unwrap_or_else(|| panic!("{name} not in readelf's notes"));
    k.args
        .iter()
        .filter(|a| !s::field(a, ".value_kind").unwrap().starts_with("hidden_"))
        .map(Vec::as_slice)
        .collect()
}

/// The interface both compilers must agree on, field by field.
fn assert_same_interface(ours: &KernelInfo, theirs: &KernelInfo, src: &Path) {
    let at = format!("{} in {}", ours.name, src.display());
    assert_eq!(ours.name, theirs.name, "{at}");
    assert_eq!(ours.args.len(), theirs.args.len(), "{at}: argument count");
    for (i, (a, b)) in ours.args.iter().zip(&theirs.args).enumerate() {
        assert_eq!((a.size, a.offset), (b.size, b.offset), "{at}: argument {i}");
        let kind = |k: &ArgKind| matches!(k, ArgKind::GlobalBuffer { .. });
        assert_eq!(kind(&a.kind), kind(&b.kind), "{at}: argument {i} kind");
    }
    assert_eq!(
        (ours.max_flat_workgroup_size, ours.wavefront_size),
        (theirs.max_flat_workgroup_size, theirs.wavefront_size),
        "{at}: workgroup limit, wavefront"
    );
    assert_eq!(
        ours.group_segment_fixed_size, theirs.group_segment_fixed_size,
        "{at}: static shared memory"
    );
    assert_eq!(
        ours.private_segment_fixed_size, theirs.private_segment_fixed_size,
        "{at}: scratch"
    );
}

/// v4 kernarg = the explicit arguments; v5 adds the hidden block exactly
/// when the kernel reads launch dimensions from it.
fn assert_kernarg_sizes(ours: &KernelInfo, theirs: &KernelInfo, src: &Path) {
    let end = explicit_end(ours);
    assert_eq!(theirs.kernarg_segment_size, Some(end), "{}", ours.name);
    let with_hidden = end.next_multiple_of(8) + V5_HIDDEN_BYTES;
    let got = ours.kernarg_segment_size.unwrap();
    assert!(
        got == end || got == with_hidden,
        "{} in {}: kernarg {got}, want {end} or {with_hidden}",
        ours.name,
        src.display()
    );
}

/// clang-15's declared `.access` against clang-19's proved `.actual_access`
/// for every buffer argument: a `const` buffer is proved read-only; a
/// non-const one may be proved anything; neither compiler writes the
/// other's field.
fn assert_access(pair: &Pair, ours: &KernelInfo) {
    let name = ours.name.as_str();
    let declared = explicit_args(&pair.hipcc.1, name);
    let proved = explicit_args(&pair.ours.1, name);
    for (i, (arg, (d, p))) in ours
        .args
        .iter()
        .zip(declared.iter().zip(&proved))
        .enumerate()
    {
        let ArgKind::GlobalBuffer { access } = arg.kind else {
            continue;
        };
        let at = format!("{name} argument {i} in {}", pair.source.display());
        assert_eq!(s::field(d, ".actual_access"), None, "{at}: hipcc");
        assert_eq!(s::field(p, ".access"), None, "{at}: iree-build");
        let want = access.map(|a| match a {
            Access::ReadOnly => "read_only",
            Access::WriteOnly => "write_only",
            Access::ReadWrite => "read_write",
        });
        assert_eq!(s::field(p, ".actual_access"), want, "{at}");
        if s::field(d, ".access") == Some("read_only") {
            assert_eq!(access, Some(Access::ReadOnly), "{at}: const buffer");
        } else {
            assert_eq!(s::field(d, ".access"), None, "{at}: hipcc access");
        }
    }
}

#[test]
fn gfx90a_metadata_matches_hipcc() {
    let pairs = pairs();
    let mut kernels = 0;
    let mut with_hidden = 0;
    for pair in &pairs {
        let (ours, theirs) = (&pair.ours.0, &pair.hipcc.0);
        let names = |ks: &[KernelInfo]| ks.iter().map(|k| k.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(ours), names(theirs), "{}", pair.source.display());
        assert_eq!(pair.ours.1.target, "amdgcn-amd-amdhsa--gfx90a");
        assert_eq!(pair.hipcc.1.target, "amdgcn-amd-amdhsa--gfx90a");
        assert_eq!(pair.ours.1.version, [1, 2], "iree-build: code object v5");
        assert_eq!(pair.hipcc.1.version, [1, 1], "hipcc 5.2: code object v4");
        for (a, b) in ours.iter().zip(theirs) {
            assert_same_interface(a, b, &pair.source);
            assert_kernarg_sizes(a, b, &pair.source);
            assert_access(pair, a);
            kernels += 1;
            with_hidden += usize::from(a.kernarg_segment_size != Some(explicit_end(a)));
        }
    }
    // The sources cover what the comparison is about.
    let all: Vec<&KernelInfo> = pairs.iter().flat_map(|p| &p.ours.0).collect();
    assert!(kernels >= 10, "{kernels} kernels compared");
    assert!(
        with_hidden > 0 && with_hidden < kernels,
        "{with_hidden} with hidden args"
    );
    assert!(all.iter().any(|k| k.group_segment_fixed_size > Some(0)));
    assert!(all.iter().any(|k| k.private_segment_fixed_size > Some(0)));
    assert!(all.iter().any(|k| k.max_flat_workgroup_size < Some(1024)));
    assert!(all.iter().any(|k| k
        .args
        .iter()
        .any(|a| a.kind == ArgKind::ByValue && a.size > 8)));
}
