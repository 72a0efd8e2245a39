//! GPU drivers, loaded at run time with `libloading`.
//!
//! Nothing links against ROCm or CUDA: a platform's library is opened the
//! first time a device of that platform is asked for, from a list of
//! candidate names, and every candidate's failure is kept for the error.
//! What both drivers share lives here: library loading, the kernel
//! parameter array (IREE's HIP ABI) and the allocation registry behind
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
pub(crate) mod nvidia;
mod stream;
pub(crate) mod symbols;

use std::collections::BTreeMap;
use std::ffi::{c_void, CStr};
use std::mem::MaybeUninit;
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
/// the build verifies (IREE's), which size the fixed parameter array below.
pub(crate) use iree_abi::limits::{MAX_BINDINGS, MAX_CONSTANTS};

/// The kernel arguments of one launch in IREE's HIP ABI, kept on the stack.
///
/// `storage` holds the values packed as the kernel's argument segment lays
/// them out (each binding an 8-byte pointer at offset `8 * i`, then each
/// constant a 4-byte value at `8 * bindings + 4 * j`), and `ptrs[k]` points
/// at parameter `k`'s value: the `kernelParams` array `hipModuleLaunchKernel`
/// and `cuLaunchKernel` take, and the `args` of a host kernel.
pub(crate) struct KernelParams {
    /// Only the first `bytes` bytes are initialised (written by `pack`);
    /// left uninitialised otherwise, since zeroing 384 bytes per launch
    /// would be a measurable part of the launch path.
    storage: MaybeUninit<[u64; STORAGE_WORDS]>,
    ptrs: [*mut c_void; MAX_BINDINGS + MAX_CONSTANTS],
    count: usize,
    bytes: usize,
}

const STORAGE_WORDS: usize = (MAX_BINDINGS * 8 + MAX_CONSTANTS * 4) / 8;

impl KernelParams {
    /// Packs `bindings` then `constants`. The pointers refer into `out`,
    /// so `out` must not move between this call and the launch (keep it in
    /// a local and pass [`KernelParams::as_ptr`] straight on).
    pub(crate) fn pack(
        bindings: &[DevicePtr],
        constants: &[u32],
        out: &mut KernelParams,
    ) -> Result<(), String> {
        if bindings.len() > MAX_BINDINGS || constants.len() > MAX_CONSTANTS {
            return Err(format!(
                "{} bindings and {} constants exceed the limits ({MAX_BINDINGS}, {MAX_CONSTANTS})",
                bindings.len(),
                constants.len()
            ));
        }
        let base = out.storage.as_mut_ptr().cast::<u8>();
        let mut offset = 0usize;
        let mut k = 0usize;
        for b in bindings {
            // SAFETY: offset + 8 <= 8 * MAX_BINDINGS <= size of storage, and
            // offset is a multiple of 8 from an 8-aligned base.
            unsafe {
                let p = base.add(offset);
                p.cast::<u64>().write(*b);
                out.ptrs[k] = p.cast();
            }
            offset += 8;
            k += 1;
        }
        for c in constants {
            // SAFETY: offset + 4 <= 8 * MAX_BINDINGS + 4 * MAX_CONSTANTS, the
            // storage size, and offset is a multiple of 4.
            unsafe {
                let p = base.add(offset);
                p.cast::<u32>().write(*c);
                out.ptrs[k] = p.cast();
            }
            offset += 4;
            k += 1;
        }
        out.count = k;
        out.bytes = offset;
        Ok(())
    }

    /// An empty parameter array to pack into.
    pub(crate) fn new() -> KernelParams {
        KernelParams {
            storage: MaybeUninit::uninit(),
            ptrs: [std::ptr::null_mut(); MAX_BINDINGS + MAX_CONSTANTS],
            count: 0,
            bytes: 0,
        }
    }

    /// `void** kernelParams`.
    pub(crate) fn as_ptr(&mut self) -> *mut *mut c_void {
        self.ptrs.as_mut_ptr()
    }

    /// The packed argument bytes.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn bytes(&self) -> Vec<u8> {
        // SAFETY: `pack` wrote every byte of `[0, bytes)` (values are
        // contiguous: 8-byte bindings, then 4-byte constants).
        unsafe { std::slice::from_raw_parts(self.storage.as_ptr().cast::<u8>(), self.bytes) }
            .to_vec()
    }

    /// Offset of each parameter's value within [`KernelParams::bytes`].
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn offsets(&self) -> Vec<usize> {
        let base = self.storage.as_ptr() as usize;
        self.ptrs[..self.count]
            .iter()
            .map(|p| *p as usize - base)
            .collect()
    }
}

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
    fn params_are_packed_byte_exact() {
        let mut p = KernelParams::new();
        KernelParams::pack(
            &[0x1122_3344_5566_7788, 0xdead_beef_0000_1000, 0x10],
            &[8, f32::to_bits(1.5), u32::MAX],
            &mut p,
        )
        .unwrap();
        let mut want = Vec::new();
        for b in [0x1122_3344_5566_7788u64, 0xdead_beef_0000_1000, 0x10] {
            want.extend_from_slice(&b.to_le_bytes());
        }
        for c in [8u32, 1.5f32.to_bits(), u32::MAX] {
            want.extend_from_slice(&c.to_le_bytes());
        }
        assert_eq!(p.bytes(), want);
        assert_eq!(p.offsets(), vec![0, 8, 16, 24, 28, 32]);
        // Each kernelParams entry points at its value.
        let ptrs = p.as_ptr();
        // SAFETY: the pointers point into `p`, which is alive and unmoved.
        unsafe {
            assert_eq!(*(*ptrs.add(1)).cast::<u64>(), 0xdead_beef_0000_1000);
            assert_eq!(*(*ptrs.add(4)).cast::<u32>(), 1.5f32.to_bits());
        }
    }

    #[test]
    fn params_without_bindings_or_constants() {
        let mut p = KernelParams::new();
        KernelParams::pack(&[], &[7], &mut p).unwrap();
        assert_eq!(p.bytes(), 7u32.to_le_bytes());
        KernelParams::pack(&[5], &[], &mut p).unwrap();
        assert_eq!(p.bytes(), 5u64.to_le_bytes());
        assert_eq!(p.offsets(), vec![0]);
    }

    #[test]
    fn params_over_the_limit_are_refused() {
        let mut p = KernelParams::new();
        assert!(KernelParams::pack(&[0; MAX_BINDINGS + 1], &[], &mut p).is_err());
        assert!(KernelParams::pack(&[], &[0; MAX_CONSTANTS + 1], &mut p).is_err());
        KernelParams::pack(&[1; MAX_BINDINGS], &[2; MAX_CONSTANTS], &mut p).unwrap();
        assert_eq!(p.bytes().len(), MAX_BINDINGS * 8 + MAX_CONSTANTS * 4);
    }

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
