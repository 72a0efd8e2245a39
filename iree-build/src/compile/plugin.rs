//! The host lockstep pass plugin (`lockstep/lockstep.cpp`) as a shared
//! object that clang loads with `-fpass-plugin` when it compiles host
//! kernels.
//!
//! Why it is built here and not shipped: a pass plugin only loads into the
//! clang whose LLVM it was compiled against, so it is compiled on the
//! user's machine, with the discovered clang-19 and the matching LLVM
//! headers ([`Tool::LlvmInclude`]).
//!
//! Why it is cached outside `OUT_DIR`: every crate that uses iree-build
//! would otherwise pay for one C++ compile against LLVM's headers (seconds)
//! in its own build script. The `.so` lives in the cargo target directory,
//! in a directory named after a SHA-256 of everything that decides its
//! bytes (source, clang, headers, flags), so all build scripts of a target
//! directory share one; build scripts run in parallel, so it is written
//! under a unique temporary name and renamed into place, and a file present
//! under the final name is a finished plugin. Its path is on the host
//! compile's command line, so the hash is part of every host object's
//! cache key.
//!
//! Why nothing here is fatal: without the plugin host kernels run as they
//! always have (a barrier kernel as one coroutine per thread), so its
//! absence costs speed, not correctness. Without LLVM headers host
//! kernels are compiled without it silently (`cargo xtask doctor` lists the
//! headers as missing); when it does not compile, or compiles but clang
//! cannot load it, the build warns once and goes on without it.
//! `IREE_HOST_LOCKSTEP=0` turns it off.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::cache;
use crate::config::BuildEnv;
use crate::toolchain::{cargo_target_dir_above, Located, Tool, Toolchain};

/// The plugin's C++ source: one translation unit of the lockstep pass, the
/// SIMD pass (which uses the lockstep file's helpers) and the registration
/// of both, in that order.
pub const SOURCE: &str = concat!(
    include_str!("lockstep/lockstep.cpp"),
    include_str!("lockstep/simd.cpp"),
    include_str!("lockstep/register.cpp"),
);

/// `0`, `false`, `off` or `no` compile host kernels without the plugin.
pub const ENV_VAR: &str = "IREE_HOST_LOCKSTEP";

/// The built plugin's file name.
pub const FILE_NAME: &str = "liblockstep.so";

/// clang's arguments besides `-I<llvm include>`, `-o` and the source: C++
/// as LLVM itself is built (`llvm-config --cxxflags`), and no LLVM library
/// linked: clang-19 provides LLVM's symbols when it loads the plugin.
pub const FLAGS: &[&str] = &[
    "--driver-mode=g++",
    "-std=c++17",
    "-O2",
    "-fPIC",
    "-shared",
    "-fno-exceptions",
    "-fno-rtti",
    "-D_GNU_SOURCE",
    "-D__STDC_CONSTANT_MACROS",
    "-D__STDC_FORMAT_MACROS",
    "-D__STDC_LIMIT_MACROS",
    "-fno-color-diagnostics",
];

/// Whether host kernels are compiled with the plugin, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lockstep {
    /// Load this plugin (`-fpass-plugin=<path>`).
    Plugin(PathBuf),
    /// `IREE_HOST_LOCKSTEP` turned it off.
    Disabled,
    /// Nothing to build it with (no LLVM headers): not worth a warning.
    Unavailable(String),
    /// It was tried and failed, or an override pointed nowhere: the
    /// build's one-line warning.
    Failed(String),
}

impl Lockstep {
    /// The plugin to load, if any.
    pub fn plugin(&self) -> Option<&Path> {
        match self {
            Lockstep::Plugin(p) => Some(p),
            _ => None,
        }
    }

    /// The warning for a failure, the first time this process asks for
    /// it: several `Build::compile` calls and every host job share one
    /// plugin, and one warning is enough.
    pub fn warn_once(&self) -> Option<String> {
        static WARNED: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let Lockstep::Failed(why) = self else {
            return None;
        };
        let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
        if warned.contains(why) {
            return None;
        }
        warned.push(why.clone());
        Some(why.clone())
    }
}

