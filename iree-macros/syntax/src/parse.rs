//! Parsing and checking of declarations (see the module docs of `syntax`).

use super::{Declaration, Error, Errors};
use crate::assemble;
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
pub(crate) enum Value {
    Str(syn::LitStr),
    Int(syn::LitInt),
    IntArray(Span, Vec<syn::LitInt>),
    StrArray(Vec<syn::LitStr>),
    Objects(Span, Vec<(syn::LitStr, syn::LitStr)>),
    /// `count` and a non-literal `workgroup_local_memory`.
    Closure(Box<syn::Expr>),
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
            "subgroup_size" => Value::Int(const_int(&input.parse()?, &name)?),
            "workgroup_local_memory" => match input.parse()? {
                syn::Expr::Closure(c) => Value::Closure(Box::new(syn::Expr::Closure(c))),
                e if folds(&e) => Value::Int(const_int(&e, &name)?),
                e => Value::Closure(Box::new(e)),
            },
            "workgroup_size" => {
                let content;
                let br = syn::bracketed!(content in input);
                let list = Punctuated::<syn::Expr, Token![,]>::parse_terminated(&content)?;
                let lits = list.iter().map(|e| const_int(e, &name));
                Value::IntArray(br.span.join(), lits.collect::<syn::Result<_>>()?)
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
            _ => Value::Closure(Box::new(input.parse()?)),
        };
        out.push((key, value));
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// An integer constant written in the declaration (`1024`, `16 * 16`,
/// `8 * 4 + 2`, `1 << 10`): literals, parentheses and `+ - * / % <<`.
/// Folded here, as a literal, because the build reads declarations from
/// the source text and cannot see the value of a Rust `const`.
fn const_int(e: &syn::Expr, key: &str) -> syn::Result<syn::LitInt> {
    let value = fold(e).ok_or_else(|| {
        syn::Error::new(
            e.span(),
            format!(
                "`{key}` takes integer constants written out (`256`, `16 * 16`): the build reads \
                 declarations from the source text, so a Rust `const` or other expression cannot \
                 be used here"
            ),
        )
    })?;
    let value = value
        .ok_or_else(|| syn::Error::new(e.span(), format!("`{key}`: this constant overflows")))?;
    Ok(syn::LitInt::new(&value.to_string(), e.span()))
}

/// True when `e` is an integer constant [`const_int`] can fold.
fn folds(e: &syn::Expr) -> bool {
    fold(e).is_some()
}

/// `None`: not a constant expression; `Some(None)`: one that overflows (or
/// divides by zero).
fn fold(e: &syn::Expr) -> Option<Option<u64>> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => Some(i.base10_parse::<u64>().ok()),
        syn::Expr::Paren(p) => fold(&p.expr),
        syn::Expr::Group(g) => fold(&g.expr),
        syn::Expr::Binary(b) => {
            let (l, r) = (fold(&b.left)?, fold(&b.right)?);
            let op = match b.op {
                syn::BinOp::Add(_) => u64::checked_add,
                syn::BinOp::Sub(_) => u64::checked_sub,
                syn::BinOp::Mul(_) => u64::checked_mul,
                syn::BinOp::Div(_) => u64::checked_div,
                syn::BinOp::Rem(_) => u64::checked_rem,
                syn::BinOp::Shl(_) => |a: u64, b: u64| a.checked_shl(u32::try_from(b).ok()?),
                _ => return None,
            };
            Some(l.zip(r).and_then(|(l, r)| op(l, r)))
        }
        _ => None,
    }
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

pub(crate) fn int_u32(lit: &syn::LitInt, errors: &mut Errors, what: &str) -> Option<u32> {
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
pub(crate) fn lit_subspan(lit: &syn::LitStr, offset: usize, len: usize) -> Span {
    let tok = lit.token();
    let text = tok.to_string();
    if text.len() == lit.value().len() + 2 && text.starts_with('"') {
        if let Some(s) = tok.subspan(offset + 1..offset + 1 + len.max(1)) {
            return s;
        }
    }
    lit.span()
}

/// Parses the attribute arguments and assembles the declaration.
fn build(
    attr: TokenStream,
    attr_span: Span,
    func: syn::ForeignItemFn,
    module_path: Vec<String>,
) -> Result<Declaration, Errors> {
    let args = parse_args.parse2(attr)?;
    assemble::build(args, attr_span, func, module_path)
}
