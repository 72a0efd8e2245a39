//! The declaration against what the build saw and verified.
//!
//! The build script parsed the same declaration (with the same
//! `iree_build::syntax`), compiled its kernel for every target and verified
//! each variant; the manifest records the outcome. Here the macro refuses to
//! generate a launch unless the declaration it is expanding is the one the
//! build verified, and turns the build's findings into diagnostics at the
//! parameter they concern.

use iree_build::manifest::{DeclarationEntry, Diagnostic, ParamKind};
use iree_build::syntax::Declaration;
use proc_macro2::Span;

/// A warning to emit at `span`.
pub(crate) struct Warning {
    /// Where it points.
    pub span: Span,
    /// The full text.
    pub message: String,
}

/// Checks `decl` against `entry`. `Err` holds every error (combined);
/// `Ok` the warnings to emit.
pub(crate) fn check(decl: &Declaration, entry: &DeclarationEntry) -> syn::Result<Vec<Warning>> {
    // The signature, export, layout and workgroup size must be those the
    // build verified (`iree_build::syntax` owns this comparison).
    if let Some(e) = decl.diff_entry(entry) {
        return Err(e.to_syn());
    }

    // What verification found.
    let mut errors = entry
        .errors
        .iter()
        .map(|d| syn::Error::new(span_of(decl, d), message(entry, d)));
    if let Some(mut first) = errors.next() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    Ok(entry
        .warnings
        .iter()
        .map(|d| Warning {
            span: span_of(decl, d),
            message: message(entry, d).to_string(),
        })
        .collect())
}

/// The diagnostic's text without the `file:line:column: ` the build puts in
/// front of it (the compiler shows that location already, and in a form that
/// does not depend on where the build ran).
fn message<'d>(entry: &DeclarationEntry, d: &'d Diagnostic) -> &'d str {
    let prefix = format!("{}:{}:", entry.file, entry.line);
    d.message
        .strip_prefix(&prefix)
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&d.message)
}

/// The parameter a diagnostic names, else the fn name.
fn span_of(decl: &Declaration, d: &Diagnostic) -> Span {
    d.param
        .as_deref()
        .and_then(|name| decl.params.iter().find(|p| p.ident == name))
        .map(|p| p.ident.span())
        .unwrap_or_else(|| decl.ident.span())
}

/// A parameter kind the way a signature spells it.
pub(crate) fn spell_kind(kind: &ParamKind) -> String {
    match kind {
        ParamKind::Buffer {
            elem,
            mutable: false,
        } => format!("&DeviceSlice<{elem}>"),
        ParamKind::Buffer {
            elem,
            mutable: true,
        } => format!("&mut DeviceSlice<{elem}>"),
        ParamKind::Scalar { ty } => ty.clone(),
    }
}
