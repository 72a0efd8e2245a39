//! docs/ARCHITECTURE.md describes the code as it is: every file and every
//! Rust path it names in backticks must exist, so a move or a rename that
//! forgets the page fails here instead of leaving it to drift.
//!
//! Files (`drivers/common.rs`, `iree-build/include/...`) match by path
//! suffix against the repository's files. Rust paths (`iree_abi::target`,
//! `code_object::check_target`, `Toolchain::discover`) walk module files from
//! a crate root as far as they go; each remaining segment must be a word of
//! the last module reached (an item, a re-export or a method). The first
//! column of the "iree-build modules" table must be modules of iree-build.

use std::path::{Path, PathBuf};

/// The crates a doc path may start with, and their source roots.
const CRATES: &[(&str, &str)] = &[
    ("iree_build", "iree-build/src"),
    ("iree_abi", "runtime-hip/abi/src"),
    ("iree_syntax", "iree-macros/syntax/src"),
    ("iree_macros", "iree-macros/src"),
    ("runtime_hip", "runtime-hip/src"),
    ("xtask", "xtask/src"),
];

/// Files of other projects the page cites (IREE's).
const EXTERNAL: &[&str] = &["dynamic_symbol_tables.h"];

/// File extensions that mark a backticked span as a file name.
const FILE_EXTS: &[&str] = &[".rs", ".cpp", ".h", ".cu", ".sh", ".md", ".toml"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Backticked spans outside fenced code blocks, with their line numbers.
fn spans(doc: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for (j, part) in line.split('`').enumerate() {
            if j % 2 == 1 {
                out.push((i + 1, part.to_string()));
            }
        }
    }
    out
}

/// Every file under `dir`, relative to the repository, build outputs left out.
fn files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if path.is_dir() {
            files(root, &path, out);
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

fn looks_like_file(span: &str) -> bool {
    !span.contains(' ')
        && !span.contains("::")
        && !span.starts_with('.') // an extension in prose: "another `.cu`"
        && FILE_EXTS.iter().any(|e| span.ends_with(e))
}

fn file_exists(span: &str, all: &[String]) -> bool {
    // Outside the repository (the steering repo's design) or a pattern.
    if span.starts_with("../")
        || span.contains('<')
        || span.contains('*')
        || EXTERNAL.contains(&span)
    {
        return true;
    }
    all.iter()
        .any(|f| f == span || f.ends_with(&format!("/{span}")))
}

/// The file of module `name` under `dir`, if there is one.
fn module_file(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let file = dir.join(format!("{name}.rs"));
    if file.is_file() {
        return Some((file, dir.join(name)));
    }
    let modrs = dir.join(name).join("mod.rs");
    modrs.is_file().then(|| (modrs, dir.join(name)))
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let before = text[..i].chars().next_back().is_none_or(|c| !ident(c));
        let after = text[i + word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

/// Whether `segments` resolve from the crate root `src`: modules as far as
/// files go, then words of the last module file.
fn resolves_from(src: &Path, segments: &[&str]) -> bool {
    let (mut file, mut dir) = (src.join("lib.rs"), src.to_path_buf());
    if !file.is_file() {
        file = src.join("main.rs");
    }
    let mut rest = segments;
    while let Some((first, tail)) = rest.split_first() {
        match module_file(&dir, first) {
            Some((f, d)) => (file, dir, rest) = (f, d, tail),
            None => break,
        }
    }
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    rest.iter().all(|w| has_word(&text, w))
}

/// A Rust path from a span (`a::b::C`, `f()`, `m!`), or `None` for prose.
fn rust_path(span: &str) -> Option<Vec<&str>> {
    let path = span.trim_end_matches("()").trim_end_matches('!');
    if !path.contains("::") {
        return None;
    }
    let segments: Vec<&str> = path.split("::").collect();
    let ident = |s: &&str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    segments.iter().all(ident).then_some(segments)
}

/// A path with a crate prefix resolves in that crate; one without (a
/// module or type of the section's crate) in any crate whose root has its
/// first segment as a module or word.
fn path_exists(segments: &[&str], root: &Path) -> bool {
    if let Some((_, src)) = CRATES.iter().find(|(c, _)| *c == segments[0]) {
        return resolves_from(&root.join(src), &segments[1..]);
    }
    CRATES.iter().any(|(_, src)| {
        let src = root.join(src);
        module_file(&src, segments[0]).is_some() && resolves_from(&src, segments)
    }) || CRATES.iter().any(|(_, src)| {
        // `Type::method`: the type is defined somewhere in the crate.
        let mut all = Vec::new();
        files(&root.join(src), &root.join(src), &mut all);
        all.iter().any(|f| {
            let text = std::fs::read_to_string(root.join(src).join(f)).unwrap_or_default();
            segments.iter().all(|w| has_word(&text, w))
        })
    })
}

/// The first column of the "iree-build modules" table.
fn build_modules(doc: &str) -> Vec<String> {
    let start = doc
        .find("## iree-build modules")
        .expect("the modules section");
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('`').nth(1).map(str::to_string))
        .filter(|m| m != "module")
        .collect()
}

#[test]
fn every_file_and_path_the_architecture_page_names_exists() {
    let root = repo();
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    let mut missing = Vec::new();
    for (line, span) in spans(&doc) {
        let ok = if looks_like_file(&span) {
            file_exists(&span, &all)
        } else if let Some(segments) = rust_path(&span) {
            path_exists(&segments, &root)
        } else {
            true
        };
        if !ok {
            missing.push(format!("line {line}: `{span}`"));
        }
    }
    let src = root.join("iree-build/src");
    for m in build_modules(&doc) {
        if !resolves_from(&src, &[m.as_str()]) {
            missing.push(format!("iree-build modules table: `{m}` is not a module"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md names what does not exist:\n{}",
        missing.join("\n")
    );
}
