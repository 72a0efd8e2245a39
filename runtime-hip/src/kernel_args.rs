//! The argument buffer of one launch, in the kernel's parameter order.
//!
//! A wrapper passes its bindings in IREE's layout order and its values as
//! 32-bit push-constant words (IREE's layout: bindings, then constants).
//! The kernel itself takes the declaration's parameters in declaration
//! order, each at its own alignment: the wrapper's [`ParamSlot`] list says,
//! per kernel parameter, which binding or which constant words hold it.
//! [`KernelParams::pack`] lays the values out as the kernel's argument
//! segment does (each at the next offset aligned to its alignment, as C lays
//! out a struct of the parameters, which is what AMD's kernarg segment, a
//! CUDA parameter buffer and the host entry's arguments all are) and points
//! `ptrs[k]` at parameter `k`'s value: the `kernelParams` array
//! `hipModuleLaunchKernel` and `cuLaunchKernel` take (the drivers copy each
//! parameter from there to the offset the kernel's metadata gives), and the
//! `args` of a host kernel, which reads `*(T*)args[k]` (so each value must
//! sit at an address aligned for its type, which the 16-aligned storage and
//! the aligned offsets give).

use std::ffi::c_void;
use std::mem::MaybeUninit;

use crate::backend::DevicePtr;
pub(crate) use iree_abi::limits::{MAX_BINDINGS, MAX_CONSTANTS};

/// One kernel parameter, in the kernel's order, as a wrapper describes it
/// (`ExportRef::params`): where its value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamSlot {
    /// This binding of the launch's bindings (layout order): an 8-byte
    /// device pointer.
    Binding(u16),
    /// A value of `size` bytes and alignment `align`, whose bytes are the
    /// first `size` bytes of the push constants from word `word` on (in
    /// memory order: a value is written into its words as it lies in
    /// memory, so the words hold its bytes on any byte order).
    Value {
        /// First push-constant word.
        word: u16,
        /// Size in bytes (at most the words from `word` to the end hold).
        size: u16,
        /// Alignment in the argument buffer: a power of two, at most
        /// [`MAX_PARAM_ALIGN`].
        align: u16,
    },
}

/// The largest alignment a parameter may ask for (a `float4`, a struct
/// with a 16-byte aligned member).
pub const MAX_PARAM_ALIGN: usize = 16;

/// Bytes of storage: every binding and constant word, plus the padding
/// aligning each parameter may add.
const STORAGE_BYTES: usize =
    MAX_BINDINGS * 8 + MAX_CONSTANTS * 4 + (MAX_BINDINGS + MAX_CONSTANTS) * (MAX_PARAM_ALIGN - 1);

/// 16-byte aligned bytes.
#[repr(C, align(16))]
struct Storage([MaybeUninit<u8>; STORAGE_BYTES]);

/// The kernel arguments of one launch, packed in kernel order.
pub(crate) struct KernelParams {
    /// Only the parameters' own bytes are initialised (written by `pack`);
    /// padding between them stays uninitialised, and nothing reads it as
    /// bytes: the drivers copy each parameter's `size` bytes from its
    /// pointer and a host kernel reads each as its type. Not zeroed: a
    /// launch should not pay for writing 1.6 KiB.
    storage: Storage,
    ptrs: [*mut c_void; MAX_BINDINGS + MAX_CONSTANTS],
    /// `(offset, size)` of each parameter's value, for the tests' view of
    /// the bytes (not kept on the launch path).
    #[cfg(test)]
    spans: [(u32, u32); MAX_BINDINGS + MAX_CONSTANTS],
    count: usize,
    bytes: usize,
}

/// IREE's own order when a wrapper gives no [`ParamSlot`]s: every binding,
/// then every constant as a 4-byte value.
pub(crate) fn default_slot(k: usize, bindings: usize) -> ParamSlot {
    if k < bindings {
        ParamSlot::Binding(k as u16)
    } else {
        ParamSlot::Value {
            word: (k - bindings) as u16,
            size: 4,
            align: 4,
        }
    }
}

