//! Verification: every export against every target's inspected object.
//!
//! A declaration is a promise about a kernel the compiler never sees
//! together with it. IREE trusts the promise and a wrong one corrupts memory
//! at run time; here each promise is checked against what the compiled
//! object says about itself ([`ObjectInfo`] from `code_object`), so a
//! mismatch becomes a compile error at the declaration:
//!
//! - the export exists (else: what the object has, and the nearest name);
//! - parameter count, kinds and sizes match the declaration, parameter by
//!   parameter in declaration order (the kernel's order: bindings are
//!   8-byte pointers, values are passed as the kernel types them);
//! - a ReadOnly binding the kernel writes (`.actual_access`) is an error, a
//!   `&mut` binding the kernel only reads is a warning;
//! - the workgroup size fits the kernel (`.max_flat_workgroup_size`, PTX
//!   `.maxntid`/`.reqntid`) and the platform (1024 threads, NVIDIA z ≤ 64);
//! - a declared subgroup size agrees with `.wavefront_size` (32 on NVIDIA);
//! - static shared memory plus `workgroup_local_memory` fits the target
//!   ([`runtime_hip::target::AmdChip::lds_bytes`], 48 KiB on NVIDIA: the
//!   static limit a launch gets without opting in to more);
//! - binding and constant counts are within IREE's HIP driver maxima
//!   ([`MAX_BINDINGS`], [`MAX_CONSTANTS`]).
//!
//! Every diagnostic names the file, line, fn, target and, where one is
//! involved, the parameter (see [`DispatchExtern::diagnostic`]).

use crate::code_object::Lookup;
use crate::ir::{DispatchExtern, ParamKind};
use crate::layout::PipelineLayout;
use crate::manifest::Diagnostic;
use crate::outline::{Export, Outlined};
use crate::signature::{self, CType, Pointee};
use runtime_hip::target::{Platform, TargetId};

pub use crate::code_object::{Access, ArgInfo, ArgKind, KernelInfo, ObjectInfo};

pub use crate::layout::{MAX_BINDINGS, MAX_CONSTANTS};

pub use iree_abi::limits::MAX_WORKGROUP_THREADS;
pub use iree_abi::target::{
    HOST_SHARED_BYTES, HOST_WARP_SIZE, HOST_WIDE_WARP_SIZE, NVIDIA_MAX_BLOCK_Z, NVIDIA_SHARED_BYTES,
};

/// What verification found for one dispatch (declaration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Errors: each fails the build / becomes a compile error.
    pub errors: Vec<Diagnostic>,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
    /// Targets whose object passed without errors, canonical spelling.
    pub targets: Vec<String>,
    /// The kernel's C++ parameter types it was checked against, when known
    /// (the manifest carries them to the macro).
    pub signature: Option<Vec<CType>>,
}

/// Verification of a whole outlined crate: one report per input dispatch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Indexed like the dispatches given to [`verify`].
    pub dispatches: Vec<DispatchReport>,
}

impl Report {
    /// True when no dispatch has an error.
    pub fn is_ok(&self) -> bool {
        self.dispatches.iter().all(|d| d.errors.is_empty())
    }

    /// All errors, in dispatch order.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.dispatches.iter().flat_map(|d| d.errors.iter())
    }

    /// All warnings, in dispatch order.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.dispatches.iter().flat_map(|d| d.warnings.iter())
    }
    /// Records outlining conflicts as errors of the dispatches they concern,
    /// so they reach the manifest (and the macro) like any other error.
    pub fn add_outline_errors(&mut self, errors: &[crate::outline::OutlineError]) {
        for e in errors {
            if self.dispatches.len() <= e.dispatch {
                self.dispatches
                    .resize(e.dispatch + 1, DispatchReport::default());
            }
            self.dispatches[e.dispatch].errors.push(e.diagnostic());
        }
    }
}

/// Where an executable's kernels' C++ signatures come from (see
/// [`crate::signature`]): the source of truth for element types, scalar
/// types and pointee constness on every target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signature {
    /// A host object with signature tables: the `host` variant, the
    /// host-side signature compile of the source, or a prebuilt host object.
    Object(ObjectInfo),
    /// None could be had; why (an error for each declaration that has a
    /// variant and no other error to fix first).
    Missing(String),
}

impl Signature {
    /// The parameter types of `export`, or why there are none.
    fn types(&self, export: &str) -> Result<&[CType], String> {
        let info = match self {
            Signature::Object(info) => info,
            Signature::Missing(why) => return Err(why.clone()),
        };
        match info.kernel(export).map(|k| k.signature.as_deref()) {
            Some(Some(types)) => Ok(types),
            Some(None) => Err(format!("the host object's signature table of `{export}` has sizes only (it was built with an older iree-build host header): rebuild it")),
            None => Err(format!("the host object has no signature table for `{export}`")),
        }
    }
}

/// The signatures [`verify`] uses when none are given: each executable's
/// host variant, else missing.
pub fn host_signatures(objects: &[Vec<(TargetId, ObjectInfo)>]) -> Vec<Signature> {
    objects
        .iter()
        .map(|vs| match vs.iter().find(|(t, _)| *t == TargetId::Host) {
            Some((_, info)) => Signature::Object(info.clone()),
            None => Signature::Missing(
                "no host object was compiled to read the kernel's signature from".into(),
            ),
        })
        .collect()
}

