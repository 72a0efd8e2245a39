//! A kernel's C++ signature as the compiler saw it, and how declared Rust
//! types map onto it.
//!
//! The host header's signature table (`__iree_host_sig_k`, see
//! `include/host/hip/hip_runtime.h`, "signature tables") records, per
//! parameter, a [`CType`]: its class, size and alignment, and for a pointer
//! the pointee's class, size, alignment and qualifiers. It is the only record
//! of parameter *types* that survives compilation on any target (AMD metadata
//! knows pointers from values and sometimes the access, PTX and cubins only
//! sizes), so the build takes it from the host object, or from a host-side
//! signature compile of the same source when `host` is not a target, and
//! checks every declaration against it, for every target.
//!
//! This module is the one definition of the type correspondence
//! ([`RustType`]: `f32` ↔ `float`, `u8` ↔ `unsigned char`, …); `verify` and
//! the macro both use it, for element types, scalars of every size and
//! structs passed by value ([`check_struct`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of type a parameter or pointee is (`SigClass` in the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeClass {
    /// `void` (an untyped pointer's pointee).
    Void,
    /// `bool`.
    Bool,
    /// A signed integer (or an enum with a signed underlying type).
    Signed,
    /// An unsigned integer (or an enum with an unsigned underlying type).
    Unsigned,
    /// An IEEE binary float: `_Float16`, `float`, `double`.
    Float,
    /// `__bf16`.
    BFloat,
    /// Plain `char`, whose signedness is the target's.
    Char,
    /// A pointer.
    Pointer,
    /// A struct, class or union.
    Record,
    /// Anything else (a class code this reader does not know included).
    Other,
}

impl TypeClass {
    /// From the header's `SigClass` code.
    pub fn from_code(code: u32) -> TypeClass {
        match code {
            0 => TypeClass::Void,
            1 => TypeClass::Bool,
            2 => TypeClass::Signed,
            3 => TypeClass::Unsigned,
            4 => TypeClass::Float,
            5 => TypeClass::BFloat,
            6 => TypeClass::Char,
            7 => TypeClass::Pointer,
            8 => TypeClass::Record,
            _ => TypeClass::Other,
        }
    }
}

/// A pointer parameter's pointee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pointee {
    /// Its class.
    pub class: TypeClass,
    /// `sizeof`, 0 for `void` and incomplete types.
    pub size: u32,
    /// `alignof`, 0 where `size` is.
    pub align: u32,
    /// `const T*`: the kernel cannot write through it (short of a cast).
    pub is_const: bool,
    /// `volatile T*`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_volatile: bool,
}

/// One kernel parameter's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CType {
    /// Its class.
    pub class: TypeClass,
    /// `sizeof` as passed.
    pub size: u32,
    /// `alignof`.
    pub align: u32,
    /// For pointers, what they point at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointee: Option<Pointee>,
}

/// Spells a class and size the way C++ would (`float`, `unsigned int`);
/// records and others as their size, since the table has no names.
fn spell(class: TypeClass, size: u32) -> String {
    let int = |signed: bool| {
        let base = match size {
            1 => "char",
            2 => "short",
            4 => "int",
            8 => "long long",
            _ => return format!("a {size}-byte integer"),
        };
        if signed {
            if size == 1 {
                "signed char".into()
            } else {
                base.into()
            }
        } else {
            format!("unsigned {base}")
        }
    };
    match class {
        TypeClass::Void => "void".into(),
        TypeClass::Bool => "bool".into(),
        TypeClass::Char => "char".into(),
        TypeClass::Signed => int(true),
        TypeClass::Unsigned => int(false),
        TypeClass::Float => match size {
            2 => "_Float16".into(),
            4 => "float".into(),
            8 => "double".into(),
            _ => format!("a {size}-byte float"),
        },
        TypeClass::BFloat => "__bf16".into(),
        TypeClass::Pointer => "a pointer".into(),
        TypeClass::Record => format!("a struct of {size} bytes"),
        TypeClass::Other => format!("a value of {size} bytes"),
    }
}

