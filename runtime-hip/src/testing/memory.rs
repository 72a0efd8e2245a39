//! Buffers on the mock device: round trips, empty buffers, the waits that
//! frees, host reads and host writes make, slices.

use super::mock::{mock_device, Mock};
use super::{kernel, sample_bundle};
use crate::Error;

#[test]
fn upload_download_round_trip() {
    let (d, m) = mock_device("gfx1100");
    let buf = d.upload(&[1.0f32, 2.0, 3.0]).unwrap();
    assert_eq!(buf.len(), 3);
    assert_eq!(buf.byte_len(), 12);
    assert_eq!(buf.download().unwrap(), vec![1.0, 2.0, 3.0]);
    let z = d.alloc_zeroed::<u32>(5).unwrap();
    assert_eq!(z.download().unwrap(), vec![0; 5]);
    // No work uses these buffers: nothing is waited for, nothing
    // synchronised.
    assert!(
        !m.events()
            .iter()
            .any(|e| e.contains("sync") || e.contains("wait")),
        "{:?}",
        m.events()
    );
}

#[test]
fn zero_length_buffers_make_no_driver_calls() {
    let (d, m) = mock_device("gfx1100");
    let e = d.alloc_zeroed::<f32>(0).unwrap();
    let u = d.upload::<f32>(&[]).unwrap();
    let unit = d.alloc_zeroed::<()>(1000).unwrap();
    assert!(e.is_empty() && u.is_empty());
    assert_eq!(unit.len(), 1000);
    assert_eq!(e.download().unwrap(), Vec::<f32>::new());
    assert_eq!(unit.download().unwrap().len(), 1000);
    let b = e.binding();
    assert_eq!((b.ptr, b.bytes), (e.addr(), 0));
    drop((e, u, unit));
    assert!(m.events().is_empty(), "{:?}", m.events());
}

/// The events after the first `alloc`s, as strings.
fn events_after_allocs(m: &Mock) -> Vec<String> {
    let ev = m.events();
    let first = ev
        .iter()
        .position(|e| !e.starts_with("alloc") && !e.starts_with("h2d"));
    ev[first.unwrap_or(ev.len())..]
        .iter()
        .filter(|e| !e.starts_with("load"))
        .cloned()
        .collect()
}

#[test]
fn free_waits_for_the_work_that_used_the_buffer_only() {
    let bundle = sample_bundle();
    let k = kernel(bundle, "simple_mul_inplace", 1);
    let (d, m) = mock_device("gfx1100");
    let (s1, s2) = (d.stream().unwrap(), d.stream().unwrap());
    let (i1, i2) = (s1.id(), s2.id());
    let a = d.upload(&[1.0f32; 4]).unwrap();
    let mut b = d.alloc_zeroed::<f32>(4).unwrap();
    let unrelated = d.alloc_zeroed::<u8>(16).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe { k.launch(&s1, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4]) }.unwrap();
    // SAFETY: as above.
    unsafe { k.launch(&s2, [1, 1, 1], &[a.binding(), b.binding_mut()], &[4]) }.unwrap();
    drop(unrelated);
    drop(b);
    drop(a);
    let s = |i| format!("s{i}");
    assert_eq!(
        events_after_allocs(&m),
        [
            format!("launch {}", s(i1)),
            format!("fence {}", s(i1)),
            // The second launch writes `b`: it waits for the first, its
            // writer. Both only read `a`, which orders nothing.
            format!("{} waits for {}", s(i2), s(i1)),
            format!("launch {}", s(i2)),
            format!("fence {}", s(i2)),
            // Freeing an unused buffer waits for nothing.
            "free".to_string(),
            // `b`: its last writer (which waited for the first).
            format!("fence wait {}", s(i2)),
            "free".to_string(),
            // `a`: read on both streams, one fence each.
            format!("fence wait {}", s(i1)),
            format!("fence wait {}", s(i2)),
            "free".to_string(),
        ]
    );
    assert!(!m.events().iter().any(|e| e.contains("sync")));
}

