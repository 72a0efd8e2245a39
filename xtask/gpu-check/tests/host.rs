//! gpu-bench's wrapper side on the host platform: the same code that runs
//! on the device machine, with the answer checked, so a broken benchmark
//! shows up here and not in the few minutes a GPU is lent. The raw CUDA
//! side needs a driver; without one it must fail with a clear error.

use gpu_check::bench;
use gpu_check::cuda::{candidates, Cuda};
use gpu_check::figure::{check_product, Figure};
use runtime_hip::{Device, Platform};

fn host() -> Device {
    Device::open(Platform::Host, 0).unwrap()
}

#[test]
fn launch_figure_on_the_host() {
    let out = bench::launch(&host(), None, 200, 3).unwrap();
    assert!(
        out.variant
            .starts_with("variant: simple_mul loaded as host (host) on host:0"),
        "{}",
        out.variant
    );
    let names: Vec<_> = out.figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["launch.wrapper", "launch.wrapper.queue"]);
    for f in &out.figures {
        assert_eq!(f.unit, "us");
        assert!(f.value > 0.0 && f.value.is_finite(), "{f}");
    }
    let f = out.figures[0].to_string();
    assert!(f.starts_with("figure: launch.wrapper = "), "{f}");
}

#[test]
fn bandwidth_figure_on_the_host_over_several_blocks() {
    // Not a multiple of the block size: the last block is partial.
    let out = bench::bandwidth(&host(), None, 100_003, 3).unwrap();
    let f: &Figure = &out.figures[0];
    assert_eq!((f.name.as_str(), f.unit), ("bandwidth.wrapper", "GB/s"));
    assert!(f.value > 0.0 && f.value.is_finite(), "{f}");
}

#[test]
fn a_wrong_product_is_reported_with_its_element() {
    let (a, b) = ([1.0f32, 2.0, 3.0], [2.0f32, 2.0, 2.0]);
    assert_eq!(check_product(&[2.0, 4.0, 6.0], &a, &b), Ok(()));
    let e = check_product(&[2.0, 4.0, f32::NAN], &a, &b).unwrap_err();
    assert!(
        e.contains("element 2 of 3") && e.contains("expected 6"),
        "{e}"
    );
    assert!(check_product(&[2.0], &a, &b).is_err());
}

#[test]
fn without_a_driver_the_raw_side_says_what_it_tried() {
    if Cuda::load().is_ok() {
        eprintln!("skipped: this machine has a CUDA driver");
        return;
    }
    let e = Cuda::load().err().unwrap();
    for name in candidates() {
        assert!(e.contains(&name), "{e}");
    }
    assert!(e.contains("IREE_NVIDIA_LIBRARY"), "{e}");
}

#[test]
fn replay_and_overlap_figures_on_the_host() {
    let replay = gpu_check::replay::replay(&host(), 100, 3).unwrap();
    let names: Vec<_> = replay.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "replay.one_by_one",
            "replay.command_buffer",
            "replay.speedup"
        ]
    );
    let overlap = gpu_check::replay::overlap(&host(), 1 << 16, 3).unwrap();
    let names: Vec<_> = overlap.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "overlap.kernel",
            "overlap.upload",
            "overlap.both",
            "overlap.ratio"
        ]
    );
    for f in replay.iter().chain(&overlap) {
        assert!(f.value > 0.0 && f.value.is_finite(), "{f}");
    }
}
