//! The content-hash cache: touching a file runs no compiler, changing a
//! header does, and `deps` lists every header for `rerun-if-changed`.

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use iree_build::compile::{compile, CompileJob};
use support::*;

fn touch(path: &Path) {
    let f = std::fs::File::options().append(true).open(path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
}

fn write_kernel(dir: &Path) {
    std::fs::write(dir.join("scale.h"), "#pragma once\n#define SCALE 2.0f\n").unwrap();
    std::fs::write(
        dir.join("scale.cu"),
        "#include <hip/hip_runtime.h>\n#include \"scale.h\"\n\
         extern \"C\" __global__ void scale(float* __restrict__ x, int n) {\n\
           int i = blockDim.x * blockIdx.x + threadIdx.x;\n\
           if (i < n) x[i] *= SCALE;\n\
         }\n",
    )
    .unwrap();
}

#[test]
fn touch_is_cached_and_header_change_recompiles() {
    let tc = toolchain();
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write_kernel(src.path());
    let header = src.path().join("scale.h").canonicalize().unwrap();
    for target in ["gfx1100", "gfx90a", "sm_90", "host"] {
        let mut job = CompileJob::new(src.path().join("scale.cu"), t(target), out.path());
        job.host_exports = vec!["scale".into()];

        let first = compile(&job, &tc).unwrap();
        assert!(!first.cached, "{target}: first build ran clang");
        assert!(
            first.deps.contains(&header),
            "{target}: deps {:?}",
            first.deps
        );
        let bytes = std::fs::read(&first.outputs[0].1).unwrap();

        let again = compile(&job, &tc).unwrap();
        assert!(again.cached, "{target}: nothing changed");
        assert_eq!(again.outputs, first.outputs);
        assert_eq!(again.deps, first.deps);

        touch(&header);
        touch(&src.path().join("scale.cu"));
        assert!(
            compile(&job, &tc).unwrap().cached,
            "{target}: touch must not recompile"
        );

        std::fs::write(&header, "#pragma once\n#define SCALE 3.0f\n").unwrap();
        let changed = compile(&job, &tc).unwrap();
        assert!(!changed.cached, "{target}: header change must recompile");
        assert_ne!(
            std::fs::read(&changed.outputs[0].1).unwrap(),
            bytes,
            "{target}: new code"
        );
        assert!(compile(&job, &tc).unwrap().cached, "{target}: cached again");

        // Back to the original header for the next target.
        std::fs::write(&header, "#pragma once\n#define SCALE 2.0f\n").unwrap();
    }
}

#[test]
fn defines_and_lost_outputs_recompile() {
    let tc = toolchain();
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write_kernel(src.path());
    let mut job = CompileJob::new(src.path().join("scale.cu"), t("gfx942"), out.path());
    assert!(!compile(&job, &tc).unwrap().cached);
    job.defines.push(("EXTRA".into(), Some("1".into())));
    assert!(
        !compile(&job, &tc).unwrap().cached,
        "a new define changes the command line"
    );
    let obj = compile(&job, &tc).unwrap();
    assert!(obj.cached);
    std::fs::remove_file(&obj.outputs[0].1).unwrap();
    let rebuilt = compile(&job, &tc).unwrap();
    assert!(!rebuilt.cached, "a deleted output is rebuilt");
    assert!(rebuilt.outputs[0].1.is_file());
}
