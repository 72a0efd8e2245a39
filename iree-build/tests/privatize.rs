//! Host objects made private to their kernel file (`iree_build::privatize`),
//! on objects real clang-19 compiled: every defined symbol renamed, COMDAT
//! groups still signed by their (renamed) symbol, undefined references and
//! locals left alone, `extern` thread-locals given storage; two privatized
//! objects defining the same names link; a corrupted object is an `Err`.

mod support;

use std::process::Command;

use object::read::elf::{ElfFile64, SectionHeader as _};
use object::{Object, ObjectSymbol};

use iree_build::privatize::{dynamic_shared_object, privatize};

const SOURCE: &str = r#"
float helper(float x) { return x + 1.0f; }          // strong, external
inline float twice(float x) { return 2.0f * x; }    // COMDAT
template <int N> float scaled(float x) { return N * x; }
thread_local float tile[64];                        // a namespace-scope __shared__
extern thread_local float chunk[];                  // an extern __shared__
static float hidden(float x) { return x - 1.0f; }   // local already
extern "C" float cosf(float);
extern "C" float entry(float x) {
  tile[0] = x;
  chunk[1] = x;
  return helper(x) + twice(x) + scaled<3>(x) + hidden(x) + cosf(tile[0]) + chunk[1];
}
"#;

fn symbols(bytes: &[u8]) -> Vec<(String, bool, bool)> {
    let f = object::File::parse(bytes).unwrap();
    f.symbols()
        .filter(|s| s.is_global())
        .map(|s| {
            (
                s.name().unwrap().to_string(),
                s.is_undefined(),
                s.kind() == object::SymbolKind::Tls,
            )
        })
        .collect()
}

fn group_signatures(bytes: &[u8]) -> Vec<String> {
    let f = ElfFile64::<object::Endianness>::parse(bytes).unwrap();
    let e = f.endian();
    let syms = f.elf_symbol_table();
    f.elf_section_table()
        .iter()
        .filter(|s| s.sh_type(e) == object::elf::SHT_GROUP)
        .map(|s| {
            let sym = syms
                .symbol(object::SymbolIndex(s.sh_info(e) as usize))
                .unwrap();
            String::from_utf8(syms.symbol_name(e, sym).unwrap().to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn every_defined_symbol_is_renamed_and_the_object_still_links() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = support::code_object::compile_cxx(dir.path(), "unit", SOURCE, "-O0");
    let before = symbols(&bytes);
    let p = privatize(&bytes, "t1").unwrap();
    let after = symbols(&p.object);
    assert_eq!(before.len(), after.len());
    for ((old, undefined, tls), (new, _, _)) in before.iter().zip(&after) {
        if *undefined && !*tls {
            assert_eq!(new, old, "undefined references stay");
        } else {
            assert_eq!(new, &format!("{old}.t1"));
        }
    }
    assert!(
        after.iter().any(|(n, _, _)| n == "_Z6helperf.t1"),
        "{after:?}"
    );
    assert!(after.iter().any(|(n, _, _)| n == "cosf"), "{after:?}");
    assert_eq!(p.dynamic_shared, vec!["chunk.t1".to_string()]);
    // COMDAT groups are signed by the same symbols, renamed.
    let groups: Vec<String> = group_signatures(&bytes)
        .iter()
        .map(|g| format!("{g}.t1"))
        .collect();
    assert!(!groups.is_empty());
    assert_eq!(group_signatures(&p.object), groups);

    // Two units defining the same names, and their storage, link together.
    let q = privatize(&bytes, "t2").unwrap();
    let mut inputs = Vec::new();
    for (tag, unit) in [("t1", &p), ("t2", &q)] {
        let o = dir.path().join(format!("{tag}.o"));
        std::fs::write(&o, &unit.object).unwrap();
        let s = dir.path().join(format!("{tag}-shared.o"));
        std::fs::write(
            &s,
            dynamic_shared_object(&bytes, &unit.dynamic_shared).unwrap(),
        )
        .unwrap();
        inputs.extend([o, s]);
    }
    let linked = dir.path().join("linked.o");
    let out = Command::new("ld.lld-19")
        .arg("-r")
        .args(&inputs)
        .arg("-o")
        .arg(&linked)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let linked = std::fs::read(&linked).unwrap();
    let defined: Vec<String> = symbols(&linked)
        .into_iter()
        .filter(|(_, u, _)| !u)
        .map(|(n, _, _)| n)
        .collect();
    for name in [
        "chunk.t1", "chunk.t2", "tile.t1", "tile.t2", "entry.t1", "entry.t2",
    ] {
        assert!(defined.iter().any(|d| d == name), "{name} in {defined:?}");
    }
}

#[test]
fn the_original_objects_clash_where_the_private_ones_do_not() {
    // The failure privatizing prevents, shown on the same objects.
    let dir = tempfile::tempdir().unwrap();
    let bytes = support::code_object::compile_cxx(dir.path(), "unit", SOURCE, "-O0");
    let (a, b) = (dir.path().join("a.o"), dir.path().join("b.o"));
    std::fs::write(&a, &bytes).unwrap();
    std::fs::write(&b, &bytes).unwrap();
    let out = Command::new("ld.lld-19")
        .args(["-r"])
        .args([&a, &b])
        .arg("-o")
        .arg(dir.path().join("clash.o"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("duplicate symbol"));
}

#[test]
fn corrupted_objects_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = support::code_object::compile_cxx(dir.path(), "unit", SOURCE, "-O0");
    assert!(privatize(b"not an object", "t").is_err());
    for cut in [16, 64, bytes.len() / 2, bytes.len() - 1] {
        let _ = privatize(&bytes[..cut], "t");
    }
    let mut flipped = bytes.clone();
    for i in (0..flipped.len()).step_by(97) {
        flipped[i] ^= 0xa5;
        let _ = privatize(&flipped, "t");
    }
}
