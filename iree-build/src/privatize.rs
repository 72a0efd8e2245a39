//! Host objects made private to their kernel file before they are linked.
//!
//! Every host object of every crate ends up in one program, but each
//! kernel file is its own unit on a GPU (one code object, nothing shared
//! with another file's). So that two files (or two crates compiling the
//! same file) may define the same non-inline `__device__` helper, the same
//! `__shared__` array or even the same kernel, every symbol a host object
//! defines is renamed with the object's unit tag ([`unit_tag`],
//! [`iree_abi::host::unit_symbol`]): `helper` becomes `helper.<tag>`, and
//! the entry points the wrapper calls become
//! `__iree_host_block_<k>.<tag>`, the names the manifest records. Nothing
//! else can name them, so nothing outside the object can clash with them.
//!
//! Only names change: the renamed string table is appended to the object
//! and its section header pointed at it, so symbol indices, sections,
//! COMDAT groups (whose signature symbols are renamed with the rest, so a
//! group is never discarded for another object's copy) and LLVM's address
//! significance table stay as clang wrote them.
//!
//! The same pass gives `extern __shared__ T name[];` (dynamic shared
//! memory, which the host header declares as an undefined `thread_local`
//! array) its storage: every undefined thread-local symbol is renamed too
//! and defined by a companion object ([`dynamic_shared_object`]) at offset
//! 0 of one `.tbss` buffer of [`iree_abi::target::HOST_SHARED_BYTES`], so
//! all of an object's `extern __shared__` arrays start at one address, as
//! they do on a GPU, one copy per worker thread (a worker runs one block at
//! a time).

use std::mem::offset_of;
use std::path::Path;

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader, Sym};
use object::{Endian as _, Endianness, Object as _};
use sha2::{Digest, Sha256};

use iree_abi::host::unit_symbol;
use iree_abi::target::HOST_SHARED_BYTES;

