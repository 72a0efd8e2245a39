//! Which of `simple_mul`'s variants a device gets: the runtime's own choice
//! ([`select_variant`]), so the raw side loads the very bytes the wrapper
//! loaded.

use runtime_hip::bundle::Bundle;
use runtime_hip::dispatch::select_variant;
use runtime_hip::TargetId;

use crate::kernels::BUNDLE;

/// The variant for `target`: `target (format)` as the runtime records it
/// (`dispatch::loaded_variants`), and its bytes.
pub fn simple_mul(target: &TargetId) -> Result<(String, &'static [u8]), String> {
    let bundle = Bundle::parse(BUNDLE).map_err(|e| format!("the build's bundle: {e}"))?;
    let exe = bundle
        .executables()
        .find(|e| e.export_named("simple_mul").is_some())
        .ok_or("the build's bundle has no executable exporting simple_mul")?;
    let (_, v) = select_variant(&exe, target).map_err(|e| e.to_string())?;
    Ok((format!("{} ({})", v.target_str(), v.format()), v.data()))
}
