//! Host objects: the same `.cu` compiled for the CPU with the host header
//! (`iree-build/include/host/hip/hip_runtime.h`), as a relocatable ELF file.
//!
//! The header's conventions (see docs/ARCHITECTURE.md, "Host kernels"):
//! - `__global__` puts kernels in section `.text.iree_kernel`;
//! - `IREE_HOST_EXPORT(k)` defines the thunks `__iree_host_block_k` and
//!   `__iree_host_thread_k`, and the data symbol `__iree_host_sig_k`, a `u32`
//!   array `{argc, sizeof(arg0), ...}`: the only place parameter sizes survive
//!   compilation;
//! - the lockstep pass plugin (loaded by `compile` when available) defines
//!   `__iree_host_lockstep_k`, a one-byte constant, for each kernel `k`
//!   whose block entry it rewrote to run the whole block, barriers
//!   included: such a kernel needs no coroutines, so it is reported without
//!   a barrier whatever its body calls;
//! - `__syncthreads()` calls `__iree_host_barrier`. Whether a kernel can reach
//!   it is found by following relocations from the kernel through every
//!   function and data symbol of the object (with `-ffunction-sections` each
//!   function has its own section, but several kernels share
//!   `.text.iree_kernel`, so a relocation belongs to the symbol whose
//!   `[address, address + size)` covers it). A call to a function the
//!   object does not define counts as a possible barrier (another kernel
//!   file's `__device__` function may call `__syncthreads()`), unless it is
//!   the C library's ([`is_library_symbol`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget, SectionIndex, SymbolKind};

use super::{elf, ArgInfo, ArgKind, InspectError, KernelInfo, ObjectInfo};
use crate::signature::{CType, Pointee, TypeClass};
use crate::target::{Format, TargetId};

const WHAT: &str = "host object";
/// The ELF file type `elf::parse` returns.
type Elf<'a> = object::read::elf::ElfFile64<'a, object::Endianness>;
/// The section the host header's `__global__` places kernels in.
pub(crate) const KERNEL_SECTION: &str = ".text.iree_kernel";
use iree_abi::host::{block_symbol, lockstep_symbol, thread_symbol};
pub(crate) use iree_abi::host::{BARRIER, SIG_PREFIX};

struct Sym {
    name: String,
    section: Option<SectionIndex>,
    address: u64,
    size: u64,
    is_section: bool,
}

pub(super) fn inspect(bytes: &[u8]) -> Result<ObjectInfo, InspectError> {
    let file = elf::parse(bytes, WHAT, Format::Host, None)?;
    let (sigs, names) = exports(&file)?;
    let unexported = unexported(&file, &sigs);
    let table = Symbols::new(&file);
    let warp_size = warp_size(&file);
    let kernels = names
        .into_iter()
        .map(|name| {
            let sig = &sigs[&name];
            KernelInfo {
                wavefront_size: warp_size,
                ..table.kernel(name, sig)
            }
        })
        .collect();
    Ok(ObjectInfo {
        format: Format::Host,
        target: Some(TargetId::Host),
        ptx_version: None,
        kernels,
        unexported,
    })
}

/// The object's warp size (`__iree_host_warp_size`), if it records one
/// (objects built with an older header do not).
fn warp_size(file: &Elf<'_>) -> Option<u32> {
    let little = file.is_little_endian();
    file.symbols()
        .filter(|s| !s.is_undefined())
        .find(|s| {
            s.name()
                .is_ok_and(|n| n == iree_abi::host::WARP_SIZE_SYMBOL)
        })
        .and_then(|s| read_sig(file, &s, little).ok())
        .and_then(|w| w.first().copied())
}

/// The kernels: the exports, i.e. the names with a signature array, in
/// symbol order, with their parsed tables.
fn exports(file: &Elf<'_>) -> Result<(BTreeMap<String, SigTable>, Vec<String>), InspectError> {
    let little = file.is_little_endian();
    let mut sigs: BTreeMap<String, SigTable> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    for s in file.symbols() {
        let Ok(name) = s.name() else { continue };
        let Some(export) = name.strip_prefix(SIG_PREFIX) else {
            continue;
        };
        if s.is_undefined() || sigs.contains_key(export) {
            continue;
        }
        let words = read_sig(file, &s, little)
            .and_then(|w| parse_sig(&w))
            .map_err(|detail| InspectError::malformed(WHAT, format!("`{name}`: {detail}")))?;
        sigs.insert(export.to_string(), words);
        names.push(export.to_string());
    }
    Ok((sigs, names))
}

