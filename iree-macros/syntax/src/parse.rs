//! Parsing and checking of declarations (see the module docs of `syntax`).

use super::{
    Count, CountInput, Declaration, Error, Errors, Objects, Param, ParamType, PrebuiltObject,
    Scalar, Spanned,
};
use crate::layout::{self, InterfaceBinding, PipelineLayout};
use proc_macro2::{Span, TokenStream};
use std::path::Path;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned as _;
use syn::{punctuated::Punctuated, Token};

/// The keys `#[extern_dispatch(...)]` accepts, in documentation order.
pub const VALID_KEYS: &[&str] = &[
    "source",
    "objects",
    "export",
    "workgroup_size",
    "subgroup_size",
    "workgroup_local_memory",
    "layout",
    "bindings",
    "count",
];

/// True for `#[extern_dispatch(...)]` under any path prefix
/// (`#[iree_macros::extern_dispatch(...)]`, a re-export, …).
pub fn is_extern_dispatch_attr(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "extern_dispatch")
}

/// The macro's entry: `attr` is the attribute's arguments, `item` the
/// annotated item (which must be a bodiless `fn name(...);`). Errors point at
/// the offending tokens; attribute-level errors (a missing key) at the call
/// site.
pub fn parse_declaration(attr: TokenStream, item: TokenStream) -> Result<Declaration, Errors> {
    let func = parse_item(item)?;
    build(attr, Span::call_site(), func, Vec::new())
}

/// Parses a whole Rust file and returns every `#[extern_dispatch]`
/// declaration in it, inline modules included, with `file` set on each
/// declaration and each error. `path` is only used for messages.
pub fn parse_file(path: &Path, text: &str) -> Result<Vec<Declaration>, Errors> {
    let (decls, errors) = parse_file_each(path, text)?;
    errors.finish(decls)
}

/// [`parse_file`] declaration by declaration: the good declarations and the
/// errors of the broken ones, so that one broken declaration does not hide
/// the others of its file from the build (the macro reports the broken one
/// at itself; the others still compile and verify). `Err` only when the
/// file itself is not Rust.
pub fn parse_file_each(path: &Path, text: &str) -> Result<(Vec<Declaration>, Errors), Errors> {
    let file = syn::parse_file(text).map_err(|e| Errors::from(e).with_file(path))?;
    let mut decls = Vec::new();
    let mut errors = Errors::default();
    walk(&file.items, &mut Vec::new(), &mut decls, &mut errors);
    for d in &mut decls {
        d.file = Some(path.to_path_buf());
    }
    Ok((decls, errors.with_file(path)))
}

/// Parses one declaration given as a whole item with its
/// `#[extern_dispatch(...)]` attribute attached (tests and tools).
pub fn parse_item_fn(item: TokenStream) -> Result<Declaration, Errors> {
    let mut func = parse_item(item)?;
    let Some(pos) = func.attrs.iter().position(is_extern_dispatch_attr) else {
        return Err(Error::new(
            func.sig.ident.span(),
            "no #[extern_dispatch(...)] attribute",
        )
        .into());
    };
    let attr = func.attrs.remove(pos);
    let (tokens, span) = attr_args(&attr)?;
    build(tokens, span, func, Vec::new())
}

fn walk(
    items: &[syn::Item],
    module: &mut Vec<String>,
    out: &mut Vec<Declaration>,
    errors: &mut Errors,
) {
    for item in items {
        match item {
            syn::Item::Verbatim(tokens) => {
                let Ok(mut func) = syn::parse2::<syn::ForeignItemFn>(tokens.clone()) else {
                    continue;
                };
                let Some(pos) = func.attrs.iter().position(is_extern_dispatch_attr) else {
                    continue;
                };
                let attr = func.attrs.remove(pos);
                let result = attr_args(&attr)
                    .map_err(Errors::from)
                    .and_then(|(t, s)| build(t, s, func, module.clone()));
                match result {
                    Ok(d) => out.push(d),
                    Err(e) => errors.0.extend(e.0),
                }
            }
            syn::Item::Fn(f) if f.attrs.iter().any(is_extern_dispatch_attr) => {
                errors.push(body_error(&f.block));
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    module.push(m.ident.to_string());
                    walk(items, module, out, errors);
                    module.pop();
                }
            }
            _ => {}
        }
    }
}

