//! The fuzz targets: which parser each drives, its seeds and its dictionary.

use std::borrow::Cow;
use std::sync::OnceLock;

use iree_build::code_object::ObjectInfo;
use iree_build::target::TargetId;

use iree_build::fuzzing;
use iree_build::target::Format;
use runtime_hip::bundle::Bundle;

use crate::seeds::{self, Seed};

/// One fuzz target.
pub struct Target {
    /// The name the driver, the tests and the libFuzzer binary use.
    pub name: &'static str,
    /// Runs the parser on one input; returns whether it accepted the input.
    pub run: fn(&[u8]) -> bool,
    /// The seed inputs.
    pub seeds: fn() -> Vec<Seed>,
    /// Tokens the mutator splices in (keywords, magic numbers).
    pub dict: &'static [&'static [u8]],
    /// Longest input the mutator makes (seeds may be longer).
    pub max_len: usize,
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "bundle",
        run: bundle,
        seeds: seeds::bundles,
        dict: &[b"IREEXDB\0", b"\x01\0\0\0", b"host", b"gfx90a", b"sm_80"],
        max_len: 1 << 16,
    },
    Target {
        name: "amd",
        run: |d| fuzzing::code_object(Format::Hsaco, d),
        seeds: seeds::amd_objects,
        dict: &[
            b"\x7fELF",
            b"AMDGPU\0",
            b"\x20\0\0\0",
            b".kd\0",
            b"amdhsa.kernels",
        ],
        max_len: 1 << 16,
    },
    Target {
        name: "amd_metadata",
        run: fuzzing::amd_metadata,
        seeds: seeds::amd_metadata,
        dict: &[
            b"\xaeamdhsa.kernels",
            b"\xa5.args",
            b"\xab.value_kind",
            b"\xadglobal_buffer",
            b"\xa8by_value",
            b"\xa5.size",
            b"\xdd\xff\xff\xff\xff",
            b"\xdf\xff\xff\xff\xff",
            b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
        ],
        max_len: 1 << 15,
    },
    Target {
        name: "ptx",
        run: |d| fuzzing::code_object(Format::Ptx, d),
        seeds: seeds::ptx,
        dict: &[
            b".version 8.0",
            b".target sm_80",
            b".visible .entry",
            b".param .u64",
            b".param .align 16 .b8 s[4294967295]",
            b".reqntid 4294967295, 2, 2",
            b".maxntid",
            b"/*",
            b"\"",
            b"{",
            b"}",
        ],
        max_len: 1 << 15,
    },
    Target {
        name: "cubin",
        run: |d| fuzzing::code_object(Format::Cubin, d),
        seeds: seeds::cubins,
        dict: &[
            b"\x7fELF",
            b".nv.info",
            b".nv.shared.",
            b"\x04\x0a",
            b"\x04\x17",
        ],
        max_len: 1 << 16,
    },
    Target {
        name: "host_object",
        run: |d| fuzzing::code_object(Format::Host, d),
        seeds: seeds::host_objects,
        dict: &[
            b"\x7fELF",
            b"__iree_host_sig_",
            b"__iree_host_block_",
            b"__iree_host_barrier",
            b".text.iree_kernel",
            b"\xff\xff\xff\xff",
        ],
        max_len: 1 << 16,
    },
    Target {
        name: "offload_bundle",
        run: fuzzing::offload_bundle,
        seeds: seeds::offload_bundles,
        dict: &[
            b"__CLANG_OFFLOAD_BUNDLE__",
            b"CCOB",
            b"hipv4-amdgcn-amd-amdhsa--gfx90a",
            b"cuda-nvptx64-nvidia-cuda-sm_80",
            b"\xff\xff\xff\xff\xff\xff\xff\x7f",
        ],
        max_len: 1 << 16,
    },
    Target {
        name: "layout",
        run: |d| fuzzing::layout(&text(d)),
        seeds: seeds::layouts,
        dict: &[
            b"#hal.pipeline.layout<",
            b"#hal.pipeline.binding<",
            b"#hal.interface.binding<",
            b"push_constants = ",
            b"constants = ",
            b"sets = [",
            b"bindings = [",
            b"storage_buffer",
            b"ReadOnly",
            b"\"ReadOnly|Indirect\"",
            b"4294967295",
            b"18446744073709551616",
            b"<",
            b">",
            b"[",
            b"]",
            b", ",
        ],
        max_len: 1 << 12,
    },
    Target {
        name: "declarations",
        run: |d| fuzzing::declarations(&text(d), objects()),
        seeds: seeds::declarations,
        dict: &[
            b"#[iree_macros::extern_dispatch(",
            b"workgroup_size = [4294967295; 3],",
            b"workgroup_size = [64, 1, 1],",
            b"subgroup_size = 4294967295,",
            b"workgroup_local_memory = ",
            b"layout = \"#hal.pipeline.layout<constants = 1, bindings = []>\",",
            b"bindings = [\"#hal.interface.binding<0, 0>\"],",
            b"objects = { \"gfx1100\" = \"k.co\" },",
            b"count = |dim| [dim, 1, 1],",
            b"&mut DeviceSlice<f32>",
            b"&DeviceSlice<u8>",
            b"Option<&DeviceSlice<i32>>",
            b": u32, ",
            b"DeviceSlice<()>",
            b"export = \"k<1>\",",
        ],
        max_len: 1 << 14,
    },
];

/// The target named `name`.
pub fn by_name(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Runs target `name` on `data` (the libFuzzer binaries' body).
///
/// # Panics
/// If there is no such target (a typo in a binary of this crate).
pub fn run(name: &str, data: &[u8]) -> bool {
    let target = by_name(name).unwrap_or_else(|| panic!("no fuzz target `{name}`"));
    (target.run)(data)
}

/// Real objects of every kind, inspected once, that the `declarations`
/// target verifies each declaration against: the seeds of the AMD, PTX,
/// cubin and host object targets.
fn objects() -> &'static [(TargetId, ObjectInfo)] {
    static OBJECTS: OnceLock<Vec<(TargetId, ObjectInfo)>> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        let kinds = [
            (seeds::amd_objects as fn() -> Vec<Seed>, Format::Hsaco),
            (seeds::ptx, Format::Ptx),
            (seeds::cubins, Format::Cubin),
            (seeds::host_objects, Format::Host),
        ];
        kinds
            .iter()
            .flat_map(|(seeds, format)| seeds().into_iter().map(move |s| (s, *format)))
            .filter_map(|(s, format)| {
                let info = iree_build::code_object::inspect(&s.bytes, format).ok()?;
                Some((info.target.clone()?, info))
            })
            .collect()
    })
}

/// Text targets read the bytes as UTF-8, replacing what is not.
fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The runtime's bundle reader: the full parse, the structural checks
/// without the content id (which a mutated input almost never matches), and
/// every accessor of a bundle it accepted.
fn bundle(data: &[u8]) -> bool {
    let _ = Bundle::parse(data);
    let Ok(b) = Bundle::parse_structure(data) else {
        return false;
    };
    for e in b.executables() {
        let _ = e.name();
        for x in e.exports() {
            let _ = (x.name(), x.ordinal(), x.block_dims(), x.constant_count());
            let _ = (x.workgroup_local_memory(), x.binding_flags().count());
        }
        for v in e.variants() {
            let _ = (v.target_str(), v.target(), v.format(), v.data().len());
        }
        let _ = (e.export(0), e.export_named("simple_mul"));
    }
    let _ = (
        b.executable(usize::MAX),
        b.executable_count(),
        b.content_id(),
    );
    let _ = format!("{b:?}");
    true
}
