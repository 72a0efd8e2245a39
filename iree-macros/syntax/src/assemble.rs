//! Assembling a [`Declaration`] from the parsed attribute arguments and the
//! fn signature, checking each part: the signature's shape, the parameters,
//! each attribute key, the objects, the layout and bindings, the limits and
//! the count closure. Each step reports into one [`Errors`], so a
//! declaration with several mistakes shows all of them at once.

use crate::layout::{self, InterfaceBinding, PipelineLayout};
use crate::parse::{int_u32, lit_subspan, nearest, Value};
use crate::{
    limits, Count, CountInput, Declaration, Errors, LocalMemory, Objects, Param, ParamKind,
    PrebuiltObject, Scalar, Spanned,
};
use proc_macro2::Span;
use syn::spanned::Spanned as _;

/// Builds the declaration of `func` from its attribute's `args`.
pub(crate) fn build(
    args: Vec<(syn::Ident, Value)>,
    attr_span: Span,
    func: syn::ForeignItemFn,
    module_path: Vec<String>,
) -> Result<Declaration, Errors> {
    let mut errors = Errors::default();
    let sig = &func.sig;
    let fn_name = sig.ident.to_string();
    check_shape(sig, &mut errors);
    let params = params(sig, &mut errors);
    let attrs = Attrs::parse(args, &mut errors);
    let objects = objects(attrs.source, attrs.objects, attr_span, &mut errors);
    if !attrs.workgroup_size_given {
        errors.error(
            attr_span,
            "missing `workgroup_size = [x, y, z]`: HIP kernels are launched with a fixed block size",
        );
    }
    let resolved = resolve_layout(
        attrs.layout_lit.as_ref(),
        attrs.bindings_lits,
        &params,
        &fn_name,
        attr_span,
        &mut errors,
    );
    check_limits(&params, sig.paren_token.span.join(), &mut errors);
    let count = attrs
        .count_expr
        .and_then(|e| closure(e, Use::Count, &params, &fn_name, &mut errors));
    let workgroup_local_memory = match attrs.local_memory_expr {
        Some(e) => closure(e, Use::LocalMemory, &params, &fn_name, &mut errors)
            .map(|c| LocalMemory::Closure(Box::new(c))),
        None => attrs.workgroup_local_memory.map(LocalMemory::Bytes),
    };

    let (Some(objects), Some(workgroup_size)) = (objects, attrs.workgroup_size) else {
        return Err(errors);
    };
    errors.finish(Declaration {
        attrs: func.attrs,
        vis: func.vis,
        ident: func.sig.ident,
        params,
        objects,
        export: attrs.export,
        workgroup_size,
        subgroup_size: attrs.subgroup_size,
        workgroup_local_memory,
        layout_lit: attrs.layout_lit,
        layout: resolved.layout,
        bindings: resolved.bindings,
        binding_slots: resolved.binding_slots,
        count,
        attr_span,
        module_path,
        file: None,
    })
}

/// What a kernel declaration's signature may not have: generics,
/// qualifiers, an ABI, variadics, a return type.
fn check_shape(sig: &syn::Signature, errors: &mut Errors) {
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
}

/// The parameters: plain names, not reserved, not repeated, of a kind the
/// ABI allows.
fn params(sig: &syn::Signature, errors: &mut Errors) -> Vec<Param> {
    let mut params: Vec<Param> = Vec::new();
    for input in &sig.inputs {
        let pt = match input {
            syn::FnArg::Receiver(r) => {
                errors.error(
                    r.span(),
                    "an #[extern_dispatch] fn cannot take `self`: declare a free function",
                );
                continue;
            }
            syn::FnArg::Typed(pt) => pt,
        };
        let ident = match &*pt.pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
            other => {
                errors.error(other.span(), "parameters must be plain names (`dim: i32`)");
                continue;
            }
        };
        if let Some(why) = limits::reserved_param(&ident.to_string()) {
            errors.error(ident.span(), why);
        }
        if params.iter().any(|p| p.ident == ident) {
            errors.error(ident.span(), format!("duplicate parameter `{ident}`"));
        }
        match classify(&pt.ty) {
            Ok((kind, elem)) => params.push(Param {
                ident,
                ty: pt.ty.clone(),
                kind,
                elem,
                span: pt.span(),
            }),
            Err(msg) => errors.error(pt.ty.span(), format!("parameter `{ident}`: {msg}")),
        }
    }
    params
}