fn attr_args(attr: &syn::Attribute) -> Result<(TokenStream, Span), Error> {
    match &attr.meta {
        syn::Meta::List(list) => Ok((list.tokens.clone(), attr.span())),
        _ => Err(Error::new(
            attr.span(),
            "expected `#[extern_dispatch(source = \"…\", workgroup_size = [x, y, z], count = |…| [x, y, z])]`",
        )),
    }
}

fn body_error(block: &syn::Block) -> Error {
    Error::new(
        block.span(),
        "an #[extern_dispatch] declaration has no body: the kernel is the body. Write `fn name(params);`",
    )
}

fn parse_item(item: TokenStream) -> Result<syn::ForeignItemFn, Errors> {
    match syn::parse2::<syn::ForeignItemFn>(item.clone()) {
        Ok(f) => Ok(f),
        Err(e) => match syn::parse2::<syn::ItemFn>(item) {
            Ok(f) => Err(body_error(&f.block).into()),
            Err(_) => Err(Error::new(
                e.span(),
                format!(
                    "#[extern_dispatch] applies to a bodiless `fn name(params);` declaration: {e}"
                ),
            )
            .into()),
        },
    }
}

/// A raw `key = value` pair.
enum Value {
    Str(syn::LitStr),
    Int(syn::LitInt),
    IntArray(Span, Vec<syn::LitInt>),
    StrArray(Vec<syn::LitStr>),
    Objects(Span, Vec<(syn::LitStr, syn::LitStr)>),
    Count(Box<syn::Expr>),
}

fn parse_args(input: ParseStream) -> syn::Result<Vec<(syn::Ident, Value)>> {
    let mut out: Vec<(syn::Ident, Value)> = Vec::new();
    while !input.is_empty() {
        let key = input.call(syn::Ident::parse_any)?;
        let name = key.to_string();
        if !VALID_KEYS.contains(&name.as_str()) {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown key `{name}`{}; valid keys: {}",
                    nearest(&name, VALID_KEYS.iter().copied())
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default(),
                    VALID_KEYS.join(", ")
                ),
            ));
        }
        if out.iter().any(|(k, _)| *k == name) {
            return Err(syn::Error::new(
                key.span(),
                format!("duplicate key `{name}`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value = match name.as_str() {
            "source" | "export" | "layout" => Value::Str(input.parse()?),
            "subgroup_size" | "workgroup_local_memory" => Value::Int(input.parse()?),
            "workgroup_size" => {
                let content;
                let br = syn::bracketed!(content in input);
                let list = Punctuated::<syn::LitInt, Token![,]>::parse_terminated(&content)?;
                Value::IntArray(br.span.join(), list.into_iter().collect())
            }
            "bindings" => {
                let content;
                syn::bracketed!(content in input);
                let list = Punctuated::<syn::LitStr, Token![,]>::parse_terminated(&content)?;
                Value::StrArray(list.into_iter().collect())
            }
            "objects" => {
                let content;
                let br = syn::braced!(content in input);
                let list =
                    Punctuated::<(syn::LitStr, syn::LitStr), Token![,]>::parse_terminated_with(
                        &content,
                        |p| {
                            let t: syn::LitStr = p.parse()?;
                            p.parse::<Token![=]>()?;
                            Ok((t, p.parse()?))
                        },
                    )?;
                Value::Objects(br.span.join(), list.into_iter().collect())
            }
            _ => Value::Count(Box::new(input.parse()?)),
        };
        out.push((key, value));
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// The candidate closest to `name` by edit distance, if reasonably close:
/// "did you mean" hints for keys, parameters and kernel names.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 2).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn int_u32(lit: &syn::LitInt, errors: &mut Errors, what: &str) -> Option<u32> {
    match lit.base10_parse::<u32>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.error(
                lit.span(),
                format!("{what} must be an integer that fits in u32"),
            );
            None
        }
    }
}

/// Points at the part of a string literal at `offset` of its value: a real
/// subspan where the compiler offers one (nightly), else the whole literal;
/// the message always quotes the fragment and its column.
fn lit_subspan(lit: &syn::LitStr, offset: usize, len: usize) -> Span {
    let tok = lit.token();
    let text = tok.to_string();
    if text.len() == lit.value().len() + 2 && text.starts_with('"') {
        if let Some(s) = tok.subspan(offset + 1..offset + 1 + len.max(1)) {
            return s;
        }
    }
    lit.span()
}

