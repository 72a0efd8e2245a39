//! Emission: the bundle and the manifest, written into `OUT_DIR/iree/`.
//!
//! The last step of the build, like IREE's serialization of executables into
//! the module: outlined executables plus their compiled objects become a
//! [`BundleSpec`] (serialised by `runtime_hip::bundle`, the one definition
//! of the format), and every declaration becomes a manifest entry that the
//! macro reads to generate its wrapper.
//!
//! Several `Build::compile(name)` calls in one build script each write
//! `<name>.bundle`; they share one `manifest.json`, into which each call
//! merges its entries (replacing its own earlier ones). Files are written
//! only when their bytes change, through a temporary file and a rename, so
//! the macro never reads half a manifest and cargo does not rebuild for an
//! identical one.

use crate::ir::DispatchExtern;
use crate::manifest::{self, DeclarationEntry, HostEntryNames, Manifest};
use crate::outline::Outlined;
use crate::verify::{ObjectInfo, Report};
use runtime_hip::bundle::{BundleSpec, ExecutableSpec, ExportSpec, VariantSpec, BINDING_READ_ONLY};
use runtime_hip::target::{Format, TargetId};
use std::io;
use std::path::{Path, PathBuf};

/// One compiled (or prebuilt) object of one executable.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The target it is for.
    pub target: TargetId,
    /// What the bytes are.
    pub format: Format,
    /// The object bytes, embedded in the bundle.
    pub data: Vec<u8>,
    /// What inspection found (host variants: `uses_barrier` per kernel).
    pub info: Option<ObjectInfo>,
}

/// Everything one `compile(name)` call emits.
#[derive(Clone, Copy, Debug)]
pub struct EmitInput<'a> {
    /// The `compile()` name: the bundle is `<name>.bundle`.
    pub name: &'a str,
    /// Cargo's `OUT_DIR`.
    pub out_dir: &'a Path,
    /// Targets asked for, canonical spelling.
    pub targets: &'a [String],
    /// Bridge files parsed, crate-relative.
    pub bridges: &'a [String],
    /// The dispatches, in the order given to `outline`.
    pub dispatches: &'a [DispatchExtern],
    /// The outlined executables.
    pub outlined: &'a Outlined,
    /// `variants[e]`: the objects of executable `e`.
    pub variants: &'a [Vec<Variant>],
    /// Verification results (outline conflicts included).
    pub report: &'a Report,
}

/// What [`emit`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Emitted {
    /// `OUT_DIR/iree/<name>.bundle`.
    pub bundle_path: PathBuf,
    /// `OUT_DIR/iree/manifest.json`.
    pub manifest_path: PathBuf,
    /// The merged manifest as written.
    pub manifest: Manifest,
}