/// The attribute's keys, each checked on its own.
#[derive(Default)]
struct Attrs {
    source: Option<syn::LitStr>,
    objects: Option<(Span, Vec<PrebuiltObject>)>,
    export: Option<syn::LitStr>,
    workgroup_size: Option<Spanned<[u32; 3]>>,
    workgroup_size_given: bool,
    subgroup_size: Option<Spanned<u32>>,
    workgroup_local_memory: Option<Spanned<u32>>,
    local_memory_expr: Option<syn::Expr>,
    layout_lit: Option<syn::LitStr>,
    bindings_lits: Option<Vec<syn::LitStr>>,
    count_expr: Option<syn::Expr>,
}

impl Attrs {
    /// Reads every `key = value` pair.
    fn parse(args: Vec<(syn::Ident, Value)>, errors: &mut Errors) -> Attrs {
        let mut a = Attrs::default();
        for (key, value) in args {
            match (key.to_string().as_str(), value) {
                ("source", Value::Str(s)) => {
                    if s.value().is_empty() {
                        errors.error(
                            s.span(),
                            "`source` is empty: name a .cu file relative to the crate root",
                        );
                    }
                    a.source = Some(s);
                }
                ("export", Value::Str(s)) => a.export = Some(export(s, errors)),
                ("layout", Value::Str(s)) => a.layout_lit = Some(s),
                ("subgroup_size", Value::Int(i)) => a.subgroup_size = subgroup_size(&i, errors),
                ("workgroup_local_memory", Value::Int(i)) => {
                    a.workgroup_local_memory =
                        int_u32(&i, errors, "`workgroup_local_memory`").map(|value| Spanned {
                            value,
                            span: i.span(),
                        });
                }
                ("workgroup_size", Value::IntArray(span, lits)) => {
                    a.workgroup_size_given = true;
                    a.workgroup_size = workgroup_size(span, &lits, errors);
                }
                ("bindings", Value::StrArray(lits)) => a.bindings_lits = Some(lits),
                ("objects", Value::Objects(span, pairs)) => {
                    a.objects = Some((key.span(), prebuilt(span, pairs, errors)));
                }
                ("count", Value::Closure(e)) => a.count_expr = Some(*e),
                ("workgroup_local_memory", Value::Closure(e)) => a.local_memory_expr = Some(*e),
                _ => unreachable!("parse_args pairs keys with their value kinds"),
            }
        }
        a
    }
}

/// `export = "…"`: a C symbol name (`simple_mul`) or a C++ kernel name
/// (`vectorAdd`, `MatrixMulCUDA<16>`, `ns::reduce<float, 256>`, optionally
/// with a parameter list: `vectorAdd(float const*, float*, int)`). The
/// build writes the name into generated C++ (the wrapper TUs), so only the
/// characters such names use are accepted, with balanced brackets: nothing
/// that could end the expression it is written into.
fn export(s: syn::LitStr, errors: &mut Errors) -> syn::LitStr {
    let v = s.value();
    if v.is_empty() || !is_kernel_name(&v) {
        errors.error(
            s.span(),
            format!("`export = \"{v}\"` is neither a C symbol nor a C++ kernel name (`name`, `ns::name<float, 256>`, `name(float const*, int)`)"),
        );
    }
    s
}

