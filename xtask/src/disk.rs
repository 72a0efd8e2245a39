//! Free disk space, shown after every step of `cargo xtask test`.
//!
//! A CI run once failed halfway with "No space left on device" and nothing
//! said how full the disk had been getting; each step's line now ends with
//! the space left where cargo writes (`target/`) and where tests make their
//! temporary crates and virtualenvs (the temp dir).

use std::path::Path;
use std::process::Command;

/// Bytes free and the mount point of the filesystem holding `path`, read
/// from POSIX `df -Pk` (no libc binding needed, and `df` is on every
/// machine we run on).
fn free_on(path: &Path) -> Option<(u64, String)> {
    let out = Command::new("df").arg("-Pk").arg(path).output().ok()?;
    parse_df(&String::from_utf8_lossy(&out.stdout))
}

/// The "Available" column (1024-byte blocks) and "Mounted on" of `df -Pk`'s
/// one data line.
fn parse_df(text: &str) -> Option<(u64, String)> {
    let fields: Vec<&str> = text.lines().nth(1)?.split_whitespace().collect();
    let kib: u64 = fields.get(3)?.parse().ok()?;
    Some((kib * 1024, fields.get(5..)?.join(" ")))
}

/// `"41.2 GiB free"` for `target/` and, when on another filesystem, the temp dir.
pub fn summary(target: &Path) -> String {
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
    match (free_on(target), free_on(&std::env::temp_dir())) {
        (Some((a, m)), Some((b, n))) if m != n => {
            format!("{} free, {} in the temp dir", gib(a), gib(b))
        }
        (Some((a, _)), _) => format!("{} free", gib(a)),
        _ => "free space unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_available_column() {
        let out = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                   /dev/vda         263174212  11534336  83886080      13% /\n";
        assert_eq!(parse_df(out), Some((83886080 * 1024, "/".to_string())));
        assert_eq!(parse_df("Filesystem\n"), None);
    }

    #[test]
    fn this_machine_has_a_reading() {
        assert!(free_on(Path::new(".")).is_some_and(|(b, _)| b > 0));
    }
}
