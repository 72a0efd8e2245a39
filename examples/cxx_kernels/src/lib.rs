//! C++ kernels declared by their C++ names (`export = "..."`): the build
//! finds each one's mangled symbol on every target by demangling, and
//! instantiates the template instances the source does not.

use runtime_hip::{DeviceSlice, Stream};

/// `c = a + b` (a C++-linkage kernel, `vectorAdd`).
#[runtime_hip::extern_dispatch(
    source = "kernels/cxx.cu",
    export = "vectorAdd",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn vector_add(a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, c: &mut DeviceSlice<f32>, n: i32);

/// `c = a * b`, `n x n`, 16x16 tiles (an instance the source instantiates).
#[runtime_hip::extern_dispatch(
    source = "kernels/cxx.cu",
    export = "MatrixMulCUDA<16>",
    workgroup_size = [16, 16, 1],
    count = |n| [n as u32 / 16, n as u32 / 16, 1],
)]
pub fn matmul16(c: &mut DeviceSlice<f32>, a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, n: i32);

/// `c = a * b`, `n x n`, 8x8 tiles (an instance only the build instantiates).
#[runtime_hip::extern_dispatch(
    source = "kernels/cxx.cu",
    export = "MatrixMulCUDA<8>",
    workgroup_size = [8, 8, 1],
    count = |n| [n as u32 / 8, n as u32 / 8, 1],
)]
pub fn matmul8(c: &mut DeviceSlice<f32>, a: &DeviceSlice<f32>, b: &DeviceSlice<f32>, n: i32);

/// Per-block sums over 4 blocks of 128 threads (`blocks::reduce_sum<float, 128>`:
/// a namespaced template with a type and an integer argument, written
/// `128` where the object says `128u`).
#[runtime_hip::extern_dispatch(
    source = "kernels/cxx.cu",
    export = "blocks::reduce_sum<float, 128>",
    workgroup_size = [128, 1, 1],
    count = |out| [out.len() as u32, 1, 1],
)]
pub fn reduce_sum(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, n: u32);

/// `x *= s` on `i32`s: one of two overloads of `scale`, picked by its
/// parameter list as the demangler spells it.
#[runtime_hip::extern_dispatch(
    source = "kernels/cxx.cu",
    export = "scale(int*, int, int)",
    workgroup_size = [64, 1, 1],
    count = |n| [(n as u32).div_ceil(64), 1, 1],
)]
pub fn scale_i32(x: &mut DeviceSlice<i32>, s: i32, n: i32);

/// Runs each kernel once on `stream`'s device and checks the results.
pub fn check_all(stream: &Stream) -> Result<(), String> {
    let err = |e: runtime_hip::Error| e.to_string();
    let device = stream.device();
    let n = 1000usize;
    let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..n).map(|i| (2 * i) as f32).collect();
    let (da, db) = (
        device.upload(&a).map_err(err)?,
        device.upload(&b).map_err(err)?,
    );
    let mut dc = device.alloc_zeroed::<f32>(n).map_err(err)?;
    vector_add(stream, &da, &db, &mut dc, n as i32).map_err(err)?;
    let c = dc.download().map_err(err)?;
    if c.iter().enumerate().any(|(i, &v)| v != (3 * i) as f32) {
        return Err(format!("vectorAdd: {:?}", &c[..8]));
    }

    let m = 32usize;
    let x: Vec<f32> = (0..m * m).map(|i| (i % 7) as f32 - 3.0).collect();
    let y: Vec<f32> = (0..m * m).map(|i| (i % 5) as f32 * 0.5).collect();
    let mut want = vec![0.0f32; m * m];
    for r in 0..m {
        for col in 0..m {
            want[r * m + col] = (0..m).map(|k| x[r * m + k] * y[k * m + col]).sum();
        }
    }
    let (dx, dy) = (
        device.upload(&x).map_err(err)?,
        device.upload(&y).map_err(err)?,
    );
    for (tile, run) in [
        (
            16,
            matmul16
                as fn(
                    &Stream,
                    &mut DeviceSlice<f32>,
                    &DeviceSlice<f32>,
                    &DeviceSlice<f32>,
                    i32,
                ) -> Result<(), runtime_hip::Error>,
        ),
        (8, matmul8),
    ] {
        let mut dz = device.alloc_zeroed::<f32>(m * m).map_err(err)?;
        run(stream, &mut dz, &dx, &dy, m as i32).map_err(err)?;
        let z = dz.download().map_err(err)?;
        if let Some(i) = (0..m * m).find(|&i| (z[i] - want[i]).abs() > 1e-3) {
            return Err(format!(
                "MatrixMulCUDA<{tile}>: [{i}] = {} not {}",
                z[i], want[i]
            ));
        }
    }

    let blocks = 4usize;
    let dr = device.upload(&a).map_err(err)?;
    let mut sums = device.alloc_zeroed::<f32>(blocks).map_err(err)?;
    reduce_sum(stream, &dr, &mut sums, n as u32).map_err(err)?;
    let total: f32 = sums.download().map_err(err)?.iter().sum();
    if total != a.iter().sum::<f32>() {
        return Err(format!("blocks::reduce_sum<float, 128>: {total}"));
    }

    let v: Vec<i32> = (0..n as i32).collect();
    let mut dv = device.upload(&v).map_err(err)?;
    scale_i32(stream, &mut dv, -3, n as i32).map_err(err)?;
    let v = dv.download().map_err(err)?;
    if v.iter().enumerate().any(|(i, &x)| x != -3 * i as i32) {
        return Err(format!("scale(int*, int, int): {:?}", &v[..8]));
    }
    Ok(())
}