impl KernelParams {
    /// Packs the parameters `params` describes (IREE's order, bindings
    /// then one 4-byte value per constant, when `params` is empty) from
    /// `bindings` and `constants`. The pointers refer into `out`, so `out`
    /// must not move between this call and the launch (keep it in a local,
    /// or a `Box`, and pass [`KernelParams::as_ptr`] straight on). `Err`
    /// says why `params` does not fit `bindings` and `constants`.
    pub(crate) fn pack(
        params: &[ParamSlot],
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
        let n = if params.is_empty() {
            bindings.len() + constants.len()
        } else {
            params.len()
        };
        if n > out.ptrs.len() {
            return Err(format!(
                "{n} parameters exceed the limit of {}",
                out.ptrs.len()
            ));
        }
        let base = out.storage.0.as_mut_ptr().cast::<u8>();
        let mut offset = 0usize;
        for k in 0..n {
            let slot = params
                .get(k)
                .copied()
                .unwrap_or_else(|| default_slot(k, bindings.len()));
            let (src, size, align): (&[u8], usize, usize) = match slot {
                ParamSlot::Binding(i) => {
                    let Some(b) = bindings.get(usize::from(i)) else {
                        return Err(format!(
                            "parameter {k} is binding {i} of {}",
                            bindings.len()
                        ));
                    };
                    // SAFETY: a `u64` is 8 initialised bytes.
                    let bytes = unsafe { std::slice::from_raw_parts((b as *const u64).cast(), 8) };
                    (bytes, 8, 8)
                }
                ParamSlot::Value { word, size, align } => {
                    let (word, size, align) =
                        (usize::from(word), usize::from(size), usize::from(align));
                    let words = constants.get(word..).unwrap_or_default();
                    if size == 0 || size > words.len() * 4 {
                        return Err(format!(
                            "parameter {k} is {size} bytes from constant word {word} of {}",
                            constants.len()
                        ));
                    }
                    if !align.is_power_of_two() || align > MAX_PARAM_ALIGN {
                        return Err(format!(
                            "parameter {k} asks for alignment {align} (at most {MAX_PARAM_ALIGN}, a power of two)"
                        ));
                    }
                    // SAFETY: the words are initialised `u32`s, so their
                    // bytes are initialised too; `size <= 4 * words.len()`.
                    let bytes =
                        unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), size) };
                    (bytes, size, align)
                }
            };
            offset = offset.next_multiple_of(align);
            // Each parameter takes at most its words (or 8 bytes) plus
            // `align - 1` of padding, which `STORAGE_BYTES` has room for;
            // checked anyway, since `params` may name a word twice.
            if offset + size > STORAGE_BYTES {
                return Err(format!(
                    "the parameters take more than {STORAGE_BYTES} bytes"
                ));
            }
            // SAFETY: `offset + size <= STORAGE_BYTES`, inside `storage`;
            // `src` is `size` initialised bytes that do not overlap it.
            unsafe {
                let p = base.add(offset);
                std::ptr::copy_nonoverlapping(src.as_ptr(), p, size);
                out.ptrs[k] = p.cast();
            }
            #[cfg(test)]
            {
                out.spans[k] = (offset as u32, size as u32);
            }
            offset += size;
        }
        out.count = n;
        out.bytes = offset;
        Ok(())
    }

    /// An empty parameter array to pack into.
    pub(crate) fn new() -> KernelParams {
        KernelParams {
            storage: Storage([MaybeUninit::uninit(); STORAGE_BYTES]),
            ptrs: [std::ptr::null_mut(); MAX_BINDINGS + MAX_CONSTANTS],
            #[cfg(test)]
            spans: [(0, 0); MAX_BINDINGS + MAX_CONSTANTS],
            count: 0,
            bytes: 0,
        }
    }

    /// `void** kernelParams`.
    pub(crate) fn as_ptr(&mut self) -> *mut *mut c_void {
        self.ptrs.as_mut_ptr()
    }

    /// The parameter pointers for a host kernel's `args`, which only reads
    /// through them.
    pub(crate) fn ptrs(&self) -> *const *mut c_void {
        self.ptrs.as_ptr()
    }

    /// The packed argument bytes, padding shown as zero (it is never
    /// written, so it is not read here either).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.bytes];
        let base = self.storage.0.as_ptr().cast::<u8>();
        for &(offset, size) in &self.spans[..self.count] {
            let (offset, size) = (offset as usize, size as usize);
            // SAFETY: `pack` wrote these `size` bytes at `offset`.
            let value = unsafe { std::slice::from_raw_parts(base.add(offset), size) };
            out[offset..offset + size].copy_from_slice(value);
        }
        out
    }

    /// Offset of each parameter's value within [`KernelParams::bytes`].
    #[cfg(test)]
    pub(crate) fn offsets(&self) -> Vec<usize> {
        self.spans[..self.count]
            .iter()
            .map(|&(o, _)| o as usize)
            .collect()
    }
}

