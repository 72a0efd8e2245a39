//! Printing buffers the way `iree-run-module` prints results
//! (`8xf32=96 96 96 96 96 96 96 96`), so examples can be compared with
//! IREE's own samples line for line.

use std::fmt::{Display, Write as _};

/// Element types with an IREE name (`f32`, `i32`, ...).
pub trait ElementName {
    /// The name `iree-run-module` uses.
    const NAME: &'static str;
}

impl ElementName for f32 {
    const NAME: &'static str = "f32";
}
impl ElementName for f64 {
    const NAME: &'static str = "f64";
}
impl ElementName for i32 {
    const NAME: &'static str = "i32";
}
impl ElementName for u32 {
    const NAME: &'static str = "ui32";
}
impl ElementName for half::f16 {
    const NAME: &'static str = "f16";
}
impl ElementName for half::bf16 {
    const NAME: &'static str = "bf16";
}

/// `values` as a 1-D tensor: `<len>x<type>=<v0> <v1> ...`.
///
/// ```
/// assert_eq!(runtime_hip::format_tensor(&[96.0f32, 96.5]), "2xf32=96 96.5");
/// ```
pub fn format_tensor<T: ElementName + Display>(values: &[T]) -> String {
    let mut out = format!("{}x{}=", values.len(), T::NAME);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{v}");
    }
    out
}