impl fmt::Display for CType {
    /// `const float*`, `int`, `a 12-byte struct`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointee {
            Some(p) => {
                let cv = match (p.is_const, p.is_volatile) {
                    (true, true) => "const volatile ",
                    (true, false) => "const ",
                    (false, true) => "volatile ",
                    (false, false) => "",
                };
                let inner = spell(p.class, p.size);
                if inner.starts_with("a ") {
                    write!(f, "{cv}pointer to {inner}")
                } else {
                    write!(f, "{cv}{inner}*")
                }
            }
            None => f.write_str(&spell(self.class, self.size)),
        }
    }
}

/// A Rust element or scalar type the build recognises by name, with the C++
/// types it corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RustType {
    /// Its class on the C++ side.
    pub class: TypeClass,
    /// Its size in bytes.
    pub size: u32,
}

impl RustType {
    /// The type named `name` (as `syntax::type_string` writes it), `None` for
    /// a type the build cannot see into (a user struct, an alias, an array):
    /// those are checked by size, by the macro (`size_of`).
    pub fn by_name(name: &str) -> Option<RustType> {
        // `half::f16`, `::core::primitive::u8`: the last segment names it.
        let last = name.rsplit("::").next().unwrap_or(name);
        let (class, size) = match last {
            "bool" => (TypeClass::Bool, 1),
            "i8" => (TypeClass::Signed, 1),
            "u8" => (TypeClass::Unsigned, 1),
            "i16" => (TypeClass::Signed, 2),
            "u16" => (TypeClass::Unsigned, 2),
            "i32" => (TypeClass::Signed, 4),
            "u32" => (TypeClass::Unsigned, 4),
            "i64" => (TypeClass::Signed, 8),
            "u64" => (TypeClass::Unsigned, 8),
            "isize" => (TypeClass::Signed, usize::BITS / 8),
            "usize" => (TypeClass::Unsigned, usize::BITS / 8),
            "f16" => (TypeClass::Float, 2),
            "bf16" => (TypeClass::BFloat, 2),
            "f32" => (TypeClass::Float, 4),
            "f64" => (TypeClass::Float, 8),
            _ => return None,
        };
        Some(RustType { class, size })
    }

    /// Whether a value of C++ class `class` and size `size` holds exactly
    /// this Rust type. Plain `char` is either `i8` or `u8`.
    pub fn matches(self, class: TypeClass, size: u32) -> bool {
        size == self.size
            && (class == self.class
                || (class == TypeClass::Char
                    && matches!(self.class, TypeClass::Signed | TypeClass::Unsigned)))
    }

    /// The C++ type a kernel would use for it (`unsigned int` for `u32`).
    pub fn cpp(self) -> String {
        spell(self.class, self.size)
    }
}

/// Whether `elem` (a declared `DeviceSlice<elem>` element type) agrees with
/// the pointee of a pointer parameter; `Err` says what the kernel has and
/// what to write instead. Untyped (`void*`) pointees accept anything; a
/// struct pointee accepts an element of its size (the table has no names),
/// and element types the build cannot name are left to the macro's
/// `size_of` check.
pub fn check_element(elem: &str, pointee: &Pointee) -> Result<(), String> {
    if pointee.class == TypeClass::Void {
        return Ok(());
    }
    let kernel = spell(pointee.class, pointee.size);
    match RustType::by_name(elem) {
        Some(rust) if rust.matches(pointee.class, pointee.size) => Ok(()),
        Some(rust)
            if matches!(pointee.class, TypeClass::Record | TypeClass::Other)
                && rust.size == pointee.size =>
        {
            Ok(())
        }
        Some(rust) => Err(format!(
            "holds `{elem}` (C++ `{}`) but the kernel points at `{kernel}`{}",
            rust.cpp(),
            suggestion(pointee)
                .map(|s| format!("; declare `DeviceSlice<{s}>` or change the kernel"))
                .unwrap_or_default()
        )),
        None => Ok(()),
    }
}

