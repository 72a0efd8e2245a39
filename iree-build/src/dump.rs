//! `IREE_BUILD_DUMP=<dir>`: every file a build produced for its targets,
//! written into `<dir>` on every build while the variable is set, whether
//! the compiler ran now or the objects came from the cache (a user asking
//! for the intermediates of a built crate gets them without a rebuild).
//!
//! Per (source, target): the objects (`<stem>.<target>.co`, `.ptx`,
//! `.cubin`, `.o`; `:` in a target id written `_`) and, for the in-process
//! LLVM path, its stages (`.linked.ll`, `.optimized.ll`, `.rocmasm`/`.ptx`),
//! which that path keeps beside its objects in `<object>.dump/` so that a
//! cached build can hand them out too.

use std::io;
use std::path::{Path, PathBuf};

use crate::compile::CompiledObject;

/// The variable naming the directory (also read by the `llvm` feature's path).
pub const DUMP_ENV: &str = "IREE_BUILD_DUMP";

/// Where the LLVM path keeps the stages of the job whose main output is
/// `output` (`<dir>/<target>.llvm.co` → `<dir>/<target>.llvm.dump/`).
pub fn stages_dir(output: &Path) -> PathBuf {
    output.with_extension("dump")
}

/// Copies what each job produced into `dir`: `jobs` pairs the source each
/// object was compiled from with the object.
pub fn write(dir: &Path, jobs: &[(&Path, &CompiledObject)]) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (source, obj) in jobs {
        let stem = source
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("source");
        let target = obj.target.to_string().replace(':', "_");
        for (_, path) in &obj.outputs {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("bin");
            let to = dir.join(format!("{stem}.{target}.{ext}"));
            copy_if_changed(path, &to)?;
            written.push(to);
            let stages = stages_dir(path);
            if let Ok(rd) = std::fs::read_dir(&stages) {
                for e in rd.flatten() {
                    let to = dir.join(e.file_name());
                    copy_if_changed(&e.path(), &to)?;
                    written.push(to);
                }
            }
        }
    }
    Ok(written)
}

/// Copies `from` to `to` unless `to` already holds the same bytes.
fn copy_if_changed(from: &Path, to: &Path) -> io::Result<()> {
    let bytes = std::fs::read(from)?;
    crate::cache::write_if_changed(to, &bytes)
}
