//! The peer executor's side of the comparison: the OpenCL C ports of the
//! same kernels (`opencl/*.cl`, written from the OpenCL 1.2 spec, line for
//! line the `.cu` sources), run by whatever OpenCL CPU platform is
//! installed (pocl on the project's machines) with the same launch shapes
//! as the host platform's launches.
//!
//! Each launcher checks the sizes its kernel's source relies on, which is
//! what makes running it safe: the kernels index only within those sizes.

use crate::opencl::{Arg, Buffer, ClError, Device, Kernel};

/// One kernel with its buffers and launch shape, ready to run repeatedly.
pub struct Launch<'d> {
    device: &'d Device,
    kernel: Kernel,
    /// The `__global float*` arguments in order; the last is the output.
    buffers: Vec<Buffer>,
    /// The `int` arguments after them.
    ints: Vec<i32>,
    global: [usize; 2],
    local: [usize; 2],
}

impl Launch<'_> {
    /// Runs the kernel once and waits for it.
    pub fn run(&self) -> Result<(), ClError> {
        let mut args: Vec<Arg> = self.buffers.iter().map(Arg::Buffer).collect();
        args.extend(self.ints.iter().map(|&v| Arg::Int(v)));
        // SAFETY: built only by the launchers below, each of which passes
        // its kernel's parameters in order with the buffer sizes and launch
        // shape that keep the kernel's indices in bounds (see each).
        unsafe {
            self.kernel
                .launch(self.device, &args, self.global, self.local)
        }
    }

    /// The output buffer's contents.
    pub fn output(&self) -> Result<Vec<f32>, ClError> {
        self.device
            .download(self.buffers.last().expect("every launch has an output"))
    }
}

fn bad_shape(what: String) -> ClError {
    ClError {
        call: "pocl launcher",
        code: 0,
        detail: what,
    }
}

fn int(v: usize) -> Result<i32, ClError> {
    i32::try_from(v).map_err(|_| bad_shape(format!("{v} does not fit an OpenCL int")))
}

/// `simple_mul` over `lhs.len()` floats, work-groups of 64: every item
/// with `tid < dim` touches element `tid` of three buffers of `dim` floats.
pub fn simple_mul<'d>(device: &'d Device, lhs: &[f32], rhs: &[f32]) -> Result<Launch<'d>, ClError> {
    if lhs.len() != rhs.len() {
        return Err(bad_shape(format!(
            "simple_mul: {} and {} floats",
            lhs.len(),
            rhs.len()
        )));
    }
    let n = lhs.len();
    Ok(Launch {
        device,
        kernel: device.kernel(include_str!("../opencl/simple_mul.cl"), "simple_mul")?,
        buffers: vec![device.upload(lhs)?, device.upload(rhs)?, device.alloc(n)?],
        ints: vec![int(n)?],
        global: [n.div_ceil(64) * 64, 1],
        local: [64, 1],
    })
}

/// `block_sum` of `x` into `blocks` partial sums, 256 items a group: items
/// read `x[i]` for `i < n` only and group `g` writes `partial[g]`, so
/// `partial` has `blocks` floats.
pub fn block_sum<'d>(device: &'d Device, x: &[f32], blocks: usize) -> Result<Launch<'d>, ClError> {
    Ok(Launch {
        device,
        kernel: device.kernel(include_str!("../opencl/block_sum.cl"), "block_sum")?,
        buffers: vec![device.upload(x)?, device.alloc(blocks)?],
        ints: vec![int(x.len())?],
        global: [blocks * 256, 1],
        local: [256, 1],
    })
}

/// The tiled matmul, 16x16 groups over the tiles of `c`: reads and writes
/// are guarded by `row < m`, `col < n`, `a_col, b_row < k`, so the buffers
/// must be exactly m·k, k·n and m·n floats.
pub fn matmul<'d>(
    device: &'d Device,
    a: &[f32],
    b: &[f32],
    (m, n, k): (usize, usize, usize),
) -> Result<Launch<'d>, ClError> {
    if a.len() != m * k || b.len() != k * n {
        return Err(bad_shape(format!(
            "matmul m={m} n={n} k={k}: a has {}, b {} floats",
            a.len(),
            b.len()
        )));
    }
    // The kernel's `row * k + a_col` and friends are ints.
    int(m * k)?;
    int(k * n)?;
    int(m * n)?;
    Ok(Launch {
        device,
        kernel: device.kernel(include_str!("../opencl/matmul.cl"), "matmul_tiled")?,
        buffers: vec![device.upload(a)?, device.upload(b)?, device.alloc(m * n)?],
        ints: vec![int(m)?, int(n)?, int(k)?],
        global: [n.div_ceil(16) * 16, m.div_ceil(16) * 16],
        local: [16, 16],
    })
}

/// The row softmax, one 256-item group per row: group `r < rows` reads and
/// writes `cols` floats at `r * cols`, so both buffers hold rows·cols.
pub fn softmax<'d>(
    device: &'d Device,
    x: &[f32],
    (rows, cols): (usize, usize),
) -> Result<Launch<'d>, ClError> {
    if x.len() != rows * cols {
        return Err(bad_shape(format!(
            "softmax {rows}x{cols}: x has {} floats",
            x.len()
        )));
    }
    Ok(Launch {
        device,
        kernel: device.kernel(include_str!("../opencl/softmax.cl"), "softmax_rows")?,
        buffers: vec![device.upload(x)?, device.alloc(x.len())?],
        ints: vec![int(rows)?, int(cols)?],
        global: [rows * 256, 1],
        local: [256, 1],
    })
}