/// Whether `v` reads as a symbol or C++ kernel name (see [`export`]).
fn is_kernel_name(v: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_$.:<>,()*& -".contains(c);
    let mut depth = [0i32; 2];
    for c in v.chars() {
        if !allowed(c) {
            return false;
        }
        match c {
            '<' => depth[0] += 1,
            '>' => depth[0] -= 1,
            '(' => depth[1] += 1,
            ')' => depth[1] -= 1,
            _ => {}
        }
        if depth.iter().any(|&d| d < 0) {
            return false;
        }
    }
    depth == [0, 0] && v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == ':')
}

/// `subgroup_size = n`: a power of two.
fn subgroup_size(i: &syn::LitInt, errors: &mut Errors) -> Option<Spanned<u32>> {
    let v = int_u32(i, errors, "`subgroup_size`")?;
    if !v.is_power_of_two() {
        errors.error(
            i.span(),
            format!("`subgroup_size = {v}` is not a power of two (AMD uses 32 or 64, NVIDIA 32)"),
        );
    }
    Some(Spanned {
        value: v,
        span: i.span(),
    })
}

/// `workgroup_size = [x, y, z]`: three non-zero values whose product fits.
fn workgroup_size(
    span: Span,
    lits: &[syn::LitInt],
    errors: &mut Errors,
) -> Option<Spanned<[u32; 3]>> {
    if lits.len() != 3 {
        errors.error(
            span,
            format!(
                "`workgroup_size` takes three values `[x, y, z]`, found {}",
                lits.len()
            ),
        );
        return None;
    }
    let mut v = [0u32; 3];
    let mut ok = true;
    for (slot, lit) in v.iter_mut().zip(lits) {
        match int_u32(lit, errors, "each `workgroup_size` value") {
            Some(0) => {
                errors.error(lit.span(), "a `workgroup_size` dimension cannot be 0");
                ok = false;
            }
            Some(x) => *slot = x,
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    match limits::check_workgroup_size(v) {
        Ok(_) => Some(Spanned { value: v, span }),
        Err(msg) => {
            errors.error(span, msg);
            None
        }
    }
}

/// `objects = { "target" = "path", … }`: known targets, each once.
fn prebuilt(
    span: Span,
    pairs: Vec<(syn::LitStr, syn::LitStr)>,
    errors: &mut Errors,
) -> Vec<PrebuiltObject> {
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
    list
}

/// Exactly one of `source` and `objects`.
fn objects(
    source: Option<syn::LitStr>,
    objects: Option<(Span, Vec<PrebuiltObject>)>,
    attr_span: Span,
    errors: &mut Errors,
) -> Option<Objects> {
    match (source, objects) {
        (Some(s), None) => Some(Objects::Source(s)),
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
    }
}

/// The effective layout and how the buffers map onto it.
struct ResolvedLayout {
    /// The explicit layout, else the derived one (default when unparsable).
    layout: PipelineLayout,
    /// `bindings = [...]` as parsed.
    bindings: Option<Vec<(syn::LitStr, InterfaceBinding)>>,
    /// For the i-th buffer, its layout slot.
    binding_slots: Vec<usize>,
}

/// The layout: explicit (checked against the signature) or derived; and
/// the slots of `bindings = [...]`.
fn resolve_layout(
    layout_lit: Option<&syn::LitStr>,
    bindings_lits: Option<Vec<syn::LitStr>>,
    params: &[Param],
    fn_name: &str,
    attr_span: Span,
    errors: &mut Errors,
) -> ResolvedLayout {
    let derived = layout::derive(params.iter().map(|p| &p.kind), &[]);
    let mut layout = derived.clone();
    let mut layout_ok = true;
    if let Some(lit) = layout_lit {
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
    let bindings = bindings_lits.map(|lits| {
        let (parsed, slots) = interface_bindings(lits, &layout, layout_ok, errors);
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
        parsed
    });
    if layout_ok && (layout_lit.is_some() || bindings.is_some()) {
        let entries: Vec<_> = params.iter().map(Param::entry).collect();
        if let Err(msg) = layout::check_against_signature(&layout, &entries, &binding_slots) {
            let span = layout_lit.map(|l| l.span()).unwrap_or(attr_span);
            errors.error(
                span,
                format!("the layout does not match the signature of `{fn_name}`: {msg} (derived from the signature: `{derived}`)"),
            );
        }
    }
    ResolvedLayout {
        layout: if layout_ok {
            layout
        } else {
            PipelineLayout::default()
        },
        bindings,
        binding_slots,
    }
}

/// `bindings = [...]`: each parsed, named once, and found in the layout
/// (its slot); the parsed list and the slots found.
fn interface_bindings(
    lits: Vec<syn::LitStr>,
    layout: &PipelineLayout,
    layout_ok: bool,
    errors: &mut Errors,
) -> (Vec<(syn::LitStr, InterfaceBinding)>, Vec<usize>) {
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
    (parsed, slots)
}

/// IREE's HIP driver maxima ([`limits`]), at the parameter list.
fn check_limits(params: &[Param], span: Span, errors: &mut Errors) {
    let n_buffers = params.iter().filter(|p| p.is_buffer()).count();
    let results = [
        limits::check_bindings(n_buffers),
        limits::check_constants(params.iter().filter_map(|p| p.kind.words()).sum::<u32>() as usize),
    ];
    for msg in results.into_iter().filter_map(Result::err) {
        errors.error(span, msg);
    }
}

/// Which attribute a closure is the value of: what it may read and how
/// its errors say so.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// `count = |…| [x, y, z]`: any declared parameter, and `device`.
    Count,
    /// `workgroup_local_memory = |…| bytes`: scalar parameters and `device`
    /// (bytes of shared memory come from the sizes the launch passes).
    LocalMemory,
}

impl Use {
    /// How messages name the closure.
    fn noun(self) -> &'static str {
        match self {
            Use::Count => "count closure",
            Use::LocalMemory => "`workgroup_local_memory` closure",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Use::Count => {
                "`count` must be a closure over declared parameters returning the workgroup count, e.g. `|dim| [(dim as u32).div_ceil(64), 1, 1]`"
            }
            Use::LocalMemory => {
                "`workgroup_local_memory` is a byte count (`= 1024`) or a closure over scalar parameters returning one, e.g. `|n| n * 4`"
            }
        }
    }
}

/// `count = |a, b| [x, y, z]` or `workgroup_local_memory = |n| n * 4`: a
/// closure over declared parameters and `device`, each named once.
fn closure(
    expr: syn::Expr,
    what: Use,
    params: &[Param],
    fn_name: &str,
    errors: &mut Errors,
) -> Option<Count> {
    let closure = match expr {
        syn::Expr::Closure(closure) => closure,
        other => {
            errors.error(other.span(), what.example());
            return None;
        }
    };
    let noun = what.noun();
    let mut inputs: Vec<(syn::Ident, CountInput)> = Vec::new();
    for pat in &closure.inputs {
        let pat_inner = match pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        let syn::Pat::Ident(pi) = pat_inner else {
            errors.error(
                pat.span(),
                format!("{noun} parameters must be names of declared parameters or `device`"),
            );
            continue;
        };
        let name = &pi.ident;
        if inputs.iter().any(|(n, _)| n == name) {
            errors.error(name.span(), format!("`{name}` appears twice in the {noun}"));
            continue;
        }
        if let Some(input) = closure_input(name, what, params, fn_name, errors) {
            inputs.push((name.clone(), input));
        }
    }
    Some(Count { closure, inputs })
}

/// What closure parameter `name` refers to.
fn closure_input(
    name: &syn::Ident,
    what: Use,
    params: &[Param],
    fn_name: &str,
    errors: &mut Errors,
) -> Option<CountInput> {
    if name == "device" {
        return Some(CountInput::Device);
    }
    let noun = what.noun();
    if let Some(i) = params.iter().position(|p| p.ident == *name) {
        if what == Use::LocalMemory && params[i].is_buffer() {
            errors.error(
                name.span(),
                format!(
                    "`{name}` is a buffer: a {noun} reads scalar parameters (the sizes the launch passes) or `device`; pass the length as a scalar"
                ),
            );
            return None;
        }
        return Some(CountInput::Param(i));
    }
    let names: Vec<String> = params
        .iter()
        .filter(|p| what == Use::Count || !p.is_buffer())
        .map(|p| p.ident.to_string())
        .collect();
    let hint = nearest(&name.to_string(), names.iter().map(String::as_str))
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    let kinds = match what {
        Use::Count => "declared parameters",
        Use::LocalMemory => "scalar parameters",
    };
    errors.error(
        name.span(),
        format!(
            "`{name}` is not a parameter of `{fn_name}`{hint}: {noun} parameters name {kinds} ({}) or `device`",
            names.join(", ")
        ),
    );
    None
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

/// What [`classify`] lists when it refuses a type.
const ALLOWED: &str = "allowed parameter types: `&DeviceSlice<T>` (ReadOnly binding), `&mut DeviceSlice<T>` (writable binding), `Option<&DeviceSlice<T>>` / `Option<&mut DeviceSlice<T>>` (a binding that may be null), the scalars `i8`, `u8`, `i16`, `u16`, `i32`, `u32`, `i64`, `u64`, `isize`, `usize`, `f32`, `f64`, `bool`, and `#[repr(C)]` structs deriving `KernelParam`, by value";

/// The `T` of `Option<T>` (under any path: `core::option::Option<T>`),
/// when `ty` is one.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last().filter(|s| s.ident == "Option")?;
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    match a.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(t)] => Some(t),
        _ => None,
    }
}