fn build(
    attr: TokenStream,
    attr_span: Span,
    func: syn::ForeignItemFn,
    module_path: Vec<String>,
) -> Result<Declaration, Errors> {
    let args = parse_args.parse2(attr)?;
    let mut errors = Errors::default();
    let sig = &func.sig;
    let fn_name = sig.ident.to_string();

    // The signature.
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.error(
            sig.generics.span(),
            "an #[extern_dispatch] fn cannot be generic: a kernel has one fixed ABI; declare one fn per element type",
        );
    }
    if let Some(t) = &sig.constness {
        errors.error(t.span, "an #[extern_dispatch] fn cannot be `const`");
    }
    if let Some(t) = &sig.asyncness {
        errors.error(t.span, "an #[extern_dispatch] fn cannot be `async`: launches are already asynchronous on the stream");
    }
    if let Some(t) = &sig.unsafety {
        errors.error(
            t.span,
            "an #[extern_dispatch] fn cannot be `unsafe`: the wrapper is safe",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.error(
            abi.span(),
            "an #[extern_dispatch] fn takes no ABI: the kernel ABI is IREE's HIP one",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.error(v.span(), "an #[extern_dispatch] fn cannot be variadic");
    }
    if let syn::ReturnType::Type(arrow, ty) = &sig.output {
        errors.error(
            arrow.span().join(ty.span()).unwrap_or(ty.span()),
            "an #[extern_dispatch] fn has no return type: the wrapper returns `Result<(), runtime_hip::Error>` and results are written into `&mut DeviceSlice` parameters",
        );
    }
    let mut params: Vec<Param> = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => errors.error(
                r.span(),
                "an #[extern_dispatch] fn cannot take `self`: declare a free function",
            ),
            syn::FnArg::Typed(pt) => {
                let ident = match &*pt.pat {
                    syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        pi.ident.clone()
                    }
                    other => {
                        errors.error(other.span(), "parameters must be plain names (`dim: i32`)");
                        continue;
                    }
                };
                if ident == "device" {
                    errors.error(
                        ident.span(),
                        "`device` is reserved: count closures use it for the `&Device`; rename the parameter",
                    );
                }
                if params.iter().any(|p| p.ident == ident) {
                    errors.error(ident.span(), format!("duplicate parameter `{ident}`"));
                }
                match classify(&pt.ty) {
                    Ok(kind) => params.push(Param {
                        ident,
                        ty: pt.ty.clone(),
                        kind,
                        span: pt.span(),
                    }),
                    Err(msg) => errors.error(pt.ty.span(), format!("parameter `{ident}`: {msg}")),
                }
            }
        }
    }

    // The attribute.
    let mut source = None;
    let mut objects = None;
    let mut export = None;
    let mut workgroup_size = None;
    let mut workgroup_size_given = false;
    let mut subgroup_size = None;
    let mut workgroup_local_memory = None;
    let mut layout_lit: Option<syn::LitStr> = None;
    let mut bindings_lits = None;
    let mut count_expr = None;
    for (key, value) in args {
        match (key.to_string().as_str(), value) {
            ("source", Value::Str(s)) => {
                if s.value().is_empty() {
                    errors.error(
                        s.span(),
                        "`source` is empty: name a .cu file relative to the crate root",
                    );
                }
                source = Some((key.span(), s));
            }
            ("export", Value::Str(s)) => {
                let v = s.value();
                if v.is_empty()
                    || !v
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
                {
                    errors.error(
                        s.span(),
                        format!("`export = \"{v}\"` is not a C symbol name"),
                    );
                }
                export = Some(s);
            }
            ("layout", Value::Str(s)) => layout_lit = Some(s),
            ("subgroup_size", Value::Int(i)) => {
                if let Some(v) = int_u32(&i, &mut errors, "`subgroup_size`") {
                    if !v.is_power_of_two() {
                        errors.error(i.span(), format!("`subgroup_size = {v}` is not a power of two (AMD uses 32 or 64, NVIDIA 32)"));
                    }
                    subgroup_size = Some(Spanned {
                        value: v,
                        span: i.span(),
                    });
                }
            }
            ("workgroup_local_memory", Value::Int(i)) => {
                if let Some(v) = int_u32(&i, &mut errors, "`workgroup_local_memory`") {
                    workgroup_local_memory = Some(Spanned {
                        value: v,
                        span: i.span(),
                    });
                }
            }
            ("workgroup_size", Value::IntArray(span, lits)) => {
                workgroup_size_given = true;
                if lits.len() != 3 {
                    errors.error(
                        span,
                        format!(
                            "`workgroup_size` takes three values `[x, y, z]`, found {}",
                            lits.len()
                        ),
                    );
                } else {
                    let mut v = [0u32; 3];
                    let mut ok = true;
                    for (slot, lit) in v.iter_mut().zip(&lits) {
                        match int_u32(lit, &mut errors, "each `workgroup_size` value") {
                            Some(0) => {
                                errors
                                    .error(lit.span(), "a `workgroup_size` dimension cannot be 0");
                                ok = false;
                            }
                            Some(x) => *slot = x,
                            None => ok = false,
                        }
                    }
                    if ok && iree_abi::limits::workgroup_threads(v).is_none() {
                        errors.error(
                            span,
                            format!(
                                "`workgroup_size = [{}, {}, {}]` is more threads than fit in a u32; a GPU workgroup holds at most {} threads",
                                v[0], v[1], v[2], iree_abi::limits::MAX_WORKGROUP_THREADS
                            ),
                        );
                    } else if ok {
                        workgroup_size = Some(Spanned { value: v, span });
                    }
                }
            }
            ("bindings", Value::StrArray(lits)) => bindings_lits = Some(lits),
            ("objects", Value::Objects(span, pairs)) => {
                let mut list: Vec<PrebuiltObject> = Vec::new();
                for (t, p) in pairs {
                    match t.value().parse::<iree_abi::target::TargetId>() {
                        Ok(target) => {
                            if list.iter().any(|o| o.target == target) {
                                errors.error(
                                    t.span(),
                                    format!("target `{target}` appears twice in `objects`"),
                                );
                            }
                            list.push(PrebuiltObject {
                                target,
                                target_lit: t,
                                path: p,
                            });
                        }
                        Err(e) => errors.error(t.span(), e.to_string()),
                    }
                }
                if list.is_empty() {
                    errors.error(
                        span,
                        "`objects = { … }` is empty: give at least one `\"target\" = \"path\"`",
                    );
                }
                objects = Some((key.span(), list));
            }
            ("count", Value::Count(e)) => count_expr = Some(*e),
            _ => unreachable!("parse_args pairs keys with their value kinds"),
        }
    }

    let objects = match (source, objects) {
        (Some((_, s)), None) => Some(Objects::Source(s)),
        (None, Some((_, o))) => Some(Objects::Prebuilt(o)),
        (None, None) => {
            errors.error(
                attr_span,
                "missing `source = \"kernels/….cu\"` or `objects = { \"gfx1100\" = \"….co\", … }`: name where the kernel comes from",
            );
            None
        }
        (Some(_), Some((span, _))) => {
            errors.error(
                span,
                "give either `source` (compiled for every target) or `objects` (prebuilt per target), not both",
            );
            None
        }
    };
    if !workgroup_size_given {
        errors.error(
            attr_span,
            "missing `workgroup_size = [x, y, z]`: HIP kernels are launched with a fixed block size",
        );
    }

    // The layout: explicit (checked against the signature) or derived.
    let derived = layout::derive(params.iter().map(Param::class));
    let mut layout = derived.clone();
    let mut layout_ok = true;
    if let Some(lit) = &layout_lit {
        match layout::parse_layout(&lit.value()) {
            Ok(l) => layout = l,
            Err(e) => {
                layout_ok = false;
                errors.error(
                    lit_subspan(lit, e.offset, e.fragment.len()),
                    format!(
                        "bad layout: {} at column {} of the layout string (near `{}`)",
                        e.message,
                        e.offset + 1,
                        e.fragment
                    ),
                );
            }
        }
    }
    let n_buffers = params.iter().filter(|p| p.is_buffer()).count();
    let mut binding_slots: Vec<usize> = (0..n_buffers).collect();
    let mut bindings = None;
    if let Some(lits) = bindings_lits {
        let mut parsed: Vec<(syn::LitStr, InterfaceBinding)> = Vec::new();
        let mut slots = Vec::new();
        for lit in lits {
            match layout::parse_interface_binding(&lit.value()) {
                Ok(b) => {
                    if parsed.iter().any(|(_, p)| *p == b) {
                        errors.error(lit.span(), format!("`{b}` is named twice"));
                    }
                    match layout.slot_of(b) {
                        Some(s) => slots.push(s),
                        None if layout_ok => errors.error(
                            lit.span(),
                            format!("`{b}` names no binding of the layout `{layout}`"),
                        ),
                        None => {}
                    }
                    parsed.push((lit, b));
                }
                Err(e) => errors.error(
                    lit_subspan(&lit, e.offset, e.fragment.len()),
                    format!(
                        "bad binding: {} at column {} (near `{}`)",
                        e.message,
                        e.offset + 1,
                        e.fragment
                    ),
                ),
            }
        }
        if parsed.len() != n_buffers {
            let span = parsed.first().map(|(l, _)| l.span()).unwrap_or(attr_span);
            errors.error(
                span,
                format!(
                    "`bindings` names {} binding(s) but the signature has {n_buffers} buffer parameter(s): give one `#hal.interface.binding<set, binding>` per buffer, in parameter order",
                    parsed.len()
                ),
            );
        } else if slots.len() == n_buffers {
            binding_slots = slots;
        }
        bindings = Some(parsed);
    }
    if layout_ok && (layout_lit.is_some() || bindings.is_some()) {
        let named: Vec<(String, layout::ParamClass)> = params
            .iter()
            .map(|p| (p.ident.to_string(), p.class()))
            .collect();
        if let Err(msg) = layout::check_against_signature(&layout, &named, &binding_slots) {
            let span = layout_lit.as_ref().map(|l| l.span()).unwrap_or(attr_span);
            errors.error(
                span,
                format!("the layout does not match the signature of `{fn_name}`: {msg} (derived from the signature: `{derived}`)"),
            );
        }
    }

    // IREE's HIP driver maxima, checked here too so the macro points at the
    // signature (verify repeats them for hand-built IR).
    let n_constants = params.len() - n_buffers;
    if n_buffers > layout::MAX_BINDINGS {
        errors.error(
            sig.paren_token.span.join(),
            format!(
                "{n_buffers} buffer parameters exceed IREE's HIP limit of {} bindings per dispatch; pack buffers together",
                layout::MAX_BINDINGS
            ),
        );
    }
    if n_constants > layout::MAX_CONSTANTS {
        errors.error(
            sig.paren_token.span.join(),
            format!(
                "{n_constants} scalar parameters exceed IREE's HIP limit of {} push constants per dispatch; pass them in a buffer",
                layout::MAX_CONSTANTS
            ),
        );
    }

    // The count closure.
    let count = match count_expr {
        None => None,
        Some(syn::Expr::Closure(closure)) => {
            let mut inputs = Vec::new();
            for pat in &closure.inputs {
                let pat_inner = match pat {
                    syn::Pat::Type(pt) => &*pt.pat,
                    p => p,
                };
                let syn::Pat::Ident(pi) = pat_inner else {
                    errors.error(
                        pat.span(),
                        "count closure parameters must be names of declared parameters or `device`",
                    );
                    continue;
                };
                let name = &pi.ident;
                if inputs
                    .iter()
                    .any(|(n, _): &(syn::Ident, CountInput)| n == name)
                {
                    errors.error(
                        name.span(),
                        format!("`{name}` appears twice in the count closure"),
                    );
                    continue;
                }
                let target = if name == "device" {
                    CountInput::Device
                } else if let Some(i) = params.iter().position(|p| p.ident == *name) {
                    CountInput::Param(i)
                } else {
                    let names: Vec<String> = params.iter().map(|p| p.ident.to_string()).collect();
                    let hint = nearest(&name.to_string(), names.iter().map(String::as_str))
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default();
                    errors.error(
                        name.span(),
                        format!(
                            "`{name}` is not a parameter of `{fn_name}`{hint}: count closure parameters name declared parameters ({}) or `device`",
                            names.join(", ")
                        ),
                    );
                    continue;
                };
                inputs.push((name.clone(), target));
            }
            Some(Count { closure, inputs })
        }
        Some(other) => {
            errors.error(
                other.span(),
                "`count` must be a closure over declared parameters returning the workgroup count, e.g. `|dim| [(dim as u32).div_ceil(64), 1, 1]`",
            );
            None
        }
    };

    let (Some(objects), Some(workgroup_size)) = (objects, workgroup_size) else {
        return Err(errors);
    };
    errors.finish(Declaration {
        attrs: func.attrs,
        vis: func.vis,
        ident: func.sig.ident,
        params,
        objects,
        export,
        workgroup_size,
        subgroup_size,
        workgroup_local_memory,
        layout_lit,
        layout: if layout_ok {
            layout
        } else {
            PipelineLayout::default()
        },
        bindings,
        binding_slots,
        count,
        attr_span,
        module_path,
        file: None,
    })
}

