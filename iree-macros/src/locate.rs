//! Finding the manifest the build script wrote, and this declaration in it.
//!
//! * `IREE_MANIFEST_DIR` (tests without a build script): `<dir>/manifest.json`.
//! * else `OUT_DIR` (set by cargo for crates with a build script):
//!   `iree_abi::manifest::manifest_dir(OUT_DIR)/manifest.json`.
//!
//! A declaration is matched by its file and its fn name. The file comes from
//! the span of the attribute (`proc_macro::Span::local_file`), made absolute
//! against the compiler's working directory; a manifest entry's `file` is
//! resolved against `CARGO_MANIFEST_DIR` (so an absolute `file` also works,
//! which test fixtures use).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use iree_abi::manifest::{
    manifest_dir, DeclarationEntry, Manifest, MANIFEST_FILE, MANIFEST_VERSION,
};

/// The environment variable tests use instead of `OUT_DIR`.
pub(crate) const MANIFEST_DIR_ENV: &str = "IREE_MANIFEST_DIR";

/// A loaded manifest and where it came from.
pub(crate) struct Located {
    /// Absolute path of `manifest.json` (the expansion `include_bytes!`s it).
    pub path: PathBuf,
    /// The parsed manifest.
    pub manifest: Arc<Manifest>,
}

/// Where the declaration being expanded sits.
pub(crate) struct Site {
    /// Absolute path of the file holding it, when the compiler says.
    pub file: Option<PathBuf>,
    /// 1-based line of the attribute, when the compiler says.
    pub line: Option<u32>,
    /// `CARGO_MANIFEST_DIR` of the crate being compiled.
    pub crate_dir: Option<PathBuf>,
}

impl Site {
    /// The site of the current macro invocation.
    pub fn current() -> Site {
        let span = proc_macro::Span::call_site();
        let file = span.local_file().map(|p| absolute(&p));
        let line = u32::try_from(span.line()).ok().filter(|&l| l > 0);
        let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        Site {
            file,
            line,
            crate_dir,
        }
    }

    /// The declaration's file as messages show it: relative to the crate
    /// root, `/`-separated, when it lies inside it.
    pub fn display_file(&self) -> String {
        match &self.file {
            Some(file) => display_relative(file, self.crate_dir.as_deref()),
            None => "this file".to_string(),
        }
    }

    /// Resolves a manifest path (relative to the crate root, or absolute).
    fn resolve(&self, file: &str) -> PathBuf {
        match &self.crate_dir {
            Some(dir) => normalize(&dir.join(file)),
            None => normalize(Path::new(file)),
        }
    }

    fn is_file(&self, file: &str) -> bool {
        match &self.file {
            Some(ours) => same_file(ours, &self.resolve(file)),
            None => false,
        }
    }
}

/// Finds and loads the manifest. The error text is the whole message.
pub(crate) fn load() -> Result<Located, String> {
    let path = if let Some(dir) = std::env::var_os(MANIFEST_DIR_ENV) {
        let path = absolute(&PathBuf::from(dir).join(MANIFEST_FILE));
        if !path.is_file() {
            return Err(format!(
                "`#[extern_dispatch]` found no manifest: `${MANIFEST_DIR_ENV}/{MANIFEST_FILE}` \
                 does not exist"
            ));
        }
        path
    } else if let Some(out_dir) = std::env::var_os("OUT_DIR") {
        let path = absolute(&manifest_dir(Path::new(&out_dir)).join(MANIFEST_FILE));
        if !path.is_file() {
            return Err(format!(
                "`#[extern_dispatch]` found no manifest: the build script did not write \
                 `$OUT_DIR/iree/{MANIFEST_FILE}`\n\
                 help: build.rs must call `iree_build::Build::new().bridge(\"<this file>\")\
                 .source(...).compile(\"<name>\")`"
            ));
        }
        path
    } else {
        return Err(
            "this crate has no build script calling `iree_build::Build` \
                    (`OUT_DIR` is not set), so `#[extern_dispatch]` has no manifest to check \
                    this declaration against\n\
                    help: add a build.rs with `iree_build::Build::new().bridge(\"<this file>\")\
                    .source(\"kernels/<name>.cu\").compile(\"<name>\")`"
                .to_string(),
        );
    };
    let manifest = cached_parse(&path)?;
    Ok(Located { path, manifest })
}

