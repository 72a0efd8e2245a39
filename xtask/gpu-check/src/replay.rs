//! The figures of issue 21, on any device (the lent GPU through run.sh,
//! the host through `cargo xtask bench`, which calls these same functions
//! from `examples/perf`):
//!
//! * `replay.*`: 100 launches of `simple_mul` queued one by one against
//!   the same 100 recorded once in a `CommandBuffer` and replayed (a CUDA
//!   or HIP graph on the GPU drivers, a replay list on the host), each
//!   timed to the stream's end;
//! * `overlap.*`: an upload from page-locked memory on one stream while
//!   `simple_mul` runs on another, against each alone: how much of the
//!   shorter one the device hides.

use runtime_hip::{CommandBuffer, Device, HostBuffer};

use crate::figure::{check_product, inputs, median_secs, Figure};
use crate::kernels::simple_mul;

fn err(e: runtime_hip::Error) -> String {
    e.to_string()
}

fn us(name: &str, secs: f64, how: String) -> Figure {
    Figure {
        name: name.into(),
        value: secs * 1e6,
        unit: "us",
        how,
    }
}

/// `dispatches` launches of `simple_mul` over 4096 floats (64 blocks),
/// one by one and replayed from a command buffer, medians of `reps` runs
/// timed to the stream's end; the answer is checked after each way.
pub fn replay(device: &Device, dispatches: usize, reps: usize) -> Result<Vec<Figure>, String> {
    let n = 4096;
    let (a, b) = (inputs(n, 1), inputs(n, 2));
    let lhs = device.upload(&a).map_err(err)?;
    let rhs = device.upload(&b).map_err(err)?;
    let mut ret = device.alloc_zeroed::<f32>(n).map_err(err)?;
    let stream = device.stream().map_err(err)?;
    let one_by_one = median_secs(reps, || {
        for _ in 0..dispatches {
            simple_mul(&stream, &lhs, &rhs, &mut ret, n as i32).map_err(err)?;
        }
        stream.synchronize().map_err(err)
    })?;
    check_product(&ret.download().map_err(err)?, &a, &b)?;
    ret.copy_from(&vec![f32::NAN; n]).map_err(err)?;
    let cb = CommandBuffer::record(device, |s| {
        for _ in 0..dispatches {
            simple_mul(s, &lhs, &rhs, &mut ret, n as i32)?;
        }
        Ok(())
    })
    .map_err(err)?;
    let replayed = median_secs(reps, || {
        cb.replay(&stream).map_err(err)?;
        stream.synchronize().map_err(err)
    })?;
    check_product(&ret.download().map_err(err)?, &a, &b)?;
    let how = |way: &str| {
        format!("{dispatches} launches of simple_mul over {n} floats {way}, to the stream's end, median of {reps} runs")
    };
    let kind = if cb.uses_graph() {
        "replayed as one driver graph"
    } else {
        "replayed from a command buffer's list"
    };
    Ok(vec![
        us("replay.one_by_one", one_by_one, how("queued one by one")),
        us("replay.command_buffer", replayed, how(kind)),
        Figure {
            name: "replay.speedup".into(),
            value: one_by_one / replayed,
            unit: "x",
            how: "replay.one_by_one / replay.command_buffer".into(),
        },
    ])
}

/// An upload of `n` floats from a `HostBuffer` on one stream and 10
/// launches of `simple_mul` over `n` floats on another, each alone and
/// together, medians of `reps` runs timed to both streams' ends.
/// `overlap.ratio` is (kernel + upload) / both: 1 when nothing overlaps,
/// up to 2 when the shorter one hides entirely behind the other.
pub fn overlap(device: &Device, n: usize, reps: usize) -> Result<Vec<Figure>, String> {
    let (a, b) = (inputs(n, 3), inputs(n, 4));
    let lhs = device.upload(&a).map_err(err)?;
    let rhs = device.upload(&b).map_err(err)?;
    let mut ret = device.alloc_zeroed::<f32>(n).map_err(err)?;
    let host = HostBuffer::from_slice(device, &a).map_err(err)?;
    let mut dst = device.alloc_zeroed::<f32>(n).map_err(err)?;
    let (ks, us_) = (device.stream().map_err(err)?, device.stream().map_err(err)?);
    let kernels = |ret: &mut runtime_hip::DeviceSlice<f32>| -> Result<(), String> {
        for _ in 0..10 {
            simple_mul(&ks, &lhs, &rhs, ret, n as i32).map_err(err)?;
        }
        Ok(())
    };
    let kernel = median_secs(reps, || {
        kernels(&mut ret)?;
        ks.synchronize().map_err(err)
    })?;
    let upload = median_secs(reps, || {
        us_.upload(&host, &mut dst).map_err(err)?;
        us_.synchronize().map_err(err)
    })?;
    let both = median_secs(reps, || {
        kernels(&mut ret)?;
        us_.upload(&host, &mut dst).map_err(err)?;
        ks.synchronize().map_err(err)?;
        us_.synchronize().map_err(err)
    })?;
    check_product(&ret.download().map_err(err)?, &a, &b)?;
    if dst.download().map_err(err)? != a {
        return Err("the upload did not bring the host buffer's contents".into());
    }
    let mib = (n * 4) as f64 / (1 << 20) as f64;
    let how = |what: &str| format!("{what}, median of {reps} runs");
    Ok(vec![
        us(
            "overlap.kernel",
            kernel,
            how(&format!("10 launches of simple_mul over {n} floats on one stream")),
        ),
        us(
            "overlap.upload",
            upload,
            how(&format!("an upload of {mib:.1} MiB from a HostBuffer (page-locked on GPUs) on another stream")),
        ),
        us("overlap.both", both, how("both at once, to both streams' ends")),
        Figure {
            name: "overlap.ratio".into(),
            value: (kernel + upload) / both,
            unit: "x",
            how: "(overlap.kernel + overlap.upload) / overlap.both: 1 = no overlap, 2 = the shorter hidden"
                .into(),
        },
    ])
}
