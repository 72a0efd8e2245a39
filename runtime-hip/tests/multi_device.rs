//! Several devices at once on the host platform (`IREE_HOST_DEVICES=2`):
//! each device has its own memory, streams and buffer tracking; events and
//! host buffers work across devices where that is sound, copies between
//! devices are peer copies queued on the destination's stream (host
//! devices share this process's memory; the waits they need are attacked
//! in tests/soundness.rs), and what cannot work across devices is an
//! error. One test: environment.

use std::time::Instant;

use runtime_hip::{CommandBuffer, Device, Error, HostBuffer, Platform};

#[test]
fn two_host_devices_at_once() {
    std::env::set_var("IREE_HOST_DEVICES", "2");
    assert_eq!(Device::count(Platform::Host), 2);
    let d0 = Device::open(Platform::Host, 0).unwrap();
    let d1 = Device::open(Platform::Host, 1).unwrap();
    assert_ne!(d0, d1);
    assert_eq!(d1.info().ordinal, 1);
    let hosts: Vec<Device> = Device::all()
        .into_iter()
        .filter(|d| d.platform() == Platform::Host)
        .collect();
    assert_eq!(hosts, vec![d0.clone(), d1.clone()]);
    assert!(matches!(
        Device::open(Platform::Host, 2),
        Err(Error::NoDevice { .. })
    ));

    let (s0, s1) = (d0.stream().unwrap(), d1.stream().unwrap());
    let a = d0.upload(&[1u32, 2, 3, 4]).unwrap();
    let mut b = d1.alloc_zeroed::<u32>(4).unwrap();
    // A slice of another device: refused by the device copy, copied by
    // the copy between devices (queued on s1, ordered before the read).
    assert!(matches!(
        s1.copy(&a, &mut b),
        Err(Error::ForeignBuffer { .. })
    ));
    s1.copy_from_device(&d0, &a, &mut b).unwrap();
    assert_eq!(b.download().unwrap(), vec![1, 2, 3, 4]);
    // Naming the wrong source device is refused, not read.
    assert!(matches!(
        s1.copy_from_device(&d1, &a, &mut b),
        Err(Error::ForeignBuffer { .. })
    ));

    // A host buffer of one device serves the streams of another.
    let h = HostBuffer::from_slice(&d0, &[9u32; 4]).unwrap();
    s1.upload(&h, &mut b).unwrap();
    assert_eq!(b.download().unwrap(), vec![9; 4]);

    // Events: waited for across devices; timed only on one.
    let e0 = s0.record().unwrap();
    let e1 = s1.record().unwrap();
    s1.wait(&e0).unwrap();
    assert!(matches!(
        e1.elapsed_since(&e0),
        Err(Error::ForeignEvent { .. })
    ));
    let t = Instant::now();
    assert!(e0.elapsed_since(&s0.record().unwrap()).is_ok());
    assert!(t.elapsed().as_secs() < 5);

    // A command buffer replays on its own device only.
    let mut c = d0.alloc_zeroed::<u32>(4).unwrap();
    let cb = CommandBuffer::record(&d0, |s| s.fill(&mut c, 5)).unwrap();
    assert!(matches!(
        cb.replay(&s1),
        Err(Error::StaleCommandBuffer { .. })
    ));
    cb.replay(&s0).unwrap();
    assert_eq!(c.download().unwrap(), vec![5; 4]);
}