/// Parses `path`, reusing the previous parse while the file is unchanged:
/// every declaration of a crate expands in one compiler process.
fn cached_parse(path: &Path) -> Result<Arc<Manifest>, String> {
    type Entries = HashMap<PathBuf, (Option<SystemTime>, u64, Arc<Manifest>)>;
    static CACHE: Mutex<Option<Entries>> = Mutex::new(None);
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read the IREE manifest: {e}"))?;
    let stamp = (meta.modified().ok(), meta.len());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some((modified, len, manifest)) = cache.get(path) {
        if (*modified, *len) == stamp && modified.is_some() {
            return Ok(manifest.clone());
        }
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the IREE manifest: {e}"))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "the IREE manifest is not valid JSON for this version of iree-macros ({e}); \
             are `iree-build` and `iree-macros` the same version?"
        )
    })?;
    if manifest.version != MANIFEST_VERSION {
        return Err(format!(
            "the IREE manifest has version {}, but this iree-macros reads version \
             {MANIFEST_VERSION}; use the same version of `iree-build` and `iree-macros`",
            manifest.version
        ));
    }
    let manifest = Arc::new(manifest);
    cache.insert(path.to_path_buf(), (stamp.0, stamp.1, manifest.clone()));
    Ok(manifest)
}

/// Finds the declaration `fn_name` at `site`. The error text is the whole
/// message.
pub(crate) fn find<'m>(
    manifest: &'m Manifest,
    site: &Site,
    fn_name: &str,
) -> Result<&'m DeclarationEntry, String> {
    let named: Vec<&DeclarationEntry> = manifest
        .declarations
        .iter()
        .filter(|d| d.fn_name == fn_name)
        .collect();
    if site.file.is_none() {
        // The compiler did not say which file (e.g. an IDE expanding the
        // macro): a unique name is still unambiguous.
        return match named.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "the build found no `#[extern_dispatch] fn {fn_name}` in any file listed in \
                 `.bridge(...)`"
            )),
            _ => Err(format!(
                "the build found several `#[extern_dispatch] fn {fn_name}` and the compiler \
                 did not say which file this one is in"
            )),
        };
    }
    let here: Vec<&DeclarationEntry> = named
        .into_iter()
        .filter(|d| site.is_file(&d.file))
        .collect();
    match here.as_slice() {
        [one] => return Ok(one),
        [] => {}
        several => {
            // The same name twice in one file (e.g. under different `#[cfg]`s):
            // the line tells them apart.
            if let Some(line) = site.line {
                if let Some(d) = several.iter().min_by_key(|d| d.line.abs_diff(line)) {
                    return Ok(d);
                }
            }
            return Ok(several[0]);
        }
    }
    let file = site.display_file();
    if !manifest.bridges.iter().any(|b| site.is_file(b)) {
        return Err(format!(
            "build.rs did not list {file} in `.bridge(...)`, so the build did not compile or \
             check this declaration\n\
             help: add `.bridge(\"{file}\")` to the `iree_build::Build` in build.rs"
        ));
    }
    Err(format!(
        "the build parsed {file} but found no `#[extern_dispatch] fn {fn_name}` there \
         (declarations produced by other macros, or in files reached only through `#[path]`, \
         are not seen by the build)"
    ))
}

/// `p` made absolute against the current directory (the compiler's, which
/// is what relative paths from `Span::local_file` are relative to).
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_relative() {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(p),
            Err(_) => p.to_path_buf(),
        }
    } else {
        p.to_path_buf()
    };
    normalize(&p)
}

/// Removes `.` and resolves `..` lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn display_relative(file: &Path, crate_dir: Option<&Path>) -> String {
    let rel = crate_dir.and_then(|dir| {
        file.strip_prefix(dir)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                let (f, d) = (file.canonicalize().ok()?, dir.canonicalize().ok()?);
                f.strip_prefix(d).ok().map(Path::to_path_buf)
            })
    });
    match rel {
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        // Outside the crate: the file name alone keeps messages free of
        // machine-specific prefixes.
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string()),
    }
}
