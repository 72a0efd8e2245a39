//! IREE pipeline-layout strings ↔ layouts derived from Rust signatures.
//!
//! A layout is the ABI of an export: which bindings (buffer pointers) and how
//! many 32-bit push constants the kernel takes, in that order. IREE writes it
//! as an attribute; users who copy a layout from IREE's samples (or from the
//! `Conforms to ABI:` comment above a kernel) may paste it verbatim into
//! `layout = "…"`, so this module reads IREE's own grammar, both the legacy
//! form with descriptor sets
//!
//! ```text
//! #hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [
//!     <0, storage_buffer, ReadOnly>, <1, storage_buffer>]>]>
//! ```
//!
//! and the newer flat form
//!
//! ```text
//! #hal.pipeline.layout<constants = 1, bindings = [
//!     #hal.pipeline.binding<storage_buffer, ReadOnly>,
//!     #hal.pipeline.binding<storage_buffer>]>
//! ```
//!
//! When no layout is written it is derived from the signature exactly as
//! IREE's `BindingLayout` pass assumes an export layout: buffers become
//! bindings in order (`&` ReadOnly, `&mut` read-write) and values become
//! 32-bit push constants in order, as many as each takes words (a 64-bit
//! scalar two, a byte one, a struct its size in words). The layout says
//! nothing about the kernel's parameter order: the kernel takes the
//! declaration's parameters in declaration order, and the runtime packs
//! each binding and value where the kernel expects it.

use std::fmt;

pub use iree_abi::limits::{MAX_BINDINGS, MAX_CONSTANTS};
use iree_abi::manifest::{ParamEntry, ParamKind};
use iree_abi::signature::CType;

/// The kind of descriptor a binding is. Both are passed to HIP kernels as a
/// plain device pointer; the distinction only survives for round-tripping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DescriptorType {
    /// `storage_buffer`: the usual read/write buffer.
    StorageBuffer,
    /// `uniform_buffer`: a read-only constant buffer.
    UniformBuffer,
}

impl DescriptorType {
    /// IREE's spelling.
    pub fn name(self) -> &'static str {
        match self {
            DescriptorType::StorageBuffer => "storage_buffer",
            DescriptorType::UniformBuffer => "uniform_buffer",
        }
    }
}

/// Binding flags (`ReadOnly`, `Indirect`), IREE's `DescriptorFlags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BindingFlags {
    /// The kernel must not write the binding (it may be shared by other
    /// invocations): the runtime marks it read-only and verify checks it.
    pub read_only: bool,
    /// The binding is indirect (a binding table slot); accepted for
    /// round-tripping, the HIP ABI passes a pointer either way.
    pub indirect: bool,
}

impl BindingFlags {
    /// The bit set stored in the bundle's export table (bit 0 = ReadOnly,
    /// bit 1 = Indirect, as IREE's `hip_executable_def.fbs` binding flags).
    pub fn bits(self) -> u32 {
        u32::from(self.read_only) | (u32::from(self.indirect) << 1)
    }

    fn is_empty(self) -> bool {
        !self.read_only && !self.indirect
    }
}

impl fmt::Display for BindingFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.read_only, self.indirect) {
            (false, false) => f.write_str("None"),
            (true, false) => f.write_str("ReadOnly"),
            (false, true) => f.write_str("Indirect"),
            (true, true) => f.write_str("\"ReadOnly|Indirect\""),
        }
    }
}

/// One binding slot of a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayoutBinding {
    /// Descriptor set (always 0 in the flat form).
    pub set: u32,
    /// Binding number within the set (the index in the flat form).
    pub binding: u32,
    /// Descriptor type.
    pub ty: DescriptorType,
    /// Flags.
    pub flags: BindingFlags,
}

/// Which IREE spelling a layout was written in, so [`fmt::Display`] writes
/// it back the way the user wrote it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LayoutForm {
    /// `push_constants = N, sets = [<0, bindings = [<0, storage_buffer>]>]`.
    #[default]
    Sets,
    /// `constants = N, bindings = [#hal.pipeline.binding<storage_buffer>]`.
    Flat,
}

