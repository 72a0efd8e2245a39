//! Clang offload bundles: the container clang writes for device code unless
//! told `--no-gpu-bundle-output` (`clang/lib/Driver/OffloadBundler.cpp`).
//!
//! Plain layout, all integers little-endian `u64`:
//! `"__CLANG_OFFLOAD_BUNDLE__"`, entry count, then per entry offset, size,
//! id length and id (`hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-`,
//! `host-x86_64-unknown-linux--`, `cuda-nvptx64-nvidia-cuda-sm_80`); offsets
//! are from the start of the file.
//!
//! Compressed (`--offload-compress`): `"CCOB"`, `u16` version, `u16` method
//! (0 zlib, 1 zstd), then for version 1 `u32` uncompressed size, for
//! version 2 `u32` total size and `u32` uncompressed size, for version 3
//! `u64` total and uncompressed sizes; then a `u64` hash and the compressed
//! plain bundle.

use super::InspectError;
use crate::target::TargetId;

const WHAT: &str = "offload bundle";
const MAGIC: &[u8] = b"__CLANG_OFFLOAD_BUNDLE__";
const CCOB: &[u8] = b"CCOB";
/// Refuse to inflate more than this: a corrupt size field must not become
/// a huge allocation.
const MAX_UNCOMPRESSED: usize = 1 << 28;

pub(super) fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC) || bytes.starts_with(CCOB)
}

/// One entry of an offload bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleEntry {
    /// The entry id as clang wrote it: `hipv4-amdgcn-amd-amdhsa--gfx90a`.
    pub id: String,
    /// The target the id names, `None` for the (empty) host entry and for
    /// targets outside the table.
    pub target: Option<TargetId>,
    /// The entry's bytes (an AMD code object, PTX or cubin).
    pub bytes: Vec<u8>,
}

/// The target an entry id names: `<kind>-<triple>-<target id>` where the AMD
/// triple `amdgcn-amd-amdhsa` is followed by `-` and an empty environment,
/// hence the `--`.
fn entry_target(id: &str) -> Option<TargetId> {
    if let Some((_, rest)) = id.split_once("-amdgcn-amd-amdhsa-") {
        return rest.trim_start_matches('-').parse().ok();
    }
    if id.contains("-nvptx") {
        let sm = id.rsplit('-').next()?;
        let sm = sm.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        return Some(TargetId::Nvidia {
            sm: sm.strip_prefix("sm_")?.parse().ok()?,
        });
    }
    None
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64, InspectError> {
    let b = at
        .checked_add(8)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| InspectError::malformed(WHAT, "truncated header"))?;
    Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
}

fn to_usize(v: u64) -> Result<usize, InspectError> {
    usize::try_from(v).map_err(|_| InspectError::malformed(WHAT, "size out of range"))
}

