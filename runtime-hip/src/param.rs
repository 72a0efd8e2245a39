//! Values a kernel takes by value: [`KernelParam`], and how a wrapper
//! writes them into its push-constant words.
//!
//! A value travels to the kernel as its bytes: the wrapper writes it into
//! zeroed 32-bit constant words ([`put_value`]) and the backend copies its
//! `size_of` bytes from there into the kernel's argument buffer, at an
//! offset aligned to its `align_of` (`kernel_args`). The kernel then reads
//! those bytes as its own C type, so they must be a valid value of it:
//! that is what implementing [`KernelParam`] promises, and why the trait is
//! `unsafe`. Users never implement it by hand: the scalars have it here,
//! and `#[derive(KernelParam)]` (re-exported as
//! [`runtime_hip::KernelParam`](crate::KernelParam)) implements it for a
//! `#[repr(C)]` struct whose fields all implement it, writing field by
//! field, so a struct's padding is never read: it stays the zero the words
//! started as. (Copying the whole struct instead would copy its padding,
//! which Rust leaves uninitialised, into `u32` words: undefined behaviour.)

/// A plain-old-data type a kernel may take by value.
///
/// # Safety
/// `Self` has C's layout of the kernel's type (for a struct: `#[repr(C)]`,
/// fields in order, each itself a `KernelParam`), and [`KernelParam::write`]
/// writes into `out` (exactly `size_of::<Self>()` bytes, zero on entry)
/// bytes that the kernel may read as a value of that type: every field at
/// its offset, and nothing else. No pointers: a kernel reaches memory only
/// through bindings, which the runtime checks and orders.
pub unsafe trait KernelParam: Copy + 'static {
    /// Writes this value's bytes, as they lie in memory, into `out`.
    fn write(&self, out: &mut [u8]);
}

macro_rules! scalar_params {
    ($($t:ty),*) => {$(
        // SAFETY: a primitive's bytes in memory order are a valid value of
        // the C type of its size and class, which the build checks the
        // kernel takes (`bool` is 0 or 1 in both languages).
        unsafe impl KernelParam for $t {
            fn write(&self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_ne_bytes());
            }
        }
    )*};
}

scalar_params!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize, f32, f64);

// SAFETY: `bool` is one byte, 0 or 1, as C++'s `bool`.
unsafe impl KernelParam for bool {
    fn write(&self, out: &mut [u8]) {
        out[0] = u8::from(*self);
    }
}

// SAFETY: an array is its elements in order without padding, in C too.
unsafe impl<T: KernelParam, const N: usize> KernelParam for [T; N] {
    fn write(&self, out: &mut [u8]) {
        let size = std::mem::size_of::<T>();
        for (v, chunk) in self.iter().zip(out.chunks_exact_mut(size.max(1))) {
            v.write(chunk);
        }
    }
}

/// The 32-bit push constants a value of `T` takes: its size in words.
/// (Unbounded: a type that is no `KernelParam` is reported once, where it
/// is written.)
pub const fn words_of<T>() -> usize {
    std::mem::size_of::<T>().div_ceil(4)
}

/// Writes `value` into `words` from word `word` on, as it lies in memory
/// (what the backend copies to the kernel). The words are zero where the
/// value has padding or ends inside a word.
///
/// # Panics
/// When the value does not fit: `words` must hold [`words_of::<T>`] words
/// from `word` (the wrapper sizes them so).
pub fn put_value<T: KernelParam>(words: &mut [u32], word: usize, value: &T) {
    let n = words_of::<T>();
    let target = &mut words[word..word + n];
    target.fill(0);
    // SAFETY: `u32` has no invalid bit patterns and no padding, and `u8`
    // a smaller alignment, so viewing the `n` words as `4 * n` bytes is
    // sound; the view borrows `target` exclusively.
    let bytes = unsafe { std::slice::from_raw_parts_mut(target.as_mut_ptr().cast::<u8>(), n * 4) };
    value.write(&mut bytes[..std::mem::size_of::<T>()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_their_bytes_in_words() {
        let mut w = [u32::MAX; 6];
        put_value(&mut w, 0, &-2i16);
        put_value(&mut w, 1, &0x0102_0304_0506_0708u64);
        put_value(&mut w, 3, &true);
        put_value(&mut w, 4, &[1u8, 2, 3, 4, 5]);
        assert_eq!(w[0].to_ne_bytes(), [0xfe, 0xff, 0, 0]);
        let v: Vec<u8> = w[1..3].iter().flat_map(|x| x.to_ne_bytes()).collect();
        assert_eq!(v, 0x0102_0304_0506_0708u64.to_ne_bytes());
        assert_eq!(w[3].to_ne_bytes(), [1, 0, 0, 0]);
        assert_eq!(w[4].to_ne_bytes(), [1, 2, 3, 4]);
        assert_eq!(w[5].to_ne_bytes(), [5, 0, 0, 0]);
        assert_eq!(words_of::<f64>(), 2);
        assert_eq!(words_of::<u8>(), 1);
    }
}
