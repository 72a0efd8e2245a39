//! NVIDIA PTX text: `.version`, `.target` and each `.entry` with its
//! parameter list and launch-bound directives (PTX ISA, "Kernel and Function
//! Directives" and "Parameter State Space").

use super::{ArgInfo, ArgKind, InspectError, KernelInfo, ObjectInfo};
use crate::target::{Format, TargetId};

const WHAT: &str = "PTX";

/// A PTX token: a word (directive, identifier, number) or one punctuation char.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(char),
}

/// Splits PTX into tokens, dropping comments and string literals' contents.
fn tokenize(text: &str) -> Result<Vec<Tok<'_>>, InspectError> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if text[i..].starts_with("/*") {
            let end = text[i + 2..]
                .find("*/")
                .ok_or_else(|| InspectError::malformed(WHAT, "unterminated /* comment"))?;
            i += 2 + end + 2;
        } else if c == b'"' {
            let end = text[i + 1..]
                .find('"')
                .ok_or_else(|| InspectError::malformed(WHAT, "unterminated string"))?;
            toks.push(Tok::Word("\"\""));
            i += 1 + end + 1;
        } else if c.is_ascii_alphanumeric() || b"._$%".contains(&c) {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || b"._$%".contains(&bytes[i]))
            {
                i += 1;
            }
            toks.push(Tok::Word(&text[start..i]));
        } else {
            // Any other char (multi-byte UTF-8 included) is one punctuation token.
            let ch = text[i..].chars().next().unwrap_or(' ');
            toks.push(Tok::Punct(ch));
            i += ch.len_utf8();
        }
    }
    Ok(toks)
}

pub(super) fn inspect(bytes: &[u8]) -> Result<ObjectInfo, InspectError> {
    if bytes.starts_with(b"\x7fELF") {
        return Err(InspectError::WrongFormat {
            expected: Format::Ptx,
            found: super::elf::machine(bytes)
                .map_or_else(|| "a truncated ELF file".into(), super::elf::machine_name),
        });
    }
    if super::offload_bundle::is_bundle(bytes) {
        return Err(InspectError::WrongFormat {
            expected: Format::Ptx,
            found: "a clang offload bundle (unbundle it first)".into(),
        });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| InspectError::malformed(WHAT, format!("not UTF-8 text: {e}")))?;
    let toks = tokenize(text)?;
    let word = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => Some(*w),
        _ => None,
    };

    let mut version = None;
    let mut target = None;
    let mut kernels = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Word(".version") if version.is_none() => {
                let v = word(i + 1)
                    .filter(|v| {
                        v.split('.')
                            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    })
                    .ok_or_else(|| InspectError::malformed(WHAT, "`.version` without a number"))?;
                version = Some(v.to_string());
                i += 2;
            }
            Tok::Word(".target") if target.is_none() => {
                let t = word(i + 1)
                    .ok_or_else(|| InspectError::malformed(WHAT, "`.target` without a name"))?;
                target = Some(parse_sm(t)?);
                i += 2;
            }
            Tok::Word(".entry") => {
                let is_decl = i > 0 && toks[i - 1] == Tok::Word(".extern");
                let (kernel, next) = parse_entry(&toks, i + 1)?;
                if !is_decl {
                    kernels.push(kernel);
                }
                i = next;
            }
            Tok::Punct('{') => i = skip_block(&toks, i)?,
            _ => i += 1,
        }
    }
    let (Some(version), Some(target)) = (version, target) else {
        return Err(InspectError::malformed(
            WHAT,
            "no `.version` and `.target` directives: not PTX",
        ));
    };
    Ok(ObjectInfo {
        format: Format::Ptx,
        target: Some(target),
        ptx_version: Some(version),
        kernels,
        unexported: Vec::new(),
    })
}

