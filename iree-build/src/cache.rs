//! Content-hash cache in `OUT_DIR`: skip clang when nothing it reads changed.
//!
//! Cargo reruns a build script when any `rerun-if-changed` file's mtime
//! moves, even if its bytes did not (a `touch`, a branch switch and back).
//! The cache makes such a rerun cost no compiler invocation: a job's key is
//! the SHA-256 of the tool versions, the full command line, the source bytes
//! and the bytes of every file the previous compile read (from its depfile).
//! A stamp file beside the outputs remembers the key, those files and the
//! outputs; when the recomputed key matches and every output still exists,
//! the outputs are reused.
//!
//! Stamps are written atomically (temp file + rename), so concurrent jobs
//! and interrupted builds never leave a stamp that lies.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a compile depends on besides the files it reads: tool identities
/// and the command line.
#[derive(Clone, Debug, Default)]
pub struct KeyInputs {
    /// Strings that change the output when they change: tool paths and
    /// versions, every argument.
    pub words: Vec<String>,
    /// Files whose bytes matter that the depfile does not list (the source,
    /// bitcode libraries linked in).
    pub files: Vec<PathBuf>,
}

/// A finished compile as the stamp remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The hex SHA-256 key the outputs were produced under.
    pub key: String,
    /// Files read by the compile (depfile plus `KeyInputs::files`), hashed
    /// into the key.
    pub inputs: Vec<PathBuf>,
    /// The outputs, in order, with a short tag each (`ptx`, `cubin`, ...).
    pub outputs: Vec<(String, PathBuf)>,
}

/// Hashes `inputs.words` then every file of `files` (path and bytes).
/// `None` when a file cannot be read: the cache must then miss.
pub fn key(inputs: &KeyInputs, files: &[PathBuf]) -> Option<String> {
    let mut h = Sha256::new();
    for w in &inputs.words {
        h.update((w.len() as u64).to_le_bytes());
        h.update(w.as_bytes());
    }
    for f in files {
        let bytes = std::fs::read(f).ok()?;
        let p = f.to_string_lossy();
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Some(hex(&h.finalize()))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short stable hash of a string, for naming files after paths.
pub fn short_hash(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes())[..6])
}

/// The stamp's outputs when it is still valid for `inputs`: same key over
/// the files the last compile read, and every output present.
pub fn lookup(stamp_path: &Path, inputs: &KeyInputs) -> Option<Stamp> {
    let stamp = read_stamp(stamp_path)?;
    if stamp.outputs.iter().any(|(_, p)| !p.is_file()) {
        return None;
    }
    let now = key(inputs, &stamp.inputs)?;
    (now == stamp.key).then_some(stamp)
}

/// Records a finished compile: hashes `inputs` with the files it read.
pub fn store(
    stamp_path: &Path,
    inputs: &KeyInputs,
    read: Vec<PathBuf>,
    outputs: Vec<(String, PathBuf)>,
) -> io::Result<Stamp> {
    let mut all = inputs.files.clone();
    for f in read {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    let key = key(inputs, &all).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "an input of the compile vanished while hashing it",
        )
    })?;
    let stamp = Stamp {
        key,
        inputs: all,
        outputs,
    };
    let mut text = format!("iree-build-stamp 1\nkey {}\n", stamp.key);
    for f in &stamp.inputs {
        text.push_str(&format!("in {}\n", f.display()));
    }
    for (tag, f) in &stamp.outputs {
        text.push_str(&format!("out {tag} {}\n", f.display()));
    }
    write_atomic(stamp_path, text.as_bytes())?;
    Ok(stamp)
}

fn read_stamp(path: &Path) -> Option<Stamp> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != "iree-build-stamp 1" {
        return None;
    }
    let key = lines.next()?.strip_prefix("key ")?.to_string();
    let mut stamp = Stamp {
        key,
        inputs: Vec::new(),
        outputs: Vec::new(),
    };
    for line in lines {
        if let Some(p) = line.strip_prefix("in ") {
            stamp.inputs.push(PathBuf::from(p));
        } else if let Some(rest) = line.strip_prefix("out ") {
            let (tag, p) = rest.split_once(' ')?;
            stamp.outputs.push((tag.to_string(), PathBuf::from(p)));
        } else {
            return None;
        }
    }
    Some(stamp)
}

/// Writes `bytes` to `path` through a uniquely named temp file and a rename,
/// so readers (other threads, a later build) see the old or the new file,
/// never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}.{n}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes `bytes` only when the file does not already hold them, keeping
/// its mtime stable for cargo's `rerun-if-changed`.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_round_trip_and_invalidation() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("a.cu");
        let hdr = t.path().join("a.h");
        let out = t.path().join("a.o");
        std::fs::write(&src, "x").unwrap();
        std::fs::write(&hdr, "y").unwrap();
        std::fs::write(&out, "o").unwrap();
        let inputs = KeyInputs {
            words: vec!["clang 19".into(), "-O3".into()],
            files: vec![src.clone()],
        };
        let stamp_path = t.path().join("a.stamp");
        assert!(lookup(&stamp_path, &inputs).is_none());
        let s = store(
            &stamp_path,
            &inputs,
            vec![src.clone(), hdr.clone()],
            vec![("o".into(), out.clone())],
        )
        .unwrap();
        assert_eq!(lookup(&stamp_path, &inputs), Some(s));
        // Same bytes rewritten: still valid.
        std::fs::write(&hdr, "y").unwrap();
        assert!(lookup(&stamp_path, &inputs).is_some());
        // Other words: miss.
        let mut other = inputs.clone();
        other.words.push("-g".into());
        assert!(lookup(&stamp_path, &other).is_none());
        // Header change: miss.
        std::fs::write(&hdr, "z").unwrap();
        assert!(lookup(&stamp_path, &inputs).is_none());
        // Output gone: miss.
        std::fs::write(&hdr, "y").unwrap();
        std::fs::remove_file(&out).unwrap();
        assert!(lookup(&stamp_path, &inputs).is_none());
    }
}