/// A pipeline layout: the ABI of one export, IREE's way: the bindings in
/// this order, then `constants` 32-bit words of values (the kernel's own
/// parameter order is the declaration's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PipelineLayout {
    /// Number of 32-bit push constants.
    pub constants: u32,
    /// Bindings in kernel-parameter order (sets flattened in order).
    pub bindings: Vec<LayoutBinding>,
    /// The spelling to print.
    pub form: LayoutForm,
}

impl PipelineLayout {
    /// Read-only flag of each binding, in order (what the manifest stores).
    pub fn read_only_flags(&self) -> Vec<bool> {
        self.bindings.iter().map(|b| b.flags.read_only).collect()
    }

    /// Position of `#hal.interface.binding<set, binding>` among the
    /// bindings: the index in the launch's bindings it is passed as (the
    /// kernel's own parameter order is the declaration's).
    pub fn slot_of(&self, b: InterfaceBinding) -> Option<usize> {
        self.bindings
            .iter()
            .position(|l| l.set == b.set && l.binding == b.binding)
    }

    /// True when both describe the same ABI (the spelling is ignored).
    pub fn same_abi(&self, other: &PipelineLayout) -> bool {
        self.constants == other.constants
            && self.bindings.len() == other.bindings.len()
            && self
                .bindings
                .iter()
                .zip(&other.bindings)
                .all(|(a, b)| a.flags == b.flags && a.set == b.set && a.binding == b.binding)
    }
}

impl fmt::Display for PipelineLayout {
    /// IREE's syntax, on one line, in the layout's [`LayoutForm`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            LayoutForm::Flat => {
                write!(
                    f,
                    "#hal.pipeline.layout<constants = {}, bindings = [",
                    self.constants
                )?;
                for (i, b) in self.bindings.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "#hal.pipeline.binding<{}", b.ty.name())?;
                    if !b.flags.is_empty() {
                        write!(f, ", {}", b.flags)?;
                    }
                    f.write_str(">")?;
                }
                f.write_str("]>")
            }
            LayoutForm::Sets => {
                write!(
                    f,
                    "#hal.pipeline.layout<push_constants = {}, sets = [",
                    self.constants
                )?;
                let mut i = 0;
                let mut first_set = true;
                while i < self.bindings.len() {
                    let set = self.bindings[i].set;
                    if !first_set {
                        f.write_str(", ")?;
                    }
                    first_set = false;
                    write!(f, "<{set}, bindings = [")?;
                    let mut first = true;
                    while i < self.bindings.len() && self.bindings[i].set == set {
                        let b = &self.bindings[i];
                        if !first {
                            f.write_str(", ")?;
                        }
                        first = false;
                        write!(f, "<{}, {}", b.binding, b.ty.name())?;
                        if !b.flags.is_empty() {
                            write!(f, ", {}", b.flags)?;
                        }
                        f.write_str(">")?;
                        i += 1;
                    }
                    f.write_str("]>")?;
                }
                f.write_str("]>")
            }
        }
    }
}

/// `#hal.interface.binding<set, binding>`: names a layout slot for one
/// buffer parameter when the user overrides the in-order assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterfaceBinding {
    /// Descriptor set.
    pub set: u32,
    /// Binding within the set.
    pub binding: u32,
}

impl fmt::Display for InterfaceBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#hal.interface.binding<{}, {}>", self.set, self.binding)
    }
}

/// A layout string that does not parse: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset} (near `{fragment}`)")]
pub struct LayoutError {
    /// Byte offset of the offending part in the input string.
    pub offset: usize,
    /// The input from `offset`, shortened, so messages can quote it.
    pub fragment: String,
    /// What was expected.
    pub message: String,
}

