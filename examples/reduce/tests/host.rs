//! Both kernels on the host device through their `#[extern_dispatch]`
//! wrappers: the reduction with and without its optional partial sums, the
//! row reversal at widths whose shared memory is sized per launch, and a
//! width whose shared memory does not fit, which is an error, not a launch.

use reduce::{reduce, reduce_blocks, reduce_checked, reverse_rows, reverse_rows_checked};
use runtime_hip::{Device, Error, Platform};

fn host() -> Device {
    Device::open(Platform::Host, 0).unwrap()
}

#[test]
fn reduce_with_and_without_partial_sums() {
    let device = host();
    let stream = device.stream().unwrap();
    for n in [1usize, 255, 256, 257, 10_000, 100_000] {
        // Small integers: every order of summing gives the exact answer.
        let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32).collect();
        let want: f32 = x.iter().sum();
        let input = device.upload(&x).unwrap();

        let mut total = device.alloc_zeroed::<f32>(1).unwrap();
        reduce_checked(&stream, &input, &mut total, None).unwrap();
        assert_eq!(total.download().unwrap(), [want], "n = {n}, None");

        for blocks in [1usize, 3, 64] {
            let mut total = device.alloc_zeroed::<f32>(1).unwrap();
            let mut partial = device.upload(&vec![-1.0f32; blocks]).unwrap();
            reduce_checked(&stream, &input, &mut total, Some(&mut partial)).unwrap();
            assert_eq!(
                total.download().unwrap(),
                [want],
                "n = {n}, {blocks} blocks"
            );
            let sums = partial.download().unwrap();
            assert_eq!(sums.iter().sum::<f32>(), want, "n = {n}: {sums:?}");
            // Block b sums the grid-stride elements b*256.. of each round.
            let stride = blocks * 256;
            for (b, s) in sums.iter().enumerate() {
                let mine: f32 = (0..n)
                    .filter(|i| (i % stride) / 256 == b)
                    .map(|i| x[i])
                    .sum();
                assert_eq!(*s, mine, "n = {n}, block {b} of {blocks}");
            }
        }
    }
    assert_eq!(reduce_blocks(100_000), 64);
}

#[test]
fn the_unchecked_wrapper_takes_none_as_a_null_pointer() {
    let device = host();
    let stream = device.stream().unwrap();
    let input = device.upload(&[1.0f32; 1000]).unwrap();
    let mut total = device.alloc_zeroed::<f32>(1).unwrap();
    reduce(&stream, &input, &mut total, None, 1000).unwrap();
    reduce(&stream, &input, &mut total, None, 500).unwrap();
    assert_eq!(total.download().unwrap(), [1500.0]);
}

#[test]
fn reverse_rows_sizes_shared_memory_per_launch() {
    let device = host();
    let stream = device.stream().unwrap();
    // Widths below, at and above the block size, and a row of exactly the
    // host's 64 KiB of shared memory per workgroup.
    for (rows, width) in [
        (5usize, 1usize),
        (4, 100),
        (3, 128),
        (2, 1000),
        (2, 16 * 1024),
    ] {
        let x: Vec<i32> = (0..(rows * width) as i32).map(|v| v * 3 - 7).collect();
        let input = device.upload(&x).unwrap();
        let mut out = device.alloc_zeroed::<i32>(rows * width).unwrap();
        reverse_rows_checked(&stream, &input, &mut out, (rows, width)).unwrap();
        let want: Vec<i32> = x
            .chunks(width)
            .flat_map(|r| r.iter().rev().copied())
            .collect();
        assert_eq!(out.download().unwrap(), want, "{rows}x{width}");
    }
}

#[test]
fn too_much_dynamic_shared_memory_is_an_error_not_a_launch() {
    let device = host();
    let stream = device.stream().unwrap();
    let limit = device.info().limits.shared_memory_per_block;
    let width = limit as usize / 4 + 1;
    let input = device.upload(&vec![7i32; width]).unwrap();
    let mut out = device.alloc_zeroed::<i32>(width).unwrap();
    let e = reverse_rows_checked(&stream, &input, &mut out, (1, width)).unwrap_err();
    let text = e.to_string();
    match e {
        Error::SharedMemoryTooLarge {
            kernel,
            requested,
            static_bytes,
            limit: l,
        } => {
            assert_eq!(kernel, "reverse_rows");
            assert_eq!((requested, static_bytes, l), (width as u64 * 4, 0, limit));
        }
        e => panic!("{e}"),
    }
    assert!(
        text.contains("reverse_rows") && text.contains(&format!("{}", width * 4)),
        "{text}"
    );
    // Nothing ran: `out` is still zero, and the stream still works.
    stream.synchronize().unwrap();
    assert!(out.download().unwrap().iter().all(|&v| v == 0));

    // A closure result that is no u32 (negative) is refused, not truncated.
    let e = reverse_rows(&stream, &input, &mut out, -1).unwrap_err();
    match e {
        Error::Launch { kernel, reason } => {
            assert_eq!(kernel, "reverse_rows");
            assert!(reason.contains("returned -4 bytes"), "{reason}");
        }
        e => panic!("{e}"),
    }
}
