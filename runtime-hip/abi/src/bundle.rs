//! The bundle format: every executable of a crate, its exports and its
//! per-target variants, in one binary blob.
//!
//! `iree-build` writes a bundle into `OUT_DIR` with [`BundleSpec::to_bytes`];
//! the `#[extern_dispatch]` wrappers `include_bytes!` it, and the runtime reads
//! it with [`Bundle::parse`] without copying anything: names and object bytes
//! are borrowed from the input. One definition serves both sides, so writer
//! and reader cannot drift apart.
//!
//! # Layout (version 2)
//!
//! All integers little-endian. Offsets are from the start of the bundle.
//!
//! ```text
//! header (80 bytes; 72 in version 1, which has no symbols table)
//!   0  magic            [u8; 8] = "IREEXDB\0"
//!   8  version          u32     = 2
//!  12  header_size      u32     = 80
//!  16  total_size       u64     = length of the whole bundle
//!  24  content_id       u64     = FNV-1a 64 of the bundle with this field zeroed
//!  32  executables      (offset u32, count u32)  -> ExecutableRecord[count]
//!  40  exports          (offset u32, count u32)  -> ExportRecord[count]
//!  48  variants         (offset u32, count u32)  -> VariantRecord[count]
//!  56  binding_flags    (offset u32, count u32)  -> u32[count]
//!  64  strings          (offset u32, len u32)    -> UTF-8 bytes
//!  72  symbols          (offset u32, count u32)  -> Str[count]
//! ExecutableRecord (24): name Str, first_export u32, export_count u32,
//!                        first_variant u32, variant_count u32
//! ExportRecord (40):     name Str, ordinal u32, block_dims [u32; 3],
//!                        constant_count u32, workgroup_local_memory u32,
//!                        first_binding u32, binding_count u32
//! VariantRecord (32):    target Str, format u8, reserved [u8; 3] = 0,
//!                        symbols u32, data_offset u64, data_len u64
//! Str (8):               offset u32 (into strings), len u32
//! variant data:          each starts at a multiple of DATA_ALIGN (64)
//! ```
//!
//! An export's name is the one its declaration wrote (`vectorAdd`,
//! `ns::reduce<float, 256>`), for messages. The function a variant's loader
//! resolves is that name too, unless the variant's `symbols` is non-zero:
//! then `symbols[symbols - 1 + k]` is the symbol (a C++ kernel's mangled
//! name, which may differ per target) of the executable's `k`-th export.
//!
//! Variant data offsets are multiples of [`DATA_ALIGN`] from the start of
//! the bundle, so when the bundle itself is placed at a 64-byte aligned
//! address (see [`Aligned`]) every code object is too. The runtime does not
//! rely on it: a GPU backend copies misaligned data before handing it to the
//! driver.
//!
//! # Robustness
//!
//! [`Bundle::parse`] validates everything up front (ranges, UTF-8, format
//! bytes, the content id) with checked arithmetic, and returns
//! [`BundleError`] for any malformed input; it never panics. After a
//! successful parse the views' accessors cannot fail. A cargo-fuzz target in
//! `runtime-hip/fuzz` exercises this.

use std::fmt;

use crate::target::{Format, TargetId, TargetIdError};

/// The 8 bytes every bundle starts with.
pub const MAGIC: [u8; 8] = *b"IREEXDB\0";
/// The newest format version this crate writes and reads.
pub const VERSION: u32 = 2;
/// Variant data alignment, in bytes from the start of the bundle.
pub const DATA_ALIGN: usize = 64;

const HEADER_SIZE: usize = 80;
/// Version 1's header: no symbols table.
const HEADER_SIZE_V1: usize = 72;
const EXECUTABLE_RECORD: usize = 24;
const EXPORT_RECORD: usize = 40;
const VARIANT_RECORD: usize = 32;
const CONTENT_ID_AT: usize = 24;

/// Binding flag bit: the kernel only reads this binding (IREE's
/// `ReadOnly` descriptor flag).
pub const BINDING_READ_ONLY: u32 = 1;

/// A byte container with 64-byte alignment, for embedding a bundle so that
/// its variant data land on aligned addresses:
///
/// ```
/// use iree_abi::bundle::Aligned;
/// static BUNDLE: &Aligned<[u8]> = &Aligned(*b"bytes of the bundle");
/// let bytes: &'static [u8] = &BUNDLE.0;
/// assert_eq!(bytes.as_ptr() as usize % 64, 0);
/// ```
///
/// (With `include_bytes!("…")` in place of the literal.)
#[repr(C, align(64))]
pub struct Aligned<T: ?Sized>(pub T);

