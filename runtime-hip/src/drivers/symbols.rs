//! The table of a driver's entry points, written once.
//!
//! As IREE's `dynamic_symbol_tables.h` does for its HIP and CUDA drivers,
//! each entry point is named and typed in one place, [`driver_symbols!`],
//! which generates both the struct of function pointers and the loader
//! that resolves them; nothing else spells a symbol's name or prototype.
//!
//! # Optional entry points
//!
//! What a driver may lack without being unusable (graphs, peer copies:
//! older drivers, other vendors' implementations of the API) is declared as
//! a table of its own, one per feature, loaded after the required table
//! with [`optional`]: a library missing one of them still opens, keeps the
//! reason (the first missing symbol) and the feature falls back (command
//! buffers replay as lists, copies between devices are staged through the
//! host). A feature's entry points come and go together, so its code never
//! checks them one by one.

use crate::target::Platform;
use crate::Error;

/// Declares a struct of a driver library's entry points and its loader.
///
/// ```text
/// driver_symbols! {
///     /// Doc of the struct.
///     pub(crate) struct HipFns for Platform::Amd {
///         /// Doc of one entry point.
///         get_device_count: "hipGetDeviceCount" fn(*mut c_int) -> HipError,
///         get_device_properties:
///             "hipGetDevicePropertiesR0600" | "hipGetDeviceProperties"
///             fn(*mut c_void, c_int) -> HipError,
///     }
/// }
/// ```
///
/// Each field is an `unsafe extern "C" fn` of the prototype given. Several
/// names separated by `|` are tried in order, the first one found is used,
/// and when none is the error is the last name's. The generated `unsafe fn
/// load(lib, path)` resolves the fields in table order and stops at the
/// first one missing, with [`Error::NoDevice`] naming the symbol and `path`.
///
/// # Safety (of the generated `load`)
/// Every prototype in the table is the symbol's real C prototype, and no
/// pointer is called after `lib` is unloaded (callers keep the `Library`
/// next to the struct, for the process lifetime).
///
/// Exported (hidden, not part of the API) so that `xtask/gpu-check`, whose
/// raw CUDA baseline calls the driver directly, declares its entry points
/// the same way instead of copying a loader; everything the expansion names
/// is reached through `$crate::__driver_symbols`.
#[doc(hidden)]
#[macro_export]
macro_rules! driver_symbols {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident for $platform:path {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $($symbol:literal)|+ fn($($arg:ty),* $(,)?) -> $ret:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[$field_meta])*
                pub(crate) $field: unsafe extern "C" fn($($arg),*) -> $ret,
            )*
        }

        impl $name {
            /// Resolves every entry point in `lib`, opened from `path`, in
            /// table order.
            ///
            /// # Safety
            /// See [`driver_symbols!`]: the table's prototypes are the
            /// library's, and the pointers die with `lib`.
            $vis unsafe fn load(
                lib: &$crate::__driver_symbols::Library,
                path: &str,
            ) -> Result<$name, $crate::Error> {
                Ok($name {
                    $(
                        // SAFETY: forwarded to the caller (the table's
                        // prototype is the symbol's).
                        $field: unsafe {
                            $crate::__driver_symbols::first_of(
                                lib,
                                $platform,
                                path,
                                &[$($symbol),+],
                            )
                        }?,
                    )*
                })
            }
        }
    };
}

pub(crate) use crate::driver_symbols;

/// An optional table's load result: the table, or why the library lacks it
/// (the text of the missing-symbol error, naming the symbol and library).
pub(crate) fn optional<T>(loaded: Result<T, Error>) -> Result<T, String> {
    loaded.map_err(|e| match e {
        Error::NoDevice { reason, .. } => reason,
        e => e.to_string(),
    })
}

/// The first of `names` that `lib` has; when none, the error for the last.
///
/// # Safety
/// As `sym`: `T` is the real type of every symbol in `names`.
pub unsafe fn first_of<T: Copy>(
    lib: &libloading::Library,
    platform: Platform,
    path: &str,
    names: &[&str],
) -> Result<T, Error> {
    let (last, earlier) = names.split_last().expect("a symbol has a name");
    for name in earlier {
        // SAFETY: forwarded to the caller.
        if let Ok(f) = unsafe { sym(lib, platform, path, name) } {
            return Ok(f);
        }
    }
    // SAFETY: forwarded to the caller.
    unsafe { sym(lib, platform, path, last) }
}

/// Copies a symbol's function pointer out of `lib`.
///
/// # Safety
/// `T` must be the symbol's real type (an `unsafe extern "C" fn`), and the
/// pointer must not be called after `lib` is unloaded: callers keep the
/// `Library` in the same struct as the pointers, for the process lifetime.
pub(crate) unsafe fn sym<T: Copy>(
    lib: &libloading::Library,
    platform: Platform,
    path: &str,
    name: &str,
) -> Result<T, Error> {
    let mut cname = name.as_bytes().to_vec();
    cname.push(0);
    // SAFETY: forwarded to the caller (see above).
    match unsafe { lib.get::<T>(&cname) } {
        Ok(s) => Ok(*s),
        Err(e) => Err(Error::NoDevice {
            platform,
            reason: format!(
                "{path} lacks `{name}` ({e}); the driver is too old or not the vendor's"
            ),
        }),
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use std::os::raw::{c_int, c_long};

    use super::*;

    driver_symbols! {
        /// Entry points of the C library, to test the loader with.
        struct LibcFns for Platform::Amd {
            /// Present in every libc.
            abs: "abs" fn(c_int) -> c_int,
            /// The first name is missing, the second found.
            labs: "iree_rs_no_such_symbol" | "labs" fn(c_long) -> c_long,
        }
    }

    driver_symbols! {
        /// A table whose second entry cannot be found.
        #[allow(dead_code)] // never loads
        struct Missing for Platform::Nvidia {
            abs: "abs" fn(c_int) -> c_int,
            gone: "iree_rs_gone_v2" | "iree_rs_gone" fn() -> c_int,
        }
    }

    fn libc() -> libloading::Library {
        // SAFETY: the C library is already loaded into every process.
        unsafe { libloading::Library::new("libc.so.6") }.unwrap()
    }

    #[test]
    fn table_resolves_each_symbol_and_alternatives() {
        let lib = libc();
        // SAFETY: `abs` and `labs` have these prototypes in C; `lib` lives
        // until the end of the test.
        let f = unsafe { LibcFns::load(&lib, "libc.so.6") }.unwrap();
        // SAFETY: plain integer functions.
        unsafe {
            assert_eq!((f.abs)(-3), 3);
            assert_eq!((f.labs)(-4), 4);
        }
    }

    #[test]
    fn missing_symbol_names_the_last_alternative_and_the_path() {
        let lib = libc();
        // SAFETY: `abs` has this prototype; the other is never found.
        let Err(e) = (unsafe { Missing::load(&lib, "/x/libc.so.6") }) else {
            panic!("a missing symbol loaded");
        };
        let text = e.to_string();
        assert!(
            matches!(
                e,
                Error::NoDevice {
                    platform: Platform::Nvidia,
                    ..
                }
            ),
            "{text}"
        );
        assert!(text.contains("/x/libc.so.6 lacks `iree_rs_gone`"), "{text}");
    }
}
