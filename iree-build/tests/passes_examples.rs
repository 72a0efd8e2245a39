//! The passes on the workspace's real example crates, through the public API
//! only: every bridge file parses, outlines without conflicts, and the IREE
//! sample comes out as IREE lays it out (one executable, `simple_mul`
//! ordinal 0 with bindings ReadOnly, ReadOnly, read-write and one constant,
//! `simple_mul_inplace` ordinal 1).

use iree_build::emit::{bundle_spec, Variant};
use iree_build::ir::{lower_file, DispatchExtern, ObjectSet};
use iree_build::outline::outline;
use runtime_hip::bundle::Bundle;
use runtime_hip::target::{Format, TargetId};
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn lower(example: &str, file: &str) -> Vec<DispatchExtern> {
    let path = examples().join(example).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    lower_file(&path, file, &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_example_bridge_parses_and_outlines() {
    let mut seen = 0;
    for entry in std::fs::read_dir(examples()).unwrap() {
        let dir = entry.unwrap().path();
        for src in ["src/lib.rs", "src/main.rs", "src/kernels.rs"] {
            let path = dir.join(src);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let d = lower_file(&path, src, &text).unwrap_or_else(|e| panic!("{e}"));
            seen += d.len();
            outline("example", &d).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        }
    }
    assert!(seen >= 10, "only {seen} declarations found in the examples");
}

#[test]
fn custom_dispatch_is_the_iree_sample() {
    let d = lower("custom_dispatch", "src/lib.rs");
    let o = outline("custom_dispatch", &d).unwrap();
    assert_eq!(o.executables.len(), 2, "kernels.cu and add.cu");
    let kernels = &o.executables[0];
    assert_eq!(kernels.name, "kernels");
    assert_eq!(
        kernels.objects,
        ObjectSet::Source("kernels/kernels.cu".into())
    );
    let mul = &kernels.exports[0];
    assert_eq!((mul.name.as_str(), mul.ordinal), ("simple_mul", 0));
    assert_eq!(mul.layout.read_only_flags(), vec![true, true, false]);
    assert_eq!(mul.layout.constants, 1);
    assert_eq!(
        mul.layout.to_string(),
        "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer, ReadOnly>, <2, storage_buffer>]>]>"
    );
    let inplace = &kernels.exports[1];
    assert_eq!(
        (inplace.name.as_str(), inplace.ordinal),
        ("simple_mul_inplace", 1)
    );
    assert_eq!(o.executables[1].name, "add");

    // Every requested target becomes a variant of the executable.
    let targets = ["gfx1100", "gfx90a", "gfx942", "sm_80", "sm_90", "host"];
    let variants: Vec<Vec<Variant>> = o
        .executables
        .iter()
        .map(|_| {
            targets
                .iter()
                .map(|t| {
                    let target: TargetId = t.parse().unwrap();
                    let format = match target {
                        TargetId::Amd { .. } => Format::Hsaco,
                        TargetId::Nvidia { .. } => Format::Ptx,
                        TargetId::Host => Format::Host,
                    };
                    Variant {
                        target,
                        format,
                        data: t.as_bytes().to_vec(),
                        info: None,
                    }
                })
                .collect()
        })
        .collect();
    let bytes = bundle_spec(&o, &variants).to_bytes();
    let bundle = Bundle::parse(&bytes).unwrap();
    let exe = bundle.executable(0).unwrap();
    assert_eq!(exe.export(0).unwrap().name(), "simple_mul");
    assert_eq!(
        exe.export(0).unwrap().binding_flags().collect::<Vec<_>>(),
        vec![1, 1, 0]
    );
    assert_eq!(exe.export(1).unwrap().name(), "simple_mul_inplace");
    assert_eq!(
        exe.variants().map(|v| v.target_str()).collect::<Vec<_>>(),
        targets
    );
}

#[test]
fn inline_dispatch_layout_is_assumed_and_checked() {
    let d = lower("inline_dispatch", "src/lib.rs");
    assert!(d[0].explicit_layout);
    assert_eq!(d[0].export, "simple_mul");
    assert_eq!(d[0].workload, vec!["device", "dim"]);
    assert_eq!(d[0].bindings.as_ref().map(Vec::len), Some(3));
}
