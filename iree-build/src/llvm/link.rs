//! Bitcode linking: user libraries, and device libraries "only if needed".
//!
//! LLVM's C API has no `Linker::LinkOnlyNeeded` and no internalize callback,
//! which is what the seed's `linkWithBitcodeFiles` uses. The same effect comes
//! from two facts about the IR linker: it copies every externally visible
//! definition of the source module, but a local (internal) one only when
//! something copied refers to it. So before linking a library we make every
//! definition in it internal except the symbols the module is missing; after
//! linking we internalise those too. What lands in the module is exactly the
//! needed functions and their callees, none of them visible outside.

use std::collections::BTreeSet;
use std::path::Path;

use inkwell::context::Context;
use inkwell::memory_buffer::MemoryBuffer;
use inkwell::module::{Linkage, Module};
use inkwell::values::{BasicValue, FunctionValue, GlobalValue};

use super::{llvm_err, LlvmError, Result};

/// Reads a `.bc` or `.ll` file into `context`.
pub fn load<'ctx>(context: &'ctx Context, path: &Path) -> Result<Module<'ctx>> {
    context
        .create_module_from_ir(read(path)?)
        .map_err(|e| llvm_err("parsing", Some(path), e))
}

/// Reads a `.bc` or `.ll` file into the context of `module`, ready to link.
fn load_beside<'ctx>(module: &Module<'ctx>, path: &Path) -> Result<Module<'ctx>> {
    module
        .get_context()
        .create_module_from_ir(read(path)?)
        .map_err(|e| llvm_err("parsing", Some(path), e))
}

fn read(path: &Path) -> Result<MemoryBuffer<'static>> {
    if !path.is_file() {
        return Err(LlvmError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    MemoryBuffer::create_from_file(path).map_err(|e| llvm_err("reading", Some(path), e))
}

/// Links whole user libraries, in order (the seed's `linkCmdlineBitcodeFiles`).
///
/// Everything is linked, not just what is needed: a user library may define
/// kernels or override weak definitions, and the later internalisation and
/// dead-code pass drop whatever ends up unused.
pub fn link_user_bitcode(module: &Module<'_>, files: &[impl AsRef<Path>]) -> Result<()> {
    for file in files {
        let file = file.as_ref();
        let lib = load_beside(module, file)?;
        adopt_layout(module, &lib);
        module
            .link_in_module(lib)
            .map_err(|e| llvm_err("linking", Some(file), e))?;
    }
    Ok(())
}

/// Makes every defined function that is not a kernel internal, so that O3 may
/// inline and delete it and, before that, so that `globaldce` removes helpers
/// no kernel reaches (HIP's headers define `__assert_fail` & co., whose
/// `__ockl_*` declarations would otherwise look like a need for `ockl`).
pub fn internalize_non_kernels(module: &Module<'_>, is_kernel: impl Fn(FunctionValue<'_>) -> bool) {
    for f in module.get_functions() {
        if is_definition(f) && !is_kernel(f) && !is_local(f.get_linkage()) {
            f.set_linkage(Linkage::Internal);
        }
    }
}

/// The names of functions and globals the module declares *and uses*, minus
/// LLVM intrinsics: what a library would have to provide.
pub fn missing_symbols(module: &Module<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in module.get_functions() {
        let g = f.as_global_value();
        if !is_definition(f) && f.get_intrinsic_id() == 0 && g.get_first_use().is_some() {
            out.insert(name_of(g));
        }
    }
    for g in module.get_globals() {
        if g.is_declaration() && g.get_first_use().is_some() {
            out.insert(name_of(g));
        }
    }
    out.retain(|n| !n.starts_with("llvm."));
    out
}

/// Links from `lib` only the definitions of `needed` (and what they reach),
/// internalised; returns the names it defined.
pub fn link_needed(
    module: &Module<'_>,
    lib_path: &Path,
    needed: &BTreeSet<String>,
) -> Result<BTreeSet<String>> {
    let lib = load_beside(module, lib_path)?;
    adopt_layout(module, &lib);
    let mut provided = BTreeSet::new();
    for f in lib.get_functions() {
        let name = name_of(f.as_global_value());
        if is_definition(f) {
            if needed.contains(&name) {
                provided.insert(name);
            } else if !is_local(f.get_linkage()) {
                f.set_linkage(Linkage::Internal);
            }
        }
    }
    for g in lib.get_globals() {
        let name = name_of(g);
        if g.is_declaration() || name.starts_with("llvm.") {
            continue;
        }
        if needed.contains(&name) {
            provided.insert(name);
        } else if !is_local(g.get_linkage()) {
            g.set_linkage(Linkage::Internal);
        }
    }
    if provided.is_empty() {
        // Nothing to gain, and linking would still copy the library's
        // declarations and module flags.
        return Ok(provided);
    }
    module
        .link_in_module(lib)
        .map_err(|e| llvm_err("linking", Some(lib_path), e))?;
    for name in &provided {
        if let Some(f) = module.get_function(name) {
            if is_definition(f) {
                f.set_linkage(Linkage::Internal);
            }
        } else if let Some(g) = module.get_global(name) {
            if !g.is_declaration() {
                g.set_linkage(Linkage::Internal);
            }
        }
    }
    Ok(provided)
}

/// Gives a library the module's triple and data layout: device libraries are
/// built for a generic triple (`nvptx64-nvidia-gpulibs`) or an older layout
/// string, and the linker would warn or refuse on the mismatch.
fn adopt_layout(module: &Module<'_>, lib: &Module<'_>) {
    lib.set_triple(&module.get_triple());
    lib.set_data_layout(&module.get_data_layout());
}

pub fn is_definition(f: FunctionValue<'_>) -> bool {
    f.count_basic_blocks() > 0
}

fn is_local(linkage: Linkage) -> bool {
    matches!(linkage, Linkage::Internal | Linkage::Private)
}

pub fn name_of(g: GlobalValue<'_>) -> String {
    g.get_name().to_string_lossy().into_owned()
}
