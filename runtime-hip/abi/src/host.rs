//! Symbol names of the host platform's ABI: what the host header
//! (`iree-build`'s `iree_host.h`) defines around each kernel, what the build
//! inspects in a host object, and what the runtime and the generated
//! wrappers resolve.

/// The host platform's barrier, called by `__syncthreads()`.
pub const BARRIER: &str = "__iree_host_barrier";

/// The warp size a host object was compiled with (a `const unsigned` the
/// host header defines in every object; iree-build reads it as AMD's
/// `.wavefront_size`).
pub const WARP_SIZE_SYMBOL: &str = "__iree_host_warp_size";

/// Prefix of the per-export signature arrays (`__iree_host_sig_<export>`).
pub const SIG_PREFIX: &str = "__iree_host_sig_";

/// Prefix of the markers the lockstep pass defines for kernels it transformed.
pub const LOCKSTEP_PREFIX: &str = "__iree_host_lockstep_";

/// Prefix of the per-block entry of a kernel.
pub const BLOCK_PREFIX: &str = "__iree_host_block_";

/// Prefix of the per-thread entry of a kernel.
pub const THREAD_PREFIX: &str = "__iree_host_thread_";

/// `symbol` made private to the host object (the kernel file) whose unit
/// tag is `tag`: what the build renames every symbol an object defines to
/// before linking it (`iree_build`'s `privatize`), so that files and crates
/// sharing helper names, sources or kernels link. The entry points the
/// wrappers call are `unit_symbol(block_symbol(k), tag)`.
pub fn unit_symbol(symbol: &str, tag: &str) -> String {
    format!("{symbol}.{tag}")
}

/// The C identifier the host symbols of `export` are named after: the
/// export itself when it is one (`simple_mul`, an `extern "C"` or C++-linkage
/// kernel), else a deterministic spelling of the C++ name
/// (`MatrixMulCUDA<16>` → `MatrixMulCUDA_16___x<hash>`): C++ names cannot be
/// token-pasted into `__iree_host_block_##k`, so the host header's
/// `IREE_HOST_EXPORT_AS(id, expr)` takes this id beside the C++ expression.
///
/// The one derivation of that id: the build's wrapper TU, the manifest's
/// host entry names and the runtime all go through it (the `*_symbol`
/// functions below apply it), so they cannot disagree. It is idempotent:
/// an id maps to itself.
pub fn export_id(export: &str) -> std::borrow::Cow<'_, str> {
    if is_c_identifier(export) {
        return std::borrow::Cow::Borrowed(export);
    }
    let mut id: String = export
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'k');
    }
    // FNV-1a 32 of the whole string: `a<1>` and `a_1_` (or `a<1, 2>` and
    // `a<1,2>`) must not share an id.
    let hash = export.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    id.push_str(&format!("_x{hash:08x}"));
    std::borrow::Cow::Owned(id)
}

/// Whether `s` is a C identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_c_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `__iree_host_block_<id>`: runs one block of the kernel ([`export_id`]).
pub fn block_symbol(export: &str) -> String {
    format!("{BLOCK_PREFIX}{}", export_id(export))
}

/// `__iree_host_thread_<id>`: runs one thread of the kernel ([`export_id`]).
pub fn thread_symbol(export: &str) -> String {
    format!("{THREAD_PREFIX}{}", export_id(export))
}

/// `__iree_host_sig_<id>`: the kernel's parameter types ([`export_id`]).
pub fn sig_symbol(export: &str) -> String {
    format!("{SIG_PREFIX}{}", export_id(export))
}

/// `__iree_host_lockstep_<id>`: present when the lockstep pass
/// transformed the kernel ([`export_id`]).
pub fn lockstep_symbol(export: &str) -> String {
    format!("{LOCKSTEP_PREFIX}{}", export_id(export))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_identifiers_and_stable() {
        assert_eq!(export_id("simple_mul"), "simple_mul");
        let id = export_id("ns::reduce<float, 256>");
        assert!(is_c_identifier(&id), "{id}");
        assert!(id.starts_with("ns__reduce_float__256__x"), "{id}");
        assert_eq!(export_id(&id), id, "idempotent");
        assert_ne!(export_id("a<1,2>"), export_id("a<1, 2>"));
        assert_ne!(export_id("a<1>"), export_id("a_1_"));
        assert_eq!(
            block_symbol("MatrixMulCUDA<16>"),
            format!("__iree_host_block_{}", export_id("MatrixMulCUDA<16>"))
        );
    }
}
