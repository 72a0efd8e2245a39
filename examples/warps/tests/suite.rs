//! Every kernel of `warps.cu` on the best device present (`IREE_DEVICE`
//! picks one: the host in CI, a GPU in docs/GPU.md's `warp` check) against
//! the references the host unit tests use (`warp_refs.rs`, one definition),
//! at the device's own warp size. Integers must match exactly; the row
//! kernels' floats within the references' tolerances.

#[path = "../../../runtime-hip/src/host/tests/warp_refs.rs"]
mod warp_refs;

use runtime_hip::{Device, Stream};
use warp_refs as refs;
use warps::*;

/// The device, a stream on it and its warp size.
fn device() -> (Device, Stream, usize) {
    let device = Device::default().unwrap();
    let stream = device.stream().unwrap();
    let ws = device.limits().warp_size as usize;
    assert!(
        ws == 32 || ws == 64,
        "warp size {ws}: the kernels take 32 or 64"
    );
    (device, stream, ws)
}

#[test]
fn block_sum_with_hard_coded_offsets() {
    let (device, stream, _) = device();
    let n = 100_003usize;
    let grid = n.div_ceil(BLOCK_SUM_THREADS * BLOCK_SUM_PER_THREAD);
    let x = refs::block_sum_input(n);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<f32>(grid).unwrap();
    warp_block_sum(&stream, &input, &mut out, n as i32).unwrap();
    let want = refs::block_sum(&x, grid, BLOCK_SUM_THREADS);
    assert_eq!(out.download().unwrap(), want);
}

#[test]
fn xor_allreduce_over_warp_size() {
    let (device, stream, ws) = device();
    let (grid, block) = (3usize, 192usize);
    let n = grid * block;
    let x = refs::values(n, ws as u32);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<i32>(n).unwrap();
    let mut ids = device.alloc_zeroed::<i32>(n).unwrap();
    warp_allreduce(&stream, &input, &mut out, &mut ids).unwrap();
    assert_eq!(
        out.download().unwrap(),
        refs::allreduce(&x, ws),
        "warp size {ws}"
    );
    let want = refs::allreduce_ids(n, block, ws);
    assert_eq!(ids.download().unwrap(), want, "warp size {ws}");
}

#[test]
fn shuffle_scan_of_each_block() {
    let (device, stream, ws) = device();
    type Scan = fn(
        &Stream,
        &runtime_hip::DeviceSlice<i32>,
        &mut runtime_hip::DeviceSlice<i32>,
    ) -> Result<(), runtime_hip::Error>;
    for (block, scan) in [
        (64usize, shfl_scan_64 as Scan),
        (256, shfl_scan_256),
        (1024, shfl_scan_1024),
    ] {
        let n = 3 * block;
        let x = refs::values(n, 7);
        let input = device.upload(&x).unwrap();
        let mut out = device.alloc_zeroed::<i32>(n).unwrap();
        scan(&stream, &input, &mut out).unwrap();
        let want = refs::block_scan(&x, block);
        assert_eq!(out.download().unwrap(), want, "warp {ws}, block {block}");
    }
}

#[test]
fn ballot_compaction_and_votes() {
    let (device, stream, ws) = device();
    let n = 4 * 128;
    let x = refs::compact_input(n, ws);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<i32>(n).unwrap();
    let mut counts = device.alloc_zeroed::<i32>(n / ws).unwrap();
    ballot_compact(&stream, &input, &mut out, &mut counts).unwrap();
    let (out, counts) = (out.download().unwrap(), counts.download().unwrap());
    for (w, (count, kept)) in refs::compact(&x, ws).into_iter().enumerate() {
        assert_eq!(counts[w], count, "warp {w} of {ws}");
        assert_eq!(&out[w * ws..][..kept.len()], &kept[..], "warp {w} of {ws}");
    }
}

