//! GPU drivers, loaded at run time with `libloading`.
//!
//! Nothing links against ROCm or CUDA: a platform's library is opened the
//! first time a device of that platform is asked for, from a list of
//! candidate names, and every candidate's failure is kept for the error.
//! What both drivers share lives here: library loading, the kernel
//! parameter array (`kernel_args`) and the allocation registry behind
//! `Backend::check_binding`; `common` holds the calls both make the same
//! way (module loading, launching, zeroed allocation, device limits).
//! `symbols` declares each driver's entry points once, as a table that is
//! both the struct of function pointers and its loader; `gpu` is the one
//! `Backend` of both drivers and `stream` their one `BackendStream`, each
//! written against a trait (`GpuApi`, `StreamApi`) that `amd` and `nvidia`
//! implement with their own entry points and contexts.

pub(crate) mod amd;
mod common;
mod gpu;
mod graph;
pub(crate) mod nvidia;
mod stream;
pub(crate) mod symbols;

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::RwLock;

use crate::backend::DevicePtr;
use crate::target::Platform;
use crate::Error;

/// Opens the first loadable library of `candidates`.
///
/// Returns the library and the name that worked, or
/// [`Error::DriverNotFound`] listing every name with its `dlopen` error.
pub(crate) fn open_first(
    platform: Platform,
    candidates: &[String],
) -> Result<(libloading::Library, String), Error> {
    let mut tried = Vec::new();
    for name in candidates {
        // SAFETY: loading a driver library runs its initialisers; the
        // libraries named here are the vendor's user-mode drivers, which are
        // meant to be loaded into arbitrary processes.
        match unsafe { libloading::Library::new(name) } {
            Ok(lib) => return Ok((lib, name.clone())),
            Err(e) => tried.push(format!("{name} ({e})")),
        }
    }
    Err(Error::DriverNotFound { platform, tried })
}

/// Reads a C string the driver returned; empty for null.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that lives at least as
/// long as this call.
pub(crate) unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated per the contract above.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Text of a NUL-terminated buffer the driver filled (a name, a JIT log).
pub(crate) fn buf_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim_end().to_string()
}

/// Most bindings and 32-bit push constants a launch may pass: the limits
/// the build verifies (IREE's), which size the parameter array.
pub(crate) use crate::kernel_args::{KernelParams, MAX_BINDINGS, MAX_CONSTANTS};

/// The live allocations of one GPU device, so that `check_binding` can tell
/// a buffer of this device from a foreign or freed one.
#[derive(Default)]
pub(crate) struct Allocations {
    live: RwLock<BTreeMap<DevicePtr, usize>>,
}

impl Allocations {
    pub(crate) fn insert(&self, ptr: DevicePtr, bytes: usize) {
        self.live
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ptr, bytes);
    }

    pub(crate) fn remove(&self, ptr: DevicePtr) {
        self.live
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ptr);
    }

    /// `Backend::check_binding`: `Err(ForeignBuffer)` naming `device`
    /// unless `[ptr, ptr + bytes)` lies inside one live allocation.
    pub(crate) fn check(
        &self,
        ptr: DevicePtr,
        bytes: usize,
        device: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        if self.contains(ptr, bytes) {
            Ok(())
        } else {
            Err(foreign(ptr, bytes, &device()))
        }
    }

    /// `Backend::check_bindings`: the index of the first binding outside
    /// every live allocation, with its error naming `device`.
    pub(crate) fn check_all(
        &self,
        bindings: &[(DevicePtr, usize)],
        device: impl FnOnce() -> String,
    ) -> Result<(), (usize, Error)> {
        match self.first_outside(bindings) {
            None => Ok(()),
            Some(i) => {
                let (ptr, bytes) = bindings[i];
                Err((i, foreign(ptr, bytes, &device())))
            }
        }
    }

    /// Whether `[ptr, ptr + bytes)` lies inside one live allocation.
    pub(crate) fn contains(&self, ptr: DevicePtr, bytes: usize) -> bool {
        self.first_outside(&[(ptr, bytes)]).is_none()
    }

    /// The index of the first non-empty range that is not inside one live
    /// allocation, taking the lock once.
    pub(crate) fn first_outside(&self, ranges: &[(DevicePtr, usize)]) -> Option<usize> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (each write is one map call), so poisoning is ignored.
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        ranges.iter().position(|&(ptr, bytes)| {
            if bytes == 0 {
                return false;
            }
            match live.range(..=ptr).next_back() {
                Some((&start, &len)) => {
                    let end = start.saturating_add(len as u64);
                    ptr.checked_add(bytes as u64).is_none_or(|e| e > end)
                }
                None => true,
            }
        })
    }
}

/// The error for a binding that is not a live allocation of this device.
pub(crate) fn foreign(ptr: DevicePtr, bytes: usize, device: &str) -> Error {
    Error::ForeignBuffer {
        ptr,
        bytes,
        device: device.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_registry_ranges() {
        let a = Allocations::default();
        a.insert(0x1000, 0x100);
        a.insert(0x2000, 0x10);
        assert!(a.contains(0x1000, 0x100));
        assert!(a.contains(0x10f0, 0x10));
        assert!(!a.contains(0x10f0, 0x11));
        assert!(!a.contains(0xfff, 1));
        assert!(!a.contains(0x1800, 1));
        assert!(a.contains(0x2000, 0));
        assert_eq!(
            a.first_outside(&[(0x1000, 4), (0, 0), (0x3000, 1)]),
            Some(2)
        );
        assert!(!a.contains(u64::MAX, 2));
        a.remove(0x1000);
        assert!(!a.contains(0x1000, 1));
    }
}
