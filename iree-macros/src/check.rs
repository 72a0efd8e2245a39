//! The declaration against what the build saw and verified.
//!
//! The build script parsed the same declaration (with the same
//! `iree_syntax`), compiled its kernel for every target and verified
//! each variant; the manifest records the outcome. Here the macro refuses to
//! generate a launch unless the declaration it is expanding is the one the
//! build verified, and turns the build's findings into diagnostics at the
//! parameter they concern.

use iree_abi::manifest::{DeclarationEntry, Diagnostic, ParamKind};
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
    // build verified (`iree_syntax` owns this comparison).
    if let Some(e) = decl.diff_entry(entry) {
        return Err(e.to_syn());
    }

    // What verification found, once per finding rather than once per target.
    let mut errors = merge_targets(entry, &entry.errors)
        .into_iter()
        .map(|(d, message)| syn::Error::new(span_of(decl, d), message));
    if let Some(mut first) = errors.next() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    Ok(merge_targets(entry, &entry.warnings)
        .into_iter()
        .map(|(d, message)| Warning {
            span: span_of(decl, d),
            message,
        })
        .collect())
}

/// Diagnostics that differ only in their target become one, naming every
/// target (`… for gfx90a, gfx1100, sm_80 …`): a kernel written wrongly is
/// usually wrong on every target, and six copies of one error help nobody.
fn merge_targets<'d>(
    entry: &DeclarationEntry,
    diagnostics: &'d [Diagnostic],
) -> Vec<(&'d Diagnostic, String)> {
    /// The first diagnostic, its text around the cut-out target, the targets.
    type Group<'a> = (&'a Diagnostic, Option<(String, String)>, Vec<&'a str>);
    let mut groups: Vec<Group<'d>> = Vec::new();
    for d in diagnostics {
        let text = message(entry, d);
        let split = d.target.as_deref().and_then(|t| {
            let needle = format!(" for {t}");
            text.find(&needle).map(|at| {
                (
                    text[..at].to_string(),
                    text[at + needle.len()..].to_string(),
                )
            })
        });
        match (&split, d.target.as_deref()) {
            (Some(key), Some(t)) => {
                let same = groups
                    .iter_mut()
                    .find(|(g, k, _)| g.param == d.param && k.as_ref() == Some(key));
                match same {
                    Some((_, _, targets)) => targets.push(t),
                    None => groups.push((d, split, vec![t])),
                }
            }
            _ => groups.push((d, None, Vec::new())),
        }
    }
    groups
        .into_iter()
        .map(|(d, split, targets)| match split {
            Some((before, after)) => (d, format!("{before} for {}{after}", targets.join(", "))),
            None => (d, message(entry, d).to_string()),
        })
        .collect()
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
/// The parameter or attribute value a diagnostic names, else the fn name.
fn span_of(decl: &Declaration, d: &Diagnostic) -> Span {
    let attribute = match d.attribute.as_deref() {
        Some("workgroup_size") => Some(decl.workgroup_size.span),
        Some("subgroup_size") => decl.subgroup_size.as_ref().map(|s| s.span),
        Some("workgroup_local_memory") => decl.workgroup_local_memory.as_ref().map(|s| s.span),
        _ => None,
    };
    d.param
        .as_deref()
        .and_then(|name| decl.params.iter().find(|p| p.ident == name))
        .map(|p| p.ident.span())
        .or(attribute)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_target_copies_merge() {
        let entry = DeclarationEntry {
            file: "src/lib.rs".into(),
            line: 9,
            fn_name: "k".into(),
            export: "k".into(),
            executable: 0,
            executable_name: "k".into(),
            ordinal: 0,
            params: vec![],
            layout: Default::default(),
            workgroup_size: [1, 1, 1],
            targets: vec![],
            host: None,
            errors: vec![],
            warnings: vec![],
            bundle_path: Default::default(),
            kernel_params: Vec::new(),
        };
        let d = |t: &str, p: &str, what: &str| Diagnostic {
            message: format!("src/lib.rs:9:4: `k` for {t}, parameter `{p}`: {what}"),
            param: Some(p.into()),
            target: Some(t.into()),
            attribute: None,
        };
        let ds = vec![
            d("gfx1100", "x", "writes it"),
            d("sm_80", "x", "writes it"),
            d("sm_80", "y", "writes it"),
            d("host", "x", "something else"),
        ];
        let merged: Vec<String> = merge_targets(&entry, &ds)
            .into_iter()
            .map(|(_, m)| m)
            .collect();
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