/// Why bytes are not a bundle. Every variant says where the problem is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Fewer bytes than the header or the header's `total_size` says.
    #[error("bundle truncated: {needed} bytes needed, {len} present")]
    Truncated {
        /// Bytes the bundle claims or the header requires.
        needed: u64,
        /// Bytes present.
        len: usize,
    },
    /// More bytes than `total_size`.
    #[error("bundle has {len} bytes but its header says {total}")]
    TrailingBytes {
        /// `total_size` from the header.
        total: u64,
        /// Bytes present.
        len: usize,
    },
    /// The first 8 bytes are not [`MAGIC`].
    #[error("not a bundle: magic {found:02x?}, expected {MAGIC:02x?}")]
    BadMagic {
        /// What the input starts with.
        found: [u8; 8],
    },
    /// Written by a newer `iree-build` than this runtime understands.
    #[error("bundle version {found} is newer than this runtime reads ({supported}); rebuild with a matching iree-build or update runtime-hip")]
    FutureVersion {
        /// The version in the header.
        found: u32,
        /// [`VERSION`].
        supported: u32,
    },
    /// Version 0, or a header size that does not match the version.
    #[error("bad bundle header: {0}")]
    BadHeader(String),
    /// The content id does not match the bytes: the bundle was altered.
    #[error("bundle content id mismatch: header says {expected:016x}, bytes hash to {found:016x}")]
    ContentId {
        /// From the header.
        expected: u64,
        /// Computed.
        found: u64,
    },
    /// An offset or length points outside the bundle or its table.
    #[error("{what}: range {offset}+{len} is outside 0..{limit}")]
    OutOfRange {
        /// Which field.
        what: String,
        /// The offset (or index).
        offset: u64,
        /// The length (or count).
        len: u64,
        /// The end of the space it must lie in.
        limit: u64,
    },
    /// A name is not UTF-8.
    #[error("{what}: not UTF-8")]
    BadUtf8 {
        /// Which name.
        what: String,
    },
    /// A variant's format byte is not a known [`Format`].
    #[error("{what}: unknown format byte {byte}")]
    BadFormat {
        /// Which variant.
        what: String,
        /// The byte.
        byte: u8,
    },
    /// Reserved bytes are not zero (a future version's fields).
    #[error("{what}: reserved bytes are not zero")]
    Reserved {
        /// Which record.
        what: String,
    },
}

// ---------------------------------------------------------------- writer --

/// A bundle to write: what `iree-build` produces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleSpec {
    /// Executables, in the order wrappers index them.
    pub executables: Vec<ExecutableSpec>,
}

/// One executable: exports that share a set of per-target objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutableSpec {
    /// Stable name (`<crate>_dispatch_<n>` or the source stem), for errors.
    pub name: String,
    /// Exported kernels.
    pub exports: Vec<ExportSpec>,
    /// One object per target.
    pub variants: Vec<VariantSpec>,
}

/// One exported kernel: the fields of IREE's `hip_executable_def.fbs`
/// `ExportDef`, which the runtime checks each launch against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSpec {
    /// Function name in every variant.
    pub name: String,
    /// Ordinal within the executable.
    pub ordinal: u32,
    /// Workgroup (block) size.
    pub block_dims: [u32; 3],
    /// Number of 32-bit push constants after the bindings.
    pub constant_count: u32,
    /// One entry per binding, bit 0 = [`BINDING_READ_ONLY`].
    pub binding_flags: Vec<u32>,
    /// Dynamic shared memory in bytes.
    pub workgroup_local_memory: u32,
}

/// One object for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantSpec {
    /// Target id as written (`gfx90a:xnack-`, `sm_80`, `host`).
    pub target: String,
    /// What the bytes are.
    pub format: Format,
    /// The object.
    pub data: Vec<u8>,
    /// The function each export is in this object, in export order; empty
    /// when they are the export names (`extern "C"` kernels).
    pub symbols: Vec<String>,
}

impl BundleSpec {
    /// Serialises the bundle.
    ///
    /// # Panics
    /// If a table or the string section exceeds 4 GiB, which the format's
    /// 32-bit offsets cannot express (variant data may exceed it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut strings: Vec<u8> = Vec::new();
        let mut add_str = |s: &str| -> [u32; 2] {
            let at = u32_of(strings.len());
            strings.extend_from_slice(s.as_bytes());
            [at, u32_of(s.len())]
        };

