//! `#[derive(KernelParam)]`: a struct a kernel takes by value.
//!
//! `runtime_hip::KernelParam` is an `unsafe` trait: its implementation
//! promises that the type has C's layout and that `write` produces bytes the
//! kernel may read as its C struct. The derive is what makes that promise
//! checkable, so users never write `unsafe`:
//!
//! - `#[repr(C)]` is required (checked here, at the struct): Rust's default
//!   layout may reorder fields, C's never does;
//! - every field must implement `KernelParam` itself (checked by the
//!   compiler, through a bound the expansion asserts per field): scalars,
//!   arrays of them, other derived structs; no pointers, no references;
//! - `write` writes each field at its `offset_of!`, through the field's own
//!   `write`, and never touches padding, which stays the zero the wrapper's
//!   constant words start as. Copying the struct's bytes wholesale would
//!   copy its padding, which Rust leaves uninitialised, into the words.
//!
//! Generic structs and enums are refused: a generic struct's layout depends
//! on its parameters, and a C enum is an integer (declare that integer).
//! `#[repr(C, packed)]` and `#[repr(align(n))]` are accepted as C has them
//! (`offset_of!` and `align_of` follow the attributes); the build and the
//! macro still check size and alignment against the kernel's parameter.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The derive's expansion, or the errors at what is wrong.
pub(crate) fn kernel_param(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(t) => t,
        Err(e) => e.to_compile_error(),
    }
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let item: syn::DeriveInput = syn::parse2(input)?;
    let ident = &item.ident;
    let syn::Data::Struct(data) = &item.data else {
        return Err(syn::Error::new(
            ident.span(),
            "`KernelParam` derives for structs only: a kernel takes a C enum as its underlying integer (declare that integer), and has no unions of Rust types",
        ));
    };
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new(
            item.generics.span(),
            "`KernelParam` cannot derive for a generic struct: its layout must be the kernel's, fixed; declare one struct per instance",
        ));
    }
    if !is_repr_c(&item.attrs) {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` needs `#[repr(C)]` to be passed to a kernel by value: Rust may reorder the fields of a struct without it, C never does"
            ),
        ));
    }
    let fields: Vec<(TokenStream, &syn::Type, Span)> = data
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = match &f.ident {
                Some(id) => quote!(#id),
                None => {
                    let index = syn::Index::from(i);
                    quote!(#index)
                }
            };
            (name, &f.ty, f.ty.span())
        })
        .collect();
    let bounds = fields.iter().map(|(_, ty, span)| {
        quote_spanned! {*span=>
            const _: fn() = || {
                fn field_is_a_kernel_param<T: ::runtime_hip::dispatch::KernelParam>() {}
                field_is_a_kernel_param::<#ty>();
            };
        }
    });
    let writes = fields.iter().map(|(name, ty, _)| {
        quote! {
            {
                let __at = ::core::mem::offset_of!(Self, #name);
                let __n = ::core::mem::size_of::<#ty>();
                // Copied out first: a field of a packed struct may be
                // unaligned, and `write` takes `&self`.
                let __field: #ty = self.#name;
                ::runtime_hip::dispatch::KernelParam::write(&__field, &mut __out[__at..__at + __n]);
            }
        }
    });
    Ok(quote! {
        #(#bounds)*
        // SAFETY: `#[repr(C)]` (checked by the derive) gives the struct C's
        // layout; every field implements `KernelParam` (asserted above), so
        // each `write` below writes a valid value of its C type at the
        // field's offset, and the padding is left as the caller's zeroes.
        #[allow(unsafe_code)]
        unsafe impl ::runtime_hip::dispatch::KernelParam for #ident {
            fn write(&self, __out: &mut [u8]) {
                #(#writes)*
            }
        }
    })
}

/// Whether `#[repr(...)]` names `C`.
fn is_repr_c(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("repr")).any(|a| {
        let mut c = false;
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("C") {
                c = true;
            }
            if m.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in m.input);
            }
            Ok(())
        });
        c
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_c_is_required() {
        let e = expand(quote!(
            struct P {
                n: i32,
            }
        ))
        .unwrap_err();
        assert!(e.to_string().contains("needs `#[repr(C)]`"), "{e}");
        let e = expand(quote!(
            #[repr(C)]
            struct P<T> {
                n: T,
            }
        ))
        .unwrap_err();
        assert!(e.to_string().contains("generic"), "{e}");
        let e = expand(quote!(
            #[repr(C)]
            enum P {
                A,
            }
        ))
        .unwrap_err();
        assert!(e.to_string().contains("structs only"), "{e}");
        let t = expand(quote!(
            #[repr(C, align(16))]
            struct P {
                n: i32,
                x: f64,
            }
        ))
        .unwrap()
        .to_string();
        assert!(t.contains("offset_of ! (Self , n)"), "{t}");
        assert!(t.contains("field_is_a_kernel_param :: < f64 >"), "{t}");
        assert!(expand(quote!(
            #[repr(C)]
            struct T(u8, [f32; 3]);
        ))
        .is_ok());
    }
}