/// Whether a declared scalar (`i64`, `u8`, `bool`, …) agrees with the
/// kernel's by-value parameter of its size; `Err` names the kernel's type
/// and the Rust type to declare. A size mismatch is left to the per-target
/// check, which reports sizes the objects themselves record
/// ([`size_mismatch`] words it, with these types).
pub fn check_scalar(ty: &str, param: &CType) -> Result<(), String> {
    let Some(rust) = RustType::by_name(ty) else {
        return Ok(());
    };
    if param.pointee.is_some() {
        return Err(format!(
            "`{ty}` but the kernel takes `{param}` there: the kernel's parameters are the declaration's, in order; declare a `DeviceSlice` for it"
        ));
    }
    if param.size != rust.size || rust.matches(param.class, param.size) {
        return Ok(());
    }
    Err(format!(
        "`{ty}` (C++ `{}`) but the kernel takes `{param}`{}",
        rust.cpp(),
        declare_hint(param)
    ))
}

/// How a declared value of `declared` bytes and Rust type `ty` differs in
/// size from the kernel's parameter of `size` bytes (`kernel`: its C++ type
/// when the signature is known).
pub fn size_mismatch(ty: &str, declared: u32, size: u32, kernel: Option<&CType>) -> String {
    let cpp = kernel.map(|k| format!(" (`{k}`)")).unwrap_or_default();
    let hint = kernel.map(declare_hint).unwrap_or_default();
    format!("`{ty}` is {declared} byte(s) but the kernel's parameter is {size} byte(s){cpp}{hint}")
}

/// `; declare it `i64` or change the kernel`, when Rust has the type
/// (`usize` too for an 8-byte unsigned: the table cannot tell `size_t`).
fn declare_hint(param: &CType) -> String {
    RustType::rust_name(param.class, param.size)
        .filter(|_| param.pointee.is_none())
        .map(|s| {
            let also = match s {
                "u64" => " (`usize` for a `size_t`)",
                "i64" => " (`isize` for a `ptrdiff_t`)",
                _ => "",
            };
            format!("; declare it `{s}`{also} or change the kernel")
        })
        .unwrap_or_default()
}

/// Whether a declared by-value struct agrees with the kernel's parameter:
/// the kernel must take a struct (or class, or union) by value. Its size
/// and alignment are the macro's to assert (`size_of`/`align_of` against
/// [`CType::size`] and [`CType::align`]): only the compiler knows the Rust
/// struct's.
pub fn check_struct(ty: &str, param: &CType) -> Result<(), String> {
    if param.class == TypeClass::Record {
        return Ok(());
    }
    let what = if param.pointee.is_some() {
        "; declare a `DeviceSlice` for a pointer"
    } else {
        ""
    };
    Err(format!(
        "`{ty}` is a struct passed by value but the kernel takes `{param}` there{}{what}",
        declare_hint(param)
    ))
}

impl CType {
    /// The 32-bit push constants a value of this type takes in the layout.
    pub fn words(&self) -> u32 {
        self.size.div_ceil(4)
    }
}

impl RustType {
    /// The Rust spelling of a C++ class and size, when there is one.
    pub fn rust_name(class: TypeClass, size: u32) -> Option<&'static str> {
        Some(match (class, size) {
            (TypeClass::Bool, 1) => "bool",
            (TypeClass::Signed | TypeClass::Char, 1) => "i8",
            (TypeClass::Unsigned, 1) => "u8",
            (TypeClass::Signed, 2) => "i16",
            (TypeClass::Unsigned, 2) => "u16",
            (TypeClass::Signed, 4) => "i32",
            (TypeClass::Unsigned, 4) => "u32",
            (TypeClass::Signed, 8) => "i64",
            (TypeClass::Unsigned, 8) => "u64",
            (TypeClass::Float, 2) => "f16",
            (TypeClass::BFloat, 2) => "bf16",
            (TypeClass::Float, 4) => "f32",
            (TypeClass::Float, 8) => "f64",
            _ => return None,
        })
    }
}

/// The element type to declare for a pointee, when Rust has one.
fn suggestion(p: &Pointee) -> Option<&'static str> {
    RustType::rust_name(p.class, p.size)
}

