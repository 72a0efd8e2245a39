//! Code generation: the typed launch function.
//!
//! For
//!
//! ```text
//! #[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1],
//!                   count = |dim| [(dim as u32).div_ceil(64), 1, 1])]
//! pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>,
//!                   ret: &mut DeviceSlice<f32>, dim: i32);
//! ```
//!
//! the expansion is
//!
//! ```text
//! /// <the user's doc comments>
//! /// <generated lines: export, layout, targets>
//! #[allow(clippy::too_many_arguments, clippy::redundant_closure_call, clippy::useless_conversion)]
//! pub fn simple_mul(stream: &::runtime_hip::Stream, lhs: &DeviceSlice<f32>,
//!                   rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32)
//!     -> ::core::result::Result<(), ::runtime_hip::Error> {
//!     const _: &[u8] = include_bytes!("<OUT_DIR>/iree/manifest.json"); // rebuild => re-expand
//!     // one `const _` per manifest warning (a `#[deprecated]` const fn called at the param)
//!     unsafe extern "C" {                                 // only with a host variant
//!         #[link_name = "__iree_host_block_simple_mul"]
//!         fn __iree_host_block(launch: *const HostLaunch, args: *const *mut c_void);
//!         #[link_name = "__iree_host_thread_simple_mul"]
//!         fn __iree_host_thread(launch: *const HostLaunch, args: *const *mut c_void);
//!     }
//!     static __IREE_KERNEL: ::runtime_hip::dispatch::Kernel =
//!         ::runtime_hip::dispatch::Kernel::new(::runtime_hip::dispatch::ExportRef {
//!             bundle: include_bytes!("<bundle_path>"),
//!             executable: 0, ordinal: 0, name: "simple_mul",
//!             host: Some(HostEntry { block: __iree_host_block,
//!                                    thread: __iree_host_thread, uses_barrier: false,
//!                                    lockstep: false }),
//!         });
//!     let __iree_count: [_; 3] =
//!         (|dim: i32| [(dim as u32).div_ceil(64), 1, 1])(dim);
//!     let __iree_workgroups: [u32; 3] = [<u32::try_from each, Error::Launch if out of range>];
//!     // `workgroup_local_memory = |n| n * 4`: the closure called like `count`,
//!     // through `u32::try_from` (Error::Launch if out of range); else 0
//!     let __iree_shared: u32 = 0;
//!     unsafe {
//!         __IREE_KERNEL.launch_with_shared(stream, __iree_workgroups, __iree_shared,
//!             &[DeviceSlice::binding(lhs), DeviceSlice::binding(rhs),
//!               DeviceSlice::binding_mut(ret)],
//!             &__iree_constants) // put_value(&mut __iree_constants, word, &dim) per value
//!     // with ExportRef { params: &__IREE_PARAMS, .. }: the kernel's parameters in
//!     // declaration order, ParamSlot::Binding(slot) or ::Value { word, size, align }
//!     }
//! }
//! ```
//!
//! An `Option<&DeviceSlice<T>>` / `Option<&mut DeviceSlice<T>>` parameter is
//! `Binding::optional(x)` / `Binding::optional_mut(x)` (null for `None`), and
//! closures see it as `Option<&DeviceSlice<T>>`.
//!
//! (all runtime paths absolute: `::runtime_hip::…`).

use std::path::Path;

use iree_abi::manifest::{DeclarationEntry, Manifest};
use iree_abi::signature::RustType;
use iree_syntax::{Count, CountInput, Declaration, LocalMemory, Param};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Type;

use crate::check::Warning;

/// Everything the expansion reads.
pub(crate) struct Input<'a> {
    pub decl: &'a Declaration,
    pub entry: &'a DeclarationEntry,
    pub manifest: &'a Manifest,
    pub manifest_path: &'a Path,
    pub warnings: &'a [Warning],
}

