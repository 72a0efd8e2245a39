//! Host objects compiled with real clang-19 from a stand-in of the host
//! header's conventions, at -O0 and -O3 (inlining must not change the answer).

mod support;

use iree_build::code_object::{check_target, inspect, InspectError};
use iree_build::target::{Format, TargetId};
use support::code_object as s;

#[test]
fn host_kernels_sizes_and_barriers() {
    let dir = tempfile::tempdir().unwrap();
    for opt in ["-O0", "-O3"] {
        let obj = s::host_object(dir.path(), opt);
        let info = inspect(&obj, Format::Host).unwrap();
        assert_eq!(info.format, Format::Host);
        assert_eq!(info.target, Some(TargetId::Host));
        check_target(&info, &TargetId::Host).unwrap();
        assert_eq!(
            check_target(&info, &"gfx90a".parse().unwrap())
                .unwrap_err()
                .to_string(),
            "object is host but was given for gfx90a"
        );
        let sizes = |k: &str| -> Vec<u32> {
            info.kernel(k)
                .unwrap_or_else(|| panic!("{opt}: no kernel {k} in {:?}", info.kernels))
                .args
                .iter()
                .map(|a| a.size)
                .collect()
        };
        assert_eq!(sizes("simple_mul"), [8, 8, 8, 4], "{opt}");
        assert_eq!(sizes("with_barrier"), [8, 4], "{opt}");
        assert_eq!(sizes("indirect"), [8, 8, 1], "{opt}");
        assert_eq!(sizes("calls_plain_helper"), [8, 2], "{opt}");
        assert_eq!(sizes("mangled"), [8], "{opt}");
        let names: Vec<_> = info.kernels.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "simple_mul",
                "with_barrier",
                "indirect",
                "calls_plain_helper",
                "mangled"
            ],
            "{opt}"
        );
        // The C++-mangled `__global__` function itself is not an export.
        assert_eq!(info.unexported, ["_Z7mangledPf"], "{opt}");
        let barrier = |k: &str| info.kernel(k).unwrap().uses_barrier;
        assert_eq!(barrier("simple_mul"), Some(false), "{opt}");
        assert_eq!(barrier("with_barrier"), Some(true), "{opt}");
        assert_eq!(barrier("indirect"), Some(true), "{opt}");
        assert_eq!(barrier("calls_plain_helper"), Some(false), "{opt}");
        assert_eq!(barrier("mangled"), Some(true), "{opt}");
        // No lockstep markers in an object the pass did not see.
        assert!(
            info.kernels.iter().all(|k| k.lockstep == Some(false)),
            "{opt}"
        );
        assert_eq!(
            iree_build::code_object::sniff_format(&obj),
            Some(Format::Host)
        );
        assert!(matches!(
            inspect(&obj, Format::Hsaco),
            Err(InspectError::WrongFormat { .. })
        ));
    }
}

/// What the lockstep pass leaves in an object: for `k`, the marker
/// `__iree_host_lockstep_k` (a one-byte constant) beside the usual export
/// symbols; `k`'s body still calls the barrier. `plain` has no marker.
const LOCKSTEP_OBJECT: &str = r#"
extern "C" void __iree_host_barrier(void);
#define KERNEL extern "C" __attribute__((section(".text.iree_kernel"), noinline))
KERNEL void k(float* x) { x[0] = 1; __iree_host_barrier(); x[1] = x[0]; }
KERNEL void plain(float* x) { x[0] = 2; __iree_host_barrier(); x[1] = x[0]; }
extern "C" void __iree_host_block_k(const void*, void** a) { k(*(float**)a[0]); }
extern "C" void __iree_host_thread_k(const void*, void** a) { k(*(float**)a[0]); }
extern "C" const unsigned __iree_host_sig_k[] = {1, 8};
extern "C" const unsigned char __iree_host_lockstep_k = 1;
extern "C" void __iree_host_block_plain(const void*, void** a) { plain(*(float**)a[0]); }
extern "C" void __iree_host_thread_plain(const void*, void** a) { plain(*(float**)a[0]); }
extern "C" const unsigned __iree_host_sig_plain[] = {1, 8};
"#;

#[test]
fn lockstep_kernels_are_marked_and_need_no_coroutines() {
    let dir = tempfile::tempdir().unwrap();
    for opt in ["-O0", "-O2"] {
        let bytes = s::compile_cxx(dir.path(), "lockstep", LOCKSTEP_OBJECT, opt);
        let info = inspect(&bytes, Format::Host).unwrap();
        let k = info.kernel("k").unwrap();
        assert_eq!(k.lockstep, Some(true), "{opt}");
        assert_eq!(
            k.uses_barrier,
            Some(false),
            "{opt}: the block entry runs the barriers"
        );
        assert_eq!(k.args.len(), 1);
        let plain = info.kernel("plain").unwrap();
        assert_eq!(plain.lockstep, Some(false), "{opt}");
        assert_eq!(plain.uses_barrier, Some(true), "{opt}");
    }
}
