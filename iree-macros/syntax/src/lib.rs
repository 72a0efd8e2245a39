//! The one definition of the `#[extern_dispatch(...)]` declaration syntax.
//!
//! Two programs read declarations: the build script (`Build::bridge`, which
//! parses whole files to learn what to compile and verify) and the
//! `#[extern_dispatch]` macro (which generates the wrapper). Like `cxx`'s
//! `syntax/` module, both call the functions here, so the two can never
//! disagree about what a declaration means:
//!
//! - [`parse_declaration`]: the macro's entry (attribute arguments + item).
//! - [`parse_file`]: the build script's entry (a whole `.rs` file, nested
//!   inline modules included).
//! - [`model::lower`]: the one lowering of a parsed declaration to the plain
//!   data the build works on and the manifest records; the macro compares
//!   its own lowering with the manifest entry ([`model::compare`]).
//! - [`limits`]: reserved parameter names and IREE's dispatch limits, the
//!   one place declarations are checked against them.
//!
//! Errors carry a [`proc_macro2::Span`] (for `compile_error!`) and, thanks to
//! proc-macro2's `span-locations`, a line and column for build-script output.

mod assemble;
mod error;
pub mod layout;
pub mod limits;
pub mod model;
mod parse;

pub use error::{Error, Errors};
pub use parse::{
    edit_distance, is_extern_dispatch_attr, nearest as nearest_name, parse_declaration, parse_file,
    parse_file_each, parse_item_fn, VALID_KEYS,
};

pub use iree_abi::manifest::{ParamEntry, ParamKind, Scalar};

use crate::layout::{InterfaceBinding, PipelineLayout};
use iree_abi::target::TargetId;
use proc_macro2::Span;
use quote::ToTokens;
use std::path::PathBuf;

/// A value with the span of the tokens it came from, so later passes can
/// still point at it.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// Where a declaration's kernel objects come from.
#[derive(Clone, Debug)]
pub enum Objects {
    /// `source = "kernels/k.cu"`: compiled by the build for every target.
    Source(syn::LitStr),
    /// `objects = { "gfx1100" = "k.co", … }`: prebuilt, one per target (the
    /// seed's external HSACO). Only these targets get a variant.
    Prebuilt(Vec<PrebuiltObject>),
}

/// One `"target" = "path"` entry of `objects = { … }`.
#[derive(Clone, Debug)]
pub struct PrebuiltObject {
    /// The parsed target id.
    pub target: TargetId,
    /// The target literal as written (for spans).
    pub target_lit: syn::LitStr,
    /// The object path, relative to the crate root.
    pub path: syn::LitStr,
}

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub ident: syn::Ident,
    /// The type exactly as written (the macro re-emits it).
    pub ty: Box<syn::Type>,
    /// Its ABI kind: the one parameter-kind type the layout, the build and
    /// the manifest share.
    pub kind: ParamKind,
    /// For a buffer, the element type as written (the macro sizes it).
    pub elem: Option<Box<syn::Type>>,
    /// Span of the whole `name: Type`.
    pub span: Span,
}

impl Param {
    /// True for buffers.
    pub fn is_buffer(&self) -> bool {
        self.kind.is_buffer()
    }

    /// The parameter as the model and the manifest record it.
    pub fn entry(&self) -> ParamEntry {
        ParamEntry {
            name: self.ident.to_string(),
            kind: self.kind.clone(),
        }
    }
}

/// A type as a compact string (`f32`, `runtime_hip::Half`): tokens joined
/// without the spaces `to_string` puts between them, so the build and the
/// macro compare the same text.
pub fn type_string(ty: &syn::Type) -> String {
    ty.to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// What a parameter of a `count` or `workgroup_local_memory` closure
/// refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountInput {
    /// A declared parameter, by index in [`Declaration::params`].
    Param(usize),
    /// The reserved `device` (`&Device`, like `!hal.device` in IREE's count
    /// region).
    Device,
}

/// A closure over declared parameters, called by the wrapper at each
/// launch: `count = |a, b| [x, y, z]` (the workgroup count function) and
/// `workgroup_local_memory = |n| n * 4` (bytes of dynamic shared memory).
#[derive(Clone, Debug)]
pub struct Count {
    /// The closure as written; the macro re-emits it.
    pub closure: syn::ExprClosure,
    /// Its parameters in order: names and what each refers to.
    pub inputs: Vec<(syn::Ident, CountInput)>,
}