        let mut executables = Vec::new();
        let mut exports = Vec::new();
        let mut variants: Vec<([u32; 2], Format, u32, &[u8])> = Vec::new();
        let mut flags: Vec<u32> = Vec::new();
        let mut symbols: Vec<u8> = Vec::new();
        for exe in &self.executables {
            let name = add_str(&exe.name);
            let first_export = u32_of(exports.len() / EXPORT_RECORD);
            for ex in &exe.exports {
                let n = add_str(&ex.name);
                put_u32s(&mut exports, &n);
                put_u32s(&mut exports, &[ex.ordinal]);
                put_u32s(&mut exports, &ex.block_dims);
                put_u32s(
                    &mut exports,
                    &[
                        ex.constant_count,
                        ex.workgroup_local_memory,
                        u32_of(flags.len()),
                        u32_of(ex.binding_flags.len()),
                    ],
                );
                flags.extend_from_slice(&ex.binding_flags);
            }
            let first_variant = u32_of(variants.len());
            for v in &exe.variants {
                assert!(
                    v.symbols.is_empty() || v.symbols.len() == exe.exports.len(),
                    "a variant names one symbol per export or none"
                );
                let first = if v.symbols.is_empty() {
                    0
                } else {
                    let first = u32_of(symbols.len() / 8) + 1;
                    for sym in &v.symbols {
                        put_u32s(&mut symbols, &add_str(sym));
                    }
                    first
                };
                variants.push((add_str(&v.target), v.format, first, &v.data));
            }
            put_u32s(
                &mut executables,
                &[
                    name[0],
                    name[1],
                    first_export,
                    u32_of(exe.exports.len()),
                    first_variant,
                    u32_of(exe.variants.len()),
                ],
            );
        }

        // Tables follow the header, each 8-aligned; then strings; then data.
        let mut out = vec![0u8; HEADER_SIZE];
        let section = |out: &mut Vec<u8>, bytes: &[u8]| -> u32 {
            pad_to(out, 8);
            let at = u32_of(out.len());
            out.extend_from_slice(bytes);
            at
        };
        let exe_at = section(&mut out, &executables);
        let exp_at = section(&mut out, &exports);
        let var_at = {
            pad_to(&mut out, 8);
            out.len()
        };
        out.resize(var_at + variants.len() * VARIANT_RECORD, 0);
        let mut flag_bytes = Vec::with_capacity(flags.len() * 4);
        put_u32s(&mut flag_bytes, &flags);
        let flags_at = section(&mut out, &flag_bytes);
        let sym_at = section(&mut out, &symbols);
        let str_at = section(&mut out, &strings);
        for (i, (target, format, first_symbol, data)) in variants.iter().enumerate() {
            pad_to(&mut out, DATA_ALIGN);
            let data_at = out.len() as u64;
            out.extend_from_slice(data);
            let rec = &mut out[var_at + i * VARIANT_RECORD..][..VARIANT_RECORD];
            rec[0..4].copy_from_slice(&target[0].to_le_bytes());
            rec[4..8].copy_from_slice(&target[1].to_le_bytes());
            rec[8] = *format as u8;
            rec[12..16].copy_from_slice(&first_symbol.to_le_bytes());
            rec[16..24].copy_from_slice(&data_at.to_le_bytes());
            rec[24..32].copy_from_slice(&(data.len() as u64).to_le_bytes());
        }

        let total = out.len() as u64;
        let h = &mut out[..HEADER_SIZE];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..12].copy_from_slice(&VERSION.to_le_bytes());
        h[12..16].copy_from_slice(&(HEADER_SIZE as u32).to_le_bytes());
        h[16..24].copy_from_slice(&total.to_le_bytes());
        let tables = [
            (exe_at, u32_of(self.executables.len())),
            (exp_at, u32_of(exports.len() / EXPORT_RECORD)),
            (u32_of(var_at), u32_of(variants.len())),
            (flags_at, u32_of(flags.len())),
            (str_at, u32_of(strings.len())),
            (sym_at, u32_of(symbols.len() / 8)),
        ];
        for (i, (at, n)) in tables.iter().enumerate() {
            h[32 + i * 8..][..4].copy_from_slice(&at.to_le_bytes());
            h[36 + i * 8..][..4].copy_from_slice(&n.to_le_bytes());
        }
        let id = content_id(&out);
        out[CONTENT_ID_AT..CONTENT_ID_AT + 8].copy_from_slice(&id.to_le_bytes());
        out
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("bundle table or string section exceeds 4 GiB")
}

