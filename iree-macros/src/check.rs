//! The declaration against what the build saw and verified.
//!
//! The build script parsed the same declaration (with the same
//! `iree_syntax`), lowered it to the declaration model, compiled its kernel
//! for every target and verified each variant; the manifest records the
//! outcome. Here the macro lowers the declaration it is expanding the same
//! way, refuses to generate a launch unless that model is the one the build
//! verified ([`iree_syntax::model::compare`]), and turns the build's
//! structured findings into diagnostics at the parameter or attribute they
//! concern.

use iree_abi::manifest::{DeclarationEntry, Diagnostic};
use iree_syntax::model::{self, Mismatch};
use iree_syntax::Declaration;
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
    // build verified: one lowering, one comparison (both in `iree_syntax`).
    let lowered = model::lower(decl, &entry.file);
    if let Some((what, message)) = model::compare(&lowered, entry) {
        return Err(syn::Error::new(mismatch_span(decl, &what), message));
    }

    // What verification found, once per finding rather than once per target.
    let mut errors = merge_targets(&entry.errors)
        .into_iter()
        .map(|(d, message)| syn::Error::new(span_of(decl, d), message));
    if let Some(mut first) = errors.next() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    Ok(merge_targets(&entry.warnings)
        .into_iter()
        .map(|(d, message)| Warning {
            span: span_of(decl, d),
            message,
        })
        .collect())
}

/// Where a [`Mismatch`] points: the tokens that differ.
fn mismatch_span(decl: &Declaration, what: &Mismatch) -> Span {
    let ident = decl.ident.span();
    match what {
        Mismatch::FnName | Mismatch::ExtraParam => ident,
        Mismatch::Export => decl.export.as_ref().map_or(ident, |l| l.span()),
        Mismatch::Param { index } | Mismatch::MissingParam { index } => {
            decl.params.get(*index).map_or(ident, |p| p.span)
        }
        Mismatch::Layout => decl.layout_lit.as_ref().map_or(ident, |l| l.span()),
        Mismatch::WorkgroupSize => decl.workgroup_size.span,
    }
}

/// Diagnostics that differ only in their target become one, naming every
/// target (`… for gfx90a, gfx1100, sm_80 …`): a kernel written wrongly is
/// usually wrong on every target, and six copies of one error help nobody.
/// The text is rendered without the location (the compiler shows where it
/// is, in a form that does not depend on where the build ran).
fn merge_targets(diagnostics: &[Diagnostic]) -> Vec<(&Diagnostic, String)> {
    let mut groups: Vec<(&Diagnostic, Vec<&str>)> = Vec::new();
    for d in diagnostics {
        let same = |g: &Diagnostic| {
            g.target.is_some()
                && (
                    &g.message,
                    &g.fn_name,
                    &g.param,
                    &g.param_index,
                    &g.attribute,
                ) == (
                    &d.message,
                    &d.fn_name,
                    &d.param,
                    &d.param_index,
                    &d.attribute,
                )
        };
        match (
            d.target.as_deref(),
            groups.iter_mut().find(|(g, _)| same(g)),
        ) {
            (Some(t), Some((_, targets))) => targets.push(t),
            (t, _) => groups.push((d, t.into_iter().collect())),
        }
    }
    groups
        .into_iter()
        .map(|(d, targets)| (d, d.headline(&targets)))
        .collect()
}

/// The parameter or attribute value a diagnostic names, else the fn name.
fn span_of(decl: &Declaration, d: &Diagnostic) -> Span {
    let attribute = match d.attribute.as_deref() {
        Some("workgroup_size") => Some(decl.workgroup_size.span),
        Some("subgroup_size") => decl.subgroup_size.as_ref().map(|s| s.span),
        Some("workgroup_local_memory") => decl.workgroup_local_memory.as_ref().map(|m| m.span()),
        _ => None,
    };
    let by_index = d
        .param_index
        .and_then(|i| decl.params.get(i as usize))
        .filter(|p| d.param.as_deref().is_none_or(|name| p.ident == name));
    let by_name = || {
        let name = d.param.as_deref()?;
        decl.params.iter().find(|p| p.ident == name)
    };
    by_index
        .or_else(by_name)
        .map(|p| p.ident.span())
        .or(attribute)
        .unwrap_or_else(|| decl.ident.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use iree_abi::manifest::Location;

    #[test]
    fn per_target_copies_merge() {
        let d = |t: &str, p: &str, what: &str| Diagnostic {
            message: what.into(),
            location: Some(Location {
                file: "src/lib.rs".into(),
                line: 9,
                column: 4,
            }),
            fn_name: Some("k".into()),
            target: Some(t.into()),
            param: Some(p.into()),
            param_index: None,
            attribute: None,
        };
        let ds = vec![
            d("gfx1100", "x", "writes it"),
            d("sm_80", "x", "writes it"),
            d("sm_80", "y", "writes it"),
            d("host", "x", "something else"),
        ];
        let merged: Vec<String> = merge_targets(&ds).into_iter().map(|(_, m)| m).collect();
        assert_eq!(
            merged,
            vec![
                "`k` for gfx1100, sm_80, parameter `x`: writes it",
                "`k` for sm_80, parameter `y`: writes it",
                "`k` for host, parameter `x`: something else",
            ]
        );
    }
}
