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

/// `__iree_host_block_<export>`: runs one block of the kernel.
pub fn block_symbol(export: &str) -> String {
    format!("{BLOCK_PREFIX}{export}")
}

/// `__iree_host_thread_<export>`: runs one thread of the kernel.
pub fn thread_symbol(export: &str) -> String {
    format!("{THREAD_PREFIX}{export}")
}

/// `__iree_host_sig_<export>`: the kernel's parameter types.
pub fn sig_symbol(export: &str) -> String {
    format!("{SIG_PREFIX}{export}")
}

/// `__iree_host_lockstep_<export>`: present when the lockstep pass
/// transformed the kernel.
pub fn lockstep_symbol(export: &str) -> String {
    format!("{LOCKSTEP_PREFIX}{export}")
}