/// Whether a value of [`ENV_VAR`] leaves the plugin on (unset does).
pub fn enabled(value: Option<&str>) -> bool {
    !value.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "false" | "off" | "no"
        )
    })
}

/// The plugin for host compiles writing into `out_dir`, per the process
/// environment's [`ENV_VAR`]; see [`for_build`].
pub fn for_host(tc: &Toolchain, out_dir: &Path) -> Lockstep {
    for_build(&BuildEnv::from_process(), tc, out_dir)
}

/// The plugin for host compiles writing into `out_dir`, per the build's
/// `env` ([`ENV_VAR`], and cargo's `OUT_DIR` for where to share it): built
/// at most once per process and once per cargo target directory, never an
/// error. A build resolves it once and hands it to every host job.
pub fn for_build(env: &BuildEnv, tc: &Toolchain, out_dir: &Path) -> Lockstep {
    let root = cache_root(out_dir, env.out_dir.as_deref());
    lockstep_in(SOURCE, env.lockstep.as_deref(), tc, &root)
}

/// [`for_build`] for any plugin source (tests build broken ones), shared
/// below `root`.
pub(crate) fn lockstep_in(
    source: &str,
    setting: Option<&str>,
    tc: &Toolchain,
    root: &Path,
) -> Lockstep {
    if !enabled(setting) {
        return Lockstep::Disabled;
    }
    let Some(clang) = tc.clang() else {
        return Lockstep::Unavailable("clang-19 not found".into());
    };
    let include = match tc.get(Tool::LlvmInclude) {
        Ok(l) => l,
        Err(m) => {
            let first = m.to_string().lines().next().unwrap_or_default().to_string();
            return match &m.bad_env {
                Some(_) => {
                    Lockstep::Failed(format!("host kernels will run without lockstep: {first}"))
                }
                None => Lockstep::Unavailable(first),
            };
        }
    };
    let so = plugin_path(source, clang, include, root);
    // One build per plugin path in this process: the host jobs of a build
    // run on several threads and must not each compile it.
    static MEMO: Mutex<Vec<(PathBuf, Arc<OnceLock<Lockstep>>)>> = Mutex::new(Vec::new());
    let cell = {
        let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
        match memo.iter().find(|(p, _)| *p == so) {
            Some((_, cell)) => cell.clone(),
            None => {
                let cell = Arc::new(OnceLock::new());
                memo.push((so.clone(), cell.clone()));
                cell
            }
        }
    };
    cell.get_or_init(|| match build(source, clang, include, &so) {
        Ok(path) => Lockstep::Plugin(path),
        Err(why) => Lockstep::Failed(format!("host kernels will run without lockstep: {why}")),
    })
    .clone()
}

/// Where the plugin is shared: the cargo target directory above `out_dir`,
/// else above cargo's `OUT_DIR` (`cargo_out_dir`), else above the running
/// program (tests and tools built by cargo), else `out_dir` itself.
fn cache_root(out_dir: &Path, cargo_out_dir: Option<&Path>) -> PathBuf {
    let starts = [
        Some(out_dir.to_path_buf()),
        cargo_out_dir.map(Path::to_path_buf),
        std::env::current_exe().ok(),
    ];
    starts
        .into_iter()
        .flatten()
        .find_map(|s| cargo_target_dir_above(&s))
        .unwrap_or_else(|| out_dir.to_path_buf())
}

/// `<root>/iree-build/plugin/<sha256>/liblockstep.so`, the hash covering
/// everything that decides the plugin's bytes.
pub(crate) fn plugin_path(
    source: &str,
    clang: &Located,
    include: &Located,
    root: &Path,
) -> PathBuf {
    let mut h = Sha256::new();
    let mut word = |w: &[u8]| {
        h.update((w.len() as u64).to_le_bytes());
        h.update(w);
    };
    word(b"iree-build lockstep plugin 1");
    word(source.as_bytes());
    word(clang.path.to_string_lossy().as_bytes());
    word(clang.version.as_deref().unwrap_or("?").as_bytes());
    word(include.path.to_string_lossy().as_bytes());
    word(include.version.as_deref().unwrap_or("?").as_bytes());
    for f in FLAGS {
        word(f.as_bytes());
    }
    root.join("iree-build/plugin")
        .join(cache::hex(&h.finalize()))
        .join(FILE_NAME)
}

