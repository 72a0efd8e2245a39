//! Optional buffers and dynamic shared memory, in two kernels of the
//! shapes public CUDA code has: a block reduction whose per-block output
//! "may be NULL" (`Option<&mut DeviceSlice<f32>>`, `None` is a null
//! pointer) with shared memory sized from the block size, and a row reversal
//! whose shared memory (`extern __shared__`) is computed at each launch from
//! a parameter (`workgroup_local_memory = |width| …`, checked against the
//! device). The reduction's shared memory is `HIP_DYNAMIC_SHARED`, the
//! other spelling.

use runtime_hip::{DeviceSlice, Error, Stream};

/// Threads per block of [`reduce`].
pub const REDUCE_THREADS: usize = 256;

/// Blocks [`reduce`] launches for `n` elements without `partial_sums`: one
/// per 256 elements, at most 64 (the kernel's loop is grid-stride).
pub fn reduce_blocks(n: i32) -> usize {
    usize::try_from(n)
        .unwrap_or(0)
        .div_ceil(REDUCE_THREADS)
        .clamp(1, 64)
}

/// `total[0] += sum(input[..n])`; with `partial_sums`, one block per
/// element of it, each storing its own sum there. Dynamic shared memory:
/// one `f32` per thread, a constant the build checks for every target.
#[runtime_hip::extern_dispatch(
    source = "kernels/reduce.cu",
    export = "block_reduce",
    workgroup_size = [256, 1, 1],
    workgroup_local_memory = 1024,
    count = |n, partial_sums| [partial_sums.map_or(reduce_blocks(n), |p| p.len()), 1, 1],
)]
pub fn reduce(
    input: &DeviceSlice<f32>,
    total: &mut DeviceSlice<f32>,
    partial_sums: Option<&mut DeviceSlice<f32>>,
    n: i32,
);

/// `out[r, :] = reverse(input[r, :])` for the rows of `width` ints, one
/// 128-thread block per row, through `width * 4` bytes of dynamic shared
/// memory computed at each launch (a width whose row does not fit a
/// workgroup's shared memory is `Error::SharedMemoryTooLarge`; a negative
/// one `Error::Launch`).
#[runtime_hip::extern_dispatch(
    source = "kernels/reduce.cu",
    workgroup_size = [128, 1, 1],
    workgroup_local_memory = |width| i64::from(width) * 4,
    count = |input, width| [rows_of(input.len(), width), 1, 1],
)]
pub fn reverse_rows(input: &DeviceSlice<i32>, out: &mut DeviceSlice<i32>, width: i32);

/// Rows of `width` elements in `len` (none for a width below 1).
pub fn rows_of(len: usize, width: i32) -> usize {
    usize::try_from(width).map_or(0, |w| len.checked_div(w).unwrap_or(0))
}

fn refused(kernel: &str, reason: String) -> Error {
    Error::Launch {
        kernel: kernel.into(),
        reason,
    }
}

/// [`reduce`] after checking the lengths the kernel relies on.
pub fn reduce_checked(
    stream: &Stream,
    input: &DeviceSlice<f32>,
    total: &mut DeviceSlice<f32>,
    partial_sums: Option<&mut DeviceSlice<f32>>,
) -> Result<(), Error> {
    let n = i32::try_from(input.len())
        .map_err(|_| refused("block_reduce", format!("{} elements", input.len())))?;
    if total.is_empty() || partial_sums.as_ref().is_some_and(|p| p.is_empty()) {
        return Err(refused(
            "block_reduce",
            "`total` and `partial_sums` need at least one element".into(),
        ));
    }
    reduce(stream, input, total, partial_sums, n)
}

/// [`reverse_rows`] after checking that both buffers hold `rows x width`.
pub fn reverse_rows_checked(
    stream: &Stream,
    input: &DeviceSlice<i32>,
    out: &mut DeviceSlice<i32>,
    (rows, width): (usize, usize),
) -> Result<(), Error> {
    let bad = |why: String| refused("reverse_rows", why);
    if rows.checked_mul(width) != Some(input.len()) || out.len() != input.len() {
        return Err(bad(format!(
            "shape {rows}x{width} does not match input ({}) and out ({})",
            input.len(),
            out.len()
        )));
    }
    let width = i32::try_from(width).map_err(|_| bad(format!("width {width}")))?;
    reverse_rows(stream, input, out, width)
}