/// `sm_90`, `sm_90a` → `sm_90`.
fn parse_sm(t: &str) -> Result<TargetId, InspectError> {
    let num = t
        .strip_prefix("sm_")
        .map(|n| n.trim_end_matches(|c: char| c.is_ascii_alphabetic()))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| {
            InspectError::malformed(WHAT, format!("`.target {t}` is not an sm_* target"))
        })?;
    Ok(TargetId::Nvidia { sm: num })
}

/// Skips a `{ ... }` block starting at `i`, returning the index after it.
fn skip_block(toks: &[Tok<'_>], mut i: usize) -> Result<usize, InspectError> {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(InspectError::malformed(WHAT, "unbalanced `{`"))
}

/// Parses `name ( params ) directives` from `i` up to (not past) `{` or `;`.
fn parse_entry(toks: &[Tok<'_>], mut i: usize) -> Result<(KernelInfo, usize), InspectError> {
    let Some(Tok::Word(name)) = toks.get(i) else {
        return Err(InspectError::malformed(WHAT, "`.entry` without a name"));
    };
    let mut kernel = KernelInfo {
        name: name.to_string(),
        ..KernelInfo::default()
    };
    i += 1;
    let mut offset = 0u32;
    if toks.get(i) == Some(&Tok::Punct('(')) {
        i += 1;
        loop {
            match toks.get(i) {
                Some(Tok::Punct(')')) => {
                    i += 1;
                    break;
                }
                Some(Tok::Punct(',')) => i += 1,
                Some(Tok::Word(".param")) => {
                    let (size, align, next) = parse_param(toks, i + 1, name)?;
                    offset = offset.checked_next_multiple_of(align).ok_or_else(|| {
                        InspectError::malformed(WHAT, "parameter block too large")
                    })?;
                    kernel.args.push(ArgInfo {
                        size,
                        offset: Some(offset),
                        kind: ArgKind::Unknown,
                    });
                    offset = offset.checked_add(size).ok_or_else(|| {
                        InspectError::malformed(WHAT, "parameter block too large")
                    })?;
                    i = next;
                }
                _ => {
                    return Err(InspectError::malformed(
                        WHAT,
                        format!("entry `{name}`: bad parameter list"),
                    ))
                }
            }
        }
    }
    kernel.kernarg_segment_size = Some(offset);
    loop {
        match toks.get(i) {
            None | Some(Tok::Punct('{')) | Some(Tok::Punct(';')) => break,
            Some(Tok::Word(d @ (".maxntid" | ".reqntid"))) => {
                let mut dims = [1u32; 3];
                let mut n = 0;
                i += 1;
                while let Some(Tok::Word(w)) = toks.get(i) {
                    let v = w.parse::<u32>().map_err(|_| {
                        InspectError::malformed(
                            WHAT,
                            format!("entry `{name}`: bad `{d}` value `{w}`"),
                        )
                    })?;
                    if n == 3 {
                        return Err(InspectError::malformed(
                            WHAT,
                            format!("entry `{name}`: `{d}` has more than 3 values"),
                        ));
                    }
                    dims[n] = v;
                    n += 1;
                    i += 1;
                    if toks.get(i) == Some(&Tok::Punct(',')) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if n == 0 {
                    return Err(InspectError::malformed(
                        WHAT,
                        format!("entry `{name}`: `{d}` without values"),
                    ));
                }
                if *d == ".maxntid" {
                    kernel.maxntid = Some(dims);
                } else {
                    kernel.reqntid = Some(dims);
                }
            }
            Some(_) => i += 1,
        }
    }
    Ok((kernel, i))
}

/// Parses one parameter after `.param`: returns (size, alignment, next index).
fn parse_param(
    toks: &[Tok<'_>],
    mut i: usize,
    entry: &str,
) -> Result<(u32, u32, usize), InspectError> {
    let bad = |what: &str| InspectError::malformed(WHAT, format!("entry `{entry}`: {what}"));
    let mut elem: Option<u32> = None;
    let mut align: Option<u32> = None;
    let mut is_ptr = false;
    loop {
        match toks.get(i) {
            Some(Tok::Word(".ptr")) => {
                is_ptr = true;
                i += 1;
            }
            Some(Tok::Word(".align")) => {
                let a = match toks.get(i + 1) {
                    Some(Tok::Word(w)) => w.parse::<u32>().ok().filter(|a| a.is_power_of_two()),
                    _ => None,
                }
                .ok_or_else(|| bad("bad `.align`"))?;
                // After `.ptr`, `.align` is the pointee's alignment, not the parameter's.
                if !is_ptr {
                    align = Some(a);
                }
                i += 2;
            }
            Some(Tok::Word(w)) if w.starts_with('.') => {
                if let Some(size) = type_size(w) {
                    elem = Some(size);
                }
                // Other directives (state spaces after `.ptr`) carry no size.
                i += 1;
            }
            Some(Tok::Word(_)) => break,
            _ => return Err(bad("parameter without a name")),
        }
    }
    let elem = elem.ok_or_else(|| bad("parameter without a type"))?;
    i += 1; // the name
    let mut size = elem;
    if toks.get(i) == Some(&Tok::Punct('[')) {
        let n = match toks.get(i + 1) {
            Some(Tok::Word(w)) => w.parse::<u32>().ok(),
            _ => None,
        }
        .ok_or_else(|| bad("bad array length"))?;
        if toks.get(i + 2) != Some(&Tok::Punct(']')) {
            return Err(bad("unterminated array"));
        }
        size = elem.checked_mul(n).ok_or_else(|| bad("array too large"))?;
        i += 3;
    }
    Ok((size, align.unwrap_or(elem).max(1), i))
}

/// Size in bytes of a PTX fundamental type.
fn type_size(t: &str) -> Option<u32> {
    Some(match t {
        ".b8" | ".u8" | ".s8" | ".pred" => 1,
        ".b16" | ".u16" | ".s16" | ".f16" | ".bf16" => 2,
        ".b32" | ".u32" | ".s32" | ".f32" | ".f16x2" | ".bf16x2" => 4,
        ".b64" | ".u64" | ".s64" | ".f64" => 8,
        ".b128" => 16,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_params_arrays_alignment_and_bounds() {
        let ptx = r#"
            // comment .entry fake(
            .version 8.0
            .target sm_90a, texmode_independent
            .address_size 64
            .extern .entry declared(.param .u32 x);
            .visible .entry k(
                .param .u64 .ptr .global .align 16 k_param_0,
                .param .align 8 .b8 k_param_1[24],
                .param .u8 k_param_2,
                .param .f64 k_param_3
            )
            .reqntid 64, 2
            .maxnreg 32
            { /* body */ ret; }
            .entry noparams { ret; }
        "#;
        let info = inspect(ptx.as_bytes()).unwrap();
        assert_eq!(info.target, Some(TargetId::Nvidia { sm: 90 }));
        assert_eq!(info.ptx_version.as_deref(), Some("8.0"));
        let names: Vec<_> = info.kernels.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["k", "noparams"]);
        let k = &info.kernels[0];
        let layout: Vec<_> = k.args.iter().map(|a| (a.size, a.offset.unwrap())).collect();
        assert_eq!(layout, [(8, 0), (24, 8), (1, 32), (8, 40)]);
        assert_eq!(k.kernarg_segment_size, Some(48));
        assert_eq!(k.reqntid, Some([64, 2, 1]));
        assert_eq!(k.maxntid, None);
        assert!(info.kernels[1].args.is_empty());
    }

    #[test]
    fn rejects_text_that_is_not_ptx() {
        assert!(inspect(b"hello world").is_err());
        assert!(inspect(b".version 7.0\n.target sm_80\n.entry k(.param .u32").is_err());
        assert!(inspect(b".version 7.0\n.target gfx90a\n").is_err());
        assert!(inspect(b"\xff\xfe").is_err());
    }
}