/// The bundle for outlined executables and their objects.
pub fn bundle_spec(outlined: &Outlined, variants: &[Vec<Variant>]) -> BundleSpec {
    BundleSpec {
        executables: outlined
            .executables
            .iter()
            .enumerate()
            .map(|(e, exe)| ExecutableSpec {
                name: exe.name.clone(),
                exports: exe
                    .exports
                    .iter()
                    .map(|x| ExportSpec {
                        name: x.name.clone(),
                        ordinal: x.ordinal,
                        block_dims: x.workgroup_size,
                        constant_count: x.layout.constants,
                        binding_flags: x
                            .layout
                            .bindings
                            .iter()
                            .map(|b| {
                                if b.flags.read_only {
                                    BINDING_READ_ONLY
                                } else {
                                    0
                                }
                            })
                            .collect(),
                        workgroup_local_memory: x.workgroup_local_memory,
                    })
                    .collect(),
                variants: variants
                    .get(e)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .map(|v| VariantSpec {
                        target: v.target.to_string(),
                        format: v.format,
                        data: v.data.clone(),
                        symbols: variant_symbols(&exe.exports, v),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The symbol each export is in `v` (a C++ kernel's mangled name, which the
/// GPU loaders resolve), or none when every export is its own symbol. Host
/// variants need none: their entry points come from the wrappers. An export
/// the object lacks keeps its name (verification has reported it).
fn variant_symbols(exports: &[crate::outline::Export], v: &Variant) -> Vec<String> {
    let Some(info) = v.info.as_ref().filter(|_| v.target != TargetId::Host) else {
        return Vec::new();
    };
    let symbols: Vec<String> = exports
        .iter()
        .map(|x| {
            info.kernel(&x.name)
                .map_or_else(|| x.name.clone(), |k| k.name.clone())
        })
        .collect();
    if symbols.iter().zip(exports).all(|(s, x)| *s == x.name) {
        Vec::new()
    } else {
        symbols
    }
}

/// One manifest entry per dispatch.
pub fn declaration_entries(
    outlined: &Outlined,
    dispatches: &[DispatchExtern],
    variants: &[Vec<Variant>],
    report: &Report,
    bundle_path: &Path,
    host_unit: &dyn Fn(&[u8]) -> String,
) -> Vec<DeclarationEntry> {
    dispatches
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let place = outlined.placements.get(i).copied();
            let exe = place.and_then(|p| outlined.executables.get(p.executable));
            let r = report.dispatches.get(i).cloned().unwrap_or_default();
            let host = place
                .and_then(|p| variants.get(p.executable))
                .and_then(|vs| vs.iter().find(|v| v.target == TargetId::Host))
                .map(|v| {
                    let kernel = v.info.as_ref().and_then(|info| info.kernel(&d.export));
                    // The names the linked object has: made private to its unit
                    // (`crate::privatize`) when it was linked.
                    let unit = host_unit(&v.data);
                    let private = |s: String| iree_abi::host::unit_symbol(&s, &unit);
                    HostEntryNames {
                        block_symbol: private(iree_abi::host::block_symbol(&d.export)),
                        thread_symbol: private(iree_abi::host::thread_symbol(&d.export)),
                        // Unknown means "may": the coroutine executor is always correct.
                        uses_barrier: kernel.and_then(|k| k.uses_barrier).unwrap_or(true),
                        lockstep: kernel.and_then(|k| k.lockstep).unwrap_or(false),
                    }
                });
            DeclarationEntry {
                file: d.location.file.clone(),
                line: d.location.line,
                fn_name: d.fn_name.clone(),
                export: d.export.clone(),
                executable: place.map_or(0, |p| p.executable as u32),
                executable_name: exe.map(|e| e.name.clone()).unwrap_or_default(),
                ordinal: place.map_or(0, |p| p.ordinal),
                params: d.args.clone(),
                layout: d.layout_entry(),
                workgroup_size: d.workgroup_size,
                targets: r.targets,
                host,
                errors: r.errors,
                warnings: r.warnings,
                bundle_path: bundle_path.to_path_buf(),
                kernel_params: r.signature.unwrap_or_default(),
            }
        })
        .collect()
}

/// Merges `new` into `old`: `old`'s entries from the same bundle (an earlier
/// run of the same `compile()` call) or for the same declaration are
/// replaced; targets and bridges are unioned in order. A manifest of another
/// version is discarded.
pub fn merge_manifest(old: Option<Manifest>, new: Manifest) -> Manifest {
    let Some(mut merged) = old.filter(|m| m.version == manifest::MANIFEST_VERSION) else {
        return new;
    };
    merged.declarations.retain(|o| {
        o.bundle_path != new.bundle_path
            && !new
                .declarations
                .iter()
                .any(|n| n.file == o.file && n.line == o.line && n.fn_name == o.fn_name)
    });
    merged.declarations.extend(new.declarations);
    for t in new.targets {
        if !merged.targets.contains(&t) {
            merged.targets.push(t);
        }
    }
    for b in new.bridges {
        if !merged.bridges.contains(&b) {
            merged.bridges.push(b);
        }
    }
    merged.bundle_path = new.bundle_path;
    merged.version = new.version;
    merged
}

/// Writes `bytes` to `path` unless it already holds them (temp + rename).
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Writes `OUT_DIR/iree/<name>.bundle` and merges into
/// `OUT_DIR/iree/manifest.json`.
pub fn emit(input: &EmitInput<'_>) -> io::Result<Emitted> {
    let dir = manifest::manifest_dir(input.out_dir);
    std::fs::create_dir_all(&dir)?;
    let bundle_path = dir.join(format!("{}.bundle", input.name));
    let bytes = bundle_spec(input.outlined, input.variants).to_bytes();
    write_if_changed(&bundle_path, &bytes)?;

    let new = Manifest {
        version: manifest::MANIFEST_VERSION,
        bundle_path: bundle_path.clone(),
        targets: input.targets.to_vec(),
        bridges: input.bridges.to_vec(),
        declarations: declaration_entries(
            input.outlined,
            input.dispatches,
            input.variants,
            input.report,
            &bundle_path,
            &|object| crate::privatize::unit_tag(input.out_dir, input.name, object),
        ),
    };
    let manifest_path = dir.join(manifest::MANIFEST_FILE);
    let old = std::fs::read(&manifest_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
    let merged = merge_manifest(old, new);
    let json = serde_json::to_vec_pretty(&merged).map_err(io::Error::other)?;
    write_if_changed(&manifest_path, &json)?;
    Ok(Emitted {
        bundle_path,
        manifest_path,
        manifest: merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::tests::{dispatches, SAMPLE};
    use crate::outline::outline;
    use crate::verify::{verify, KernelInfo};
    use runtime_hip::bundle::Bundle;

    fn host_variant() -> Variant {
        Variant {
            target: TargetId::Host,
            format: Format::Host,
            data: b"\x7fELF host object".to_vec(),
            info: Some(ObjectInfo {
                format: Format::Host,
                target: Some(TargetId::Host),
                ptx_version: None,
                unexported: vec![],
                kernels: vec![KernelInfo {
                    name: "simple_mul".into(),
                    uses_barrier: Some(false),
                    lockstep: Some(true),
                    ..Default::default()
                }],
            }),
        }
    }

    fn sample_variants() -> Vec<Vec<Variant>> {
        vec![vec![
            Variant {
                target: "gfx1100".parse().unwrap(),
                format: Format::Hsaco,
                data: vec![0x7f, b'E', b'L', b'F', 1, 2, 3],
                info: None,
            },
            Variant {
                target: "sm_80".parse().unwrap(),
                format: Format::Ptx,
                data: b".version 7.8\n.target sm_80\n".to_vec(),
                info: None,
            },
            host_variant(),
        ]]
    }

    #[test]
    fn sample_bundle_has_one_executable_two_ordinals_and_all_variants() {
        let d = dispatches("src/main.rs", SAMPLE);
        let o = outline("custom_dispatch", &d).unwrap();
        let bytes = bundle_spec(&o, &sample_variants()).to_bytes();
        let b = Bundle::parse(&bytes).unwrap();
        assert_eq!(b.executable_count(), 1);
        let exe = b.executable(0).unwrap();
        assert_eq!(exe.name(), "kernels");
        let mul = exe.export(0).unwrap();
        assert_eq!(mul.name(), "simple_mul");
        assert_eq!(mul.binding_flags().collect::<Vec<_>>(), vec![1, 1, 0]);
        assert_eq!(mul.constant_count(), 1);
        assert_eq!(mul.block_dims(), [64, 1, 1]);
        let inplace = exe.export(1).unwrap();
        assert_eq!(inplace.name(), "simple_mul_inplace");
        assert_eq!(inplace.binding_flags().collect::<Vec<_>>(), vec![1, 0]);
        let targets: Vec<&str> = exe.variants().map(|v| v.target_str()).collect();
        assert_eq!(targets, vec!["gfx1100", "sm_80", "host"]);
    }

    #[test]
    fn emit_writes_and_merges_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dispatches("src/main.rs", SAMPLE);
        let o = outline("custom_dispatch", &d).unwrap();
        let variants = vec![vec![host_variant()]];
        let report = verify(&o, &d, &[vec![]], &[]);
        let targets = vec!["host".to_string()];
        let bridges = vec!["src/main.rs".to_string()];
        let input = EmitInput {
            name: "custom_dispatch",
            out_dir: tmp.path(),
            targets: &targets,
            bridges: &bridges,
            dispatches: &d,
            outlined: &o,
            variants: &variants,
            report: &report,
        };
        let first = emit(&input).unwrap();
        assert!(first.bundle_path.ends_with("iree/custom_dispatch.bundle"));
        let m: Manifest =
            serde_json::from_slice(&std::fs::read(&first.manifest_path).unwrap()).unwrap();
        assert_eq!(m.declarations.len(), 2);
        let e = &m.declarations[1];
        assert_eq!(
            (e.fn_name.as_str(), e.ordinal, e.executable),
            ("simple_mul_inplace", 1, 0)
        );
        assert_eq!(e.layout.bindings_read_only, vec![true, false]);
        assert_eq!(e.line, 18);
        let host = m.declarations[0].host.as_ref().unwrap();
        let unit = crate::privatize::unit_tag(tmp.path(), "custom_dispatch", &variants[0][0].data);
        assert_eq!(
            host.block_symbol,
            format!("__iree_host_block_simple_mul.{unit}")
        );
        assert!(!host.uses_barrier);
        assert!(host.lockstep);
        let unknown = m.declarations[1].host.as_ref().unwrap();
        assert!(unknown.uses_barrier, "unknown means may");
        assert!(!unknown.lockstep);

        // A second compile() call with another bundle merges in.
        let other_src = r#"
#[extern_dispatch(source = "kernels/other.cu", workgroup_size = [32, 1, 1])]
fn other(x: &mut DeviceSlice<f32>);
"#;
        let d2 = dispatches("src/other.rs", other_src);
        let o2 = outline("custom_dispatch", &d2).unwrap();
        let r2 = verify(&o2, &d2, &[], &[]);
        let bridges2 = vec!["src/other.rs".to_string()];
        let second = emit(&EmitInput {
            name: "second",
            dispatches: &d2,
            outlined: &o2,
            variants: &[],
            report: &r2,
            bridges: &bridges2,
            ..input
        })
        .unwrap();
        assert_eq!(second.manifest.declarations.len(), 3);
        assert_eq!(second.manifest.bridges, vec!["src/main.rs", "src/other.rs"]);
        assert!(second.manifest.declarations[2]
            .bundle_path
            .ends_with("second.bundle"));

        // Re-running the first call replaces its entries instead of duplicating.
        let again = emit(&input).unwrap();
        assert_eq!(again.manifest.declarations.len(), 3);
    }
}