#[test]
fn tile_reductions_scans_and_ranks() {
    let (device, stream, ws) = device();
    let (grid, block) = (3usize, 128usize);
    let n = grid * block;
    let x = refs::values(n, 11);
    let input = device.upload(&x).unwrap();
    let mut sums = device.alloc_zeroed::<i32>(n / 16).unwrap();
    let mut scans = device.alloc_zeroed::<i32>(n).unwrap();
    let mut ranks = device.alloc_zeroed::<i32>(n).unwrap();
    tile_ops(&stream, &input, &mut sums, &mut scans, &mut ranks).unwrap();
    assert_eq!(
        sums.download().unwrap(),
        refs::tile_sums(&x),
        "warp size {ws}"
    );
    assert_eq!(
        scans.download().unwrap(),
        refs::quad_scans(&x),
        "warp size {ws}"
    );
    let want = refs::tile_ranks(n, block);
    assert_eq!(ranks.download().unwrap(), want, "warp size {ws}");
}

#[test]
fn tiles_of_one_warp_at_different_reductions() {
    let (device, stream, ws) = device();
    let (grid, block) = (2usize, 96usize);
    let n = grid * block;
    let x = refs::values(n, 3);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<i32>(n).unwrap();
    tile_reduce_mixed(&stream, &input, &mut out).unwrap();
    let want = refs::tile_reduce_mixed(&x, block);
    assert_eq!(out.download().unwrap(), want, "warp size {ws}");
}

/// Written for 32-lane warps (its masks name lanes of 32): skipped on
/// wave64 devices, as the host tests run it at 32 only.
#[test]
fn partial_masks_and_active_mask() {
    let (device, stream, ws) = device();
    if ws != 32 {
        eprintln!("skipped: partial_masks is written for 32-lane warps, this device has {ws}");
        return;
    }
    let n = 2 * 96;
    let x = refs::values(n, 5);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<i32>(n).unwrap();
    let mut masks = device.alloc_zeroed::<u64>(2 * n).unwrap();
    partial_masks(&stream, &input, &mut out, &mut masks).unwrap();
    let (want_out, want_masks) = refs::partial_masks(&x);
    assert_eq!(out.download().unwrap(), want_out);
    assert_eq!(masks.download().unwrap(), want_masks);
}

#[test]
fn shuffles_at_widths_4_8_and_16() {
    let (device, stream, ws) = device();
    let n = 2 * 128;
    let x = refs::values(n, 9);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<i32>(12 * n).unwrap();
    widths(&stream, &input, &mut out).unwrap();
    assert_eq!(
        out.download().unwrap(),
        refs::widths(&x, ws),
        "warp size {ws}"
    );
}

#[test]
fn softmax_and_layernorm_rows() {
    let (device, stream, ws) = device();
    let (rows, cols) = refs::ROWS_COLS;
    let x = refs::rows_input(rows, cols);
    let input = device.upload(&x).unwrap();
    let mut out = device.alloc_zeroed::<f32>(rows * cols).unwrap();
    softmax_rows(&stream, &input, &mut out, rows as i32, cols as i32).unwrap();
    let soft = refs::softmax_rows(&x, cols);
    for (g, w) in out.download().unwrap().iter().zip(&soft) {
        assert!(
            (g - w).abs() <= refs::SOFTMAX_TOLERANCE,
            "softmax, warp {ws}: {g} vs {w}"
        );
    }
    // One 32-lane tile per row: the host tests run it at 32 only.
    if ws != 32 {
        eprintln!("skipped: layernorm_rows at warp size {ws}");
        return;
    }
    let mut out = device.alloc_zeroed::<f32>(rows * cols).unwrap();
    layernorm_rows(&stream, &input, &mut out, rows as i32, cols as i32).unwrap();
    let norm = refs::layernorm_rows(&x, cols);
    for (g, w) in out.download().unwrap().iter().zip(&norm) {
        assert!(
            (g - w).abs() <= refs::LAYERNORM_TOLERANCE,
            "layernorm: {g} vs {w}"
        );
    }
}
