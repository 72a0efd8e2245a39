//! [`Build`]: the builder users call from `build.rs`, and the order in which
//! the passes run.
//!
//! ```text
//! bridges ─ syntax/ir ─ outline ─┐
//! sources ─ compile (parallel) ─ code_object ─ verify ─ emit (bundle, manifest) ─ link host objects
//! ```
//!
//! Verification failures do not fail the build script: they go into the
//! manifest and `#[extern_dispatch]` turns each into a compile error pointing
//! at the declaration, which is where the user has to fix it. What the macro
//! cannot report (a `.cu` that does not compile, a missing toolchain, an
//! unreadable object) fails the build script with the tool's own message.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::code_object::{self, InspectError, ObjectInfo};
use crate::compile::{self, CompileError, CompileJob, CompiledObject};
use crate::config::{self, ConfigError, Env};
use crate::emit::{self, EmitInput, Variant};
use crate::ir::{self, DispatchExtern, ObjectSet};
use crate::jobs;
use crate::outline;
use crate::sigpass;
use crate::target::{Format, TargetId};
use crate::toolchain::{Toolchain, ToolchainError};
use crate::verify;

/// Compiles HIP kernels for every target and checks `#[extern_dispatch]`
/// declarations against them; the `cc::Build` of GPU kernels.
///
/// ```no_run
/// // build.rs
/// iree_build::Build::new()
///     .bridge("src/main.rs")
///     .source("kernels/kernels.cu")
///     .targets(["gfx90a", "gfx1100", "sm_80", "host"])
///     .compile("custom_dispatch");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Build {
    bridges: Vec<PathBuf>,
    sources: Vec<PathBuf>,
    targets: Option<Vec<String>>,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, Option<String>)>,
    out_dir: Option<PathBuf>,
    crate_dir: Option<PathBuf>,
    no_cargo_metadata: bool,
    /// `Build::llvm`: GPU targets through the in-process LLVM path.
    #[cfg(feature = "llvm")]
    llvm: bool,
}