/// Makes sure `so` exists (a present file is a finished plugin): compiles
/// `source` next to it under a unique temporary name, checks that clang
/// loads it, renames it into place. The error is one line: what failed,
/// clang's error lines, where its full output is.
pub(crate) fn build(
    source: &str,
    clang: &Located,
    include: &Located,
    so: &Path,
) -> Result<PathBuf, String> {
    if so.is_file() {
        return Ok(so.to_path_buf());
    }
    let dir = so.parent().expect("plugin_path has a directory");
    let cpp = dir.join("lockstep.cpp");
    cache::write_if_changed(&cpp, source.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", cpp.display()))?;
    let tmp = unique(so);
    let mut args: Vec<OsString> = FLAGS.iter().map(OsString::from).collect();
    let mut inc = OsString::from("-I");
    inc.push(&include.path);
    args.extend([inc, "-o".into(), tmp.clone().into(), cpp.clone().into()]);
    let result = run(clang, &args, "did not compile", dir).and_then(|()| {
        // A plugin that compiles may still not load (a missing entry point,
        // LLVM symbols this clang does not export): find out on an empty
        // file rather than on the user's kernels.
        let check: Vec<OsString> = [
            "-x",
            "c++",
            "-O2",
            "-c",
            "-",
            "-o",
            "/dev/null",
            "-fno-color-diagnostics",
        ]
        .iter()
        .map(OsString::from)
        .chain([format!("-fpass-plugin={}", tmp.display()).into()])
        .collect();
        run(clang, &check, "compiled, but clang-19 cannot load it", dir)
    });
    if let Err(why) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(why);
    }
    match std::fs::rename(&tmp, so) {
        Ok(()) => Ok(so.to_path_buf()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            // Another build script may have put the same plugin there.
            if so.is_file() {
                Ok(so.to_path_buf())
            } else {
                Err(format!(
                    "cannot rename the plugin into {}: {e}",
                    so.display()
                ))
            }
        }
    }
}

/// `<path>.tmp<pid>.<n>`: no two threads or processes share one.
fn unique(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}.{n}", std::process::id()));
    PathBuf::from(tmp)
}