/// Verifies every export of every executable against the objects compiled
/// for it and the kernel's C++ signature. `objects[e]` lists `(target,
/// inspected object)` for executable `e` of `outlined`; a target missing
/// from it is simply not reported as verified. `signatures[e]` is where
/// executable `e`'s signatures come from ([`host_signatures`] of `objects`
/// when `signatures` is shorter); a declaration without any object is not
/// checked against one.
pub fn verify(
    outlined: &Outlined,
    dispatches: &[DispatchExtern],
    objects: &[Vec<(TargetId, ObjectInfo)>],
    signatures: &[Signature],
) -> Report {
    let mut report = Report {
        dispatches: vec![DispatchReport::default(); dispatches.len()],
    };
    let fallback = host_signatures(objects);
    for (e, exe) in outlined.executables.iter().enumerate() {
        let exe_objects = objects.get(e).map(Vec::as_slice).unwrap_or(&[]);
        let signature = signatures.get(e).or(fallback.get(e));
        for export in &exe.exports {
            let types = signature.map(|s| s.types(&export.name));
            for &d in &export.dispatches {
                let dispatch = &dispatches[d];
                let r = &mut report.dispatches[d];
                check_limits(dispatch, r);
                let sig = types.as_ref().and_then(|t| t.as_ref().ok()).copied();
                // A target is verified when every object it has (PTX and
                // cubin for NVIDIA) verifies.
                let mut failed: Vec<String> = Vec::new();
                for (target, info) in exe_objects {
                    let before = r.errors.len();
                    verify_export(dispatch, export, target, info, sig, r);
                    let name = target.to_string();
                    if r.errors.len() != before {
                        failed.push(name);
                    } else if !r.targets.contains(&name) {
                        r.targets.push(name);
                    }
                }
                r.targets.retain(|t| !failed.contains(t));
                // PTX and cubin of one target report the same findings.
                dedup(&mut r.errors);
                dedup(&mut r.warnings);
                match (&types, exe_objects.is_empty()) {
                    (_, true) | (None, _) => {}
                    (Some(Ok(types)), false) => {
                        r.signature = Some(types.to_vec());
                        check_signature(dispatch, export, types, r);
                    }
                    (Some(Err(why)), false) if r.errors.is_empty() => {
                        r.errors.push(dispatch.diagnostic(
                            format_args!("the kernel's C++ signature cannot be checked (element types, scalar types, constness): {why}"),
                            None,
                            None,
                        ));
                        r.targets.clear();
                    }
                    (Some(Err(_)), false) => {}
                }
            }
        }
    }
    report
}

/// Drops repeated diagnostics, keeping the first of each.
fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = Vec::new();
    diagnostics.retain(|d| {
        let new = !seen.contains(d);
        if new {
            seen.push(d.clone());
        }
        new
    });
}

/// The declaration against the kernel's C++ parameter types, once for all
/// targets, parameter by parameter in kernel order (the declaration's):
/// element types of bindings, scalar types, structs taken by value, and an
/// explicit layout's constant count once structs are sized.
/// (Constness is per target: AMD metadata may prove a binding read-only.)
fn check_signature(d: &DispatchExtern, export: &Export, types: &[CType], r: &mut DispatchReport) {
    if types.len() != d.args.len() {
        return; // the count is reported per target
    }
    let before = r.errors.len();
    for (k, (ty, arg)) in types.iter().zip(&d.args).enumerate() {
        let nth = ordinal(k + 1);
        let message = match &arg.kind {
            ParamKind::Buffer { elem, .. } => {
                let b = d.binding_of_arg(k).unwrap_or(k);
                match &ty.pointee {
                    None => Err(format!("binding {b} is a `DeviceSlice<{elem}>` but the kernel's {nth} parameter is `{ty}`, not a pointer (the kernel takes the declaration's parameters in order)")),
                    Some(p) => signature::check_element(elem, p)
                        .map_err(|e| format!("binding {b} {e} (the kernel's {nth} parameter is `{ty}`)")),
                }
            }
            ParamKind::Scalar { ty: s } => signature::check_scalar(s.name(), ty)
                .map_err(|m| format!("declared {m} (the kernel's {nth} parameter)")),
            ParamKind::Struct { ty: name } => signature::check_struct(name, ty)
                .map_err(|m| format!("{m} (the kernel's {nth} parameter)")),
        };
        if let Err(m) = message {
            r.errors.push(d.diagnostic(m, Some(&arg.name), None));
        }
    }
    if d.explicit_layout {
        let words = d.value_words(types);
        if words.is_some_and(|w| w != export.layout.constants) {
            r.errors.push(d.attribute_diagnostic(
                "layout",
                format_args!(
                    "the layout has {} push constant(s) but the declaration's values take {} 32-bit word(s) as the kernel types them (a 64-bit scalar two, a struct its size in words)",
                    export.layout.constants,
                    words.unwrap_or(0)
                ),
                None,
            ));
        }
    }
    if r.errors.len() != before {
        r.targets.clear();
    }
}

/// Sizes the structs passed by value of every dispatch, and of the exports
/// they share, from the kernels' C++ signatures
/// ([`DispatchExtern::size_structs`]): a derived layout then counts each
/// struct's 32-bit words, as the manifest and the bundle record it. Runs
/// before [`verify`], once the signatures are known.
pub fn size_structs(
    outlined: &mut Outlined,
    dispatches: &mut [DispatchExtern],
    signatures: &[Signature],
) {
    for (e, exe) in outlined.executables.iter_mut().enumerate() {
        let Some(signature) = signatures.get(e) else {
            continue;
        };
        for export in &mut exe.exports {
            let Ok(types) = signature.types(&export.name) else {
                continue;
            };
            for &d in &export.dispatches {
                if let Some(dispatch) = dispatches.get_mut(d) {
                    dispatch.size_structs(types);
                }
            }
            if let Some(first) = export.dispatches.first().and_then(|&d| dispatches.get(d)) {
                export.layout.constants = first.layout.constants;
            }
        }
    }
}