/// The wrapper function.
pub(crate) fn wrapper(input: &Input<'_>) -> syn::Result<TokenStream> {
    let Input {
        decl,
        entry,
        manifest,
        manifest_path,
        warnings,
    } = *input;
    let Declaration { attrs, vis, .. } = decl;

    let signature = signature(decl);
    let manifest_dep = manifest_dependency(manifest_path);
    let warnings = warnings.iter().map(warning);
    let docs = generated_docs(decl, entry);

    // Each `compile()` call writes its own bundle; older manifests name one.
    let bundle_path = if entry.bundle_path.as_os_str().is_empty() {
        &manifest.bundle_path
    } else {
        &entry.bundle_path
    };
    let bundle_path = path_literal(bundle_path);
    let executable = entry.executable;
    let ordinal = entry.ordinal;
    let name = &entry.export;
    let (host_decls, host) = host_entry(entry);

    let element_checks = element_checks(decl, entry);
    let (value_checks, sizes_ok) = value_checks(decl, entry);
    let count = count(decl);
    let workgroups = workgroups(decl, name);
    let shared = local_memory(decl, name);
    let bindings = bindings(decl)?;
    let Values { slots, words, puts } = values(decl);
    let n_slots = decl.params.len();
    let manifest_words = entry.layout.constants as usize;
    let words_message = format!(
        "the declaration's values take another number of 32-bit push constants than the manifest's layout ({manifest_words}); a struct's size differs from the kernel's parameter"
    );

    // SAFETY (of the one `unsafe` block below, which `Kernel::launch`
    // requires): the manifest entry this expansion was generated from records
    // that the build script compiled export `name` for every target in the
    // bundle and verified each variant against exactly this declaration, and
    // `check::check` refused to expand unless the declaration, the manifest's
    // parameters and its layout agree and the entry has no errors. So the
    // kernel's parameters are exactly the declared ones, in declaration
    // order, as `__IREE_PARAMS` lists them: one device pointer per
    // `DeviceSlice` parameter, of the declared element type (bindings in
    // layout order; ReadOnly for `&`, writable only for `&mut`; null for an
    // `Option` that is `None`, which the build checked the kernel declares
    // as a pointer), and one value per scalar or struct, whose size and
    // alignment (`size_of`, `align_of`, in the slot) are the kernel
    // parameter's (the build checks scalars, the assertions above structs)
    // and whose bytes `put_value` writes with `KernelParam` (an `unsafe`
    // trait implemented only for the primitives, arrays of them and
    // `#[derive(KernelParam)]` structs, each writing a valid C value) into
    // zeroed words. Each binding borrows its slice for the whole call, `&mut`
    // ones exclusively, so nothing frees or aliases a written buffer
    // meanwhile. The dynamic shared memory size is checked by
    // `launch_with_shared` against the device, so no size is UB.
    // That the kernel stays within each binding's length is the kernel's own
    // contract, which the user takes on by writing the declaration, exactly
    // as with `hal.dispatch.extern` in IREE.
    // `allow(unsafe_code)`: a crate that denies unsafe code may still call
    // kernels; this block is the macro's, not the user's (the `count`
    // closure, the only user code in the body, stays under the crate's lint).
    let launch = quote! {
        #[allow(unsafe_code)]
        let __iree_launched = unsafe {
            __IREE_KERNEL.launch_with_shared(
                stream,
                __iree_workgroups,
                __iree_shared,
                &[#(#bindings),*],
                &__iree_constants,
            )
        };
        __iree_launched
    };

    Ok(quote! {
        #(#attrs)*
        #docs
        // The count closure is called where it is written (it is the user's
        // expression, kept as written), and its results go through
        // `u32::try_from` whatever their type: both are deliberate.
        #[allow(
            clippy::too_many_arguments,
            clippy::redundant_closure_call,
            clippy::useless_conversion
        )]
        #vis #signature {
            #manifest_dep
            #(#warnings)*
            #element_checks
            #value_checks
            #host_decls
            const __IREE_WORDS: usize = #words;
            // Only where each value's size is the kernel's (else that is
            // the error, at the parameter).
            const _: () = ::core::assert!(!(#sizes_ok) || __IREE_WORDS == #manifest_words, #words_message);
            static __IREE_PARAMS: [::runtime_hip::dispatch::ParamSlot; #n_slots] = [#(#slots),*];
            static __IREE_KERNEL: ::runtime_hip::dispatch::Kernel =
                ::runtime_hip::dispatch::Kernel::new(::runtime_hip::dispatch::ExportRef {
                    bundle: ::core::include_bytes!(#bundle_path),
                    executable: #executable,
                    ordinal: #ordinal,
                    name: #name,
                    host: #host,
                    params: &__IREE_PARAMS,
                });
            #count
            #workgroups
            #[allow(unused_mut)]
            let mut __iree_constants = [0u32; __IREE_WORDS];
            #(#puts)*
            #shared
            #launch
        }
    })
}

/// The host variant's entry points: the `extern "C"` declarations of its
/// block and thread symbols, and the `Option<HostEntry>` naming them.
fn host_entry(entry: &DeclarationEntry) -> (TokenStream, TokenStream) {
    match &entry.host {
        Some(h) => {
            let (block, thread, uses_barrier, lockstep) = (
                &h.block_symbol,
                &h.thread_symbol,
                h.uses_barrier,
                h.lockstep,
            );
            (
                quote! {
                    #[allow(unsafe_code)]
                    unsafe extern "C" {
                        #[link_name = #block]
                        fn __iree_host_block(
                            launch: *const ::runtime_hip::host::HostLaunch,
                            args: *const *mut ::core::ffi::c_void,
                        );
                        #[link_name = #thread]
                        fn __iree_host_thread(
                            launch: *const ::runtime_hip::host::HostLaunch,
                            args: *const *mut ::core::ffi::c_void,
                        );
                    }
                },
                quote! {
                    ::core::option::Option::Some(::runtime_hip::host::HostEntry {
                        block: __iree_host_block,
                        thread: __iree_host_thread,
                        uses_barrier: #uses_barrier,
                        lockstep: #lockstep,
                    })
                },
            )
        }
        None => (quote!(), quote!(::core::option::Option::None)),
    }
}

/// A wrapper with the right signature whose body never runs, emitted next to
/// errors so that callers don't add "cannot find function" to them.
pub(crate) fn stub(decl: &Declaration, manifest_path: Option<&Path>) -> TokenStream {
    let Declaration { attrs, vis, .. } = decl;
    let signature = signature(decl);
    let dep = manifest_path.map(manifest_dependency);
    let params = decl.params.iter().map(|p| &p.ident);
    quote! {
        #(#attrs)*
        #[allow(clippy::too_many_arguments, unused_variables, unreachable_code)]
        #vis #signature {
            #dep
            let _ = (stream, #(#params),*);
            ::core::unreachable!()
        }
    }
}

/// After a declaration error: a wrapper-shaped function made from the item
/// as written, so that its callers type-check instead of adding "cannot find
/// function" to the real error. Nothing when the item is not a plain
/// function (e.g. takes `self`).
pub(crate) fn recovery_stub(item: TokenStream) -> TokenStream {
    let (attrs, vis, sig) = match syn::parse2::<syn::ForeignItemFn>(item.clone()) {
        Ok(f) => (f.attrs, f.vis, f.sig),
        Err(_) => match syn::parse2::<syn::ItemFn>(item) {
            Ok(f) => (f.attrs, f.vis, f.sig),
            Err(_) => return TokenStream::new(),
        },
    };
    // A declared `stream` would clash with the stub's own.
    let declares_stream = sig.inputs.iter().any(|i| {
        matches!(i, syn::FnArg::Typed(pt)
            if matches!(&*pt.pat, syn::Pat::Ident(pi) if pi.ident == "stream"))
    });
    let plain = !declares_stream
        && sig.inputs.iter().all(|i| matches!(i, syn::FnArg::Typed(_)))
        && sig.variadic.is_none()
        && sig.abi.is_none();
    if !plain {
        return TokenStream::new();
    }
    let ident = &sig.ident;
    let generics = &sig.generics;
    let where_clause = &sig.generics.where_clause;
    let inputs = &sig.inputs;
    quote! {
        #(#attrs)*
        #[allow(clippy::too_many_arguments, unused_variables, unreachable_code)]
        #vis fn #ident #generics(
            stream: &::runtime_hip::Stream,
            #inputs
        ) -> ::core::result::Result<(), ::runtime_hip::Error> #where_clause {
            ::core::unreachable!()
        }
    }
}