/// What a build produced.
#[derive(Clone, Debug)]
pub struct Output {
    /// The bundle (`OUT_DIR/iree/<name>.bundle`).
    pub bundle_path: PathBuf,
    /// The manifest the macro reads.
    pub manifest_path: PathBuf,
    /// Targets the bundle has variants for.
    pub targets: Vec<TargetId>,
    /// How many compiler jobs really ran (0 on a no-op rebuild).
    pub compiler_runs: usize,
    /// How many were answered from the cache.
    pub cached: usize,
    /// For each compiler job that ran, its command lines in order (clang,
    /// then ptxas for NVIDIA), program first: the build by hand, for
    /// reproducing it and for benchmarking against it.
    pub commands: Vec<Vec<Vec<String>>>,
    /// Verification errors, also in the manifest (the macro reports them).
    pub errors: Vec<String>,
    /// Warnings: verification warnings, targets skipped, bridges that did
    /// not parse.
    pub warnings: Vec<String>,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target list or crate metadata is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A tool needed for a requested target is missing.
    #[error("{0}\n(set IREE_BUILD_ALLOW_MISSING=1 to build without the targets whose tools are missing)")]
    Toolchain(#[from] ToolchainError),
    /// A compiler failed (its own diagnostics, with file:line:col, inside).
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A compiled or prebuilt object is unusable.
    #[error("{path} (for {target}): {source}")]
    Inspect {
        /// The object file.
        path: PathBuf,
        /// The target it was given or compiled for.
        target: String,
        /// What is wrong with it.
        source: InspectError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Something the build needs from cargo is missing.
    #[error("{0}")]
    Environment(String),
    /// The host kernels could not be archived for linking.
    #[error("archiving host kernels into lib{lib}.a: {message}")]
    Archive {
        /// The library name (`<name>_iree_host`).
        lib: String,
        /// What `cc` reported.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Build {
    /// A build with nothing in it yet.
    pub fn new() -> Build {
        Build::default()
    }

    /// A Rust file whose `#[extern_dispatch]` declarations this build
    /// compiles and checks (relative to the crate root).
    pub fn bridge(&mut self, path: impl AsRef<Path>) -> &mut Build {
        self.bridges.push(path.as_ref().to_path_buf());
        self
    }

    /// A HIP source compiled for every target even if no declaration names
    /// it, so syntax errors surface at once (relative to the crate root).
    pub fn source(&mut self, path: impl AsRef<Path>) -> &mut Build {
        self.sources.push(path.as_ref().to_path_buf());
        self
    }

    /// The targets to build for (`gfx90a`, `gfx942:xnack-`, `sm_80`, `host`).
    /// `IREE_BUILD_TARGETS` overrides this; without either,
    /// `[package.metadata.iree] targets` or [`config::DEFAULT_TARGETS`].
    pub fn targets<I, S>(&mut self, targets: I) -> &mut Build
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.targets = Some(
            targets
                .into_iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
        );
        self
    }

    /// An extra include directory for every source.
    pub fn include(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// A preprocessor definition for every source (`-DNAME` or `-DNAME=VALUE`).
    pub fn define(&mut self, name: &str, value: Option<&str>) -> &mut Build {
        self.defines
            .push((name.to_string(), value.map(String::from)));
        self
    }

    /// Where outputs go; defaults to `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The crate root relative paths are resolved against; defaults to
    /// `CARGO_MANIFEST_DIR`.
    pub fn crate_dir(&mut self, dir: impl AsRef<Path>) -> &mut Build {
        self.crate_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether to print `cargo:` directives (rerun-if-changed, link the
    /// host kernels, warnings). On by default; off for tools and tests.
    pub fn cargo_metadata(&mut self, on: bool) -> &mut Build {
        self.no_cargo_metadata = !on;
        self
    }

    /// Compiles AMD and NVIDIA targets through the in-process LLVM path
    /// ([`crate::llvm`], cargo feature `llvm`) instead of clang alone: device
    /// libraries linked only when used, and every kernel stamped with the
    /// workgroup size its declaration gives. `IREE_BUILD_LLVM=1` turns it on
    /// too. Host objects are built by clang either way.
    #[cfg(feature = "llvm")]
    pub fn llvm(&mut self, on: bool) -> &mut Build {
        self.llvm = on;
        self
    }

    /// Runs the build; on failure prints the error the way `cc` does and
    /// panics, which is what a build script wants.
    pub fn compile(&mut self, name: &str) -> Output {
        match self.try_compile(name) {
            Ok(out) => out,
            Err(err) => {
                eprintln!("\nerror occurred in iree-build: {err}\n");
                panic!("iree-build failed for `{name}`; see the error above");
            }
        }
    }

    /// Runs the build and returns what went wrong instead of panicking.
    pub fn try_compile(&mut self, name: &str) -> Result<Output, Error> {
        let env = Env::from_process();
        let cargo = !self.no_cargo_metadata;
        let crate_dir = match (&self.crate_dir, env.var("CARGO_MANIFEST_DIR")) {
            (Some(d), _) => d.clone(),
            (None, Some(d)) => PathBuf::from(d),
            (None, None) => std::env::current_dir().map_err(io_err(Path::new(".")))?,
        };
        let out_dir = match (&self.out_dir, env.var("OUT_DIR")) {
            (Some(d), _) => d.clone(),
            (None, Some(d)) => PathBuf::from(d),
            (None, None) => {
                return Err(Error::Environment(
                    "OUT_DIR is not set: call iree_build::Build from a build script, or give Build::out_dir".into(),
                ))
            }
        };
        let crate_name = env
            .var("CARGO_PKG_NAME")
            .unwrap_or_else(|| name.to_string());
        let asked = config::resolve_targets(&env, self.targets.as_deref(), &crate_dir)?;
        let docs_rs = env.flag("DOCS_RS");
        let allow_missing = env.flag("IREE_BUILD_ALLOW_MISSING");
        // Read through `env` so cargo reruns us when it changes.
        let dump_dir = env.var(crate::dump::DUMP_ENV).map(PathBuf::from);
        let mut warnings = Vec::new();
        let mut rerun_files: BTreeSet<PathBuf> = BTreeSet::new();

        // 1. Declarations → IR → executables.
        let mut dispatches: Vec<DispatchExtern> = Vec::new();
        let mut bridge_names = Vec::new();
        for bridge in &self.bridges {
            let path = crate_dir.join(bridge);
            let rel = rel_string(bridge);
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            rerun_files.insert(path.clone());
            // A broken declaration is left out and reported by the macro,
            // once, at itself; the others of the file still compile and
            // verify. A file that is not Rust is rustc's to report.
            if let Ok((found, _reported_by_the_macro)) = ir::lower_file_each(&path, &rel, &text) {
                dispatches.extend(found);
            }
            bridge_names.push(rel);
        }
        let (outlined, outline_errors) = outline::outline_all(&crate_name, &dispatches);

        // 2. Which targets can be built here.
        let toolchain = Toolchain::discover();
        let mut targets = Vec::new();
        for t in asked {
            match toolchain.require_for(&t) {
                Ok(()) if !docs_rs => targets.push(t),
                Ok(()) => {}
                Err(e) if docs_rs || allow_missing => {
                    warnings.push(format!("skipping target {t}: {e}"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if docs_rs {
            warnings
                .push("DOCS_RS is set: no kernels compiled, the bundle holds no variants".into());
        }
        // Host kernels load the lockstep plugin: built here, once, before
        // the jobs that share it. Its failure is one warning, not an error.
        let lockstep_setting = env.var(compile::plugin::ENV_VAR);
        if targets.contains(&TargetId::Host) {
            let lockstep =
                compile::plugin::lockstep(lockstep_setting.as_deref(), &toolchain, &out_dir);
            warnings.extend(lockstep.warn_once());
        }

        // 3. Compile jobs, one per (source, target), host thunks merged.
        let mut planned = JobPlan::default();
        let mut prebuilt: Vec<(usize, TargetId, PathBuf)> = Vec::new();
        for (e, exe) in outlined.executables.iter().enumerate() {
            let exports: Vec<String> = exe.exports.iter().map(|x| x.name.clone()).collect();
            match &exe.objects {
                ObjectSet::Source(src) => {
                    for t in &targets {
                        planned.add(crate_dir.join(src), t, &exports, Some(e));
                    }
                }
                ObjectSet::Prebuilt(list) => {
                    for (t, path) in list.iter().filter(|(t, _)| targets.contains(t)) {
                        let path = crate_dir.join(path);
                        if is_source(&path) {
                            planned.add(path, t, &exports, Some(e));
                        } else {
                            prebuilt.push((e, t.clone(), path));
                        }
                    }
                }
            }
        }
        for src in &self.sources {
            for t in &targets {
                planned.add(crate_dir.join(src), t, &[], None);
            }
        }
        let jobs: Vec<CompileJob> = planned
            .jobs
            .iter()
            .map(|p| CompileJob {
                source: p.source.clone(),
                target: p.target.clone(),
                out_dir: out_dir.clone(),
                include_dirs: self.include_dirs.clone(),
                defines: self.defines.clone(),
                host_exports: p.host_exports.iter().cloned().collect(),
                signature_only: false,
            })
            .collect();
        // The kernels' C++ signatures, for verification on every target.
        let signature_template = CompileJob {
            include_dirs: self.include_dirs.clone(),
            defines: self.defines.clone(),
            ..CompileJob::new(PathBuf::new(), TargetId::Host, out_dir.clone())
        };
        let signatures = sigpass::plan(
            &outlined,
            &targets,
            &crate_dir,
            &signature_template,
            is_source,
        );
        // ---- feature `llvm` (Build::llvm, IREE_BUILD_LLVM=1) ----
        // GPU jobs go through the in-process LLVM path, which stamps each
        // kernel with the workgroup size its exports declare. One object
        // serves every export of a kernel, so where two exports of one kernel
        // declare different sizes the one with the most threads is stamped
        // (the object then admits both; verification still checks each).
        #[cfg(feature = "llvm")]
        let results = if self.llvm || env.flag("IREE_BUILD_LLVM") {
            let work: Vec<(&CompileJob, std::collections::BTreeMap<String, [u32; 3]>)> = jobs
                .iter()
                .zip(&planned.jobs)
                .map(|(job, plan)| {
                    let mut sizes = std::collections::BTreeMap::new();
                    let exports = plan
                        .executables
                        .iter()
                        .flat_map(|&e| &outlined.executables[e].exports);
                    for x in exports {
                        let threads = |s: &[u32; 3]| ir::workgroup_threads(*s).unwrap_or(u32::MAX);
                        let size = sizes.entry(x.name.clone()).or_insert(x.workgroup_size);
                        if threads(&x.workgroup_size) > threads(size) {
                            *size = x.workgroup_size;
                        }
                    }
                    (job, sizes)
                })
                .collect();
            jobs::run_parallel(&work, |(job, sizes)| {
                crate::llvm::compile_job(job, &toolchain, sizes)
            })
        } else {
            jobs::run_parallel(&jobs, |job| compile::compile(job, &toolchain))
        };
        #[cfg(not(feature = "llvm"))]
        let results = jobs::run_parallel(&jobs, |job| compile::compile(job, &toolchain));
        // ---- end of the `llvm` hook ----
        let mut compiled: Vec<CompiledObject> = Vec::with_capacity(results.len());
        for (job, r) in jobs.iter().zip(results) {
            rerun_files.insert(job.source.clone());
            compiled.push(r?);
        }
        if let Some(dir) = &dump_dir {
            let pairs: Vec<(&Path, &CompiledObject)> = jobs
                .iter()
                .map(|j| j.source.as_path())
                .zip(&compiled)
                .collect();
            crate::dump::write(dir, &pairs).map_err(io_err(dir))?;
        }

        // 4. Inspect what came out, per executable.
        let n = outlined.executables.len();
        let mut variants: Vec<Vec<Variant>> = (0..n).map(|_| Vec::new()).collect();
        let mut host_objects = Vec::new();
        let (mut compiler_runs, mut cached, mut commands) = (0, 0, Vec::new());
        for (plan, obj) in planned.jobs.iter().zip(&compiled) {
            rerun_files.extend(obj.deps.iter().cloned());
            if obj.cached {
                cached += 1;
            } else {
                compiler_runs += 1;
                commands.push(obj.commands.clone());
            }
            if !obj.diagnostics.trim().is_empty() {
                warnings.push(format!("{}: {}", obj.target, obj.diagnostics.trim()));
            }
            for (format, path) in &obj.outputs {
                if *format == Format::Host {
                    host_objects.push(path.clone());
                }
                let data = std::fs::read(path).map_err(io_err(path))?;
                let info = inspect_for(&data, *format, &obj.target, path)?;
                for &e in &plan.executables {
                    variants[e].push(Variant {
                        target: obj.target.clone(),
                        format: *format,
                        data: data.clone(),
                        info: Some(info.clone()),
                    });
                }
            }
        }
        for (e, target, path) in &prebuilt {
            rerun_files.insert(path.clone());
            let (format, data) = load_prebuilt(path, target)?;
            let info = inspect_for(&data, format, target, path)?;
            variants[*e].push(Variant {
                target: target.clone(),
                format,
                data,
                info: Some(info),
            });
        }

        // 5. Verify every export against every object it will run as.
        let objects: Vec<Vec<(TargetId, ObjectInfo)>> = variants
            .iter()
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.info.clone().map(|i| (v.target.clone(), i)))
                    .collect()
            })
            .collect();
        // Signature-only host compiles (when `host` is not a target), of
        // the kernels the GPU objects have.
        let mut signatures = signatures;
        signatures.keep_compiled_exports(&variants);
        let signature_results =
            jobs::run_parallel(&signatures.jobs, |job| compile::compile(job, &toolchain));
        for obj in signature_results.iter().flatten() {
            rerun_files.extend(obj.deps.iter().cloned());
        }
        let signatures = signatures.resolve(signature_results, &variants);
        let mut report = verify::verify(&outlined, &dispatches, &objects, &signatures);
        report.add_outline_errors(&outline_errors);

        // 6. Bundle and manifest.
        let target_names: Vec<String> = targets.iter().map(ToString::to_string).collect();
        let emitted = emit::emit(&EmitInput {
            name,
            out_dir: &out_dir,
            targets: &target_names,
            bridges: &bridge_names,
            dispatches: &dispatches,
            outlined: &outlined,
            variants: &variants,
            report: &report,
        })
        .map_err(io_err(&out_dir))?;

        // 7. Host kernels are linked into the program.
        if cargo && !host_objects.is_empty() {
            link_host_objects(name, &host_objects, &out_dir)?;
        }

        let errors: Vec<String> = report.errors().map(|d| d.to_string()).collect();
        warnings.extend(report.warnings().map(|d| d.to_string()));
        if cargo {
            let mut out = String::new();
            for f in &rerun_files {
                let _ = writeln!(out, "cargo:rerun-if-changed={}", f.display());
            }
            let mut vars: BTreeSet<String> = env.read_vars().into_iter().collect();
            vars.extend(toolchain.env_vars().iter().cloned());
            vars.extend(compile::ENV_VARS.iter().map(|v| v.to_string()));
            for v in vars {
                let _ = writeln!(out, "cargo:rerun-if-env-changed={v}");
            }
            for w in &warnings {
                for line in w.lines() {
                    let _ = writeln!(out, "cargo:warning={line}");
                }
            }
            print!("{out}");
        }
        Ok(Output {
            bundle_path: emitted.bundle_path,
            manifest_path: emitted.manifest_path,
            targets,
            compiler_runs,
            cached,
            commands,
            errors,
            warnings,
        })
    }
}

/// Compile jobs deduplicated by (source, target).
#[derive(Default)]
struct JobPlan {
    jobs: Vec<PlannedJob>,
}

struct PlannedJob {
    source: PathBuf,
    target: TargetId,
    host_exports: BTreeSet<String>,
    /// Executables whose variants come from this job's outputs.
    executables: BTreeSet<usize>,
}

impl JobPlan {
    fn add(
        &mut self,
        source: PathBuf,
        target: &TargetId,
        exports: &[String],
        executable: Option<usize>,
    ) {
        let idx = match self
            .jobs
            .iter()
            .position(|j| j.source == source && &j.target == target)
        {
            Some(i) => i,
            None => {
                self.jobs.push(PlannedJob {
                    source,
                    target: target.clone(),
                    host_exports: BTreeSet::new(),
                    executables: BTreeSet::new(),
                });
                self.jobs.len() - 1
            }
        };
        let job = &mut self.jobs[idx];
        if *target == TargetId::Host {
            job.host_exports.extend(exports.iter().cloned());
        }
        job.executables.extend(executable);
    }
}

fn rel_string(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// A path that names a source to compile rather than an object.
fn is_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("cu" | "hip" | "cpp" | "cc" | "cxx")
    )
}

fn inspect_err<'a>(
    path: &'a Path,
    target: &'a TargetId,
) -> impl Fn(InspectError) -> Error + Copy + 'a {
    move |source| Error::Inspect {
        path: path.to_path_buf(),
        target: target.to_string(),
        source,
    }
}

fn inspect_for(
    data: &[u8],
    format: Format,
    target: &TargetId,
    path: &Path,
) -> Result<ObjectInfo, Error> {
    let wrap = inspect_err(path, target);
    let info = code_object::inspect(data, format).map_err(wrap)?;
    code_object::check_target(&info, target).map_err(wrap)?;
    Ok(info)
}

/// Reads a prebuilt object, unbundling clang offload bundles by target id
/// and telling formats apart by content rather than by extension.
fn load_prebuilt(path: &Path, target: &TargetId) -> Result<(Format, Vec<u8>), Error> {
    let wrap = inspect_err(path, target);
    let mut data = std::fs::read(path).map_err(io_err(path))?;
    if code_object::is_offload_bundle(&data) {
        data = code_object::unbundle(&data, target).map_err(wrap)?;
    }
    let format = code_object::sniff_format(&data).ok_or_else(|| {
        wrap(InspectError::Malformed {
            what: "prebuilt object",
            detail: "neither an ELF code object, PTX text nor a clang offload bundle".into(),
        })
    })?;
    Ok((format, data))
}

/// Archives the host kernels into `lib<name>_iree_host.a` and tells cargo
/// to link it, through `cc` so archiver and flags follow cargo's target.
fn link_host_objects(name: &str, objects: &[PathBuf], out_dir: &Path) -> Result<(), Error> {
    let lib = format!("{name}_iree_host");
    cc::Build::new()
        .objects(objects)
        .out_dir(out_dir)
        .cargo_metadata(true)
        .try_compile(&lib)
        .map_err(|e| Error::Archive {
            message: e.to_string(),
            lib,
        })
}