/// A host object's unit tag: 16 hex digits of a hash of the crate's
/// `OUT_DIR`, the library name and the object's bytes. `OUT_DIR` differs
/// between crates (and between two versions of one crate), the bytes
/// between kernel files; byte-identical objects of one library are one
/// unit, linked once.
pub fn unit_tag(out_dir: &Path, lib: &str, object: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(out_dir.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(lib.as_bytes());
    h.update([0]);
    h.update(object);
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Why an object could not be made private.
#[derive(Debug, thiserror::Error)]
#[error("cannot make the host object's symbols private: {0}")]
pub struct PrivatizeError(String);

fn bad(e: impl std::fmt::Display) -> PrivatizeError {
    PrivatizeError(e.to_string())
}

/// A host object made private to its unit.
#[derive(Debug)]
pub struct Private {
    /// The object, every symbol it defines renamed to
    /// [`unit_symbol`]`(name, tag)`.
    pub object: Vec<u8>,
    /// Its undefined thread-local symbols (`extern __shared__` arrays),
    /// renamed the same way, which [`dynamic_shared_object`] defines.
    pub dynamic_shared: Vec<String>,
}

/// Renames what `object` defines, and its `extern __shared__` arrays,
/// with `tag` (see the module docs).
pub fn privatize(object: &[u8], tag: &str) -> Result<Private, PrivatizeError> {
    let file = ElfFile64::<Endianness>::parse(object).map_err(bad)?;
    let endian = file.endian();
    let symbols = file.elf_symbol_table();
    let strtab_index = symbols.string_section();
    let strtab = file
        .elf_section_table()
        .section(strtab_index)
        .map_err(bad)?;
    // `data` checks the ranges lie in the file; the symbol table's was
    // checked by the parse.
    let mut strings = strtab.data(endian, object).map_err(bad)?.to_vec();
    let symtab = file
        .elf_section_table()
        .section(symbols.section())
        .map_err(bad)?;
    let (sym_offset, _) = symtab.file_range(endian).ok_or_else(|| bad("no .symtab"))?;
    let mut out = object.to_vec();
    let mut dynamic_shared = Vec::new();
    for (i, sym) in symbols.iter().enumerate() {
        let name = sym.name(endian, symbols.strings()).map_err(bad)?;
        if sym.st_bind() == elf::STB_LOCAL || name.is_empty() {
            continue;
        }
        let undefined = sym.st_shndx(endian) == elf::SHN_UNDEF;
        let tls = sym.st_type() == elf::STT_TLS;
        if undefined && !tls {
            continue;
        }
        let renamed = unit_symbol(&String::from_utf8_lossy(name), tag);
        let at = u32::try_from(strings.len()).map_err(bad)?;
        strings.extend_from_slice(renamed.as_bytes());
        strings.push(0);
        let field = sym_offset as usize + i * std::mem::size_of::<elf::Sym64<Endianness>>();
        put(&mut out, field, &endian.write_u32(at));
        if undefined {
            dynamic_shared.push(renamed);
        }
    }
    // The new string table goes at the end; its header points there.
    let new_offset = out.len().next_multiple_of(8);
    out.resize(new_offset, 0);
    out.extend_from_slice(&strings);
    let header = file.elf_header();
    let shoff = header.e_shoff(endian) as usize;
    let shentsize = usize::from(header.e_shentsize(endian));
    let sh = shoff + strtab_index.0 * shentsize;
    put(
        &mut out,
        sh + offset_of!(Shdr, sh_offset),
        &endian.write_u64(new_offset as u64),
    );
    put(
        &mut out,
        sh + offset_of!(Shdr, sh_size),
        &endian.write_u64(strings.len() as u64),
    );
    Ok(Private {
        object: out,
        dynamic_shared,
    })
}

/// The companion object defining every name in `names` at offset 0 of one
/// thread-local buffer of [`HOST_SHARED_BYTES`], for the architecture of
/// `like` (the object those names were renamed in).
pub fn dynamic_shared_object(like: &[u8], names: &[String]) -> Result<Vec<u8>, PrivatizeError> {
    use object::write::{Object, Symbol, SymbolSection};
    let file = object::File::parse(like).map_err(bad)?;
    let mut obj = Object::new(
        object::BinaryFormat::Elf,
        file.architecture(),
        file.endianness(),
    );
    let section = obj.add_section(
        Vec::new(),
        b".tbss.iree_dynamic_shared".to_vec(),
        object::SectionKind::UninitializedTls,
    );
    obj.append_section_bss(section, u64::from(HOST_SHARED_BYTES), 64);
    for name in names {
        obj.add_symbol(Symbol {
            name: name.clone().into_bytes(),
            value: 0,
            size: u64::from(HOST_SHARED_BYTES),
            kind: object::SymbolKind::Tls,
            scope: object::SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(section),
            flags: object::SymbolFlags::None,
        });
    }
    obj.write().map_err(bad)
}

type Shdr = elf::SectionHeader64<Endianness>;

/// Writes `bytes` (already in the object's byte order) at `at`.
fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    out[at..at + bytes.len()].copy_from_slice(bytes);
}

/// The first reference of one host object to a symbol that only another
/// host object of the same library defines, as `(user, symbol, definer)`
/// indices into `objects` and the symbol's name. Such a reference cannot
/// be linked once every object's symbols are private, and it could not on
/// a GPU either (a code object cannot call into another file's), so the
/// build reports it instead of leaving the program's link to fail.
pub fn cross_unit_reference(objects: &[&[u8]]) -> Option<(usize, String, usize)> {
    let tables: Vec<(Vec<String>, Vec<String>)> = objects.iter().map(|o| globals(o)).collect();
    for (user, (_, undefined)) in tables.iter().enumerate() {
        for name in undefined {
            let definer = tables
                .iter()
                .position(|(defined, _)| defined.iter().any(|d| d == name));
            if let Some(definer) = definer {
                return Some((user, name.clone(), definer));
            }
        }
    }
    None
}

/// An object's defined and undefined global symbol names.
fn globals(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    use object::ObjectSymbol as _;
    let Ok(file) = object::File::parse(bytes) else {
        return (Vec::new(), Vec::new());
    };
    let (mut defined, mut undefined) = (Vec::new(), Vec::new());
    for s in file.symbols().filter(|s| s.is_global()) {
        let Ok(name) = s.name() else { continue };
        if s.is_undefined() {
            undefined.push(name.to_string());
        } else {
            defined.push(name.to_string());
        }
    }
    (defined, undefined)
}
