//! The bundle reader against malformed input: every kind of corruption is an
//! `Err`, never a panic.

mod sample;

use runtime_hip::bundle::{Bundle, BundleError, MAGIC, VERSION};
use runtime_hip::Format;

fn sample() -> Vec<u8> {
    sample::spec(vec![
        sample::variant("gfx1100", Format::Hsaco, &(0..200u8).collect::<Vec<_>>()),
        sample::variant("sm_80", Format::Ptx, b"//\n.version 8.0\n.target sm_80\n"),
    ])
    .to_bytes()
}

/// Header field offsets (see the layout in `bundle.rs`).
const VERSION_AT: usize = 8;
const HEADER_SIZE_AT: usize = 12;
const TOTAL_AT: usize = 16;
const EXPORTS_TABLE_AT: usize = 40;
const VARIANTS_TABLE_AT: usize = 48;
const STRINGS_TABLE_AT: usize = 64;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn set_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Structural errors are checked before the content id, so corruptions are
/// tested with `parse_structure`; `parse` must then also fail.
fn structural(b: &[u8]) -> BundleError {
    let e = Bundle::parse_structure(b).unwrap_err();
    assert!(Bundle::parse(b).is_err());
    e
}

#[test]
fn sample_parses() {
    let b = sample();
    let bundle = Bundle::parse(&b).unwrap();
    let exe = bundle.executable(0).unwrap();
    assert_eq!(exe.name(), "custom_dispatch");
    assert_eq!(exe.exports().len(), 2);
    assert_eq!(exe.variants().len(), 2);
}

#[test]
fn wrong_magic() {
    let mut b = sample();
    b[0] = b'X';
    assert!(matches!(structural(&b), BundleError::BadMagic { .. }));
    assert!(matches!(
        Bundle::parse(b"\x7fELF").unwrap_err(),
        BundleError::BadMagic { .. }
    ));
    assert!(matches!(
        Bundle::parse(&[]).unwrap_err(),
        BundleError::Truncated { .. }
    ));
    assert!(matches!(
        Bundle::parse(&MAGIC[..5]).unwrap_err(),
        BundleError::Truncated { .. }
    ));
}

#[test]
fn version_from_the_future_and_zero() {
    let mut b = sample();
    set_u32(&mut b, VERSION_AT, VERSION + 1);
    let e = structural(&b);
    assert_eq!(
        e,
        BundleError::FutureVersion {
            found: VERSION + 1,
            supported: VERSION
        }
    );
    assert!(e.to_string().contains("newer"), "{e}");
    set_u32(&mut b, VERSION_AT, 0);
    assert!(matches!(structural(&b), BundleError::BadHeader(_)));
}

#[test]
fn bad_header_size() {
    let mut b = sample();
    set_u32(&mut b, HEADER_SIZE_AT, 64);
    assert!(matches!(structural(&b), BundleError::BadHeader(_)));
}

#[test]
fn total_size_disagrees() {
    let mut b = sample();
    let len = b.len() as u64;
    set_u64(&mut b, TOTAL_AT, len + 1);
    assert!(matches!(structural(&b), BundleError::Truncated { .. }));
    set_u64(&mut b, TOTAL_AT, u64::MAX);
    assert!(matches!(structural(&b), BundleError::Truncated { .. }));
    set_u64(&mut b, TOTAL_AT, len - 1);
    assert!(matches!(structural(&b), BundleError::TrailingBytes { .. }));
}

#[test]
fn table_offsets_out_of_range() {
    for field in [
        32,
        EXPORTS_TABLE_AT,
        VARIANTS_TABLE_AT,
        56,
        STRINGS_TABLE_AT,
    ] {
        let mut b = sample();
        set_u32(&mut b, field, u32::MAX);
        assert!(
            matches!(structural(&b), BundleError::OutOfRange { .. }),
            "offset field {field}"
        );
        let mut b = sample();
        set_u32(&mut b, field + 4, u32::MAX);
        assert!(
            matches!(structural(&b), BundleError::OutOfRange { .. }),
            "count field {field}"
        );
    }
}