/// `fn name(stream: &::runtime_hip::Stream, <params>) -> Result<(), Error>`.
fn signature(decl: &Declaration) -> TokenStream {
    let ident = &decl.ident;
    let params = decl
        .params
        .iter()
        .map(|Param { ident, ty, .. }| quote!(#ident: #ty));
    quote! {
        fn #ident(
            stream: &::runtime_hip::Stream,
            #(#params),*
        ) -> ::core::result::Result<(), ::runtime_hip::Error>
    }
}

/// The bindings in layout order: the i-th buffer parameter goes to slot
/// `binding_slots[i]` (identity unless `bindings = [...]` reorders).
fn bindings(decl: &Declaration) -> syn::Result<Vec<TokenStream>> {
    let buffers: Vec<&Param> = decl.buffers().collect();
    let mut slots: Vec<Option<TokenStream>> = vec![None; buffers.len()];
    for (i, p) in buffers.iter().enumerate() {
        let id = &p.ident;
        let expr = match (p.kind.is_optional(), is_mut_buffer(p)) {
            (false, true) => quote!(::runtime_hip::DeviceSlice::binding_mut(#id)),
            (false, false) => quote!(::runtime_hip::DeviceSlice::binding(#id)),
            (true, true) => quote!(::runtime_hip::dispatch::Binding::optional_mut(#id)),
            (true, false) => quote!(::runtime_hip::dispatch::Binding::optional(#id)),
        };
        match decl.binding_slots.get(i).and_then(|&s| slots.get_mut(s)) {
            Some(slot @ None) => *slot = Some(expr),
            _ => {
                return Err(syn::Error::new(
                    p.ident.span(),
                    format!(
                        "internal error: binding slots {:?} are not a permutation of the {} \
                         buffer parameters",
                        decl.binding_slots,
                        buffers.len()
                    ),
                ))
            }
        }
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Compile-time assertions on each buffer's element type, which only the
/// compiler can size: never zero-sized (a buffer of them has no bytes, so the
/// kernel would get a null pointer), and, where the build could not name the
/// type (a struct, an alias, an array), as large as the kernel's pointee
/// (`kernel_params` in the manifest, from the kernel's C++ signature).
fn element_checks(decl: &Declaration, entry: &DeclarationEntry) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, p) in decl.buffers().enumerate() {
        let Some(elem) = &p.elem else {
            continue;
        };
        let span = elem.span();
        let zst = format!(
            "parameter `{}`: `DeviceSlice<{}>` has a zero-sized element type; give the element type the kernel's pointer has",
            p.ident,
            iree_syntax::type_string(elem)
        );
        out.extend(quote_spanned! {span=>
            const _: () = ::core::assert!(::core::mem::size_of::<#elem>() != 0, #zst);
        });
        let slot = decl.binding_slots.get(i).copied().unwrap_or(i);
        let pointee = entry.kernel_params.get(slot).and_then(|t| t.pointee);
        let named = RustType::by_name(&iree_syntax::type_string(elem)).is_some();
        if let Some(pointee) = pointee.filter(|t| t.size != 0 && !named) {
            let size = pointee.size as usize;
            let message = format!(
                "parameter `{}`: the kernel's pointer points at {size}-byte elements but `{}` has another size; declare a `DeviceSlice` of the kernel's element type",
                p.ident,
                iree_syntax::type_string(elem)
            );
            out.extend(quote_spanned! {span=>
                const _: () = ::core::assert!(::core::mem::size_of::<#elem>() == #size, #message);
            });
        }
    }
    out
}

/// What the wrapper passes for its values, in kernel order.
struct Values {
    /// One `ParamSlot` per declared parameter, in declaration order.
    slots: Vec<TokenStream>,
    /// The push-constant words of all values, as a const expression.
    words: TokenStream,
    /// One `put_value` per value, into `__iree_constants`.
    puts: Vec<TokenStream>,
}

/// The kernel's parameter list (`ParamSlot`s) and the writes of the values
/// into their words: each value takes `words_of::<T>()` words from the end
/// of the previous one, as the layout counts them, and the kernel gets it
/// at its own size and alignment.
fn values(decl: &Declaration) -> Values {
    let mut slots = Vec::new();
    let mut puts = Vec::new();
    let mut word = quote!(0usize);
    let mut buffer = 0usize;
    for p in &decl.params {
        let (id, ty) = (&p.ident, &p.ty);
        if p.is_buffer() {
            let slot = decl.binding_slots.get(buffer).copied().unwrap_or(buffer) as u16;
            buffer += 1;
            slots.push(quote!(::runtime_hip::dispatch::ParamSlot::Binding(#slot)));
            continue;
        }
        slots.push(quote! {
            ::runtime_hip::dispatch::ParamSlot::Value {
                word: (#word) as u16,
                size: ::core::mem::size_of::<#ty>() as u16,
                align: ::core::mem::align_of::<#ty>() as u16,
            }
        });
        puts.push(quote! {
            ::runtime_hip::dispatch::put_value::<#ty>(&mut __iree_constants, #word, &#id);
        });
        word = quote!(#word + ::runtime_hip::dispatch::words_of::<#ty>());
    }
    Values {
        slots,
        words: word,
        puts,
    }
}

/// Compile-time checks of each value against the kernel's parameter: its
/// type implements `KernelParam` (pointed at the type), and, where the
/// manifest has the kernel's C++ types, its size and alignment are the
/// parameter's. Scalars are checked by name in the build too; a struct's
/// size only the compiler knows. Also a const expression: whether every
/// size is the kernel's.
fn value_checks(decl: &Declaration, entry: &DeclarationEntry) -> (TokenStream, TokenStream) {
    let mut out = TokenStream::new();
    let mut sizes_ok = quote!(true);
    for (k, p) in decl.params.iter().enumerate() {
        if p.is_buffer() {
            continue;
        }
        let ty = &p.ty;
        let span = ty.span();
        out.extend(quote_spanned! {span=>
            const _: fn() = || {
                fn kernel_param<T: ::runtime_hip::dispatch::KernelParam>() {}
                kernel_param::<#ty>();
            };
        });
        let Some(kernel) = entry.kernel_params.get(k).filter(|t| t.pointee.is_none()) else {
            continue;
        };
        let (size, align) = (kernel.size as usize, kernel.align as usize);
        let written = iree_syntax::type_string(ty);
        // `a struct of 16 bytes`, `` `int` (4 bytes) ``.
        let theirs = if kernel.class == iree_abi::signature::TypeClass::Record {
            kernel.to_string()
        } else {
            format!("`{kernel}` ({size} bytes)")
        };
        let fix = "make it the kernel's struct: the same fields in the same order, `#[repr(C)]`";
        let size_message = format!(
            "parameter `{}`: the kernel takes {theirs} here but `{written}` has another size; {fix}",
            p.ident
        );
        let align_message = format!(
            "parameter `{}`: the kernel takes {theirs} here, aligned to {align} bytes, but `{written}` has another alignment; {fix}",
            p.ident
        );
        sizes_ok = quote!(#sizes_ok && ::core::mem::size_of::<#ty>() == #size);
        out.extend(quote_spanned! {span=>
            const _: () = ::core::assert!(::core::mem::size_of::<#ty>() == #size, #size_message);
            const _: () = ::core::assert!(::core::mem::align_of::<#ty>() == #align, #align_message);
        });
    }
    (out, sizes_ok)
}

fn is_mut_buffer(p: &Param) -> bool {
    p.kind.is_mut_buffer()
}

/// Makes the expansion depend on the manifest: when a build writes a new one,
/// cargo recompiles the crate and the macro expands again.
fn manifest_dependency(path: &Path) -> TokenStream {
    let path = path_literal(path);
    quote!(
        const _: &[u8] = ::core::include_bytes!(#path);
    )
}

/// A manifest warning as a real rustc warning at `w.span`: a call to a
/// `#[deprecated]` function. `#![deny(deprecated)]` makes it an error;
/// `#[allow(deprecated)]` on the declaration silences it.
fn warning(w: &Warning) -> TokenStream {
    let note = &w.message;
    let call = quote_spanned!(w.span=> extern_dispatch_warning());
    quote! {
        const _: () = {
            #[deprecated(note = #note)]
            const fn extern_dispatch_warning() {}
            #call
        };
    }
}

/// `let __iree_count: [_; 3] = (|a: A, b: B| body)(a, b);`, or `[1, 1, 1]`
/// without a `count`.
fn count(decl: &Declaration) -> TokenStream {
    let Some(c) = &decl.count else {
        return quote!(let __iree_count: [u32; 3] = [1, 1, 1];);
    };
    let span = c.closure.span();
    let array = quote_spanned!(span=> [_; 3]);
    let call = closure_call(decl, c);
    quote! {
        let __iree_count: #array = #call;
    }
}

/// `let __iree_shared: u32`: the launch's dynamic shared memory in bytes
/// beyond the export's constant: a `workgroup_local_memory` closure's
/// result through `u32::try_from` (a value that does not fit is an
/// `Error::Launch`, never truncated), else 0 (a constant travels in the
/// bundle).
fn local_memory(decl: &Declaration, export: &str) -> TokenStream {
    let Some(LocalMemory::Closure(c)) = &decl.workgroup_local_memory else {
        return quote!(let __iree_shared: u32 = 0;);
    };
    let span = c.closure.span();
    let call = closure_call(decl, c);
    let convert = quote_spanned! {span=>
        <u32 as ::core::convert::TryFrom<_>>::try_from(__iree_shared_bytes)
    };
    let message =
        "the `workgroup_local_memory` closure returned {} bytes, which is not a valid u32";
    quote! {
        let __iree_shared_bytes = #call;
        let __iree_shared: u32 = match #convert {
            ::core::result::Result::Ok(__iree_n) => __iree_n,
            ::core::result::Result::Err(_) => {
                return ::core::result::Result::Err(::runtime_hip::Error::Launch {
                    kernel: ::std::string::String::from(#export),
                    reason: ::std::format!(#message, __iree_shared_bytes),
                })
            }
        };
    }
}

/// `(|a: A, b: B| body)(a, b)`: a closure over declared parameters called
/// with them (buffers as `&DeviceSlice<T>`, optional ones as
/// `Option<&DeviceSlice<T>>`, scalars by value, `device` as `&Device`).
fn closure_call(decl: &Declaration, c: &Count) -> TokenStream {
    let mut closure = c.closure.clone();
    let mut args = Vec::new();
    for (pat, (_, input)) in closure.inputs.iter_mut().zip(&c.inputs) {
        let (ty, arg): (Type, TokenStream) = match input {
            CountInput::Device => (
                syn::parse_quote!(&::runtime_hip::Device),
                quote!(::runtime_hip::Stream::device(stream)),
            ),
            CountInput::Param(i) => {
                let p = &decl.params[*i];
                let id = &p.ident;
                match &p.elem {
                    Some(elem) if p.kind.is_optional() => (
                        syn::parse_quote!(
                            ::core::option::Option<&::runtime_hip::DeviceSlice<#elem>>
                        ),
                        quote!(::core::option::Option::as_deref(&#id)),
                    ),
                    _ if p.is_buffer() => (shared_ref(&p.ty), quote!(&*#id)),
                    _ => ((*p.ty).clone(), quote!(#id)),
                }
            }
        };
        if !matches!(pat, syn::Pat::Type(_)) {
            *pat = syn::Pat::Type(syn::PatType {
                attrs: Vec::new(),
                pat: Box::new(pat.clone()),
                colon_token: Default::default(),
                ty: Box::new(ty),
            });
        }
        args.push(arg);
    }
    let span = c.closure.span();
    quote_spanned!(span=> (#closure)(#(#args),*))
}

/// `&DeviceSlice<T>` from a declared `&DeviceSlice<T>` or `&mut DeviceSlice<T>`.
fn shared_ref(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => Type::Reference(syn::TypeReference {
            mutability: None,
            ..r.clone()
        }),
        other => other.clone(),
    }
}

/// Each count converted with `u32::try_from`: a count that does not fit
/// (negative, or above `u32::MAX`) is an `Error::Launch` at run time, a type
/// with no conversion to `u32` (a float) a compile error at the closure.
fn workgroups(decl: &Declaration, export: &str) -> TokenStream {
    let span = decl
        .count
        .as_ref()
        .map(|c| c.closure.span())
        .unwrap_or_else(Span::call_site);
    let axes = ["x", "y", "z"].iter().map(|axis| {
        let v = format_ident!("__iree_{}", axis);
        let convert = quote_spanned! {span=>
            <u32 as ::core::convert::TryFrom<_>>::try_from(#v)
        };
        let message = format!(
            "the `count` closure returned {{}} workgroups along {axis}, which is not a valid u32"
        );
        quote! {
            match #convert {
                ::core::result::Result::Ok(__iree_n) => __iree_n,
                ::core::result::Result::Err(_) => {
                    return ::core::result::Result::Err(::runtime_hip::Error::Launch {
                        kernel: ::std::string::String::from(#export),
                        reason: ::std::format!(#message, #v),
                    })
                }
            }
        }
    });
    quote! {
        let [__iree_x, __iree_y, __iree_z] = __iree_count;
        let __iree_workgroups: [u32; 3] = [#(#axes),*];
    }
}

/// The generated part of the wrapper's documentation.
fn generated_docs(decl: &Declaration, entry: &DeclarationEntry) -> TokenStream {
    let mut lines = vec![
        String::new(),
        "# Launch".to_string(),
        String::new(),
        format!(
            "Generated by `#[extern_dispatch]`: queues export `{}` (executable `{}`, ordinal {}) \
             on `stream` with workgroup size `{:?}`.",
            entry.export, entry.executable_name, entry.ordinal, decl.workgroup_size.value
        ),
        String::new(),
        format!("- layout: `{}`", decl.layout),
        format!(
            "- parameters: {}",
            if decl.params.is_empty() {
                "none".to_string()
            } else {
                decl.params
                    .iter()
                    .map(|p| format!("`{}`", p.entry().describe()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        format!(
            "- built and verified for: {}",
            if entry.targets.is_empty() {
                "no target (every launch fails with `Error::NoVariant`)".to_string()
            } else {
                entry
                    .targets
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        String::new(),
        "# Errors".to_string(),
        String::new(),
        "`Error::NoVariant` when the bundle has no variant for the stream's device; \
         `Error::Launch` when the `count` or `workgroup_local_memory` closure's result does \
         not fit in `u32` or the launch exceeds the device's limits or fails; \
         `Error::SharedMemoryTooLarge` when the dynamic shared memory and the kernel's \
         static shared memory exceed what a workgroup of the device may use."
            .to_string(),
    ];
    if !decl.attrs.iter().any(|a| a.path().is_ident("doc")) {
        lines.remove(0);
    }
    let lines = lines.into_iter().map(|l| {
        let l = if l.is_empty() { l } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn path_literal(path: &Path) -> syn::LitStr {
    syn::LitStr::new(&path.to_string_lossy(), Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;
    use iree_abi::manifest::{Diagnostic, HostEntryNames};
    use iree_syntax::parse_item_fn;

    const SIMPLE_MUL: &str = r#"
        /// `ret = lhs * rhs`
        #[iree_macros::extern_dispatch(
            source = "kernels/kernels.cu",
            workgroup_size = [64, 1, 1],
            count = |dim| [(dim as u32).div_ceil(64), 1, 1],
        )]
        pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);
    "#;

    fn entry_for(d: &Declaration) -> DeclarationEntry {
        DeclarationEntry {
            file: "src/lib.rs".into(),
            line: 7,
            fn_name: d.ident.to_string(),
            export: d.export_name(),
            executable: 2,
            executable_name: "custom_dispatch_2".into(),
            ordinal: 1,
            params: d.params.iter().map(|p| p.entry()).collect(),
            layout: iree_syntax::model::lower(d, "src/lib.rs").layout_entry(),
            workgroup_size: d.workgroup_size.value,
            targets: vec!["gfx1100".into(), "host".into()],
            host: Some(HostEntryNames {
                block_symbol: format!("__iree_host_block_{}", d.export_name()),
                thread_symbol: format!("__iree_host_thread_{}", d.export_name()),
                uses_barrier: true,
                lockstep: false,
            }),
            errors: vec![],
            warnings: vec![],
            bundle_path: "/out/iree/custom_dispatch.bundle".into(),
            kernel_params: Vec::new(),
        }
    }

    fn expand(src: &str, edit: impl FnOnce(&mut DeclarationEntry)) -> (syn::ItemFn, String) {
        let d = parse_item_fn(src.parse().unwrap()).unwrap();
        let mut entry = entry_for(&d);
        edit(&mut entry);
        let manifest = Manifest::default();
        let warnings = crate::check::check(&d, &entry).unwrap();
        let tokens = wrapper(&Input {
            decl: &d,
            entry: &entry,
            manifest: &manifest,
            manifest_path: Path::new("/out/iree/manifest.json"),
            warnings: &warnings,
        })
        .unwrap();
        let text = tokens.to_string();
        (syn::parse2(tokens).expect("the expansion is one fn"), text)
    }

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn wrapper_shape() {
        let (f, text) = expand(SIMPLE_MUL, |_| {});
        let t = squash(&text);
        assert_eq!(f.sig.ident, "simple_mul");
        assert!(matches!(f.vis, syn::Visibility::Public(_)));
        assert_eq!(f.sig.inputs.len(), 5, "stream + the 4 declared params");
        assert!(
            t.contains("stream:&::runtime_hip::Stream,lhs:&DeviceSlice<f32>"),
            "{text}"
        );
        assert!(t.contains("->::core::result::Result<(),::runtime_hip::Error>"));
        assert!(t.contains(r#"include_bytes!("/out/iree/manifest.json")"#));
        assert!(t.contains(r#"bundle:::core::include_bytes!("/out/iree/custom_dispatch.bundle")"#));
        assert!(
            t.contains("executable:2u32,ordinal:1u32,name:\"simple_mul\""),
            "{text}"
        );
        assert!(t.contains(r#"#[link_name="__iree_host_block_simple_mul"]"#));
        assert!(t.contains("uses_barrier:true"));
        assert!(
            t.contains("(|dim:i32|[(dimasu32).div_ceil(64),1,1])(dim)"),
            "{text}"
        );
        assert!(t.contains(
            "&[::runtime_hip::DeviceSlice::binding(lhs),::runtime_hip::DeviceSlice::binding(rhs),::runtime_hip::DeviceSlice::binding_mut(ret)]"
        ));
        assert!(
            t.contains("put_value::<i32>(&mut__iree_constants,0usize,&dim)"),
            "{text}"
        );
        assert!(t.contains("ParamSlot::Binding(2u16),::runtime_hip::dispatch::ParamSlot::Value{word:(0usize)asu16"), "{text}");
        assert_eq!(
            text.matches("unsafe {").count() + text.matches("unsafe{").count(),
            1,
            "{text}"
        );
        let docs: Vec<String> = f
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .map(|a| quote!(#a).to_string())
            .collect();
        assert!(
            docs[0].contains("`ret = lhs * rhs`"),
            "user docs first: {docs:?}"
        );
        let all = docs.join("\n");
        assert!(all.contains("export `simple_mul`"), "{all}");
        assert!(all.contains("- layout: `#hal.pipeline.layout<"), "{all}");
        assert!(all.contains("`gfx1100`, `host`"), "{all}");
    }

    #[test]
    fn no_host_variant_and_device_in_count() {
        let src = r#"
            #[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1],
                              count = |device, x, n| [n.div_ceil(device.limits().warp_size), 1, 1])]
            fn k(x: &mut DeviceSlice<u32>, n: u32);
        "#;
        let (f, text) = expand(src, |e| e.host = None);
        let t = squash(&text);
        assert!(matches!(f.vis, syn::Visibility::Inherited));
        assert!(t.contains("host:::core::option::Option::None"));
        assert!(!t.contains("extern\"C\""));
        assert!(
            t.contains("(|device:&::runtime_hip::Device,x:&DeviceSlice<u32>,n:u32|"),
            "{text}"
        );
        assert!(
            t.contains("(::runtime_hip::Stream::device(stream),&*x,n)"),
            "{text}"
        );
    }

    #[test]
    fn bindings_follow_the_layout_slots() {
        let src = r##"
            #[extern_dispatch(
                source = "k.cu", workgroup_size = [64, 1, 1],
                layout = "#hal.pipeline.layout<constants = 0, bindings = [#hal.pipeline.binding<storage_buffer>, #hal.pipeline.binding<storage_buffer, ReadOnly>]>",
                bindings = ["#hal.interface.binding<0, 1>", "#hal.interface.binding<0, 0>"],
            )]
            fn swap(a: &DeviceSlice<f32>, b: &mut DeviceSlice<f32>);
        "##;
        let (_, text) = expand(src, |_| {});
        assert!(
            squash(&text).contains(
                "&[::runtime_hip::DeviceSlice::binding_mut(b),::runtime_hip::DeviceSlice::binding(a)]"
            ),
            "{text}"
        );
    }

    #[test]
    fn warnings_are_deprecated_calls() {
        let (_, text) = expand(SIMPLE_MUL, |e| {
            e.warnings.push(Diagnostic {
                message: "only reads `ret`".into(),
                param: Some("ret".into()),
                ..Default::default()
            })
        });
        let t = squash(&text);
        assert!(t.contains(r#"#[deprecated(note="parameter`ret`:onlyreads`ret`")]constfnextern_dispatch_warning(){}extern_dispatch_warning()"#), "{text}");
    }

    #[test]
    fn optional_buffers_and_local_memory_closures() {
        let src = r#"
            #[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1],
                              workgroup_local_memory = |n| n * 4,
                              count = |sums, n| [if sums.is_some() { 2 } else { 1 }, 1, 1])]
            fn reduce(x: &DeviceSlice<f32>, sums: Option<&mut DeviceSlice<f32>>, hint: Option<&DeviceSlice<u32>>, n: u32);
        "#;
        let (_, text) = expand(src, |_| {});
        let t = squash(&text);
        assert!(
            t.contains("&[::runtime_hip::DeviceSlice::binding(x),::runtime_hip::dispatch::Binding::optional_mut(sums),::runtime_hip::dispatch::Binding::optional(hint)]"),
            "{text}"
        );
        assert!(
            t.contains("(|sums:::core::option::Option<&::runtime_hip::DeviceSlice<f32>>,n:u32|"),
            "{text}"
        );
        assert!(
            t.contains("(::core::option::Option::as_deref(&sums),n)"),
            "{text}"
        );
        assert!(
            t.contains("let__iree_shared_bytes=(|n:u32|n*4)(n);"),
            "{text}"
        );
        assert!(
            t.contains("launch_with_shared(stream,__iree_workgroups,__iree_shared,"),
            "{text}"
        );
        let (_, text) = expand(SIMPLE_MUL, |_| {});
        assert!(squash(&text).contains("let__iree_shared:u32=0;"), "{text}");
    }

    /// Prints the whole expansion (`cargo test -p iree-macros -- --nocapture show`).
    #[test]
    fn show_expansion() {
        let (_, text) = expand(SIMPLE_MUL, |_| {});
        println!("{text}");
    }
}