impl CType {
    /// A 64-bit `T*` (or `const T*`) to a naturally aligned `T` of `size`
    /// bytes, as the signature table records it.
    pub fn pointer_to(class: TypeClass, size: u32, is_const: bool) -> CType {
        CType {
            class: TypeClass::Pointer,
            size: 8,
            align: 8,
            pointee: Some(Pointee {
                class,
                size,
                align: size,
                is_const,
                is_volatile: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ptr(class: TypeClass, size: u32, is_const: bool) -> CType {
        CType::pointer_to(class, size, is_const)
    }

    #[test]
    fn spells_like_cpp() {
        assert_eq!(ptr(TypeClass::Float, 4, true).to_string(), "const float*");
        assert_eq!(
            ptr(TypeClass::Unsigned, 1, false).to_string(),
            "unsigned char*"
        );
        assert_eq!(
            ptr(TypeClass::Record, 12, false).to_string(),
            "pointer to a struct of 12 bytes"
        );
        let int = CType {
            class: TypeClass::Signed,
            size: 4,
            align: 4,
            pointee: None,
        };
        assert_eq!(int.to_string(), "int");
    }

    #[test]
    fn element_types() {
        let p = |c, s| ptr(c, s, false).pointee.unwrap();
        assert!(check_element("f32", &p(TypeClass::Float, 4)).is_ok());
        assert!(check_element("u8", &p(TypeClass::Char, 1)).is_ok());
        assert!(check_element("i8", &p(TypeClass::Char, 1)).is_ok());
        assert!(check_element("half::f16", &p(TypeClass::Float, 2)).is_ok());
        assert!(check_element("u8", &p(TypeClass::Void, 0)).is_ok());
        assert!(check_element("MyPair", &p(TypeClass::Record, 8)).is_ok());
        assert!(check_element("u64", &p(TypeClass::Record, 8)).is_ok());
        let e = check_element("u8", &p(TypeClass::Float, 4)).unwrap_err();
        assert_eq!(
            e,
            "holds `u8` (C++ `unsigned char`) but the kernel points at `float`; declare `DeviceSlice<f32>` or change the kernel"
        );
        let e = check_element("i32", &p(TypeClass::Unsigned, 4)).unwrap_err();
        assert!(e.contains("DeviceSlice<u32>"), "{e}");
    }

    #[test]
    fn scalar_types() {
        let v = |class, size| CType {
            class,
            size,
            align: size,
            pointee: None,
        };
        assert!(check_scalar("i32", &v(TypeClass::Signed, 4)).is_ok());
        assert!(check_scalar("f32", &v(TypeClass::Float, 4)).is_ok());
        let e = check_scalar("i32", &v(TypeClass::Float, 4)).unwrap_err();
        assert!(e.contains("`float`") && e.contains("`f32`"), "{e}");
        let e = check_scalar("u32", &v(TypeClass::Signed, 4)).unwrap_err();
        assert!(e.contains("declare it `i32`"), "{e}");
        // Sizes are verify's per-target business.
        assert!(check_scalar("i32", &v(TypeClass::Signed, 8)).is_ok());
        let e = check_scalar("i32", &ptr(TypeClass::Float, 4, false)).unwrap_err();
        assert!(e.contains("declare a `DeviceSlice`"), "{e}");
        assert!(check_scalar("usize", &v(TypeClass::Unsigned, 8)).is_ok());
        assert!(check_scalar("bool", &v(TypeClass::Bool, 1)).is_ok());
        assert!(check_scalar("u8", &v(TypeClass::Char, 1)).is_ok());
        let e = check_scalar("i64", &v(TypeClass::Unsigned, 8)).unwrap_err();
        assert!(e.contains("declare it `u64`"), "{e}");
        let e = check_scalar("f64", &v(TypeClass::Signed, 8)).unwrap_err();
        assert!(e.contains("`long long`") && e.contains("`i64`"), "{e}");
        let m = size_mismatch("u64", 8, 4, Some(&v(TypeClass::Signed, 4)));
        assert_eq!(m, "`u64` is 8 byte(s) but the kernel's parameter is 4 byte(s) (`int`); declare it `i32` or change the kernel");
        let rec = CType {
            class: TypeClass::Record,
            size: 16,
            align: 8,
            pointee: None,
        };
        assert!(check_struct("Params", &rec).is_ok());
        assert_eq!(rec.words(), 4);
        let e = check_struct("Params", &v(TypeClass::Signed, 4)).unwrap_err();
        assert!(
            e.contains("struct passed by value") && e.contains("`int`"),
            "{e}"
        );
    }
}