/// Element types that are zero-sized as written: `()`, `[T; 0]`, `PhantomData<T>`.
/// (Aliases of them are caught by the macro's `size_of` assertion.)
fn is_zero_sized(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Tuple(t) => t.elems.iter().all(is_zero_sized),
        syn::Type::Paren(p) => is_zero_sized(&p.elem),
        syn::Type::Array(a) => {
            matches!(&a.len, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) if n.base10_parse::<u64>().ok() == Some(0))
                || is_zero_sized(&a.elem)
        }
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "PhantomData" || s.ident == "PhantomPinned"),
        _ => false,
    }
}

/// Classifies a parameter type, or says why it is not allowed.
fn classify(ty: &syn::Type) -> Result<ParamType, String> {
    const ALLOWED: &str = "allowed parameter types: `&DeviceSlice<T>` (ReadOnly binding), `&mut DeviceSlice<T>` (writable binding), `i32`, `u32`, `f32` (push constants)";
    match ty {
        syn::Type::Reference(r) => {
            if let syn::Type::Path(p) = &*r.elem {
                if let Some(seg) = p.path.segments.last() {
                    if seg.ident == "DeviceSlice" {
                        if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                            let tys: Vec<&syn::Type> = a
                                .args
                                .iter()
                                .filter_map(|g| match g {
                                    syn::GenericArgument::Type(t) => Some(t),
                                    _ => None,
                                })
                                .collect();
                            if let [elem] = tys[..] {
                                if is_zero_sized(elem) {
                                    return Err(format!("`DeviceSlice<{}>` has a zero-sized element type: such a buffer has no bytes to bind (the kernel would get a null pointer); give the element type the kernel's pointer has, e.g. `DeviceSlice<f32>` for `float*`", crate::type_string(elem)));
                                }
                                return Ok(ParamType::Buffer {
                                    elem: Box::new(elem.clone()),
                                    mutable: r.mutability.is_some(),
                                });
                            }
                        }
                        return Err(format!("`DeviceSlice` needs its element type, e.g. `&DeviceSlice<f32>`; {ALLOWED}"));
                    }
                    if seg.ident == "DeviceBuffer" {
                        return Err(format!(
                            "take `&{}DeviceSlice<T>` instead of `DeviceBuffer<T>` (a `DeviceBuffer` derefs to it); {ALLOWED}",
                            if r.mutability.is_some() { "mut " } else { "" }
                        ));
                    }
                }
            }
            Err(format!("unsupported parameter type; {ALLOWED}"))
        }
        syn::Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            let id = p
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match id.as_str() {
                "i32" => Ok(ParamType::Scalar(Scalar::I32)),
                "u32" => Ok(ParamType::Scalar(Scalar::U32)),
                "f32" => Ok(ParamType::Scalar(Scalar::F32)),
                "i64" | "u64" | "f64" | "isize" | "usize" => Err(format!(
                    "`{id}` is a 64-bit value: push constants are 32-bit (IREE's HIP ABI; the seed's HACK note: users do the packing themselves). Split it into two `u32` parameters (low, high) and recombine them in the kernel"
                )),
                "bool" | "i8" | "u8" | "i16" | "u16" | "char" => Err(format!(
                    "`{id}` is not a 32-bit value: push constants are `i32`, `u32` or `f32`; widen it to `i32`/`u32`"
                )),
                _ => Err(format!("unsupported parameter type `{id}`; {ALLOWED}")),
            }
        }
        _ => Err(format!("unsupported parameter type; {ALLOWED}")),
    }
}