/// Classifies a parameter type, or says why it is not allowed:
/// `Option<buffer>` is the buffer's kind with `optional` set.
fn classify(ty: &syn::Type) -> Result<(ParamKind, Option<Box<syn::Type>>), String> {
    let Some(inner) = option_inner(ty) else {
        return classify_plain(ty);
    };
    match classify_plain(inner) {
        Ok((ParamKind::Buffer { elem, mutable, .. }, e)) => Ok((
            ParamKind::Buffer {
                elem,
                mutable,
                optional: true,
            },
            e,
        )),
        Ok(_) => Err(format!(
            "`Option` is for buffers that may be null (`Option<&DeviceSlice<T>>`): a push constant always has a value; {ALLOWED}"
        )),
        Err(e) => Err(e),
    }
}

/// [`classify`] of a type that is not an `Option`.
fn classify_plain(ty: &syn::Type) -> Result<(ParamKind, Option<Box<syn::Type>>), String> {
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
                                let kind = ParamKind::Buffer {
                                    elem: crate::type_string(elem),
                                    mutable: r.mutability.is_some(),
                                    optional: false,
                                };
                                return Ok((kind, Some(Box::new(elem.clone()))));
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
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(ty) = p
                .path
                .get_ident()
                .and_then(|i| Scalar::from_name(&i.to_string()))
            {
                return Ok((ParamKind::Scalar { ty }, None));
            }
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("char") => Err(
                    "`char` is a 4-byte Unicode scalar value, not C's `char`: declare `i8` or `u8` for a C `char`".to_string(),
                ),
                Some("f16" | "bf16" | "i128" | "u128") => Err(format!(
                    "`{}` is not a kernel scalar type here; {ALLOWED}",
                    crate::type_string(ty)
                )),
                Some("DeviceSlice" | "DeviceBuffer") => Err(format!(
                    "a buffer is passed by reference: `&DeviceSlice<T>` or `&mut DeviceSlice<T>`; {ALLOWED}"
                )),
                // Any other named type is a struct passed by value: the macro
                // requires `KernelParam` of it and asserts its size and
                // alignment against the kernel's parameter.
                _ => Ok((ParamKind::Struct { ty: crate::type_string(ty) }, None)),
            }
        }
        _ => Err(format!("unsupported parameter type; {ALLOWED}")),
    }
}