/// Derives the layout IREE would assume for a signature: buffers become
/// bindings `<0, i>` in order, values push constants in order
/// ([`ParamKind::words`] each). Structs take as many words as the
/// kernel's parameter at their position in `kernel` (the kernel's C++
/// parameter types, when known); none while it is not known, until the
/// build sizes them ([`crate::model::DispatchExtern::size_structs`]).
pub fn derive<'a>(
    params: impl IntoIterator<Item = &'a ParamKind>,
    kernel: &[CType],
) -> PipelineLayout {
    let mut layout = PipelineLayout::default();
    for (k, p) in params.into_iter().enumerate() {
        match p.read_only() {
            Some(read_only) => {
                let binding = layout.bindings.len() as u32;
                layout.bindings.push(LayoutBinding {
                    set: 0,
                    binding,
                    ty: DescriptorType::StorageBuffer,
                    flags: BindingFlags {
                        read_only,
                        indirect: false,
                    },
                })
            }
            None => {
                layout.constants += p
                    .words()
                    .or_else(|| kernel.get(k).map(CType::words))
                    .unwrap_or(0)
            }
        }
    }
    layout
}

/// Parses `#hal.pipeline.layout<…>` in either IREE form.
pub fn parse_layout(s: &str) -> Result<PipelineLayout, LayoutError> {
    let mut p = Parser { s, pos: 0 };
    let layout = p.layout()?;
    p.ws();
    if p.pos != s.len() {
        return Err(p.err("unexpected text after the layout"));
    }
    Ok(layout)
}