#[test]
fn host_reads_wait_for_writers_and_host_writes_for_every_use() {
    let bundle = sample_bundle();
    let mul = kernel(bundle, "simple_mul", 0);
    let (d, m) = mock_device("gfx1100");
    let (s1, s2) = (d.stream().unwrap(), d.stream().unwrap());
    let mut a = d.upload(&[1.0f32; 4]).unwrap();
    let mut out = d.alloc_zeroed::<f32>(4).unwrap();
    // SAFETY: the mock runs nothing.
    unsafe {
        mul.launch(
            &s1,
            [1, 1, 1],
            &[a.binding(), a.binding(), out.binding_mut()],
            &[4],
        )
    }
    .unwrap();
    let before = m.events().len();
    // `a` is only read by the queued launch: reading it waits for nothing.
    a.download().unwrap();
    assert_eq!(m.events()[before..], ["d2h 16"]);
    // `out` is written: its download waits for that launch.
    out.download().unwrap();
    assert_eq!(
        m.events()[before + 1..],
        [format!("fence wait s{}", s1.id()), "d2h 16".to_string()]
    );
    // Writing `a` waits for its reader; a launch on another stream that
    // writes `out` waits for its writer (done now: no wait queued).
    let before = m.events().len();
    a.copy_from(&[2.0; 4]).unwrap();
    assert_eq!(
        m.events()[before..],
        [format!("fence wait s{}", s1.id()), "h2d 16".to_string()]
    );
    // SAFETY: as above.
    unsafe {
        mul.launch(
            &s2,
            [1, 1, 1],
            &[a.binding(), a.binding(), out.binding_mut()],
            &[4],
        )
    }
    .unwrap();
    assert!(!m.events().iter().any(|e| e.contains("waits for")));
}

#[test]
fn size_overflow_is_an_error() {
    let (d, _) = mock_device("gfx1100");
    assert!(matches!(
        d.alloc_zeroed::<u64>(usize::MAX / 4).unwrap_err(),
        Error::SizeOverflow { .. }
    ));
}

#[test]
fn sub_slices_address_their_elements() {
    let (d, _) = mock_device("gfx1100");
    let s = d.stream().unwrap();
    let mut buf = d.upload(&[0u32, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    let base = buf.addr();
    assert_eq!(buf.slice(2..5).addr(), base + 8);
    assert_eq!(buf.slice(2..5).len(), 3);
    assert_eq!(buf.slice(..=1).len(), 2);
    assert!(buf.get(5..9).is_none());
    assert!(buf.get(9..).is_none());
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = buf.get(4..3);
    assert!(reversed.is_none());
    assert_eq!(s.read(buf.slice(2..5)).unwrap(), vec![2, 3, 4]);
    assert_eq!(s.read(buf.slice(8..)).unwrap(), Vec::<u32>::new());
    {
        let (lo, hi) = buf.split_at_mut(3);
        assert_eq!(lo.len(), 3);
        assert_eq!(hi.addr(), base + 12);
        s.write(hi.slice_mut(1..3), &[40, 50]).unwrap();
        s.write(lo, &[9, 9, 9]).unwrap();
    }
    assert_eq!(buf.download().unwrap(), vec![9, 9, 9, 3, 40, 50, 6, 7]);
    let (a, b) = buf.split_at(8);
    assert_eq!((a.len(), b.len()), (8, 0));
    buf.copy_from(&[7; 8]).unwrap();
    assert_eq!(buf.download().unwrap(), vec![7; 8]);
}

#[test]
#[should_panic(expected = "out of bounds")]
fn slice_out_of_bounds_panics_like_indexing() {
    let (d, _) = mock_device("gfx1100");
    let buf = d.upload(&[1u8, 2]).unwrap();
    let _ = buf.slice(1..3);
}

#[test]
fn length_mismatch_and_foreign_slices_are_errors() {
    let (d1, _) = mock_device("gfx1100");
    let (d2, _) = mock_device("gfx1100");
    let s2 = d2.stream().unwrap();
    let mut a = d1.upload(&[1u32, 2, 3]).unwrap();
    assert!(matches!(
        a.copy_from(&[1, 2]).unwrap_err(),
        Error::OutOfBounds(_)
    ));
    assert!(matches!(
        s2.read(&a).unwrap_err(),
        Error::ForeignBuffer { .. }
    ));
    assert!(matches!(
        s2.write(&mut a, &[0, 0, 0]).unwrap_err(),
        Error::ForeignBuffer { .. }
    ));
}

#[test]
fn device_slice_is_a_zero_sized_pointee() {
    let (d, _) = mock_device("gfx1100");
    let buf = d.upload(&[1u64; 4]).unwrap();
    let s: &crate::DeviceSlice<u64> = &buf;
    assert_eq!(std::mem::size_of_val(s), 0);
    assert_eq!(s.len(), 4);
}