/// Decompresses a `CCOB` bundle into a plain one.
fn decompress(bytes: &[u8]) -> Result<Vec<u8>, InspectError> {
    let field = |at: usize, n: usize| -> Result<u64, InspectError> {
        let b = bytes
            .get(at..at + n)
            .ok_or_else(|| InspectError::malformed(WHAT, "truncated compressed header"))?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    let version = field(4, 2)?;
    let method = field(6, 2)?;
    let (uncompressed, header_len) = match version {
        1 => (field(8, 4)?, 20),
        2 => (field(12, 4)?, 24),
        3 => (field(16, 8)?, 32),
        v => {
            return Err(InspectError::malformed(
                WHAT,
                format!("unknown compressed bundle version {v}"),
            ))
        }
    };
    let uncompressed = to_usize(uncompressed)?;
    if uncompressed > MAX_UNCOMPRESSED {
        return Err(InspectError::malformed(WHAT, "uncompressed size too large"));
    }
    let payload = bytes
        .get(header_len..)
        .ok_or_else(|| InspectError::malformed(WHAT, "truncated compressed header"))?;
    let out = match method {
        0 => miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(payload, uncompressed)
            .map_err(|e| InspectError::malformed(WHAT, format!("zlib: {e:?}")))?,
        1 => {
            // Stream with a limit: a corrupt size field must not become a
            // huge allocation or a long decode.
            use std::io::Read;
            let decoder = ruzstd::decoding::StreamingDecoder::new(payload)
                .map_err(|e| InspectError::malformed(WHAT, format!("zstd: {e}")))?;
            let mut out = Vec::new();
            decoder
                .take(uncompressed as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| InspectError::malformed(WHAT, format!("zstd: {e}")))?;
            out
        }
        m => {
            return Err(InspectError::malformed(
                WHAT,
                format!("unknown compression method {m}"),
            ))
        }
    };
    if out.len() != uncompressed {
        return Err(InspectError::malformed(
            WHAT,
            format!(
                "decompressed to {} bytes, header says {uncompressed}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

/// Every entry of a (plain or compressed) clang offload bundle.
pub fn bundle_entries(bytes: &[u8]) -> Result<Vec<BundleEntry>, InspectError> {
    if bytes.starts_with(CCOB) {
        let plain = decompress(bytes)?;
        if plain.starts_with(CCOB) {
            return Err(InspectError::malformed(WHAT, "nested compressed bundle"));
        }
        return bundle_entries(&plain);
    }
    if !bytes.starts_with(MAGIC) {
        return Err(InspectError::malformed(
            WHAT,
            "no __CLANG_OFFLOAD_BUNDLE__ or CCOB magic",
        ));
    }
    let count = read_u64(bytes, MAGIC.len())?;
    let mut at = MAGIC.len() + 8;
    let mut entries = Vec::new();
    // Entries of a real bundle never overlap, so together they hold at most
    // the file's bytes; without this bound, many entries naming the same
    // range would copy it once each (a 1 MiB file could ask for 40 GiB).
    let mut claimed = 0usize;
    for _ in 0..count {
        let offset = to_usize(read_u64(bytes, at)?)?;
        let size = to_usize(read_u64(bytes, at + 8)?)?;
        let id_len = to_usize(read_u64(bytes, at + 16)?)?;
        at += 24;
        let id = at
            .checked_add(id_len)
            .and_then(|end| bytes.get(at..end))
            .ok_or_else(|| InspectError::malformed(WHAT, "truncated entry id"))?;
        let id = String::from_utf8(id.to_vec())
            .map_err(|_| InspectError::malformed(WHAT, "entry id is not UTF-8"))?;
        at += id_len;
        let data = offset
            .checked_add(size)
            .and_then(|end| bytes.get(offset..end))
            .ok_or_else(|| {
                InspectError::malformed(WHAT, format!("entry `{id}` lies outside the file"))
            })?;
        claimed = claimed.saturating_add(size);
        if claimed > bytes.len() {
            return Err(InspectError::malformed(
                WHAT,
                format!("entry `{id}` overlaps earlier entries: together they claim more bytes than the file holds"),
            ));
        }
        entries.push(BundleEntry {
            target: entry_target(&id),
            id,
            bytes: data.to_vec(),
        });
    }
    Ok(entries)
}

/// The bytes of `bundle`'s entry for `target`.
///
/// An entry for exactly `target` wins; otherwise an entry for the same chip
/// whose features are `Any` where `target` pins them (`gfx90a` code serves
/// `gfx90a:xnack-`). Never the reverse: `gfx90a:xnack+` code is not given for
/// a plain `gfx90a`. NVIDIA entries match by sm. The error lists every entry
/// id the bundle holds.
pub fn unbundle(bundle: &[u8], target: &TargetId) -> Result<Vec<u8>, InspectError> {
    let entries = bundle_entries(bundle)?;
    let score = |e: &BundleEntry| -> Option<u32> {
        match (e.target.as_ref()?, target) {
            (a, b) if a == b => Some(0),
            (
                TargetId::Amd {
                    chip,
                    xnack,
                    sramecc,
                },
                TargetId::Amd {
                    chip: wc,
                    xnack: wx,
                    sramecc: ws,
                },
            ) if chip == wc => {
                use crate::target::Feature::Any;
                let fits = |f: &crate::target::Feature, w| *f == Any || f == w;
                (fits(xnack, wx) && fits(sramecc, ws))
                    .then(|| u32::from(xnack != wx) + u32::from(sramecc != ws))
            }
            _ => None,
        }
    };
    let best = entries
        .iter()
        .filter(|e| !e.bytes.is_empty())
        .filter_map(|e| score(e).map(|s| (s, e)))
        .min_by_key(|(s, _)| *s);
    match best {
        Some((_, e)) => Ok(e.bytes.clone()),
        None => Err(InspectError::NotInBundle {
            wanted: target.to_string(),
            available: entries.into_iter().map(|e| e.id).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_name_targets() {
        let t = |id| entry_target(id).map(|t| t.to_string());
        assert_eq!(
            t("hipv4-amdgcn-amd-amdhsa--gfx90a").as_deref(),
            Some("gfx90a")
        );
        assert_eq!(
            t("hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-").as_deref(),
            Some("gfx90a:xnack-")
        );
        assert_eq!(
            t("hip-amdgcn-amd-amdhsa-gfx1100").as_deref(),
            Some("gfx1100")
        );
        assert_eq!(
            t("cuda-nvptx64-nvidia-cuda-sm_80").as_deref(),
            Some("sm_80")
        );
        assert_eq!(t("host-x86_64-unknown-linux--"), None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(bundle_entries(b"").is_err());
        assert!(
            bundle_entries(b"__CLANG_OFFLOAD_BUNDLE__\xff\xff\xff\xff\xff\xff\xff\xff").is_err()
        );
        assert!(bundle_entries(b"CCOB\x02\x00\x01\x00").is_err());
        let mut b = MAGIC.to_vec();
        b.extend(1u64.to_le_bytes());
        b.extend(u64::MAX.to_le_bytes());
        b.extend(u64::MAX.to_le_bytes());
        b.extend(3u64.to_le_bytes());
        b.extend(b"abc");
        assert!(bundle_entries(&b).is_err());
    }

    /// Found while writing the `offload_bundle` fuzz target: entries that
    /// all name the whole file were each copied, so memory grew with the
    /// square of the file size.
    #[test]
    fn overlapping_entries_are_an_error() {
        let n = 1000u64;
        let mut b = MAGIC.to_vec();
        b.extend(n.to_le_bytes());
        let len = MAGIC.len() as u64 + 8 + n * 25;
        for _ in 0..n {
            b.extend(0u64.to_le_bytes());
            b.extend(len.to_le_bytes());
            b.extend(1u64.to_le_bytes());
            b.push(b'x');
        }
        assert_eq!(b.len() as u64, len);
        let e = bundle_entries(&b).unwrap_err().to_string();
        assert!(e.contains("overlaps earlier entries"), "{e}");
    }
}
