//! What the device suites' objects tests check of one executable (shared by
//! examples/device_api and examples/warps): a code object per target of
//! `build.rs`, each defining every kernel the declarations export (`<name>.kd`,
//! AMD's kernel descriptor; a PTX `.entry` or cubin symbol; the host's block
//! entry).

use object::{Object, ObjectSymbol};
use runtime_hip::bundle::ExecutableView;

#[path = "../../targets.rs"]
mod targets;
use targets::{AMD, NVIDIA};

/// Panics naming the target and kernel unless every object of `exe`
/// defines each of `kernels`.
pub fn check_objects(exe: &ExecutableView<'_>, kernels: &[&str]) {
    let of = format!("{} ({})", exe.name(), kernels[0]);
    let variant = |target: &str| {
        exe.variants()
            .find(|v| v.target_str() == target)
            .unwrap_or_else(|| panic!("{of} has no {target} object"))
    };
    for target in NVIDIA {
        nvidia_defines(variant(target).data(), target, kernels);
    }
    for target in AMD.iter().chain(&["host"]) {
        let elf = object::File::parse(variant(target).data())
            .unwrap_or_else(|e| panic!("{target} object of {of}: {e}"));
        let symbols: Vec<&str> = elf.symbols().filter_map(|s| s.name().ok()).collect();
        for k in kernels {
            let wanted = if *target == "host" {
                format!("__iree_host_block_{k}")
            } else {
                format!("{k}.kd")
            };
            assert!(
                symbols
                    .iter()
                    .any(|s| *s == wanted || s.ends_with(&format!("_{wanted}"))),
                "{target} object of {k} lacks {wanted}: {symbols:?}"
            );
        }
    }
}

/// A cubin's symbols or the PTX's `.entry` lines name every kernel.
fn nvidia_defines(data: &[u8], target: &str, kernels: &[&str]) {
    if data.starts_with(b"\x7fELF") {
        let elf = object::File::parse(data)
            .unwrap_or_else(|e| panic!("{target} cubin of {}: {e}", kernels[0]));
        let symbols: Vec<&str> = elf.symbols().filter_map(|s| s.name().ok()).collect();
        for k in kernels {
            assert!(symbols.contains(k), "{target} cubin lacks {k}: {symbols:?}");
        }
    } else {
        let ptx = String::from_utf8_lossy(data);
        for k in kernels {
            assert!(
                ptx.lines()
                    .any(|l| l.contains(".entry") && l.contains(&format!("{k}("))),
                "{target} PTX lacks the entry {k}"
            );
        }
    }
}
