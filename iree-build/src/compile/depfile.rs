//! Reading the Makefile-syntax depfile clang writes with `-MD -MF`.
//!
//! The files in it are what the compile read: they become
//! `cargo:rerun-if-changed` lines and the cache's inputs for the next build.

use std::path::{Path, PathBuf};

/// The prerequisites of every rule in `text`, in order, without duplicates.
/// Understands line continuations and the escapes clang writes (`\ ` for a
/// space, `\#`, `$$`). Relative paths are resolved against `cwd`.
pub fn parse(text: &str, cwd: &Path) -> Vec<PathBuf> {
    let mut deps: Vec<PathBuf> = Vec::new();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some('\n') => {
                    chars.next();
                    flush(&mut word, &mut words);
                }
                Some('\r') => {
                    chars.next();
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    flush(&mut word, &mut words);
                }
                Some(&e @ (' ' | '#' | '\\')) => {
                    chars.next();
                    word.push(e);
                }
                _ => word.push('\\'),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                word.push('$');
            }
            ' ' | '\t' => flush(&mut word, &mut words),
            '\n' => {
                flush(&mut word, &mut words);
                words.push("\n".into());
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut words);

    // Each rule is `target...: prereq...` up to an unescaped newline.
    let mut in_prereqs = false;
    for w in words {
        if w == "\n" {
            in_prereqs = false;
            continue;
        }
        if !in_prereqs {
            if w.ends_with(':') {
                in_prereqs = true;
            } else if let Some((_, after)) = w.split_once(": ") {
                in_prereqs = true;
                push(&mut deps, after, cwd);
            }
            continue;
        }
        push(&mut deps, &w, cwd);
    }
    deps
}

fn push(deps: &mut Vec<PathBuf>, word: &str, cwd: &Path) {
    if word.is_empty() {
        return;
    }
    let p = Path::new(word);
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    if !deps.contains(&p) {
        deps.push(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_escapes_and_relative_paths() {
        let text =
            "out\\ dir/k.o: /src/k.cu \\\n  /usr/include/a\\ b.h rel.h \\\n  /x/$$y.h /src/k.cu\n";
        let deps = parse(text, Path::new("/cwd"));
        assert_eq!(
            deps,
            vec![
                PathBuf::from("/src/k.cu"),
                PathBuf::from("/usr/include/a b.h"),
                PathBuf::from("/cwd/rel.h"),
                PathBuf::from("/x/$y.h"),
            ]
        );
    }

    #[test]
    fn several_rules() {
        let deps = parse("a.o: a.c a.h\nb.o: b.h\n", Path::new("/"));
        assert_eq!(
            deps,
            vec![
                PathBuf::from("/a.c"),
                PathBuf::from("/a.h"),
                PathBuf::from("/b.h")
            ]
        );
    }
}