fn put_u32s(out: &mut Vec<u8>, vals: &[u32]) {
    for v in vals {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn pad_to(out: &mut Vec<u8>, align: usize) {
    let rem = out.len() % align;
    if rem != 0 {
        out.resize(out.len() + (align - rem), 0);
    }
}

/// FNV-1a 64 over the whole bundle with the content-id field read as zero.
/// Not cryptographic: it identifies contents (for caches and logs) and
/// catches accidental corruption.
fn content_id(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    let (head, rest) = bytes.split_at(CONTENT_ID_AT.min(bytes.len()));
    head.iter().for_each(|&b| eat(b));
    let skip = rest.len().min(8);
    (0..skip).for_each(|_| eat(0));
    rest[skip..].iter().for_each(|&b| eat(b));
    h
}

// ---------------------------------------------------------------- reader --

/// A parsed bundle borrowing its bytes. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Bundle<'a> {
    bytes: &'a [u8],
    content_id: u64,
    executables: Table<'a>,
    exports: Table<'a>,
    variants: Table<'a>,
    flags: Table<'a>,
    strings: &'a [u8],
    symbols: Table<'a>,
}

/// A run of fixed-size records.
#[derive(Clone, Copy)]
struct Table<'a> {
    bytes: &'a [u8],
    record: usize,
    count: usize,
}

impl<'a> Table<'a> {
    /// Record `i`; callers index only below `count`.
    fn get(&self, i: usize) -> Rec<'a> {
        Rec(&self.bytes[i * self.record..(i + 1) * self.record])
    }
}

/// One record; field reads are in bounds by construction of the table.
#[derive(Clone, Copy)]
struct Rec<'a>(&'a [u8]);

impl Rec<'_> {
    fn u32(&self, at: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[at..at + 4]);
        u32::from_le_bytes(b)
    }
    fn u64(&self, at: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[at..at + 8]);
        u64::from_le_bytes(b)
    }
}

fn oor(what: impl Into<String>, offset: u64, len: u64, limit: u64) -> BundleError {
    BundleError::OutOfRange {
        what: what.into(),
        offset,
        len,
        limit,
    }
}

/// `[offset, offset + len)` of `space`, or an error naming `what`.
fn range(
    space: &[u8],
    offset: u64,
    len: u64,
    what: impl Fn() -> String,
) -> Result<&[u8], BundleError> {
    let limit = space.len() as u64;
    match offset.checked_add(len) {
        Some(end) if end <= limit => Ok(&space[offset as usize..end as usize]),
        _ => Err(oor(what(), offset, len, limit)),
    }
}

/// `first..first + count` as a sub-range of `0..total` records.
fn index_range(
    first: u32,
    count: u32,
    total: usize,
    what: impl Fn() -> String,
) -> Result<(), BundleError> {
    match first.checked_add(count) {
        Some(end) if end as usize <= total => Ok(()),
        _ => Err(oor(what(), first.into(), count.into(), total as u64)),
    }
}

