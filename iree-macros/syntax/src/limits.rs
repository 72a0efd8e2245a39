//! The one place a declaration is checked against reserved names and
//! IREE's dispatch limits ([`iree_abi::limits`]).
//!
//! The parser calls these (and puts the message at the offending tokens),
//! so the build script and the macro reject the same declarations with the
//! same words; the build's `verify` calls them again on the lowered model,
//! which tests also build by hand. (The runtime's launch-time checks are
//! separate safety checks.)

use iree_abi::limits::{workgroup_threads, MAX_BINDINGS, MAX_CONSTANTS, MAX_WORKGROUP_THREADS};

/// Why a parameter may not be called `name`, if it may not: `stream` is
/// the generated function's own first parameter, `device` what count
/// closures call the `&Device`.
pub fn reserved_param(name: &str) -> Option<&'static str> {
    match name {
        "stream" => Some(
            "`stream` is reserved: the generated function takes `stream: &Stream` first; rename this parameter",
        ),
        "device" => Some(
            "`device` is reserved: `count` and `workgroup_local_memory` closures use it for the `&Device`; rename the parameter",
        ),
        _ => None,
    }
}

/// `n` bindings (buffer parameters) against IREE's HIP maximum.
pub fn check_bindings(n: usize) -> Result<(), String> {
    if n <= MAX_BINDINGS {
        return Ok(());
    }
    Err(format!(
        "{n} buffer parameters exceed IREE's HIP limit of {MAX_BINDINGS} bindings per dispatch (IREE_HAL_HIP_MAX_DISPATCH_BINDING_COUNT); pack buffers together"
    ))
}

/// `n` push constants (the 32-bit words of the value parameters) against
/// IREE's HIP maximum.
pub fn check_constants(n: usize) -> Result<(), String> {
    if n <= MAX_CONSTANTS {
        return Ok(());
    }
    Err(format!(
        "the value parameters take {n} push constants (32-bit words), over IREE's HIP limit of {MAX_CONSTANTS} per dispatch (IREE_HAL_HIP_MAX_DISPATCH_CONSTANT_COUNT); pass them in a buffer"
    ))
}

/// The threads of `size`, or why no device runs it (the product overflows
/// a `u32`). Per-platform thread limits are the build's `verify`'s: the
/// host has none.
pub fn check_workgroup_size(size: [u32; 3]) -> Result<u32, String> {
    workgroup_threads(size).ok_or_else(|| {
        let [x, y, z] = size;
        format!(
            "`workgroup_size = [{x}, {y}, {z}]` is more threads than fit in a u32; a GPU workgroup holds at most {MAX_WORKGROUP_THREADS} threads"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_reserved_names() {
        assert!(reserved_param("stream").is_some() && reserved_param("device").is_some());
        assert!(reserved_param("dim").is_none());
        assert!(check_bindings(MAX_BINDINGS).is_ok());
        assert!(check_bindings(17)
            .unwrap_err()
            .starts_with("17 buffer parameters"));
        assert!(check_constants(65).unwrap_err().contains("limit of 64"));
        assert_eq!(check_workgroup_size([32, 2, 1]), Ok(64));
        assert!(check_workgroup_size([u32::MAX; 3]).is_err());
    }
}
