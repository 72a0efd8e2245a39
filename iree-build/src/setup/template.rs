//! `iree-build new <dir>`: a crate that builds and runs at once, like
//! `cargo new`: one HIP kernel, the `build.rs` that compiles it for
//! `gfx1100`, `sm_80` and `host`, and a `main.rs` that declares it, runs it
//! on the best device and checks the answer. The files are
//! `iree-build/template/*`, embedded here.

use std::path::{Path, PathBuf};

/// The template's files: path in the new crate, text with `{{name}}`,
/// `{{lib}}` and one `{{<crate>}}` per dependency to fill in.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../template/Cargo.toml.in")),
    ("build.rs", include_str!("../../template/build.rs")),
    ("src/main.rs", include_str!("../../template/src/main.rs")),
    (
        "kernels/kernels.cu",
        include_str!("../../template/kernels/kernels.cu"),
    ),
    (".gitignore", include_str!("../../template/gitignore")),
];

/// The two crates a user crate depends on: the runtime (which re-exports
/// the macro) and, for the build script, iree-build.
const CRATES: [&str; 2] = ["runtime-hip", "iree-build"];

/// Where the new crate's dependencies come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// crates.io, this crate's own version.
    Registry,
    /// A checkout of this repository (path dependencies on its crates).
    Checkout(PathBuf),
}

/// Writes a new crate into `dir` (which must not exist, or be empty) and
/// returns the files written. Its package name is the directory's name.
pub fn new_crate(dir: &Path, source: &Source) -> Result<Vec<PathBuf>, String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: not a directory name", dir.display()))?;
    check_name(name)?;
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(format!(
            "{} exists and is not empty: give a new directory",
            dir.display()
        ));
    }
    let deps = dependency_lines(source)?;
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let mut text = text
            .replace("{{name}}", name)
            .replace("{{lib}}", &name.replace('-', "_"));
        for (krate, line) in CRATES.iter().zip(&deps) {
            text = text.replace(&format!("{{{{{krate}}}}}"), line);
        }
        let path = dir.join(rel);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The dependency specification of each of [`CRATES`].
fn dependency_lines(source: &Source) -> Result<Vec<String>, String> {
    match source {
        Source::Registry => {
            let v = env!("CARGO_PKG_VERSION");
            Ok(CRATES.iter().map(|_| format!("\"{v}\"")).collect())
        }
        Source::Checkout(root) => {
            let root = std::fs::canonicalize(root)
                .map_err(|e| format!("--path {}: {e}", root.display()))?;
            CRATES
                .iter()
                .map(|c| {
                    let dir = root.join(c);
                    if !dir.join("Cargo.toml").is_file() {
                        return Err(format!(
                            "--path {}: no {c}/Cargo.toml there; give the root of an iree-rs checkout",
                            root.display()
                        ));
                    }
                    let path = dir.to_string_lossy().replace('\\', "/");
                    Ok(format!("{{ path = {path:?} }}"))
                })
                .collect()
        }
    }
}

/// Cargo's rule for package names, roughly: ASCII letters, digits, `-`
/// and `_`, starting with a letter.
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` cannot be a package name: use ASCII letters, digits, `-` and `_`, \
             starting with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_with_names_filled_in() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("my-kernels");
        let files = new_crate(&dir, &Source::Registry).unwrap();
        assert_eq!(files.len(), FILES.len());
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(toml.contains("name = \"my-kernels\""), "{toml}");
        let v = env!("CARGO_PKG_VERSION");
        assert!(toml.contains(&format!("iree-build = \"{v}\"")), "{toml}");
        let build = std::fs::read_to_string(dir.join("build.rs")).unwrap();
        assert!(build.contains(".compile(\"my_kernels\")"), "{build}");
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(!text.contains("{{"), "{}: {text}", f.display());
        }
        // Not over an existing crate.
        let e = new_crate(&dir, &Source::Registry).unwrap_err();
        assert!(e.contains("not empty"), "{e}");
    }

    #[test]
    fn checkout_paths_and_bad_names() {
        let t = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = t.path().join("k");
        new_crate(&dir, &Source::Checkout(root.to_path_buf())).unwrap();
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let want = format!(
            "runtime-hip = {{ path = {:?} }}",
            std::fs::canonicalize(root).unwrap().join("runtime-hip")
        );
        assert!(toml.contains(&want), "{toml}\n{want}");
        let e = new_crate(&t.path().join("x"), &Source::Checkout(t.path().into())).unwrap_err();
        assert!(e.contains("no runtime-hip/Cargo.toml"), "{e}");
        let e = new_crate(&t.path().join("1abc"), &Source::Registry).unwrap_err();
        assert!(e.contains("cannot be a package name"), "{e}");
    }

    /// The README's "Use it in your own crate" shows the files `new` writes,
    /// as it writes them (checked where the README is: in a checkout).
    #[test]
    fn the_readme_shows_what_new_writes() {
        let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let Ok(readme) = std::fs::read_to_string(readme) else {
            return;
        };
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("hello");
        new_crate(&dir, &Source::Registry).unwrap();
        for rel in ["build.rs", "kernels/kernels.cu", "src/main.rs"] {
            let text = std::fs::read_to_string(dir.join(rel)).unwrap();
            assert!(
                readme.contains(&text),
                "README.md lacks {rel} as `new` writes it:\n{text}"
            );
        }
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let deps = &toml[toml.find("[dependencies]").unwrap()..];
        let v = env!("CARGO_PKG_VERSION");
        let shown = deps.replace(&format!("\"{v}\""), "\"0.1\"");
        assert!(readme.contains(&shown), "README.md lacks:\n{shown}");
    }
}