impl<'a> Bundle<'a> {
    /// Parses and validates a bundle, including its content id.
    pub fn parse(bytes: &'a [u8]) -> Result<Bundle<'a>, BundleError> {
        let b = Self::parse_structure(bytes)?;
        let found = content_id(bytes);
        if found != b.content_id {
            return Err(BundleError::ContentId {
                expected: b.content_id,
                found,
            });
        }
        Ok(b)
    }

    /// Parses and validates everything but the content id: for callers that
    /// trust the bytes' integrity and want to skip hashing them, and for the
    /// fuzzer, which would otherwise rarely get past the hash.
    pub fn parse_structure(bytes: &'a [u8]) -> Result<Bundle<'a>, BundleError> {
        let len = bytes.len();
        if len < 16 {
            // Say "wrong magic" rather than "truncated" when the prefix we
            // have already disagrees.
            let n = len.min(8);
            if bytes[..n] != MAGIC[..n] {
                let mut found = [0u8; 8];
                found[..n].copy_from_slice(&bytes[..n]);
                return Err(BundleError::BadMagic { found });
            }
            return Err(BundleError::Truncated {
                needed: HEADER_SIZE as u64,
                len,
            });
        }
        let h = Rec(&bytes[..16]);
        let mut magic = [0u8; 8];
        magic.copy_from_slice(&bytes[..8]);
        if magic != MAGIC {
            return Err(BundleError::BadMagic { found: magic });
        }
        let version = h.u32(8);
        if version > VERSION {
            return Err(BundleError::FutureVersion {
                found: version,
                supported: VERSION,
            });
        }
        if version == 0 {
            return Err(BundleError::BadHeader("version 0".into()));
        }
        let header_size = h.u32(12) as usize;
        let expected = if version == 1 {
            HEADER_SIZE_V1
        } else {
            HEADER_SIZE
        };
        if header_size != expected {
            return Err(BundleError::BadHeader(format!(
                "header size {header_size}, version {version} has {expected}"
            )));
        }
        if len < header_size {
            return Err(BundleError::Truncated {
                needed: header_size as u64,
                len,
            });
        }
        let h = Rec(&bytes[..header_size]);
        let total = h.u64(16);
        if total > len as u64 {
            return Err(BundleError::Truncated { needed: total, len });
        }
        if total < len as u64 {
            return Err(BundleError::TrailingBytes { total, len });
        }
        let content_id = h.u64(CONTENT_ID_AT);

        let table = |i: usize, record: usize, name: &str| -> Result<Table<'a>, BundleError> {
            let at = h.u32(32 + i * 8);
            let count = h.u32(36 + i * 8);
            let size = (count as u64) * (record as u64);
            let tb = range(bytes, at.into(), size, || format!("{name} table"))?;
            Ok(Table {
                bytes: tb,
                record,
                count: count as usize,
            })
        };
        let executables = table(0, EXECUTABLE_RECORD, "executable")?;
        let exports = table(1, EXPORT_RECORD, "export")?;
        let variants = table(2, VARIANT_RECORD, "variant")?;
        let flags = table(3, 4, "binding flags")?;
        let strings = table(4, 1, "string")?.bytes;
        let symbols = if version == 1 {
            Table {
                bytes: &[],
                record: 8,
                count: 0,
            }
        } else {
            table(5, 8, "symbol")?
        };

        let b = Bundle {
            bytes,
            content_id,
            executables,
            exports,
            variants,
            flags,
            strings,
            symbols,
        };
        b.validate()?;
        Ok(b)
    }

    /// Checks every record so that accessors cannot fail afterwards.
    fn validate(&self) -> Result<(), BundleError> {
        for e in 0..self.executables.count {
            let r = self.executables.get(e);
            let what = || format!("executable {e}");
            self.str_at(r, 0, || format!("{} name", what()))?;
            index_range(r.u32(8), r.u32(12), self.exports.count, || {
                format!("{} exports", what())
            })?;
            index_range(r.u32(16), r.u32(20), self.variants.count, || {
                format!("{} variants", what())
            })?;
            for v in r.u32(16)..r.u32(16) + r.u32(20) {
                let first = self.variants.get(v as usize).u32(12);
                if first != 0 {
                    index_range(first - 1, r.u32(12), self.symbols.count, || {
                        format!("variant {v} symbols")
                    })?;
                }
            }
        }
        for s in 0..self.symbols.count {
            self.str_at(self.symbols.get(s), 0, || format!("symbol {s}"))?;
        }
        for x in 0..self.exports.count {
            let r = self.exports.get(x);
            self.str_at(r, 0, || format!("export {x} name"))?;
            index_range(r.u32(32), r.u32(36), self.flags.count, || {
                format!("export {x} binding flags")
            })?;
        }
        for v in 0..self.variants.count {
            let r = self.variants.get(v);
            let what = || format!("variant {v}");
            self.str_at(r, 0, || format!("{} target", what()))?;
            let byte = r.0[8];
            if Format::from_u8(byte).is_none() {
                return Err(BundleError::BadFormat { what: what(), byte });
            }
            if r.0[9..12].iter().any(|&b| b != 0) {
                return Err(BundleError::Reserved { what: what() });
            }
            range(self.bytes, r.u64(16), r.u64(24), || {
                format!("{} data", what())
            })?;
        }
        Ok(())
    }

    /// The string a `Str` field at `at` of `r` names.
    fn str_at(
        &self,
        r: Rec<'_>,
        at: usize,
        what: impl Fn() -> String,
    ) -> Result<&'a str, BundleError> {
        let bytes = range(self.strings, r.u32(at).into(), r.u32(at + 4).into(), &what)?;
        std::str::from_utf8(bytes).map_err(|_| BundleError::BadUtf8 { what: what() })
    }