/// Checks a wrapper's parameter list against an export's counts once, when
/// the export is resolved: every binding passed exactly once, every value
/// within the constants, alignments powers of two up to
/// [`MAX_PARAM_ALIGN`]. Empty means IREE's order and always fits.
pub(crate) fn check_slots(
    params: &[ParamSlot],
    bindings: usize,
    constants: usize,
) -> Result<(), String> {
    if params.is_empty() {
        return Ok(());
    }
    let mut seen = vec![false; bindings];
    for (k, p) in params.iter().enumerate() {
        match *p {
            ParamSlot::Binding(i) => match seen.get_mut(usize::from(i)) {
                Some(s @ false) => *s = true,
                Some(true) => return Err(format!("parameter {k} passes binding {i} again")),
                None => {
                    return Err(format!(
                        "parameter {k} is binding {i} but the export has {bindings}"
                    ))
                }
            },
            ParamSlot::Value { word, size, align } => {
                let end = usize::from(word) * 4 + usize::from(size);
                if size == 0 || end > constants * 4 {
                    return Err(format!(
                        "parameter {k} takes bytes up to {end} of the {constants} constant words"
                    ));
                }
                if !align.is_power_of_two() || usize::from(align) > MAX_PARAM_ALIGN {
                    return Err(format!("parameter {k} has alignment {align}"));
                }
            }
        }
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(format!("binding {i} is no kernel parameter"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_packed_byte_exact() {
        let mut p = KernelParams::new();
        KernelParams::pack(
            &[],
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

    /// Words holding `bytes` as they lie in memory (what the macro writes).
    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                u32::from_ne_bytes(w)
            })
            .collect()
    }

    #[test]
    fn kernel_order_with_mixed_sizes_and_alignment() {
        // The candle shape: `(size_t numel, const float* x, uint8_t flag,
        // double scale, float* y, short s, Params p)` with
        // `struct Params { int n; float scale; double bias; }` (16 bytes,
        // align 8) passed by value.
        let numel: u64 = 0x0102_0304_0506_0708;
        let scale = 2.5f64;
        let mut params = Vec::new();
        params.extend_from_slice(&7i32.to_ne_bytes());
        params.extend_from_slice(&0.5f32.to_ne_bytes());
        params.extend_from_slice(&(-1.0f64).to_ne_bytes());
        let mut constant_bytes = Vec::new();
        constant_bytes.extend_from_slice(&numel.to_ne_bytes()); // words 0, 1
        constant_bytes.extend_from_slice(&[0xab, 0, 0, 0]); // word 2
        constant_bytes.extend_from_slice(&scale.to_ne_bytes()); // words 3, 4
        constant_bytes.extend_from_slice(&[0xfe, 0xff, 0, 0]); // word 5: -2i16
        constant_bytes.extend_from_slice(&params); // words 6..10
        let constants = words(&constant_bytes);
        let slots = [
            ParamSlot::Value {
                word: 0,
                size: 8,
                align: 8,
            },
            ParamSlot::Binding(1),
            ParamSlot::Value {
                word: 2,
                size: 1,
                align: 1,
            },
            ParamSlot::Value {
                word: 3,
                size: 8,
                align: 8,
            },
            ParamSlot::Binding(0),
            ParamSlot::Value {
                word: 5,
                size: 2,
                align: 2,
            },
            ParamSlot::Value {
                word: 6,
                size: 16,
                align: 8,
            },
        ];
        check_slots(&slots, 2, constants.len()).unwrap();
        let mut p = KernelParams::new();
        KernelParams::pack(&slots, &[0xaaaa_0000, 0xbbbb_0000], &constants, &mut p).unwrap();
        // C's layout of the parameter list: 8, 8, 1 (+7 padding), 8, 8, 2
        // (+6 padding), 16.
        assert_eq!(p.offsets(), vec![0, 8, 16, 24, 32, 40, 48]);
        let bytes = p.bytes();
        assert_eq!(bytes.len(), 64);
        assert_eq!(&bytes[0..8], &numel.to_ne_bytes());
        assert_eq!(&bytes[8..16], &0xbbbb_0000u64.to_ne_bytes());
        assert_eq!(bytes[16], 0xab);
        assert_eq!(&bytes[24..32], &scale.to_ne_bytes());
        assert_eq!(&bytes[32..40], &0xaaaa_0000u64.to_ne_bytes());
        assert_eq!(&bytes[40..42], &(-2i16).to_ne_bytes());
        assert_eq!(&bytes[48..64], &params[..]);
        let ptrs = p.as_ptr();
        // SAFETY: the pointers point into `p`, alive and unmoved; each
        // value sits at an address aligned for its type.
        unsafe {
            assert_eq!(*(*ptrs.add(3)).cast::<f64>(), 2.5);
            assert_eq!(*(*ptrs.add(5)).cast::<i16>(), -2);
            assert_eq!(*(*ptrs.add(6)).cast::<f64>().add(1), -1.0);
            assert_eq!((*ptrs.add(6)) as usize % 8, 0);
        }
    }

    #[test]
    fn slots_that_do_not_fit_are_refused() {
        let v = |word, size, align| ParamSlot::Value { word, size, align };
        assert!(check_slots(&[ParamSlot::Binding(0)], 2, 0)
            .unwrap_err()
            .contains("binding 1 is no kernel parameter"));
        assert!(check_slots(&[ParamSlot::Binding(0), ParamSlot::Binding(0)], 1, 0).is_err());
        assert!(check_slots(&[ParamSlot::Binding(3)], 1, 0).is_err());
        assert!(check_slots(&[v(1, 8, 8)], 0, 2).is_err());
        assert!(check_slots(&[v(0, 8, 3)], 0, 2).is_err());
        assert!(check_slots(&[v(0, 8, 32)], 0, 2).is_err());
        assert!(check_slots(&[v(0, 0, 1)], 0, 2).is_err());
        check_slots(&[v(0, 8, 8)], 0, 2).unwrap();
        let mut p = KernelParams::new();
        assert!(KernelParams::pack(&[v(1, 8, 8)], &[], &[1, 2], &mut p).is_err());
        assert!(KernelParams::pack(&[ParamSlot::Binding(1)], &[5], &[], &mut p).is_err());
    }

    #[test]
    fn params_without_bindings_or_constants() {
        let mut p = KernelParams::new();
        KernelParams::pack(&[], &[], &[7], &mut p).unwrap();
        assert_eq!(p.bytes(), 7u32.to_le_bytes());
        KernelParams::pack(&[], &[5], &[], &mut p).unwrap();
        assert_eq!(p.bytes(), 5u64.to_le_bytes());
        assert_eq!(p.offsets(), vec![0]);
    }

    #[test]
    fn params_over_the_limit_are_refused() {
        let mut p = KernelParams::new();
        assert!(KernelParams::pack(&[], &[0; MAX_BINDINGS + 1], &[], &mut p).is_err());
        assert!(KernelParams::pack(&[], &[], &[0; MAX_CONSTANTS + 1], &mut p).is_err());
        KernelParams::pack(&[], &[1; MAX_BINDINGS], &[2; MAX_CONSTANTS], &mut p).unwrap();
        assert_eq!(p.bytes().len(), MAX_BINDINGS * 8 + MAX_CONSTANTS * 4);
    }
}
