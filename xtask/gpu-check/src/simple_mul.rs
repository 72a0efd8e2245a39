//! `simple_mul` timed both ways: through its `#[extern_dispatch]` wrapper
//! (what a user's program does) and through `cuLaunchKernel` on the same
//! bytes; and a `cuMemcpyDtoD` moving as many bytes. Each run checks the
//! answer after timing, on inputs that are never zero, into an output
//! poisoned with NaN first.

use std::ffi::c_void;
use std::time::Instant;

use runtime_hip::{Device, Error};

use crate::cuda::{Context, RawStream};
use crate::figure::{check_product, inputs, median_of, median_secs};
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
    /// Launches per burst for the host-side queueing time (few enough for
    /// the driver's queue to take them all without waiting); 0: not timed.
    pub burst: usize,
}

/// What one way of launching took, per launch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Seconds per launch, queued back to back and waited for: the rate.
    pub run: f64,
    /// Host seconds per launch to queue a burst (not waiting for it), when
    /// [`Case::burst`] is not 0: what the caller's thread pays.
    pub queue: Option<f64>,
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

/// Times `queue` (which queues that many launches) per [`Case`]: a
/// warm-up (the first launch loads the module and compiles PTX), the rate
/// over `launches`, and the host time of bursts; `sync` waits for them.
fn time_launches(
    case: &Case,
    queue: &mut dyn FnMut(usize) -> Result<(), String>,
    sync: &dyn Fn() -> Result<(), String>,
) -> Result<Timing, String> {
    queue(case.launches / 10 + 1)?;
    sync()?;
    let run = median_secs(case.reps, || {
        queue(case.launches)?;
        sync()
    })?;
    let queue = match case.burst {
        0 => None,
        burst => Some(
            median_of(3 * case.reps, || {
                let t = Instant::now();
                queue(burst)?;
                let secs = t.elapsed().as_secs_f64();
                sync()?;
                Ok(secs)
            })? / burst as f64,
        ),
    };
    Ok(Timing {
        run: run / case.launches as f64,
        queue,
    })
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

/// Launches through the wrapper, on one stream of `device`.
pub fn through_wrapper(device: &Device, case: &Case) -> Result<Timing, String> {
    let dim = case.dim()?;
    let stream = device.stream().map_err(err)?;
    let (a, b) = (inputs(case.n, 1), inputs(case.n, 2));
    let lhs = device.upload(&a).map_err(err)?;
    let rhs = device.upload(&b).map_err(err)?;
    let mut ret = device.upload(&vec![f32::NAN; case.n]).map_err(err)?;
    let mut queue = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            simple_mul(&stream, &lhs, &rhs, &mut ret, dim).map_err(err)?;
        }
        Ok(())
    };
    let timing = time_launches(case, &mut queue, &|| stream.synchronize().map_err(err))?;
    check_product(&ret.download().map_err(err)?, &a, &b)?;
    Ok(timing)
}

/// Launches through `cuLaunchKernel` of `image`'s `simple_mul`.
pub fn through_driver(cx: &Context<'_>, image: &[u8], case: &Case) -> Result<Timing, String> {
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
    let mut queue = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            // SAFETY: simple_mul(const float*, const float*, float*, int):
            // three device addresses of `n` floats and `n`; it touches
            // elements below `n` only. The buffers outlive `stream`, which
            // is synchronised before them (in `time_launches` and on drop).
            unsafe { stream.launch(f, grid, BLOCK, &mut params)? };
        }
        Ok(())
    };
    let timing = time_launches(case, &mut queue, &|| stream.synchronize())?;
    check_product(&floats(&ret.read()?), &a, &b)?;
    Ok(timing)
}

/// `cuMemcpyDtoDAsync` of `case.bytes_moved() / 2` bytes (a copy reads and
/// writes each byte, so it moves as much as one launch).
pub fn through_copy(cx: &Context<'_>, case: &Case) -> Result<Timing, String> {
    let half = case.bytes_moved() / 2;
    let src_data: Vec<u8> = bytes(&inputs(half / 4, 3));
    let src = cx.alloc(half, Some(&src_data))?;
    let dst = cx.alloc(half, None)?;
    // Declared after the buffers, so dropped (and synchronised) before them.
    let stream: RawStream<'_> = cx.stream()?;
    let mut queue = |count: usize| -> Result<(), String> {
        for _ in 0..count {
            // SAFETY: both buffers outlive `stream`, synchronised first.
            unsafe { stream.copy(&dst, &src)? };
        }
        Ok(())
    };
    let timing = time_launches(case, &mut queue, &|| stream.synchronize())?;
    if dst.read()? != src_data {
        return Err("cuMemcpyDtoDAsync: the copy differs from its source".into());
    }
    Ok(timing)
}