#[test]
fn record_fields_out_of_range() {
    let base = sample();
    let exe_at = u32_at(&base, 32) as usize;
    let exp_at = u32_at(&base, EXPORTS_TABLE_AT) as usize;
    let var_at = u32_at(&base, VARIANTS_TABLE_AT) as usize;
    // Executable: name offset, name len, export range, variant range.
    for (at, v) in [
        (exe_at, u32::MAX),
        (exe_at + 4, u32::MAX),
        (exe_at + 8, 1),
        (exe_at + 12, 3),
        (exe_at + 16, u32::MAX),
        (exe_at + 20, 3),
        // Export: name, binding range.
        (exp_at + 4, 100_000),
        (exp_at + 32, 4),
        (exp_at + 36, u32::MAX),
        // Variant: target.
        (var_at, 1 << 20),
    ] {
        let mut b = base.clone();
        set_u32(&mut b, at, v);
        assert!(
            matches!(structural(&b), BundleError::OutOfRange { .. }),
            "at {at} = {v}: {:?}",
            Bundle::parse_structure(&b)
        );
    }
    // Variant data offset/len (u64).
    for (at, v) in [
        (var_at + 16, u64::MAX),
        (var_at + 24, u64::MAX),
        (var_at + 16, base.len() as u64),
        (var_at + 24, base.len() as u64),
    ] {
        let mut b = base.clone();
        set_u64(&mut b, at, v);
        assert!(
            matches!(structural(&b), BundleError::OutOfRange { .. }),
            "at {at} = {v}"
        );
    }
}

#[test]
fn bad_format_byte_and_reserved() {
    let base = sample();
    let var_at = u32_at(&base, VARIANTS_TABLE_AT) as usize;
    for byte in [0u8, 5, 0xff] {
        let mut b = base.clone();
        b[var_at + 8] = byte;
        assert_eq!(
            structural(&b),
            BundleError::BadFormat {
                what: "variant 0".into(),
                byte
            }
        );
    }
    let mut b = base.clone();
    b[var_at + 10] = 1;
    assert!(matches!(structural(&b), BundleError::Reserved { .. }));
    // Bytes 12..16 name the variant's symbols (version 2): past the table
    // is out of range.
    let mut b = base.clone();
    b[var_at + 12] = 1;
    assert!(matches!(structural(&b), BundleError::OutOfRange { .. }));
}

#[test]
fn bad_utf8() {
    let mut b = sample();
    let strings = u32_at(&b, STRINGS_TABLE_AT) as usize;
    b[strings] = 0xff; // first byte of the executable name
    assert!(matches!(structural(&b), BundleError::BadUtf8 { .. }));
}

#[test]
fn content_id_catches_payload_changes() {
    let mut b = sample();
    let last = b.len() - 1;
    b[last] ^= 1; // in variant data: structurally fine
    assert!(Bundle::parse_structure(&b).is_ok());
    assert!(matches!(
        Bundle::parse(&b).unwrap_err(),
        BundleError::ContentId { .. }
    ));
}

#[test]
fn every_truncation_is_an_error() {
    let b = sample();
    for n in 0..b.len() {
        assert!(
            Bundle::parse(&b[..n]).is_err(),
            "prefix of {n} bytes parsed"
        );
        assert!(Bundle::parse_structure(&b[..n]).is_err(), "{n}");
    }
    // And with trailing garbage.
    let mut longer = b.clone();
    longer.push(0);
    assert!(Bundle::parse(&longer).is_err());
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Reads everything a view offers, so that accessors run on what the
/// structural check let through.
fn walk(b: &Bundle<'_>) -> usize {
    let mut n = 0;
    for e in b.executables() {
        n += e.name().len();
        for x in e.exports() {
            n += x.name().len() + x.binding_flags().count() + x.block_dims()[0] as usize % 7;
        }
        for v in e.variants() {
            n += v.target_str().len() + v.data().len() + v.format() as usize;
            let _ = v.target();
        }
        let _ = e.export(0);
    }
    n
}

#[test]
fn random_byte_flips_never_panic() {
    let base = sample();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let mut b = base.clone();
        let flips = 1 + rng.next() % 4;
        for _ in 0..flips {
            let i = (rng.next() % b.len() as u64) as usize;
            b[i] ^= 1 << (rng.next() % 8);
        }
        // Any flip changes the content id check...
        assert!(Bundle::parse(&b).is_err() || b == base);
        // ...and the structure check must not panic, whatever it says.
        if let Ok(p) = Bundle::parse_structure(&b) {
            walk(&p);
        }
    }
    // Random garbage behind a valid magic.
    for len in [16usize, 72, 100, 400] {
        for _ in 0..2_000 {
            let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            b[..8].copy_from_slice(&MAGIC);
            set_u32(&mut b, VERSION_AT, VERSION);
            if len >= 24 {
                set_u32(&mut b, HEADER_SIZE_AT, 72);
                set_u64(&mut b, TOTAL_AT, len as u64);
            }
            if let Ok(p) = Bundle::parse_structure(&b) {
                walk(&p);
            }
        }
    }
}