/// Target-independent limits (IREE's HIP driver maxima), with the checks
/// and words the declaration syntax uses ([`crate::syntax::limits`]): a
/// parsed declaration never fails them, a hand-built dispatch may.
fn check_limits(d: &DispatchExtern, r: &mut DispatchReport) {
    let results = [
        crate::syntax::limits::check_bindings(d.layout.bindings.len()),
        crate::syntax::limits::check_constants(d.layout.constants as usize),
    ];
    for m in results.into_iter().filter_map(Result::err) {
        r.errors.push(d.diagnostic(m, None, None));
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Checks one dispatch's export against one target's object, appending to
/// `r`. Public so callers (and tests) can verify a single pairing.
pub fn verify_export(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    info: &ObjectInfo,
    signature: Option<&[CType]>,
    r: &mut DispatchReport,
) {
    let kernel = match info.lookup(&export.name) {
        Lookup::Found(k) => k,
        Lookup::Ambiguous(candidates) => {
            ambiguous_export(d, export, target, &candidates, r);
            return;
        }
        Lookup::Missing => {
            missing_export(d, export, target, info, r);
            return;
        }
    };
    let layout = &export.layout;
    let expected = d.args.len();

    // Parameters in kernel order (the declaration's): count, then each
    // one's kind and size.
    if kernel.args.len() != expected {
        let sizes: Vec<String> = kernel.args.iter().map(|a| a.size.to_string()).collect();
        r.errors.push(d.diagnostic(
            format_args!(
                "the declaration passes {expected} parameter(s) ({} binding(s) and {} value(s), in declaration order) but kernel `{}` takes {} (sizes in bytes: [{}])",
                layout.bindings.len(),
                expected - layout.bindings.len().min(expected),
                export.name,
                kernel.args.len(),
                sizes.join(", ")
            ),
            None,
            Some(target),
        ));
    }
    let types = signature.filter(|t| t.len() == expected);
    for (k, arg) in kernel.args.iter().enumerate().take(expected) {
        let ty = types.map(|t| &t[k]);
        match d.binding_of_arg(k) {
            Some(b) => check_binding(d, layout, b, k, arg, ty, target, r),
            None => check_value(d, k, arg, ty, target, r),
        }
    }

    check_workgroup_size(d, export, target, kernel, r);
    check_subgroup_size(d, export, target, kernel, r);
    check_shared_memory(d, export, target, kernel, r);
}

/// The error for an export that names several kernels: each candidate.
fn ambiguous_export(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    candidates: &[String],
    r: &mut DispatchReport,
) {
    r.errors.push(d.diagnostic(
        format_args!(
            "`{}` names {} kernels: {}. Name one, with its template arguments (`name<16>`) or its parameter list as these are written (`name(float const*, int)`)",
            export.name,
            candidates.len(),
            candidates.join(", ")
        ),
        None,
        Some(target),
    ));
}

/// The error for an export the object has no kernel for: what it has
/// (demangled), and the nearest name. A host object's kernels without
/// entry points (`unexported`) are matched too: the host wrapper could not
/// export an overloaded name, and that is the same ambiguity the GPU
/// objects show.
fn missing_export(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    info: &ObjectInfo,
    r: &mut DispatchReport,
) {
    let unexported =
        crate::code_object::matching(&export.name, info.unexported.iter().map(String::as_str));
    if unexported.len() > 1 {
        let candidates = crate::code_object::candidates(&unexported);
        return ambiguous_export(d, export, target, &candidates, r);
    }
    if let Some(found) = unexported.first().copied().or_else(|| {
        info.unexported
            .iter()
            .find(|u| **u == export.name)
            .map(String::as_str)
    }) {
        r.errors.push(d.diagnostic(
            format_args!(
                "the object has a kernel `{}` but does not export it as `{}`: a prebuilt host object exports a kernel with `IREE_HOST_EXPORT(k)` or, for C++ names, `IREE_HOST_EXPORT_AS(id, name)`",
                crate::code_object::display_name(found),
                export.name
            ),
            None,
            Some(target),
        ));
        return;
    }
    // Demangled and sorted: PTX and cubin list them in different orders,
    // and the same finding should read the same for both. A host object's
    // kernels without entry points count: the GPU objects list them too.
    let symbols = || {
        let unexported = info.unexported.iter().filter(|u| u.starts_with("_Z"));
        info.kernels.iter().map(|k| &k.name).chain(unexported)
    };
    let mut names: Vec<String> = symbols()
        .map(|s| crate::code_object::display_name(s))
        .collect();
    names.sort_unstable();
    names.dedup();
    let have = if names.is_empty() {
        "it exports no kernels (is the kernel `__global__`, and a template instantiated?)"
            .to_string()
    } else {
        let short: Vec<String> = symbols()
            .map(|s| crate::code_object::short_name(s))
            .collect();
        let hint = crate::syntax::nearest_name(&export.name, short.iter().map(String::as_str))
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        format!("it exports: {}{hint}", names.join(", "))
    };
    r.errors.push(d.diagnostic(
        format_args!("the object has no kernel `{}`: {have}", export.name),
        None,
        Some(target),
    ));
}

/// One binding against one target's parameter: pointer kind and size, the
/// access AMD metadata proves, and constness from the C++ signature.
#[allow(clippy::too_many_arguments)] // one call site; each is a distinct input
fn check_binding(
    d: &DispatchExtern,
    layout: &PipelineLayout,
    i: usize,
    k: usize,
    arg: &ArgInfo,
    ty: Option<&CType>,
    target: &TargetId,
    r: &mut DispatchReport,
) {
    let nth = ordinal(k + 1);
    let param = d.arg_for_binding(i).map(|a| a.name.as_str());
    let what = format!("binding {i}");
    match &arg.kind {
        ArgKind::ByValue => r.errors.push(d.diagnostic(
            format_args!("{what} is passed as a pointer but the kernel's {nth} parameter is a by-value argument of {} bytes (the kernel takes the declaration's parameters in order)", arg.size),
            param,
            Some(target),
        )),
        ArgKind::Other(kind) => r.errors.push(d.diagnostic(
            format_args!("{what} is passed as a pointer but the kernel's {nth} parameter is `{kind}`"),
            param,
            Some(target),
        )),
        _ if arg.size != 8 => r.errors.push(d.diagnostic(
            format_args!("{what} is passed as an 8-byte pointer but the kernel's {nth} parameter is {} bytes", arg.size),
            param,
            Some(target),
        )),
        ArgKind::GlobalBuffer { access: Some(access) } => {
            let read_only = layout.bindings[i].flags.read_only;
            let mutable = d
                .arg_for_binding(i)
                .is_some_and(|a| a.kind.is_mut_buffer());
            match access {
                Access::WriteOnly | Access::ReadWrite if read_only => r.errors.push(d.diagnostic(
                    format_args!(
                        "{what} is ReadOnly (`&DeviceSlice`) but the kernel writes its {nth} parameter (.actual_access: {}); declare it `&mut DeviceSlice` or make the kernel parameter `const`",
                        if *access == Access::WriteOnly { "write_only" } else { "read_write" }
                    ),
                    param,
                    Some(target),
                )),
                Access::ReadOnly if mutable => r.warnings.push(d.diagnostic(
                    format_args!(
                        "{what} is declared `&mut DeviceSlice` but the kernel only reads its {nth} parameter (.actual_access: read_only); declare it `&DeviceSlice` so it can be shared"
                    ),
                    param,
                    Some(target),
                )),
                _ => {}
            }
        }
        _ => {}
    }
    check_constness(d, layout, i, k, arg, ty, target, r);
}

/// A ReadOnly binding (`&DeviceSlice`) needs a kernel that cannot write it:
/// a `const T*` parameter, or AMD metadata proving it read-only. Host
/// objects and PTX carry no access, so the signature decides there.
#[allow(clippy::too_many_arguments)] // one call site; each is a distinct input
fn check_constness(
    d: &DispatchExtern,
    layout: &PipelineLayout,
    i: usize,
    k: usize,
    arg: &ArgInfo,
    ty: Option<&CType>,
    target: &TargetId,
    r: &mut DispatchReport,
) {
    if !layout.bindings[i].flags.read_only {
        return;
    }
    if let ArgKind::GlobalBuffer { access: Some(_) } = arg.kind {
        // Proven read-only, or already reported as written.
        return;
    }
    let Some(ty) = ty else { return };
    let Some(pointee) = ty.pointee.filter(|p| !p.is_const) else {
        return;
    };
    let Some(a) = d.arg_for_binding(i) else {
        return;
    };
    let ParamKind::Buffer { elem, .. } = &a.kind else {
        return;
    };
    let const_ty = CType {
        pointee: Some(Pointee {
            is_const: true,
            ..pointee
        }),
        ..*ty
    };
    r.errors.push(d.diagnostic(
        format_args!(
            "binding {i} is ReadOnly (`&DeviceSlice<{elem}>`) but the kernel's {} parameter is `{ty}`, through which it may write: make it `{const_ty}` in the kernel, or declare `{}: &mut DeviceSlice<{elem}>`",
            ordinal(k + 1),
            a.name
        ),
        Some(&a.name),
        Some(target),
    ));
}

/// One value (scalar or struct) against one target's parameter: kind and
/// size. A struct's size is the macro's to assert; a scalar's is known.
fn check_value(
    d: &DispatchExtern,
    k: usize,
    arg: &ArgInfo,
    ty: Option<&CType>,
    target: &TargetId,
    r: &mut DispatchReport,
) {
    let nth = ordinal(k + 1);
    let Some(param) = d.args.get(k) else { return };
    let what = format!("`{}` is passed by value", param.describe());
    match &arg.kind {
        ArgKind::GlobalBuffer { .. } => r.errors.push(d.diagnostic(
            format_args!("{what} but the kernel's {nth} parameter is a pointer (a binding): the kernel takes the declaration's parameters in order; declare a `DeviceSlice` there"),
            Some(&param.name),
            Some(target),
        )),
        ArgKind::Other(kind) => r.errors.push(d.diagnostic(
            format_args!("{what} but the kernel's {nth} parameter is `{kind}`"),
            Some(&param.name),
            Some(target),
        )),
        _ => {
            let s = match &param.kind {
                ParamKind::Scalar { ty } => ty,
                ParamKind::Struct { .. } => {
                    // The wrapper asserts the Rust struct has the size the
                    // signature (host) gives; the target must agree.
                    if let Some(t) = ty.filter(|t| t.size != arg.size) {
                        r.errors.push(d.diagnostic(
                            format_args!(
                                "{what}, a struct of {} bytes in the kernel's signature, but the kernel's {nth} parameter is {} bytes on this target: give the struct fixed-size fields (`int32_t`, `int64_t`, …)",
                                t.size, arg.size
                            ),
                            Some(&param.name),
                            Some(target),
                        ));
                    }
                    return;
                }
                ParamKind::Buffer { .. } => return,
            };
            if arg.size != s.size() {
                r.errors.push(d.diagnostic(
                    signature::size_mismatch(
                        s.name(),
                        s.size(),
                        arg.size,
                        ty.filter(|t| t.size == arg.size),
                    ),
                    Some(&param.name),
                    Some(target),
                ));
            }
        }
    }
}

/// Threads of `dims` from an object (`.reqntid`, `.maxntid`), saturating:
/// an object's values must not overflow either.
fn object_threads(dims: [u32; 3]) -> u64 {
    dims.iter()
        .fold(1u64, |n, &v| n.saturating_mul(u64::from(v)))
}

/// The workgroup size against the platform and the kernel's own limits.
fn check_workgroup_size(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    kernel: &KernelInfo,
    r: &mut DispatchReport,
) {
    let platform = target.platform();
    let [x, y, z] = export.workgroup_size;
    let threads = match crate::syntax::limits::check_workgroup_size(export.workgroup_size) {
        Ok(threads) => threads,
        Err(m) => {
            r.errors
                .push(d.attribute_diagnostic("workgroup_size", m, Some(target)));
            return;
        }
    };
    let threads = u64::from(threads);
    let wg = format!("workgroup_size [{x}, {y}, {z}] ({threads} threads)");
    if platform != Platform::Host && threads > u64::from(MAX_WORKGROUP_THREADS) {
        r.errors.push(d.attribute_diagnostic(
            "workgroup_size",
            format_args!(
                "{wg} exceeds the {MAX_WORKGROUP_THREADS}-thread limit of a {platform} workgroup"
            ),
            Some(target),
        ));
    } else if let Some(max) = kernel.max_flat_workgroup_size {
        if threads > u64::from(max) {
            r.errors.push(d.attribute_diagnostic(
                "workgroup_size",
                format_args!(
                    "{wg} exceeds the kernel's .max_flat_workgroup_size of {max}; lower it or add `__launch_bounds__({threads})` to the kernel"
                ),
                Some(target),
            ));
        }
    }
    if platform == Platform::Nvidia && z > NVIDIA_MAX_BLOCK_Z {
        r.errors.push(d.attribute_diagnostic(
            "workgroup_size",
            format_args!("{wg}: NVIDIA limits the z dimension to {NVIDIA_MAX_BLOCK_Z}"),
            Some(target),
        ));
    }
    if let Some(req) = kernel.reqntid {
        if req != export.workgroup_size && object_threads(req) != threads {
            r.errors.push(d.attribute_diagnostic(
                "workgroup_size",
                format_args!("{wg} differs from the kernel's .reqntid {req:?}"),
                Some(target),
            ));
        }
    }
    if let Some(max) = kernel.maxntid {
        let max_n = object_threads(max);
        if threads > max_n {
            r.errors.push(d.attribute_diagnostic(
                "workgroup_size",
                format_args!("{wg} exceeds the kernel's .maxntid {max:?} ({max_n} threads)"),
                Some(target),
            ));
        }
    }
}

/// A declared subgroup size against what the target runs: AMD's
/// `.wavefront_size`, NVIDIA's 32-lane warps, the host object's warp size
/// (`__iree_host_warp_size`: 32, or 64 for a file with a `subgroup_size =
/// 64` declaration).
fn check_subgroup_size(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    kernel: &KernelInfo,
    r: &mut DispatchReport,
) {
    let Some(sg) = export.subgroup_size else {
        return;
    };
    let platform = target.platform();
    let actual = match platform {
        Platform::Amd => kernel
            .wavefront_size
            .or_else(|| target.amd_chip().map(|c| c.wavefront_size)),
        Platform::Nvidia => Some(32),
        Platform::Host => kernel.wavefront_size.or(Some(HOST_WARP_SIZE)),
    };
    let Some(actual) = actual else { return };
    if actual == sg {
        return;
    }
    let message = match platform {
        Platform::Amd => format!("subgroup_size = {sg} but the kernel runs with a wavefront size of {actual} (.wavefront_size; compile with -mwavefrontsize64 or -mno-wavefrontsize64 to change it)"),
        Platform::Nvidia => format!("subgroup_size = {sg} but the kernel runs with a warp size of {actual}"),
        Platform::Host => format!("subgroup_size = {sg} cannot be honoured: the host object of this file runs warps of {actual} lanes (the host runs warps of {HOST_WARP_SIZE} lanes, or {HOST_WIDE_WARP_SIZE} for a file whose host declarations say `subgroup_size = {HOST_WIDE_WARP_SIZE}`); leave `host` out of the targets for this kernel, or declare the size the kernel is written for"),
    };
    r.errors
        .push(d.attribute_diagnostic("subgroup_size", message, Some(target)));
}

/// Static shared memory plus `workgroup_local_memory` against the target.
/// On the host static `__shared__` variables are thread-locals of their
/// own, outside the `HOST_SHARED_BYTES` that dynamic shared memory
/// (`extern __shared__`, `HIP_DYNAMIC_SHARED`) has, so only the constant
/// counts there. (A `workgroup_local_memory` closure's bytes are 0 here:
/// the launch checks them.)
fn check_shared_memory(
    d: &DispatchExtern,
    export: &Export,
    target: &TargetId,
    kernel: &KernelInfo,
    r: &mut DispatchReport,
) {
    let limit = match target.platform() {
        Platform::Amd => target.amd_chip().map(|c| c.lds_bytes),
        Platform::Nvidia => Some(NVIDIA_SHARED_BYTES),
        Platform::Host => Some(HOST_SHARED_BYTES),
    };
    if let Some(limit) = limit {
        let fixed = match target.platform() {
            Platform::Host => 0,
            _ => kernel.group_segment_fixed_size.unwrap_or(0),
        };
        let total = u64::from(fixed) + u64::from(export.workgroup_local_memory);
        if total > u64::from(limit) {
            r.errors.push(d.attribute_diagnostic(
                "workgroup_local_memory",
                format_args!(
                    "shared memory {total} bytes ({fixed} static in the kernel + {} workgroup_local_memory) exceeds {limit} bytes available to a workgroup on {target}",
                    export.workgroup_local_memory
                ),
                Some(target),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::tests::{dispatches, SAMPLE};
    use crate::outline::outline;
    use crate::signature::TypeClass;
    use runtime_hip::target::Format;

    fn ptr(access: Option<Access>) -> ArgInfo {
        ArgInfo {
            size: 8,
            offset: None,
            kind: ArgKind::GlobalBuffer { access },
        }
    }

    fn val(size: u32) -> ArgInfo {
        ArgInfo {
            size,
            offset: None,
            kind: ArgKind::ByValue,
        }
    }

    /// The sample's kernels as an AMD code object would describe them.
    fn sample_object() -> ObjectInfo {
        ObjectInfo {
            format: Format::Hsaco,
            target: Some("gfx1100".parse().unwrap()),
            ptx_version: None,
            unexported: vec![],
            kernels: vec![
                KernelInfo {
                    name: "simple_mul".into(),
                    args: vec![
                        ptr(Some(Access::ReadOnly)),
                        ptr(Some(Access::ReadOnly)),
                        ptr(Some(Access::WriteOnly)),
                        val(4),
                    ],
                    max_flat_workgroup_size: Some(1024),
                    wavefront_size: Some(32),
                    group_segment_fixed_size: Some(0),
                    ..Default::default()
                },
                KernelInfo {
                    name: "simple_mul_inplace".into(),
                    args: vec![
                        ptr(Some(Access::ReadOnly)),
                        ptr(Some(Access::ReadWrite)),
                        val(4),
                    ],
                    max_flat_workgroup_size: Some(1024),
                    wavefront_size: Some(32),
                    ..Default::default()
                },
            ],
        }
    }

    fn run(src: &str, objects: Vec<(TargetId, ObjectInfo)>) -> Report {
        run_signed(src, objects, sample_signature())
    }

    fn run_signed(src: &str, objects: Vec<(TargetId, ObjectInfo)>, sig: Signature) -> Report {
        let d = dispatches("src/main.rs", src);
        let o = outline("t", &d).unwrap();
        verify(&o, &d, &[objects], &[sig])
    }

    fn c_val(class: TypeClass, size: u32) -> CType {
        CType {
            class,
            size,
            align: size,
            pointee: None,
        }
    }

    /// The signatures of the sample's kernels, as the host header records
    /// `(const float*, const float*, float*, int)` and
    /// `(const float*, float*, int)`.
    fn sample_signature_with(mul: Vec<CType>) -> Signature {
        let f = |c| CType::pointer_to(TypeClass::Float, 4, c);
        let int = c_val(TypeClass::Signed, 4);
        let kernel = |name: &str, signature| KernelInfo {
            name: name.into(),
            signature: Some(signature),
            ..Default::default()
        };
        Signature::Object(ObjectInfo {
            format: Format::Host,
            target: Some(TargetId::Host),
            ptx_version: None,
            unexported: vec![],
            kernels: vec![
                kernel("simple_mul", mul),
                kernel("simple_mul_inplace", vec![f(true), f(false), int]),
            ],
        })
    }

    fn sample_signature() -> Signature {
        let f = |c| CType::pointer_to(TypeClass::Float, 4, c);
        sample_signature_with(vec![
            f(true),
            f(true),
            f(false),
            c_val(TypeClass::Signed, 4),
        ])
    }

    fn gfx1100() -> TargetId {
        "gfx1100".parse().unwrap()
    }

    fn one_error(report: &Report) -> &Diagnostic {
        let errors: Vec<_> = report.errors().collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        errors[0]
    }

    #[test]
    fn the_sample_verifies() {
        let r = run(SAMPLE, vec![(gfx1100(), sample_object())]);
        assert!(r.is_ok(), "{r:#?}");
        assert_eq!(r.warnings().count(), 0);
        assert_eq!(r.dispatches[0].targets, vec!["gfx1100"]);
    }

    #[test]
    fn missing_export_lists_kernels_and_nearest() {
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1])]
fn simple_mull(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);
"#;
        let r = run(src, vec![(gfx1100(), sample_object())]);
        let e = one_error(&r);
        assert!(
            e.to_string()
                .starts_with("src/main.rs:3:4: `simple_mull` for gfx1100:"),
            "{}",
            e.to_string()
        );
        assert!(
            e.to_string()
                .contains("it exports: simple_mul, simple_mul_inplace; did you mean `simple_mul`?"),
            "{}",
            e.to_string()
        );
        assert_eq!(e.target.as_deref(), Some("gfx1100"));
        assert!(r.dispatches[0].targets.is_empty());
    }

    #[test]
    fn mangled_kernel_is_named() {
        let mut obj = sample_object();
        obj.kernels.remove(0);
        obj.unexported.push("_Z10simple_mulPKfS0_Pfi".into());
        let r = run(SAMPLE, vec![(TargetId::Host, obj)]);
        let e = one_error(&r);
        assert!(
            e.to_string()
                .contains("`simple_mul(float const*, float const*, float*, int)`")
                && e.to_string().contains("IREE_HOST_EXPORT_AS"),
            "{}",
            e.to_string()
        );
    }

    #[test]
    fn parameter_count_mismatch() {
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1])]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>);
"#;
        let e = one_error(&run(src, vec![(gfx1100(), sample_object())])).clone();
        assert!(
            e.to_string().contains("passes 3 parameter(s)") && e.to_string().contains("takes 4"),
            "{}",
            e.to_string()
        );
        assert!(e.to_string().starts_with("src/main.rs:3:4:"));
    }

    #[test]
    fn parameter_size_mismatch_names_the_parameter() {
        let mut obj = sample_object();
        obj.kernels[0].args[3] = val(8);
        let e = one_error(&run(SAMPLE, vec![(gfx1100(), obj)])).clone();
        assert_eq!(e.param.as_deref(), Some("dim"));
        assert!(
            e.to_string().contains("parameter `dim`")
                && e.to_string().contains("`i32` is 4 byte(s)")
                && e.to_string().contains("8 byte(s)")
                && !e.to_string().contains("split"),
            "{}",
            e.to_string()
        );
        assert!(
            e.to_string().starts_with("src/main.rs:10:8:"),
            "{}",
            e.to_string()
        );

        let mut obj = sample_object();
        obj.kernels[0].args[1] = val(4);
        let e = one_error(&run(SAMPLE, vec![(gfx1100(), obj)])).clone();
        assert_eq!(e.param.as_deref(), Some("rhs"));
        assert!(e.to_string().contains("by-value"), "{}", e.to_string());
    }

    #[test]
    fn parameters_are_checked_in_declaration_order() {
        // The kernel is `(const float*, const float*, float*, int)`; this
        // declaration puts the scalar first.
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1])]
fn simple_mul(n: i32, a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>);
"#;
        let r = run(src, vec![(gfx1100(), sample_object())]);
        let msgs: Vec<String> = r.errors().map(|e| e.to_string()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("parameter `n`")
                && m.contains("the kernel's 1st parameter is a pointer")
                && m.contains("in order")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("parameter `c`")
                && m.contains("4th parameter")
                && m.contains("by-value")),
            "{msgs:#?}"
        );
        assert!(msgs.iter().all(|m| !m.contains("split")), "{msgs:#?}");
        assert!(r.dispatches[0].targets.is_empty());
    }

    #[test]
    fn read_only_binding_written_is_an_error_and_unused_mut_a_warning() {
        let mut obj = sample_object();
        obj.kernels[0].args[1] = ptr(Some(Access::ReadWrite));
        obj.kernels[1].args[1] = ptr(Some(Access::ReadOnly));
        let r = run(SAMPLE, vec![(gfx1100(), obj)]);
        let e = one_error(&r);
        assert_eq!(e.param.as_deref(), Some("rhs"));
        assert!(
            e.to_string().contains("ReadOnly")
                && e.to_string().contains("read_write")
                && e.to_string().contains("src/main.rs:10:8"),
            "{}",
            e.to_string()
        );
        let w: Vec<_> = r.warnings().collect();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].to_string().starts_with(
                "src/main.rs:18:8: `simple_mul_inplace` for gfx1100, parameter `rhs`:"
            ),
            "{}",
            w[0].to_string()
        );
        assert!(w[0].to_string().contains("only reads"));
    }

    #[test]
    fn workgroup_size_limits() {
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [256, 1, 1])]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);
"#;
        let mut obj = sample_object();
        obj.kernels[0].max_flat_workgroup_size = Some(128);
        let e = one_error(&run(src, vec![(gfx1100(), obj)])).clone();
        assert!(
            e.to_string().contains(".max_flat_workgroup_size of 128")
                && e.to_string().contains("src/main.rs:3:4"),
            "{}",
            e.to_string()
        );

        let src = src.replace("[256, 1, 1]", "[64, 1, 128]");
        let ptx = ObjectInfo {
            format: Format::Ptx,
            target: Some("sm_80".parse().unwrap()),
            ptx_version: Some("7.8".into()),
            unexported: vec![],
            kernels: vec![KernelInfo {
                name: "simple_mul".into(),
                args: vec![
                    ArgInfo {
                        size: 8,
                        offset: None,
                        kind: ArgKind::Unknown,
                    },
                    ArgInfo {
                        size: 8,
                        offset: None,
                        kind: ArgKind::Unknown,
                    },
                    ArgInfo {
                        size: 8,
                        offset: None,
                        kind: ArgKind::Unknown,
                    },
                    ArgInfo {
                        size: 4,
                        offset: None,
                        kind: ArgKind::Unknown,
                    },
                ],
                maxntid: Some([128, 1, 1]),
                ..Default::default()
            }],
        };
        let r = run(&src, vec![("sm_80".parse().unwrap(), ptx.clone())]);
        let msgs: Vec<_> = r.errors().map(|e| e.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("1024-thread limit of a nvidia")),
            "{msgs:#?}"
        );
        assert!(msgs.iter().any(|m| m.contains("z dimension")), "{msgs:#?}");
        assert!(msgs.iter().any(|m| m.contains(".maxntid")), "{msgs:#?}");

        let mut req = ptx;
        req.kernels[0].maxntid = None;
        req.kernels[0].reqntid = Some([32, 1, 1]);
        let r = run(
            &src.replace("[64, 1, 128]", "[64, 1, 1]"),
            vec![("sm_80".parse().unwrap(), req)],
        );
        assert!(one_error(&r).to_string().contains(".reqntid [32, 1, 1]"));
    }

    #[test]
    fn subgroup_size_and_shared_memory() {
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1], subgroup_size = 64, workgroup_local_memory = 60000)]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);
"#;
        let mut obj = sample_object();
        obj.kernels[0].group_segment_fixed_size = Some(8192);
        let r = run(src, vec![(gfx1100(), obj)]);
        let msgs: Vec<_> = r.errors().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:#?}");
        assert!(
            msgs[0].contains("subgroup_size = 64") && msgs[0].contains("wavefront size of 32"),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].contains("68192 bytes") && msgs[1].contains("65536"),
            "{msgs:#?}"
        );
        assert!(msgs
            .iter()
            .all(|m| m.starts_with("src/main.rs:3:4: `simple_mul` for gfx1100:")));
    }

    #[test]
    fn iree_driver_limits() {
        let params: Vec<String> = (0..17)
            .map(|i| format!("b{i}: &DeviceSlice<f32>"))
            .collect();
        let src = format!(
            "#[extern_dispatch(source = \"k.cu\", workgroup_size = [1, 1, 1])]\nfn many({});",
            params.join(", ")
        );
        let e = crate::syntax::parse_file(std::path::Path::new("src/main.rs"), &src).unwrap_err();
        assert!(
            e.to_string()
                .contains("17 buffer parameters exceed IREE's HIP limit of 16"),
            "{e}"
        );
        // Hand-built IR (no syntax check) is caught by verify.
        let mut d = dispatches(
            "src/main.rs",
            &src.replace("b16: &DeviceSlice<f32>", "n: i32"),
        );
        let extra = d[0].layout.bindings[0];
        d[0].layout.bindings.push(extra);
        let o = outline("t", &d).unwrap();
        let r = verify(&o, &d, &[vec![]], &[]);
        assert!(one_error(&r)
            .to_string()
            .contains("17 buffer parameters exceed IREE's HIP limit of 16"));
    }

    fn host_object() -> ObjectInfo {
        let mut obj = sample_object();
        obj.format = Format::Host;
        obj.target = Some(TargetId::Host);
        for k in &mut obj.kernels {
            k.max_flat_workgroup_size = None;
            k.wavefront_size = None;
            for a in &mut k.args {
                a.kind = ArgKind::Unknown;
            }
        }
        obj
    }

    #[test]
    fn host_honours_its_warp_size_and_refuses_others() {
        let src = |sg: u32| {
            format!(
                r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1], subgroup_size = {sg})]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);
