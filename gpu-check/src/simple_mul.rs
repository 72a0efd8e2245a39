//! `simple_mul` timed both ways: through its `#[extern_dispatch]` wrapper
//! (what a user's program does) and through `cuLaunchKernel` on the same
//! bytes; and a `cuMemcpyDtoD` moving as many bytes. Each run checks the
//! answer after timing, on inputs that are never zero, into an output
//! poisoned with NaN first.

use std::ffi::c_void;

use runtime_hip::{Device, Error};

use crate::cuda::{Context, RawStream};
use crate::figure::{check_product, inputs, median_secs};
use crate::kernels::{simple_mul, BLOCK};

/// One timed case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// Elements per launch.
    pub n: usize,
    /// Launches per timed run (then one synchronisation).
    pub launches: usize,
    /// Timed runs; the median is reported.
    pub reps: usize,
}

impl Case {
    /// Bytes one launch moves through device memory: two reads, one write.
    pub fn bytes_moved(&self) -> usize {
        3 * 4 * self.n
    }

    fn grid(&self) -> Result<u32, String> {
        u32::try_from(self.n.div_ceil(BLOCK as usize)).map_err(|e| e.to_string())
    }

    fn dim(&self) -> Result<i32, String> {
        i32::try_from(self.n).map_err(|_| format!("{} elements exceed simple_mul's i32", self.n))
    }
}

fn err(e: Error) -> String {
    e.to_string()
}

fn bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

fn floats(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Seconds per launch through the wrapper, on one stream of `device`.
pub fn through_wrapper(device: &Device, case: &Case) -> Result<f64, String> {
    let dim = case.dim()?;
    let stream = device.stream().map_err(err)?;
    let (a, b) = (inputs(case.n, 1), inputs(case.n, 2));
    let lhs = device.upload(&a).map_err(err)?;
    let rhs = device.upload(&b).map_err(err)?;
    let mut ret = device.upload(&vec![f32::NAN; case.n]).map_err(err)?;
    let mut run = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            simple_mul(&stream, &lhs, &rhs, &mut ret, dim).map_err(err)?;
        }
        stream.synchronize().map_err(err)
    };
    // Warm-up: the first launch loads the module (and compiles PTX).
    run(case.launches / 10 + 1)?;
    let secs = median_secs(case.reps, || run(case.launches))?;
    check_product(&ret.download().map_err(err)?, &a, &b)?;
    Ok(secs / case.launches as f64)
}

/// Seconds per launch through `cuLaunchKernel` of `image`'s `simple_mul`.
pub fn through_driver(cx: &Context<'_>, image: &[u8], case: &Case) -> Result<f64, String> {
    let (grid, dim) = (case.grid()?, case.dim()?);
    let module = cx.module(image)?;
    let f = module.function("simple_mul")?;
    let (a, b) = (inputs(case.n, 1), inputs(case.n, 2));
    let lhs = cx.alloc(4 * case.n, Some(&bytes(&a)))?;
    let rhs = cx.alloc(4 * case.n, Some(&bytes(&b)))?;
    let ret = cx.alloc(4 * case.n, Some(&bytes(&vec![f32::NAN; case.n])))?;
    // Declared after the buffers, so dropped (and synchronised) before them.
    let stream = cx.stream()?;
    let mut args = (lhs.ptr, rhs.ptr, ret.ptr, dim);
    let mut params: [*mut c_void; 4] = [
        std::ptr::addr_of_mut!(args.0).cast(),
        std::ptr::addr_of_mut!(args.1).cast(),
        std::ptr::addr_of_mut!(args.2).cast(),
        std::ptr::addr_of_mut!(args.3).cast(),
    ];
    let mut run = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            // SAFETY: simple_mul(const float*, const float*, float*, int):
            // three device addresses of `n` floats and `n`; it touches
            // elements below `n` only. The buffers outlive `stream`, which
            // is synchronised below and on drop.
            unsafe { stream.launch(f, grid, BLOCK, &mut params)? };
        }
        stream.synchronize()
    };
    run(case.launches / 10 + 1)?;
    let secs = median_secs(case.reps, || run(case.launches))?;
    check_product(&floats(&ret.read()?), &a, &b)?;
    Ok(secs / case.launches as f64)
}

/// Seconds per `cuMemcpyDtoDAsync` of `case.bytes_moved() / 2` bytes (a
/// copy reads and writes each byte, so it moves as much as one launch).
pub fn through_copy(cx: &Context<'_>, case: &Case) -> Result<f64, String> {
    let half = case.bytes_moved() / 2;
    let src_data: Vec<u8> = bytes(&inputs(half / 4, 3));
    let src = cx.alloc(half, Some(&src_data))?;
    let dst = cx.alloc(half, None)?;
    // Declared after the buffers, so dropped (and synchronised) before them.
    let stream: RawStream<'_> = cx.stream()?;
    let run = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            // SAFETY: both buffers outlive `stream`, synchronised below.
            unsafe { stream.copy(&dst, &src)? };
        }
        stream.synchronize()
    };
    run(case.launches / 10 + 1)?;
    let secs = median_secs(case.reps, || run(case.launches))?;
    if dst.read()? != src_data {
        return Err("cuMemcpyDtoD: the copy differs from its source".into());
    }
    Ok(secs / case.launches as f64)
}