/// Parses `#hal.interface.binding<set, binding>`.
pub fn parse_interface_binding(s: &str) -> Result<InterfaceBinding, LayoutError> {
    let mut p = Parser { s, pos: 0 };
    p.expect("#hal.interface.binding")?;
    p.expect("<")?;
    let set = p.int()?;
    p.expect(",")?;
    let binding = p.int()?;
    p.expect(">")?;
    p.ws();
    if p.pos != s.len() {
        return Err(p.err("unexpected text after the binding"));
    }
    Ok(InterfaceBinding { set, binding })
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn err(&self, message: impl Into<String>) -> LayoutError {
        let frag: String = self.rest().chars().take(24).collect();
        LayoutError {
            offset: self.pos,
            fragment: if frag.is_empty() {
                "end of string".into()
            } else {
                frag
            },
            message: message.into(),
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.rest().starts_with(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> Result<(), LayoutError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{tok}`")))
        }
    }

    fn ident(&mut self) -> Result<(usize, &'a str), LayoutError> {
        self.ws();
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.err("expected a name"));
        }
        self.pos += len;
        let s: &'a str = self.s;
        Ok((start, &s[start..start + len]))
    }

    fn int(&mut self) -> Result<u32, LayoutError> {
        self.ws();
        let len = self
            .rest()
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.err("expected an integer"));
        }
        let v = self.rest()[..len]
            .parse()
            .map_err(|_| self.err("integer out of range"))?;
        self.pos += len;
        Ok(v)
    }

    fn layout(&mut self) -> Result<PipelineLayout, LayoutError> {
        self.expect("#hal.pipeline.layout")?;
        self.expect("<")?;
        let mut layout = PipelineLayout::default();
        let mut seen: Vec<&str> = Vec::new();
        let mut form = None;
        loop {
            if self.eat(">") {
                break;
            }
            if !seen.is_empty() {
                self.expect(",")?;
            }
            let save = self.pos;
            let (at, key) = self.ident()?;
            if seen.contains(&key) {
                self.pos = at;
                return Err(self.err(format!("duplicate `{key}`")));
            }
            let key_form = match key {
                "push_constants" | "sets" => Some(LayoutForm::Sets),
                "constants" | "bindings" => Some(LayoutForm::Flat),
                "flags" => None,
                _ => {
                    self.pos = at;
                    return Err(self.err(format!(
                        "unknown layout key `{key}`: expected `push_constants` and `sets`, or `constants` and `bindings`"
                    )));
                }
            };
            if let (Some(f), Some(k)) = (form, key_form) {
                if f != k {
                    self.pos = save;
                    self.ws();
                    return Err(self.err(format!(
                        "`{key}` mixes the two layout forms: use `push_constants`/`sets` or `constants`/`bindings`"
                    )));
                }
            }
            form = form.or(key_form);
            seen.push(key);
            self.expect("=")?;
            match key {
                "push_constants" | "constants" => layout.constants = self.int()?,
                "sets" => layout.bindings = self.sets()?,
                "bindings" => layout.bindings = self.flat_bindings()?,
                _ => {
                    self.flags()?;
                }
            }
        }
        layout.form = form.unwrap_or_default();
        Ok(layout)
    }

    fn sets(&mut self) -> Result<Vec<LayoutBinding>, LayoutError> {
        let mut out: Vec<LayoutBinding> = Vec::new();
        self.expect("[")?;
        let mut first = true;
        while !self.eat("]") {
            if !first {
                self.expect(",")?;
            }
            first = false;
            self.expect("<")?;
            let at = self.pos;
            let set = self.int()?;
            if out.iter().any(|b| b.set == set) {
                self.pos = at;
                self.ws();
                return Err(self.err(format!("set {set} appears twice")));
            }
            self.expect(",")?;
            self.expect("bindings")?;
            self.expect("=")?;
            self.expect("[")?;
            let mut first_b = true;
            while !self.eat("]") {
                if !first_b {
                    self.expect(",")?;
                }
                first_b = false;
                self.expect("<")?;
                self.ws();
                let at = self.pos;
                let binding = self.int()?;
                if out.iter().any(|b| b.set == set && b.binding == binding) {
                    self.pos = at;
                    return Err(self.err(format!("binding {binding} of set {set} appears twice")));
                }
                self.expect(",")?;
                out.push(self.binding_rest(set, binding)?);
            }
            if self.eat(",") {
                self.expect("flags")?;
                self.expect("=")?;
                self.flags()?;
            }
            self.expect(">")?;
        }
        Ok(out)
    }

    /// The end of one binding in either form: `<type>[, <flags>]>`.
    fn binding_rest(&mut self, set: u32, binding: u32) -> Result<LayoutBinding, LayoutError> {
        let ty = self.descriptor_type()?;
        let flags = if self.eat(",") {
            self.flags()?
        } else {
            BindingFlags::default()
        };
        self.expect(">")?;
        Ok(LayoutBinding {
            set,
            binding,
            ty,
            flags,
        })
    }

    fn flat_bindings(&mut self) -> Result<Vec<LayoutBinding>, LayoutError> {
        let mut out = Vec::new();
        self.expect("[")?;
        while !self.eat("]") {
            if !out.is_empty() {
                self.expect(",")?;
            }
            self.expect("#hal.pipeline.binding")?;
            self.expect("<")?;
            let binding = out.len() as u32;
            out.push(self.binding_rest(0, binding)?);
        }
        Ok(out)
    }

    fn descriptor_type(&mut self) -> Result<DescriptorType, LayoutError> {
        let (at, name) = self.ident()?;
        match name {
            "storage_buffer" => Ok(DescriptorType::StorageBuffer),
            "uniform_buffer" => Ok(DescriptorType::UniformBuffer),
            other => {
                let other = other.to_string();
                self.pos = at;
                Err(self.err(format!(
                    "unknown descriptor type `{other}`: expected `storage_buffer` or `uniform_buffer`"
                )))
            }
        }
    }

    /// `ReadOnly`, `Indirect`, `None`, or a quoted `"ReadOnly|Indirect"`.
    fn flags(&mut self) -> Result<BindingFlags, LayoutError> {
        self.ws();
        let quoted = self.eat("\"");
        let mut flags = BindingFlags::default();
        loop {
            let (at, name) = self.ident()?;
            match name {
                "ReadOnly" => flags.read_only = true,
                "Indirect" => flags.indirect = true,
                "None" => {}
                other => {
                    let other = other.to_string();
                    self.pos = at;
                    return Err(self.err(format!(
                        "unknown binding flag `{other}`: expected `ReadOnly`, `Indirect` or `None`"
                    )));
                }
            }
            if !(quoted && self.eat("|")) {
                break;
            }
        }
        if quoted {
            self.expect("\"")?;
        }
        Ok(flags)
    }
}

/// Checks that an explicit layout agrees with the signature.
///
/// `params` are the signature's parameters in order with their names;
/// `slots[i]` is the layout position the i-th buffer parameter is passed in
/// (identity without explicit `bindings`). Returns a message naming the
/// binding or constant that differs.
pub fn check_against_signature(
    layout: &PipelineLayout,
    params: &[ParamEntry],
    slots: &[usize],
) -> Result<(), String> {
    let buffers: Vec<(&String, bool)> = params
        .iter()
        .filter_map(|p| Some((&p.name, p.kind.read_only()?)))
        .collect();
    // Words of the values the declaration sizes; structs are sized by the
    // kernel's signature, so with one the count is checked by the build.
    let scalars: u32 = params.iter().filter_map(|p| p.kind.words()).sum();
    let has_struct = params
        .iter()
        .any(|p| matches!(p.kind, ParamKind::Struct { .. }));
    if buffers.len() != layout.bindings.len() {
        return Err(format!(
            "the layout has {} binding(s) but the signature has {} buffer parameter(s) ({}); every binding must be a `&DeviceSlice`/`&mut DeviceSlice` parameter",
            layout.bindings.len(),
            buffers.len(),
            buffers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if scalars != layout.constants && !(has_struct && scalars < layout.constants) {
        return Err(format!(
            "the layout has {} push constant(s) but the signature's values take {} 32-bit word(s) (a 64-bit scalar takes two)",
            layout.constants, scalars
        ));
    }
    for (i, (name, read_only)) in buffers.iter().enumerate() {
        let slot = slots.get(i).copied().unwrap_or(i);
        let b = &layout.bindings[slot];
        if b.flags.read_only != *read_only {
            let (decl, lay) = if *read_only {
                ("`&DeviceSlice` (ReadOnly)", "writable")
            } else {
                ("`&mut DeviceSlice` (writable)", "ReadOnly")
            };
            return Err(format!(
                "binding <{}, {}> is {lay} in the layout but parameter `{name}` is {decl}",
                b.set, b.binding
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SETS: &str = "#hal.pipeline.layout<push_constants = 1, sets = [
          <0, bindings = [
              <0, storage_buffer, ReadOnly>,
              <1, storage_buffer, ReadOnly>,
              <2, storage_buffer>
          ]>
        ]>";

    #[test]
    fn parses_seed_sets_form() {
        let l = parse_layout(SEED_SETS).unwrap();
        assert_eq!(l.constants, 1);
        assert_eq!(l.read_only_flags(), vec![true, true, false]);
        assert_eq!(l.form, LayoutForm::Sets);
        assert_eq!(
            l.to_string(),
            "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer, ReadOnly>, <2, storage_buffer>]>]>"
        );
        assert_eq!(parse_layout(&l.to_string()).unwrap(), l);
    }

    #[test]
    fn parses_seed_inline_check_line() {
        let l = parse_layout("#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer>]>]>").unwrap();
        assert_eq!(l.read_only_flags(), vec![true, false]);
        assert_eq!(l.constants, 1);
    }

    #[test]
    fn parses_flat_form_with_quoted_flags() {
        let s = r#"#hal.pipeline.layout<constants = 2, bindings = [#hal.pipeline.binding<storage_buffer, "ReadOnly|Indirect">, #hal.pipeline.binding<storage_buffer, Indirect>, #hal.pipeline.binding<storage_buffer>], flags = Indirect>"#;
        let l = parse_layout(s).unwrap();
        assert_eq!(l.constants, 2);
        assert_eq!(l.form, LayoutForm::Flat);
        assert_eq!(
            l.bindings[0].flags,
            BindingFlags {
                read_only: true,
                indirect: true
            }
        );
        assert_eq!(l.bindings[0].flags.bits(), 3);
        assert_eq!(l.bindings[2].binding, 2);
        assert_eq!(parse_layout(&l.to_string()).unwrap(), l);
    }

    #[test]
    fn errors_give_offsets() {
        let s = "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_bufer>]>]>";
        let e = parse_layout(s).unwrap_err();
        assert_eq!(&s[e.offset..e.offset + 14], "storage_bufer>");
        assert!(
            e.message
                .contains("unknown descriptor type `storage_bufer`"),
            "{e}"
        );
        let e = parse_layout("#hal.pipeline.layout<pushconstants = 1>").unwrap_err();
        assert_eq!(e.offset, 21);
        let e = parse_layout("#hal.pipeline.layout<constants = 1, sets = []>").unwrap_err();
        assert!(e.message.contains("mixes"), "{e}");
        let e = parse_layout("#hal.pipeline.layout<constants = x>").unwrap_err();
        assert_eq!(e.offset, 33);
        let e = parse_layout("#hal.pipeline.layout<constants = 1").unwrap_err();
        assert_eq!(e.fragment, "end of string");
        let e = parse_layout("#hal.pipeline.layout<push_constants = 0, sets = [<0, bindings = [<0, storage_buffer, ReadOnlyy>]>]>").unwrap_err();
        assert!(e.message.contains("ReadOnlyy"));
    }

    #[test]
    fn interface_binding() {
        assert_eq!(
            parse_interface_binding("#hal.interface.binding<0, 2>").unwrap(),
            InterfaceBinding { set: 0, binding: 2 }
        );
        assert!(parse_interface_binding("#hal.interface.binding<0>").is_err());
        assert_eq!(
            InterfaceBinding { set: 1, binding: 3 }.to_string(),
            "#hal.interface.binding<1, 3>"
        );
    }

    #[test]
    fn derive_and_check() {
        let buffer = |name: &str, mutable| ParamEntry {
            name: name.into(),
            kind: ParamKind::Buffer {
                elem: "f32".into(),
                mutable,
                optional: false,
            },
        };
        let params = vec![
            buffer("lhs", false),
            buffer("rhs", false),
            buffer("ret", true),
            ParamEntry {
                name: "dim".into(),
                kind: ParamKind::Scalar {
                    ty: crate::Scalar::I32,
                },
            },
        ];
        let derived = derive(params.iter().map(|p| &p.kind), &[]);
        let explicit = parse_layout(SEED_SETS).unwrap();
        assert!(derived.same_abi(&explicit));
        assert!(check_against_signature(&explicit, &params, &[0, 1, 2]).is_ok());
        let mut p2 = params.clone();
        p2[1] = buffer("rhs", true);
        let e = check_against_signature(&explicit, &p2, &[0, 1, 2]).unwrap_err();
        assert!(e.contains("binding <0, 1>") && e.contains("`rhs`"), "{e}");
        let e = check_against_signature(&explicit, &params[..3], &[0, 1, 2]).unwrap_err();
        assert!(e.contains("1 push constant"), "{e}");
        // 64-bit values take two words, bytes one; the order is free.
        let mut mixed = vec![
            ParamEntry {
                name: "n".into(),
                kind: ParamKind::Scalar {
                    ty: crate::Scalar::Usize,
                },
            },
            buffer("x", false),
            ParamEntry {
                name: "flag".into(),
                kind: ParamKind::Scalar {
                    ty: crate::Scalar::Bool,
                },
            },
        ];
        let l = derive(mixed.iter().map(|p| &p.kind), &[]);
        assert_eq!((l.constants, l.bindings.len()), (3, 1));
        // Structs take the kernel parameter's words.
        mixed.push(ParamEntry {
            name: "p".into(),
            kind: ParamKind::Struct {
                ty: "Params".into(),
            },
        });
        let rec = CType {
            class: iree_abi::signature::TypeClass::Record,
            size: 16,
            align: 8,
            pointee: None,
        };
        let unknown = CType { size: 0, ..rec };
        let kernel = [unknown, unknown, unknown, rec];
        assert_eq!(derive(mixed.iter().map(|p| &p.kind), &[]).constants, 3);
        assert_eq!(derive(mixed.iter().map(|p| &p.kind), &kernel).constants, 7);
    }
}