    /// A string field of a validated record.
    fn str_ok(&self, r: Rec<'_>, at: usize) -> &'a str {
        self.str_at(r, at, String::new).unwrap_or_default()
    }

    /// The bytes this bundle was parsed from.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Identifies the contents: equal bundles have equal ids.
    pub fn content_id(&self) -> u64 {
        self.content_id
    }

    /// Number of executables.
    pub fn executable_count(&self) -> usize {
        self.executables.count
    }

    /// Executable `index`, if there is one.
    pub fn executable(&self, index: usize) -> Option<ExecutableView<'a>> {
        (index < self.executables.count).then(|| ExecutableView {
            bundle: *self,
            rec: self.executables.get(index),
            index,
        })
    }

    /// All executables, in order.
    pub fn executables(&self) -> impl ExactSizeIterator<Item = ExecutableView<'a>> + 'a {
        let b = *self;
        (0..b.executables.count).map(move |i| ExecutableView {
            bundle: b,
            rec: b.executables.get(i),
            index: i,
        })
    }
}

impl fmt::Debug for Bundle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bundle")
            .field("content_id", &format_args!("{:016x}", self.content_id))
            .field("executables", &self.executables().collect::<Vec<_>>())
            .finish()
    }
}

/// One executable of a parsed bundle.
#[derive(Clone, Copy)]
pub struct ExecutableView<'a> {
    bundle: Bundle<'a>,
    rec: Rec<'a>,
    index: usize,
}

impl<'a> ExecutableView<'a> {
    /// Index in the bundle.
    pub fn index(&self) -> usize {
        self.index
    }
    /// Name, for errors.
    pub fn name(&self) -> &'a str {
        self.bundle.str_ok(self.rec, 0)
    }
    /// Exports, in stored order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportView<'a>> + 'a {
        let (b, first, n) = (self.bundle, self.rec.u32(8), self.rec.u32(12));
        (first..first + n).map(move |i| ExportView {
            bundle: b,
            rec: b.exports.get(i as usize),
        })
    }
    /// The export with this ordinal.
    pub fn export(&self, ordinal: u32) -> Option<ExportView<'a>> {
        self.exports().find(|e| e.ordinal() == ordinal)
    }
    /// The export with this name.
    pub fn export_named(&self, name: &str) -> Option<ExportView<'a>> {
        self.exports().find(|e| e.name() == name)
    }
    /// The function of each export (stored order) in `variant`, one of this
    /// executable's: what its loader resolves. The export names, unless the
    /// variant names its own symbols (C++ kernels).
    pub fn functions(&self, variant: &VariantView<'a>) -> Vec<&'a str> {
        let first = variant.rec.u32(12);
        self.exports()
            .enumerate()
            .map(|(k, e)| match first {
                0 => e.name(),
                f => {
                    let at = (f - 1) as usize + k;
                    if at < self.bundle.symbols.count {
                        self.bundle.str_ok(self.bundle.symbols.get(at), 0)
                    } else {
                        e.name()
                    }
                }
            })
            .collect()
    }
    /// Variants, in stored order.
    pub fn variants(&self) -> impl ExactSizeIterator<Item = VariantView<'a>> + 'a {
        let (b, first, n) = (self.bundle, self.rec.u32(16), self.rec.u32(20));
        (first..first + n).map(move |i| VariantView {
            bundle: b,
            rec: b.variants.get(i as usize),
        })
    }
}

impl fmt::Debug for ExecutableView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executable")
            .field("name", &self.name())
            .field("exports", &self.exports().collect::<Vec<_>>())
            .field("variants", &self.variants().collect::<Vec<_>>())
            .finish()
    }
}

/// One export of an executable.
#[derive(Clone, Copy)]
pub struct ExportView<'a> {
    bundle: Bundle<'a>,
    rec: Rec<'a>,
}

