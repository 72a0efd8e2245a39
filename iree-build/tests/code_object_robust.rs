//! Truncated, corrupted and random bytes are an `Err`, never a panic (or an
//! abort from a huge allocation): prebuilt objects come from users' disks.

mod support;

use iree_build::code_object::{bundle_entries, inspect, unbundle};
use iree_build::target::{Format, TargetId};
use support::code_object as s;

const FORMATS: [Format; 4] = [Format::Hsaco, Format::Ptx, Format::Cubin, Format::Host];

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Feeds `bytes` to every reader; only panics matter here.
fn feed(bytes: &[u8]) {
    for f in FORMATS {
        let _ = inspect(bytes, f);
    }
    let _ = bundle_entries(bytes);
    let _ = unbundle(bytes, &"gfx90a".parse::<TargetId>().unwrap());
}

/// Every truncation up to 4 KiB, then every 13th length; then random
/// byte-level corruptions.
fn torture(name: &str, bytes: &[u8], truncation_is_error: Option<Format>, seed: u64) {
    let mut lengths: Vec<usize> = (0..bytes.len().min(4096)).collect();
    lengths.extend((4096..bytes.len()).step_by(13));
    lengths.push(bytes.len() - 1);
    for len in lengths {
        let cut = &bytes[..len];
        feed(cut);
        if let Some(f) = truncation_is_error {
            assert!(
                inspect(cut, f).is_err(),
                "{name} truncated to {len} bytes was accepted"
            );
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..2000 {
        let mut b = bytes.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(b.len());
            b[at] = match rng.below(4) {
                0 => 0xff,
                1 => 0,
                2 => b[at] ^ (1 << rng.below(8)),
                _ => rng.next() as u8,
            };
        }
        feed(&b);
    }
}

#[test]
fn truncated_and_corrupted_real_objects_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let hsaco = s::amd_object(dir.path(), &s::seed_kernels(), &["gfx90a"], false, &[]);
    torture("hsaco", &hsaco, Some(Format::Hsaco), 1);

    let src = s::standalone_source(dir.path());
    let bundle = s::amd_object(dir.path(), &src, &["gfx90a", "gfx1100"], true, &[]);
    torture("bundle", &bundle, None, 2);
    for len in 0..bundle.len() {
        assert!(
            bundle_entries(&bundle[..len]).is_err(),
            "bundle cut to {len} bytes"
        );
    }
    let ccob = s::amd_object(
        dir.path(),
        &src,
        &["gfx90a", "gfx1100"],
        true,
        &["--offload-compress"],
    );
    torture("compressed bundle", &ccob, None, 3);
    for len in 0..ccob.len() {
        assert!(
            bundle_entries(&ccob[..len]).is_err(),
            "compressed bundle cut to {len} bytes"
        );
    }

    let ptx = s::ptx(dir.path(), &s::seed_kernels(), 90);
    torture("ptx", &ptx, None, 4);

    let host = s::host_object(dir.path(), "-O3");
    torture("host", &host, Some(Format::Host), 5);

    if let Some(ptxas) = s::find_ptxas() {
        let cubin = s::cubin(dir.path(), &ptxas, &ptx, 90, "robust");
        torture("cubin", &cubin, Some(Format::Cubin), 6);
    } else {
        eprintln!("skipping cubin corruption: no ptxas found");
    }
}

#[test]
fn random_garbage_and_fake_headers_are_errors() {
    let mut rng = Rng(0x1234_5678);
    let prefixes: [&[u8]; 6] = [
        b"",
        b"\x7fELF\x02\x01\x01\x40\x03\0\0\0\0\0\0\0\x03\0\xe0\0",
        b"\x7fELF\x02\x01\x01\x33\x07\0\0\0\0\0\0\0\x02\0\xbe\0",
        b"__CLANG_OFFLOAD_BUNDLE__",
        b"CCOB\x02\0\x01\0",
        b".version 8.0\n.target sm_90\n.entry k(",
    ];
    for prefix in prefixes {
        for len in [0usize, 1, 7, 64, 200, 1000, 5000] {
            for _ in 0..40 {
                let mut b = prefix.to_vec();
                b.extend((0..len).map(|_| rng.next() as u8));
                feed(&b);
                for f in FORMATS {
                    if let Ok(info) = inspect(&b, f) {
                        // Only PTX can be "valid" with random tail bytes.
                        assert_eq!(
                            f,
                            Format::Ptx,
                            "{prefix:?}+{len} random bytes accepted as {f}: {info:?}"
                        );
                    }
                }
            }
        }
    }
}