"#
            )
        };
        // An object that records no warp size runs the default 32 lanes.
        let r = run(&src(HOST_WARP_SIZE), vec![(TargetId::Host, host_object())]);
        assert!(r.is_ok(), "{r:#?}");
        for sg in [1, 16, HOST_WIDE_WARP_SIZE] {
            let r = run(&src(sg), vec![(TargetId::Host, host_object())]);
            let e = one_error(&r);
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("subgroup_size = {sg} cannot be honoured"))
                    && msg.contains("runs warps of 32 lanes"),
                "{msg}"
            );
            assert_eq!(e.target.as_deref(), Some("host"));
            assert_eq!(
                e.attribute.as_deref(),
                Some("subgroup_size"),
                "the macro points at it"
            );
        }
        // A wave64 host object (compiled with -DIREE_HOST_WARP_SIZE=64) honours 64.
        let mut wide = host_object();
        for k in &mut wide.kernels {
            k.wavefront_size = Some(HOST_WIDE_WARP_SIZE);
        }
        let r = run(&src(HOST_WIDE_WARP_SIZE), vec![(TargetId::Host, wide)]);
        assert!(r.is_ok(), "{r:#?}");
    }

    #[test]
    fn huge_workgroup_sizes_are_errors_not_panics() {
        // Hand-built IR skips the syntax check, which refuses this at the
        // attribute; verify must still not overflow.
        let mut d = dispatches("src/main.rs", SAMPLE);
        d[0].workgroup_size = [u32::MAX; 3];
        let o = outline("t", &d).unwrap();
        let mut obj = sample_object();
        obj.kernels[0].reqntid = Some([u32::MAX; 3]);
        obj.kernels[0].maxntid = Some([u32::MAX; 3]);
        for target in [gfx1100(), TargetId::Host] {
            let r = verify(
                &o,
                &d,
                &[vec![(target, obj.clone())]],
                &[sample_signature()],
            );
            let msgs: Vec<_> = r.errors().map(|e| e.to_string()).collect();
            assert!(
                msgs.iter()
                    .any(|m| m.contains("more threads than fit in a u32")),
                "{msgs:#?}"
            );
        }
    }

    fn ptx_object() -> ObjectInfo {
        let mut obj = host_object();
        obj.format = Format::Ptx;
        obj.target = Some("sm_80".parse().unwrap());
        obj
    }

    #[test]
    fn element_types_are_checked_against_the_signature() {
        // A `float*` kernel declared with bytes: 4x past the end otherwise.
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1])]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<u8>, n: i32);
"#;
        let r = run(src, vec![(gfx1100(), sample_object())]);
        let e = one_error(&r);
        assert_eq!(e.param.as_deref(), Some("c"));
        assert_eq!(e.target, None, "once, for every target");
        assert!(
            e.to_string().contains("binding 2 holds `u8`")
                && e.to_string().contains("`float`")
                && e.to_string().contains("DeviceSlice<f32>")
                && e.to_string().contains("`float*`"),
            "{}",
            e.to_string()
        );
        assert!(r.dispatches[0].targets.is_empty());
        // Scalars too.
        let src = r#"