/// Functions in `.text.iree_kernel` without a signature array: kernels the
/// object has but does not export.
fn unexported(file: &Elf<'_>, sigs: &BTreeMap<String, SigTable>) -> Vec<String> {
    // Every section of that name: a template instance's kernel sits in a
    // COMDAT section of its own, named the same.
    let kernel_sections: Vec<_> = file
        .sections()
        .filter(|s| s.name() == Ok(KERNEL_SECTION))
        .map(|s| s.index())
        .collect();
    let mut unexported: Vec<String> = Vec::new();
    for s in file.symbols() {
        if s.kind() == SymbolKind::Text
            && s.section_index()
                .is_some_and(|i| kernel_sections.contains(&i))
        {
            if let Ok(n) = s.name() {
                if !sigs.contains_key(n) && !unexported.iter().any(|u| u == n) {
                    unexported.push(n.to_string());
                }
            }
        }
    }
    unexported
}

/// The object's symbols and relocations, for following references from a
/// kernel to `__iree_host_barrier`.
struct Symbols {
    /// By symbol index.
    syms: BTreeMap<usize, Sym>,
    /// Defined, named, non-section symbols by name.
    by_name: HashMap<String, usize>,
    /// Relocations per section, sorted by offset.
    relocs: HashMap<SectionIndex, Vec<(u64, RelocationTarget, i64)>>,
}

impl Symbols {
    fn new(file: &Elf<'_>) -> Symbols {
        let mut syms: BTreeMap<usize, Sym> = BTreeMap::new();
        for s in file.symbols() {
            syms.insert(
                s.index().0,
                Sym {
                    name: s.name().unwrap_or_default().to_string(),
                    section: s.section_index(),
                    address: s.address(),
                    size: s.size(),
                    is_section: s.kind() == SymbolKind::Section,
                },
            );
        }
        let by_name = syms
            .iter()
            .filter(|(_, s)| s.section.is_some() && !s.is_section && !s.name.is_empty())
            .map(|(i, s)| (s.name.clone(), *i))
            .collect();
        let mut relocs = HashMap::new();
        for section in file.sections() {
            let list: Vec<_> = section
                .relocations()
                .map(|(off, r)| (off, r.target(), r.addend()))
                .collect();
            if !list.is_empty() {
                relocs.insert(section.index(), list);
            }
        }
        Symbols {
            syms,
            by_name,
            relocs,
        }
    }

    /// What the object says of export `name`, whose signature table is `sig`.
    fn kernel(&self, name: String, sig: &SigTable) -> KernelInfo {
        let args = sig
            .sizes
            .iter()
            .map(|&size| ArgInfo {
                size,
                offset: None,
                kind: ArgKind::Unknown,
            })
            .collect();
        // Start from the kernel itself; if it is not there under its export
        // name (C++ mangling, or inlined into its thunk), from the thunks.
        let starts: Vec<usize> = if let Some(&i) = self.by_name.get(name.as_str()) {
            vec![i]
        } else {
            [thread_symbol(&name), block_symbol(&name)]
                .iter()
                .filter_map(|n| self.by_name.get(n.as_str()).copied())
                .collect()
        };
        let lockstep = self.by_name.contains_key(lockstep_symbol(&name).as_str());
        let barrier = !lockstep && starts.into_iter().any(|s| self.reaches_barrier(s));
        KernelInfo {
            name,
            args,
            uses_barrier: Some(barrier),
            lockstep: Some(lockstep),
            signature: sig.types.clone(),
            ..KernelInfo::default()
        }
    }

    /// The symbols a relocation against a section (plus addend) may mean:
    /// the one covering the addend (or addend + 4, for x86's PC-relative
    /// `-4`), else, to stay conservative, every symbol in the section.
    fn in_section(&self, section: Option<SectionIndex>, addend: i64) -> Vec<usize> {
        let all: Vec<(usize, &Sym)> = self
            .syms
            .iter()
            .filter(|(_, s)| s.section == section && section.is_some() && !s.is_section)
            .map(|(i, s)| (*i, s))
            .collect();
        let covers = |s: &Sym, at: i64| {
            u64::try_from(at)
                .is_ok_and(|at| (s.address..s.address.saturating_add(s.size)).contains(&at))
        };
        let hits: Vec<usize> = all
            .iter()
            .filter(|(_, s)| covers(s, addend) || covers(s, addend.saturating_add(4)))
            .map(|(i, _)| *i)
            .collect();
        if hits.is_empty() {
            all.into_iter().map(|(i, _)| i).collect()
        } else {
            hits
        }
    }

