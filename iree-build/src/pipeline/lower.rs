//! Stages 1 and 2: the bridges' declarations parsed and lowered to IR,
//! then outlined into executables.

use crate::builder::{io_err, Error};
use crate::ir::{self, DispatchExtern};
use crate::outline::{self, OutlineError};

use super::{Context, Notes};

/// The declarations of every bridge, lowered to IR.
pub(crate) struct Lowered {
    /// Every declaration that lowered, in bridge order.
    pub(crate) dispatches: Vec<DispatchExtern>,
    /// The bridges, crate-relative, as the manifest names them.
    pub(crate) bridge_names: Vec<String>,
}

/// The declarations grouped into executables.
pub(crate) struct Outlined {
    /// What the executables were outlined from.
    pub(crate) lowered: Lowered,
    /// The executables.
    pub(crate) executables: outline::Outlined,
    /// Conflicts between declarations, reported at them by verification.
    pub(crate) errors: Vec<OutlineError>,
}

/// Reads and lowers every bridge. A broken declaration is left out and
/// reported by the macro, once, at itself; the others of the file still
/// compile and verify. A file that is not Rust is rustc's to report.
pub(crate) fn lower(cx: &Context<'_>, notes: &mut Notes) -> Result<Lowered, Error> {
    let mut dispatches = Vec::new();
    let mut bridge_names = Vec::new();
    for bridge in &cx.build.bridges {
        let path = cx.crate_dir.join(bridge);
        let rel = bridge.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        notes.rerun_files.insert(path.clone());
        if let Ok((found, _reported_by_the_macro)) = ir::lower_file_each(&path, &rel, &text) {
            dispatches.extend(found);
        }
        bridge_names.push(rel);
    }
    Ok(Lowered {
        dispatches,
        bridge_names,
    })
}

/// Outlines the declarations into executables.
pub(crate) fn outline(cx: &Context<'_>, lowered: Lowered) -> Outlined {
    let (executables, errors) = outline::outline_all(&cx.crate_name, &lowered.dispatches);
    Outlined {
        lowered,
        executables,
        errors,
    }
}