impl<'a> ExportView<'a> {
    /// Function name.
    pub fn name(&self) -> &'a str {
        self.bundle.str_ok(self.rec, 0)
    }
    /// Ordinal within the executable.
    pub fn ordinal(&self) -> u32 {
        self.rec.u32(8)
    }
    /// Workgroup (block) size.
    pub fn block_dims(&self) -> [u32; 3] {
        [self.rec.u32(12), self.rec.u32(16), self.rec.u32(20)]
    }
    /// Number of 32-bit push constants.
    pub fn constant_count(&self) -> u32 {
        self.rec.u32(24)
    }
    /// Dynamic shared memory in bytes.
    pub fn workgroup_local_memory(&self) -> u32 {
        self.rec.u32(28)
    }
    /// Number of bindings.
    pub fn binding_count(&self) -> u32 {
        self.rec.u32(36)
    }
    /// Flags of each binding (bit 0 = [`BINDING_READ_ONLY`]).
    pub fn binding_flags(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let (b, first, n) = (self.bundle, self.rec.u32(32), self.rec.u32(36));
        (first..first + n).map(move |i| b.flags.get(i as usize).u32(0))
    }
}

impl fmt::Debug for ExportView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Export")
            .field("name", &self.name())
            .field("ordinal", &self.ordinal())
            .field("block_dims", &self.block_dims())
            .field("constant_count", &self.constant_count())
            .field("binding_flags", &self.binding_flags().collect::<Vec<_>>())
            .field("workgroup_local_memory", &self.workgroup_local_memory())
            .finish()
    }
}

/// One object of an executable, for one target.
#[derive(Clone, Copy)]
pub struct VariantView<'a> {
    bundle: Bundle<'a>,
    rec: Rec<'a>,
}

impl<'a> VariantView<'a> {
    /// The target id as written in the bundle.
    pub fn target_str(&self) -> &'a str {
        self.bundle.str_ok(self.rec, 0)
    }
    /// The target id, parsed. An id this runtime's table does not know is an
    /// `Err` here rather than a parse error of the whole bundle, so a newer
    /// build's extra targets do not break older runtimes.
    pub fn target(&self) -> Result<TargetId, TargetIdError> {
        self.target_str().parse()
    }
    /// What the bytes are.
    pub fn format(&self) -> Format {
        // Validated by `Bundle::parse_structure`.
        Format::from_u8(self.rec.0[8]).unwrap_or(Format::Host)
    }
    /// The object bytes.
    pub fn data(&self) -> &'a [u8] {
        let (at, n) = (self.rec.u64(16) as usize, self.rec.u64(24) as usize);
        self.bundle.bytes.get(at..at + n).unwrap_or_default()
    }
}