/// `workgroup_local_memory = …`: the bytes of dynamic shared memory
/// (`extern __shared__`, `HIP_DYNAMIC_SHARED`) each workgroup gets.
#[derive(Clone, Debug)]
pub enum LocalMemory {
    /// `= 1024`: fixed; the build checks it against each target (with the
    /// kernel's static shared memory) and the bundle records it.
    Bytes(Spanned<u32>),
    /// `= |n| n * 4`: computed at each launch from scalar parameters (and
    /// `device`), converted to `u32` without truncating and checked
    /// against the device before the launch (`Error::SharedMemoryTooLarge`).
    Closure(Box<Count>),
}

impl LocalMemory {
    /// Span of the value as written (what diagnostics point at).
    pub fn span(&self) -> Span {
        match self {
            LocalMemory::Bytes(b) => b.span,
            LocalMemory::Closure(c) => syn::spanned::Spanned::span(&c.closure),
        }
    }

    /// The constant, when it is one.
    pub fn bytes(&self) -> Option<u32> {
        match self {
            LocalMemory::Bytes(b) => Some(b.value),
            LocalMemory::Closure(_) => None,
        }
    }
}

/// One parsed and checked `#[extern_dispatch]` declaration.
#[derive(Clone, Debug)]
pub struct Declaration {
    /// Attributes of the fn other than `#[extern_dispatch]` (doc comments,
    /// `cfg`), carried over to the wrapper.
    pub attrs: Vec<syn::Attribute>,
    /// Visibility, carried over to the wrapper.
    pub vis: syn::Visibility,
    /// The Rust function name.
    pub ident: syn::Ident,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// Where the kernel objects come from.
    pub objects: Objects,
    /// `export = "…"`; `None` means the fn name.
    pub export: Option<syn::LitStr>,
    /// `workgroup_size = [x, y, z]` (required: HIP needs block dims up front).
    pub workgroup_size: Spanned<[u32; 3]>,
    /// `subgroup_size = n`.
    pub subgroup_size: Option<Spanned<u32>>,
    /// `workgroup_local_memory`: bytes of dynamic shared memory, a
    /// constant or a closure evaluated at each launch.
    pub workgroup_local_memory: Option<LocalMemory>,
    /// The `layout = "…"` literal when one was written.
    pub layout_lit: Option<syn::LitStr>,
    /// The effective layout: the explicit one (already checked against the
    /// signature) or the one derived from it.
    pub layout: PipelineLayout,
    /// `bindings = [...]` as written, when given.
    pub bindings: Option<Vec<(syn::LitStr, InterfaceBinding)>>,
    /// For the i-th buffer parameter, the layout binding index it is passed
    /// as (the kernel's parameter order stays the declaration's). Identity
    /// without `bindings`.
    pub binding_slots: Vec<usize>,
    /// The count closure; `None` launches a single workgroup `[1, 1, 1]`.
    pub count: Option<Count>,
    /// Span of the `#[extern_dispatch(...)]` attribute (call site in the macro).
    pub attr_span: Span,
    /// Inline modules enclosing the declaration (file parsing only).
    pub module_path: Vec<String>,
    /// File the declaration was read from (file parsing only).
    pub file: Option<PathBuf>,
}

impl Declaration {
    /// The kernel's exported C name: `export`, else the fn name.
    pub fn export_name(&self) -> String {
        match &self.export {
            Some(l) => l.value(),
            None => self.ident.to_string(),
        }
    }

    /// 1-based line of the fn name: what both the build and the macro use to
    /// identify a declaration in the manifest.
    pub fn line(&self) -> u32 {
        self.ident.span().start().line as u32
    }

    /// 1-based column of the fn name.
    pub fn column(&self) -> u32 {
        self.ident.span().start().column as u32 + 1
    }

    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.ident == name)
    }

    /// The buffer parameters in order.
    pub fn buffers(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.is_buffer())
    }

    /// The scalar parameters in order.
    pub fn scalars(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| !p.is_buffer())
    }

    /// Names of the declared parameters the count closure reads.
    pub fn count_uses(&self) -> Vec<String> {
        self.count
            .iter()
            .flat_map(|c| c.inputs.iter())
            .filter(|(_, i)| matches!(i, CountInput::Param(_)))
            .map(|(n, _)| n.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests;
