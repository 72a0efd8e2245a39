//! `#[extern_dispatch]`: typed, build-time-checked launch functions for
//! hand-written HIP kernels, like IREE's `hal.dispatch.extern`.
//!
//! ```ignore
//! use runtime_hip::{DeviceSlice, Stream};
//!
//! /// `ret = lhs * rhs`
//! #[runtime_hip::extern_dispatch(
//!     source = "kernels/kernels.cu",
//!     workgroup_size = [64, 1, 1],
//!     count = |dim| [(dim as u32).div_ceil(64), 1, 1],
//! )]
//! pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);
//!
//! // becomes
//! // pub fn simple_mul(stream: &Stream, lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>,
//! //                   ret: &mut DeviceSlice<f32>, dim: i32) -> Result<(), runtime_hip::Error>
//! ```
//!
//! The declaration is parsed by `iree_syntax`, the same code the build
//! script (`iree_build::Build::bridge`) runs over the file. The macro then
//! reads the manifest the build script wrote (`$OUT_DIR/iree/manifest.json`,
//! or `$IREE_MANIFEST_DIR/manifest.json` in tests without a build script),
//! finds this declaration in it (by file and fn name), and generates the
//! launch only when the build compiled and verified exactly this declaration;
//! every mismatch and every verification error is a compile error at the
//! declaration, every verification warning a `deprecated` warning at the
//! parameter it concerns (so `#![deny(deprecated)]` turns them into errors).
//!
//! See `expand` for the exact shape of the generated function.
//!
//! Users reach this crate through `runtime-hip`, which re-exports the macro
//! (`#[runtime_hip::extern_dispatch]`): the generated code names only
//! `::runtime_hip` paths, so that one dependency (plus `iree-build` for the
//! build script) is all a crate needs. This crate's own dependencies are the
//! shared facts (`iree-abi`), the syntax (`iree-syntax`) and the token
//! crates, nothing that compiles or loads kernels.
#![warn(missing_docs)]

mod check;
mod derive;
mod expand;
mod locate;

use proc_macro::TokenStream;

/// `#[derive(KernelParam)]` on a `#[repr(C)]` struct whose fields all
/// implement `runtime_hip::dispatch::KernelParam`: the struct may then be
/// a by-value parameter of an `#[extern_dispatch]` declaration. The build
/// checks that the kernel takes a struct there, the wrapper asserts its
/// size and alignment against the kernel's. See `runtime_hip::KernelParam`.
#[proc_macro_derive(KernelParam)]
pub fn derive_kernel_param(item: TokenStream) -> TokenStream {
    derive::kernel_param(item.into()).into()
}

/// Turns `fn name(params);` into `fn name(stream: &Stream, params) ->
/// Result<(), runtime_hip::Error>` launching the kernel export the build
/// script compiled for it.
///
/// Keys: `source = "k.cu"` or `objects = { "gfx1100" = "k.co", … }`
/// (exactly one), `workgroup_size = [x, y, z]` (required), `export = "name"`
/// (default: the fn name), `subgroup_size`, `workgroup_local_memory = bytes`
/// or `workgroup_local_memory = |params…| bytes`,
/// `layout = "#hal.pipeline.layout<…>"`, `bindings = ["#hal.interface.binding<s, b>", …]`,
/// `count = |params…| [x, y, z]` (default `[1, 1, 1]`).
///
/// `count`'s parameters name declared parameters (buffers arrive as
/// `&DeviceSlice<T>`, scalars by value) or `device` (`&Device`). Each of the
/// three values it returns is converted with `u32::try_from`: a value out of
/// range is an `Error::Launch` at run time (never a silent truncation), a
/// type with no conversion to `u32` is a compile error.
///
/// A `workgroup_local_memory` closure names scalar parameters or `device`;
/// its result goes through `u32::try_from` the same way, and the launch
/// checks it, with the kernel's static shared memory, against the device
/// (`Error::SharedMemoryTooLarge`).
///
/// Parameters: `&DeviceSlice<T>` (ReadOnly binding), `&mut DeviceSlice<T>`
/// (writable), `Option<&DeviceSlice<T>>` / `Option<&mut DeviceSlice<T>>`
/// (the same binding, null for `None`), `i32`, `u32`, `f32`.
#[proc_macro_attribute]
pub fn extern_dispatch(args: TokenStream, item: TokenStream) -> TokenStream {
    extern_dispatch2(args.into(), item.into()).into()
}

fn extern_dispatch2(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let decl = match iree_syntax::parse_declaration(args, item.clone()) {
        Ok(decl) => decl,
        Err(errors) => {
            let errors = errors.to_compile_error();
            let stub = expand::recovery_stub(item);
            return quote::quote!(#errors #stub);
        }
    };
    let located = match locate::load() {
        Ok(l) => l,
        Err(message) => {
            let error = syn::Error::new(decl.ident.span(), message).to_compile_error();
            let stub = expand::stub(&decl, None);
            return quote::quote!(#error #stub);
        }
    };
    let site = locate::Site::current();
    let fail = |error: syn::Error| {
        let error = error.to_compile_error();
        let stub = expand::stub(&decl, Some(&located.path));
        quote::quote!(#error #stub)
    };
    let entry = match locate::find(&located.manifest, &site, &decl.ident.to_string()) {
        Ok(entry) => entry,
        Err(message) => return fail(syn::Error::new(decl.ident.span(), message)),
    };
    let warnings = match check::check(&decl, entry) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let input = expand::Input {
        decl: &decl,
        entry,
        manifest: &located.manifest,
        manifest_path: &located.path,
        warnings: &warnings,
    };
    expand::wrapper(&input).unwrap_or_else(fail)
}