    /// Whether symbol `start` can reach the barrier through relocations (a
    /// call to a function not defined here counts, unless it is the C
    /// library's).
    fn reaches_barrier(&self, start: usize) -> bool {
        let mut seen = HashSet::from([start]);
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let Some(sym) = self.syms.get(&i) else {
                continue;
            };
            if sym.name == BARRIER {
                return true;
            }
            let Some(section) = sym.section else {
                // Not defined here: a function of another kernel file may
                // reach a barrier this object cannot show.
                if !sym.name.is_empty() && !is_library_symbol(&sym.name) {
                    return true;
                }
                continue;
            };
            for j in self.referenced(sym, section) {
                if seen.insert(j) {
                    stack.push(j);
                }
            }
        }
        false
    }

    /// The symbols `sym` (defined in `section`) refers to through relocations.
    fn referenced(&self, sym: &Sym, section: SectionIndex) -> Vec<usize> {
        let Some(list) = self.relocs.get(&section) else {
            return Vec::new();
        };
        let end = sym.address.saturating_add(sym.size);
        let mut out = Vec::new();
        for (off, target, addend) in list {
            if !sym.is_section && sym.size != 0 && !(sym.address..end).contains(off) {
                continue;
            }
            match target {
                RelocationTarget::Symbol(t) => match self.syms.get(&t.0) {
                    Some(ts) if ts.is_section => out.extend(self.in_section(ts.section, *addend)),
                    Some(_) => out.push(t.0),
                    None => {}
                },
                RelocationTarget::Section(sec) => out.extend(self.in_section(Some(*sec), *addend)),
                _ => {}
            }
        }
        out
    }
}

/// Functions of `<math.h>`, each also with an `f` and an `l` suffix.
const MATH_FUNCTIONS: &[&str] = &[
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "copysign",
    "cos",
    "cosh",
    "erf",
    "erfc",
    "exp",
    "exp10",
    "exp2",
    "expm1",
    "fabs",
    "fdim",
    "floor",
    "fma",
    "fmax",
    "fmin",
    "fmod",
    "frexp",
    "hypot",
    "ilogb",
    "ldexp",
    "lgamma",
    "llrint",
    "llround",
    "log",
    "log10",
    "log1p",
    "log2",
    "logb",
    "lrint",
    "lround",
    "modf",
    "nan",
    "nearbyint",
    "nextafter",
    "pow",
    "remainder",
    "remquo",
    "rint",
    "round",
    "scalbln",
    "scalbn",
    "sin",
    "sincos",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "tgamma",
    "trunc",
];

/// Other C library and C++ runtime symbols host kernels and the host header
/// use: functions that call back only through pointers the object passes
/// them (which the walk follows as relocations anyway), and data.
const LIBRARY_SYMBOLS: &[&str] = &[
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "strlen",
    "printf",
    "fprintf",
    "puts",
    "putchar",
    "fputs",
    "fflush",
    "fwrite",
    "malloc",
    "calloc",
    "realloc",
    "free",
    "aligned_alloc",
    "posix_memalign",
    "abort",
    "__assert_fail",
    "__stack_chk_fail",
    "__errno_location",
    "__tls_get_addr",
    "pthread_once",
    "pthread_key_create",
    "pthread_setspecific",
    "pthread_getspecific",
    "__cxa_guard_acquire",
    "__cxa_guard_release",
    "__cxa_guard_abort",
    "__cxa_atexit",
    "__dso_handle",
    "_Znwm",
    "_Znam",
    "_ZdlPv",
    "_ZdaPv",
    "_ZdlPvm",
    "_ZdaPvm",
    "stderr",
    "stdout",
    "stdin",
    "_GLOBAL_OFFSET_TABLE_",
];

/// The prefix of glibc's vector math functions (libmvec, the vector
/// function ABI's mangling: `_ZGVdN8v_expf` is `expf` on eight AVX2 lanes),
/// which host kernels compiled with `-fveclib=libmvec` call
/// (`crate::compile::host::vector_math`).
pub(crate) const LIBMVEC_PREFIX: &str = "_ZGV";