/// Runs clang with stdin empty; on failure writes its output to
/// `<dir>/error.log` and says, in one line, `the lockstep plugin <what>`
/// with clang's error lines.
fn run(clang: &Located, args: &[OsString], what: &str, dir: &Path) -> Result<(), String> {
    let out = Command::new(&clang.path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", clang.path.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = dir.join("error.log");
    let command = std::iter::once(clang.path.to_string_lossy().into_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let saved = cache::write_atomic(&log, format!("{command}\n\n{stderr}").as_bytes()).is_ok();
    let mut why = format!(
        "the lockstep plugin {what} ({}): {}",
        out.status,
        error_tail(&stderr)
    );
    if saved {
        why.push_str(&format!(" (full output: {})", log.display()));
    }
    Err(why)
}

/// clang's error lines (at most three), else its last three lines, joined
/// into one line.
fn error_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("error:"))
        .take(3)
        .collect();
    let picked = if errors.is_empty() {
        lines[lines.len().saturating_sub(3)..].to_vec()
    } else {
        errors
    };
    let clip = |l: &str| -> String {
        if l.chars().count() > 300 {
            l.chars().take(300).chain("...".chars()).collect()
        } else {
            l.to_string()
        }
    };
    let text = picked.into_iter().map(clip).collect::<Vec<_>>().join(" | ");
    if text.is_empty() {
        "no output".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    /// The plugin as a build without `OUT_DIR` resolves it.
    fn lockstep(setting: Option<&str>, tc: &Toolchain, out_dir: &Path) -> Lockstep {
        lockstep_in(SOURCE, setting, tc, &cache_root(out_dir, None))
    }

    fn toolchain() -> Toolchain {
        let tc = Toolchain::discover();
        assert!(
            tc.llvm_include().is_some(),
            "these tests need LLVM 19 headers (`cargo xtask provision` installs llvm-19-dev)\n{tc}"
        );
        tc
    }

    fn mtime(p: &Path) -> SystemTime {
        std::fs::metadata(p).unwrap().modified().unwrap()
    }

    #[test]
    fn the_plugin_is_compiled_once_per_cache_dir_and_loads() {
        let tc = toolchain();
        let (clang, include) = (tc.clang().unwrap(), tc.llvm_include().unwrap());
        let root = tempfile::tempdir().unwrap();
        let so = plugin_path(SOURCE, clang, include, root.path());
        let hash = so.parent().unwrap();
        assert_eq!(
            hash.parent().unwrap(),
            root.path().join("iree-build/plugin")
        );
        let name = hash.file_name().unwrap().to_str().unwrap();
        assert!(
            name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );

        assert!(!so.exists());
        let first = build(SOURCE, clang, include, &so).unwrap_or_else(|e| panic!("{e}"));
        assert!(first == so && so.is_file());
        let built_at = mtime(&so);
        let source_at = mtime(&hash.join("lockstep.cpp"));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(build(SOURCE, clang, include, &so).unwrap(), so);
        assert_eq!(mtime(&so), built_at, "a present plugin is not rebuilt");
        assert_eq!(
            mtime(&hash.join("lockstep.cpp")),
            source_at,
            "nor its source rewritten"
        );
        // Only the source and the plugin are left: no temporaries.
        let mut left: Vec<String> = std::fs::read_dir(hash)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["liblockstep.so", "lockstep.cpp"]);

        // Anything that changes the plugin's bytes changes its directory.
        assert_ne!(plugin_path("// other\n", clang, include, root.path()), so);
        let mut other_clang = clang.clone();
        other_clang.version = Some("19.0.0".into());
        assert_ne!(plugin_path(SOURCE, &other_clang, include, root.path()), so);
    }

    #[test]
    fn host_compiles_share_the_plugin_in_the_cargo_target_dir() {
        let tc = toolchain();
        let out = tempfile::tempdir().unwrap();
        let a = lockstep(None, &tc, out.path());
        let b = lockstep(Some("1"), &tc, out.path());
        let so = a.plugin().unwrap_or_else(|| panic!("{a:?}"));
        assert_eq!(a, b);
        assert!(so.is_file());
        // This test runs from target/debug/deps: the plugin is shared in
        // target/, not built into each out dir.
        let exe = std::env::current_exe().unwrap();
        let target = cache_root(out.path(), None);
        assert!(exe.starts_with(&target), "{}", target.display());
        assert!(!target.starts_with(out.path()));
        assert!(
            so.starts_with(target.join("iree-build/plugin")),
            "{}",
            so.display()
        );
        assert_eq!(a.warn_once(), None);
    }

    #[test]
    fn off_by_environment() {
        for v in ["0", "false", "OFF", "no", " 0 "] {
            assert!(!enabled(Some(v)), "{v}");
        }
        for v in [None, Some("1"), Some(""), Some("yes")] {
            assert!(enabled(v), "{v:?}");
        }
        let tc = Toolchain::discover();
        let out = tempfile::tempdir().unwrap();
        assert_eq!(lockstep(Some("0"), &tc, out.path()), Lockstep::Disabled);
    }

    #[test]
    fn a_plugin_that_does_not_compile_is_one_warning_once() {
        let tc = toolchain();
        let root = tempfile::tempdir().unwrap();
        let source = "this is not C++\n";
        let got = lockstep_in(source, None, &tc, root.path());
        let Lockstep::Failed(why) = &got else {
            panic!("{got:?}")
        };
        assert!(!why.contains('\n'), "one line: {why}");
        assert!(
            why.starts_with(
                "host kernels will run without lockstep: the lockstep plugin did not compile"
            ),
            "{why}"
        );
        assert!(why.contains("error:"), "clang's error: {why}");
        assert!(why.contains("error.log"), "{why}");
        // The same plugin is not tried again in this process, and the
        // warning is given once.
        assert_eq!(lockstep_in(source, None, &tc, root.path()), got);
        assert_eq!(got.warn_once().as_deref(), Some(why.as_str()));
        assert_eq!(got.warn_once(), None);
        assert_eq!(got.plugin(), None);
    }

    #[test]
    fn a_plugin_clang_cannot_load_is_not_put_in_place() {
        let tc = toolchain();
        let (clang, include) = (tc.clang().unwrap(), tc.llvm_include().unwrap());
        let root = tempfile::tempdir().unwrap();
        // Compiles to a shared object, but has no llvmGetPassPluginInfo.
        let source = "int iree_not_a_plugin;\n";
        let so = plugin_path(source, clang, include, root.path());
        let why = build(source, clang, include, &so).unwrap_err();
        assert!(
            why.starts_with("the lockstep plugin compiled, but clang-19 cannot load it"),
            "{why}"
        );
        assert!(!so.exists());
        let left: Vec<_> = std::fs::read_dir(so.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !left.iter().any(|n| n.to_string_lossy().contains(".tmp")),
            "{left:?}"
        );
    }

    /// A barrier kernel, compiled for the host with `plugin` (or without).
    fn host_compile(
        tc: &Toolchain,
        out: &Path,
        plugin: Option<&Path>,
    ) -> crate::compile::CompiledObject {
        let src = out.join("k.cu");
        cache::write_if_changed(
            &src,
            b"#include <hip/hip_runtime.h>\n\
              extern \"C\" __global__ void k(float* x) {\n\
                x[threadIdx.x] += 1.0f;\n  __syncthreads();\n  x[0] += x[blockDim.x - 1];\n}\n",
        )
        .unwrap();
        let mut job = crate::compile::CompileJob::new(&src, crate::target::TargetId::Host, out);
        job.host_exports = vec!["k".into()];
        crate::compile::compile_with(&job, tc, &crate::config::CompileEnv::from_process(), plugin)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn has_arg(obj: &crate::compile::CompiledObject, prefix: &str) -> bool {
        obj.commands[0].iter().any(|a| a.starts_with(prefix))
    }

    #[test]
    fn host_compiles_load_the_plugin_and_go_on_without_a_broken_one() {
        let tc = toolchain();
        let out = tempfile::tempdir().unwrap();
        let on = lockstep(None, &tc, out.path());
        let so = on.plugin().unwrap_or_else(|| panic!("{on:?}"));
        let with = host_compile(&tc, out.path(), Some(so));
        let plugin_arg = format!("-fpass-plugin={}", so.display());
        assert!(
            with.commands[0].contains(&plugin_arg),
            "{:?}",
            with.commands
        );
        assert!(with.commands[0]
            .iter()
            .any(|a| a == "-DIREE_HOST_LOCKSTEP=1"));
        assert!(host_compile(&tc, out.path(), Some(so)).cached);

        // A plugin that does not build: the same job compiles without it,
        // and its cache key (every argument) changed with the command.
        let root = tempfile::tempdir().unwrap();
        let broken = lockstep_in("#error not a plugin\n", None, &tc, root.path());
        assert!(matches!(broken, Lockstep::Failed(_)), "{broken:?}");
        let without = host_compile(&tc, out.path(), broken.plugin());
        assert!(
            !without.cached,
            "the plugin left the command, so the key changed"
        );
        assert!(
            !has_arg(&without, "-fpass-plugin"),
            "{:?}",
            without.commands
        );
        assert!(!has_arg(&without, "-DIREE_HOST_LOCKSTEP"));
        assert!(without.outputs[0].1.is_file());
    }

    #[test]
    fn error_tails_are_one_line() {
        let stderr = "a.cpp:1:1: error: unknown type name 'this'\n    1 | this is\n      | ^\na.cpp:2:1: error: expected ';'\n2 errors generated.\n";
        assert_eq!(
            error_tail(stderr),
            "a.cpp:1:1: error: unknown type name 'this' | a.cpp:2:1: error: expected ';'"
        );
        assert_eq!(error_tail("x\ny\nz\nw\n"), "y | z | w");
        assert_eq!(error_tail(""), "no output");
    }
}