#[extern_dispatch(source = "kernels/kernels.cu", workgroup_size = [64, 1, 1])]
fn simple_mul(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: u32);
"#;
        let r = run(src, vec![(gfx1100(), sample_object())]);
        let e = one_error(&r);
        assert_eq!(e.param.as_deref(), Some("n"));
        assert!(
            e.to_string().contains("declare it `i32`"),
            "{}",
            e.to_string()
        );
    }

    #[test]
    fn read_only_needs_const_on_targets_without_access_metadata() {
        let f = |c| CType::pointer_to(TypeClass::Float, 4, c);
        let int = c_val(TypeClass::Signed, 4);
        // `rhs` is `float*` in the kernel.
        let sig = || sample_signature_with(vec![f(true), f(false), f(false), int]);
        for obj in [host_object(), ptx_object()] {
            let target = obj.target.clone().unwrap();
            let r = run_signed(SAMPLE, vec![(target.clone(), obj)], sig());
            let e = one_error(&r);
            assert_eq!(e.param.as_deref(), Some("rhs"));
            assert_eq!(e.target.as_deref(), Some(target.to_string().as_str()));
            assert!(
                e.to_string().contains("`float*`")
                    && e.to_string()
                        .contains("make it `const float*` in the kernel")
                    && e.to_string().contains("`rhs: &mut DeviceSlice<f32>`"),
                "{}",
                e.to_string()
            );
        }
        // AMD metadata proving the binding read-only is enough there.
        let r = run_signed(SAMPLE, vec![(gfx1100(), sample_object())], sig());
        assert!(r.is_ok(), "{r:#?}");
        let mut unproven = sample_object();
        unproven.kernels[0].args[1] = ptr(None);
        let r = run_signed(SAMPLE, vec![(gfx1100(), unproven)], sig());
        assert_eq!(one_error(&r).param.as_deref(), Some("rhs"));
    }

    #[test]
    fn a_missing_signature_is_an_error() {
        let r = run_signed(
            SAMPLE,
            vec![(gfx1100(), sample_object())],
            Signature::Missing("no host entry".into()),
        );
        let errors: Vec<_> = r.errors().collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].to_string().contains("cannot be checked")
                && errors[0].to_string().contains("no host entry")
        );
        assert!(r.dispatches[0].targets.is_empty());
        // Nothing built, nothing checked (DOCS_RS).
        let r = run_signed(SAMPLE, vec![], Signature::Missing("none".into()));
        assert!(r.is_ok());
    }
}