/// Whether host object `bytes` calls libmvec (its program must link it).
pub(crate) fn uses_libmvec(bytes: &[u8]) -> bool {
    let Ok(file) = object::File::parse(bytes) else {
        return false;
    };
    file.symbols()
        .any(|s| s.is_undefined() && s.name().is_ok_and(|n| n.starts_with(LIBMVEC_PREFIX)))
}

/// Whether an undefined symbol is the C library's or the C++ runtime's,
/// hence cannot reach `__iree_host_barrier`.
fn is_library_symbol(name: &str) -> bool {
    let name = name.split('@').next().unwrap_or(name);
    if LIBRARY_SYMBOLS.contains(&name) || name.starts_with(LIBMVEC_PREFIX) {
        return true;
    }
    let base = name
        .strip_suffix('f')
        .or_else(|| name.strip_suffix('l'))
        .filter(|b| MATH_FUNCTIONS.contains(b));
    base.is_some() || MATH_FUNCTIONS.contains(&name)
}

/// Reads a signature array: `{argc, sizeof(arg0), ...}`.
fn read_sig(
    file: &Elf<'_>,
    sym: &object::read::elf::ElfSymbol64<'_, '_, object::Endianness>,
    little: bool,
) -> Result<Vec<u32>, String> {
    let section = sym
        .section_index()
        .and_then(|i| file.section_by_index(i).ok())
        .ok_or("not in a section")?;
    let data = section.data().map_err(|e| e.to_string())?;
    // Relocatable objects: the symbol value is the offset in its section.
    let start = usize::try_from(sym.address().wrapping_sub(section.address()))
        .map_err(|_| "bad address")?;
    let size = usize::try_from(sym.size()).map_err(|_| "bad size")?;
    let bytes = start
        .checked_add(size)
        .and_then(|end| data.get(start..end))
        .ok_or("outside its section")?;
    if size % 4 != 0 || size == 0 {
        return Err(format!("size {size} is not a non-empty u32 array"));
    }
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| {
            let c = [c[0], c[1], c[2], c[3]];
            if little {
                u32::from_le_bytes(c)
            } else {
                u32::from_be_bytes(c)
            }
        })
        .collect();
    Ok(words)
}

/// The header's `kSigTypesMagic`: the sizes are followed by type records.
pub(crate) const SIG_TYPES_MAGIC: u32 = 0x3154_5349;
/// Words per type record this reader understands (`SigType`); a newer
/// header may append words, which are skipped.
const SIG_TYPE_WORDS: usize = 7;

/// A parsed signature table: the sizes, and the types where the table has
/// them (objects built with an older header have sizes only).
#[derive(Debug, PartialEq)]
pub(crate) struct SigTable {
    pub sizes: Vec<u32>,
    pub types: Option<Vec<CType>>,
}

/// Parses `{argc, sizes[max(argc, 1)], [magic, words, records[max(argc, 1)][words]]}`.
pub(crate) fn parse_sig(words: &[u32]) -> Result<SigTable, String> {
    let argc = words[0] as usize;
    let slots = argc.max(1);
    let sizes_end = slots
        .checked_add(1)
        .filter(|&e| e <= words.len())
        .ok_or_else(|| format!("argc {argc} but {} sizes", words.len() - 1))?;
    let sizes = words[1..1 + argc].to_vec();
    if sizes_end == words.len() {
        return Ok(SigTable { sizes, types: None });
    }
    let rest = &words[sizes_end..];
    let [magic, per, records @ ..] = rest else {
        return Err("truncated type records".into());
    };
    if *magic != SIG_TYPES_MAGIC {
        return Err(format!(
            "{} words after the sizes, not type records",
            rest.len()
        ));
    }
    let per = *per as usize;
    if per < SIG_TYPE_WORDS || slots.checked_mul(per) != Some(records.len()) {
        return Err(format!(
            "{} words of type records for {slots} parameter(s) of {per} words",
            records.len()
        ));
    }
    let types = records
        .chunks_exact(per)
        .take(argc)
        .map(|r| CType {
            class: TypeClass::from_code(r[0]),
            size: r[1],
            align: r[2],
            pointee: (TypeClass::from_code(r[0]) == TypeClass::Pointer).then(|| Pointee {
                class: TypeClass::from_code(r[4]),
                size: r[5],
                align: r[6],
                is_const: r[3] & 1 != 0,
                is_volatile: r[3] & 2 != 0,
            }),
        })
        .collect();
    Ok(SigTable {
        sizes,
        types: Some(types),
    })
}