impl fmt::Debug for VariantView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant")
            .field("target", &self.target_str())
            .field("format", &self.format())
            .field("len", &self.data().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BundleSpec {
        BundleSpec {
            executables: vec![
                ExecutableSpec {
                    name: "custom_dispatch".into(),
                    exports: vec![
                        ExportSpec {
                            name: "simple_mul".into(),
                            ordinal: 0,
                            block_dims: [64, 1, 1],
                            constant_count: 1,
                            binding_flags: vec![1, 1, 0],
                            workgroup_local_memory: 0,
                        },
                        ExportSpec {
                            name: "simple_mul_inplace".into(),
                            ordinal: 1,
                            block_dims: [64, 1, 1],
                            constant_count: 1,
                            binding_flags: vec![1, 0],
                            workgroup_local_memory: 16,
                        },
                    ],
                    variants: vec![
                        VariantSpec {
                            target: "gfx90a:xnack-".into(),
                            format: Format::Hsaco,
                            data: vec![0x7f, b'E', b'L', b'F', 1, 2, 3],
                            symbols: vec![
                                "_Z10simple_mulv".into(),
                                "_Z18simple_mul_inplacev".into(),
                            ],
                        },
                        VariantSpec {
                            target: "sm_80".into(),
                            format: Format::Ptx,
                            data: b".version 8.0\n".to_vec(),
                            symbols: Vec::new(),
                        },
                        VariantSpec {
                            target: "host".into(),
                            format: Format::Host,
                            data: vec![],
                            symbols: Vec::new(),
                        },
                    ],
                },
                ExecutableSpec {
                    name: "ünïcode".into(),
                    exports: vec![],
                    variants: vec![],
                },
            ],
        }
    }

    /// Reads a parsed bundle back into a spec.
    pub(crate) fn to_spec(b: &Bundle<'_>) -> BundleSpec {
        BundleSpec {
            executables: b
                .executables()
                .map(|e| ExecutableSpec {
                    name: e.name().into(),
                    exports: e
                        .exports()
                        .map(|x| ExportSpec {
                            name: x.name().into(),
                            ordinal: x.ordinal(),
                            block_dims: x.block_dims(),
                            constant_count: x.constant_count(),
                            binding_flags: x.binding_flags().collect(),
                            workgroup_local_memory: x.workgroup_local_memory(),
                        })
                        .collect(),
                    variants: e
                        .variants()
                        .map(|v| VariantSpec {
                            target: v.target_str().into(),
                            format: v.format(),
                            data: v.data().to_vec(),
                            symbols: if v.rec.u32(12) == 0 {
                                Vec::new()
                            } else {
                                e.functions(&v).into_iter().map(String::from).collect()
                            },
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn round_trip() {
        let spec = sample();
        let bytes = spec.to_bytes();
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(to_spec(&b), spec);
        let exe = b.executable(0).unwrap();
        assert_eq!(exe.export(1).unwrap().name(), "simple_mul_inplace");
        assert_eq!(exe.export_named("simple_mul").unwrap().ordinal(), 0);
        assert!(b.executable(2).is_none());
        let functions: Vec<Vec<&str>> = exe.variants().map(|v| exe.functions(&v)).collect();
        assert_eq!(functions[0], ["_Z10simple_mulv", "_Z18simple_mul_inplacev"]);
        assert_eq!(functions[1], ["simple_mul", "simple_mul_inplace"]);
        for v in exe.variants() {
            let off = v.data().as_ptr() as usize - bytes.as_ptr() as usize;
            assert_eq!(off % DATA_ALIGN, 0, "{v:?}");
        }
        // Deterministic; content id changes with content.
        assert_eq!(spec.to_bytes(), bytes);
        let mut other = spec.clone();
        other.executables[0].variants[0].data[1] = b'X';
        let other = other.to_bytes();
        assert_ne!(Bundle::parse(&other).unwrap().content_id(), b.content_id());
    }

    /// A version 1 bundle (72-byte header, no symbols table) still reads:
    /// its functions are the export names.
    #[test]
    fn version_1_reads() {
        let mut spec = sample();
        spec.executables[0].variants[0].symbols.clear();
        let v2 = spec.to_bytes();
        let b = Bundle::parse(&v2).unwrap();
        let exe = b.executable(0).unwrap();
        // Rebuild as v1: drop the symbols table slot from the header and
        // shift every offset by the 8 bytes removed.
        let mut v1 = v2[..HEADER_SIZE_V1].to_vec();
        v1.extend_from_slice(&v2[HEADER_SIZE..]);
        v1[8..12].copy_from_slice(&1u32.to_le_bytes());
        v1[12..16].copy_from_slice(&(HEADER_SIZE_V1 as u32).to_le_bytes());
        let total = v1.len() as u64;
        v1[16..24].copy_from_slice(&total.to_le_bytes());
        for i in 0..5 {
            let at = 32 + i * 8;
            let off = u32::from_le_bytes(v1[at..at + 4].try_into().unwrap());
            v1[at..at + 4].copy_from_slice(&(off - 8).to_le_bytes());
        }
        let var_at = u32::from_le_bytes(v1[48..52].try_into().unwrap()) as usize;
        for v in 0..exe.variants().len() {
            let rec = var_at + v * VARIANT_RECORD + 16;
            let off = u64::from_le_bytes(v1[rec..rec + 8].try_into().unwrap());
            v1[rec..rec + 8].copy_from_slice(&(off - 8).to_le_bytes());
        }
        let id = content_id(&v1);
        v1[CONTENT_ID_AT..CONTENT_ID_AT + 8].copy_from_slice(&id.to_le_bytes());
        let old = Bundle::parse(&v1).unwrap();
        assert_eq!(to_spec(&old), spec);
    }

    #[test]
    fn symbols_out_of_range_are_errors() {
        let bytes = sample().to_bytes();
        let b = Bundle::parse_structure(&bytes).unwrap();
        let var_at = u32::from_le_bytes(bytes[48..52].try_into().unwrap()) as usize;
        let mut bad = bytes.clone();
        bad[var_at + 12..var_at + 16].copy_from_slice(&(b.symbols.count as u32).to_le_bytes());
        assert!(matches!(
            Bundle::parse_structure(&bad),
            Err(BundleError::OutOfRange { .. })
        ));
    }

    #[test]
    fn empty_bundle_round_trips() {
        let bytes = BundleSpec::default().to_bytes();
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(b.executable_count(), 0);
    }
}
