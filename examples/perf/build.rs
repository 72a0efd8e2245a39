use std::path::PathBuf;

fn main() {
    // Host only: these benchmarks measure the host platform and the launch
    // path; the GPU figures are taken on a device machine (docs/GPU.md).
    let out = iree_build::Build::new()
        .bridge("src/kernels.rs")
        .targets(["host"])
        .compile("perf");
    write_noop_entries(&out.manifest_path);
}

/// `OUT_DIR/noop_entries.rs`: the `extern` block naming the `noop` export's
/// host entry points, which the raw-launch benchmark calls by hand. Their
/// names carry the kernel file's unit tag (host symbols are private to
/// their file), so they come from the manifest, as the macro takes them.
fn write_noop_entries(manifest: &std::path::Path) {
    let m: iree_build::manifest::Manifest =
        serde_json::from_slice(&std::fs::read(manifest).expect("manifest")).expect("manifest");
    let host = m
        .declarations
        .iter()
        .find(|d| d.fn_name == "noop")
        .and_then(|d| d.host.clone())
        .expect("a host variant of `noop`");
    let code = format!(
        r#"extern "C" {{
    #[link_name = "{}"]
    fn noop_block(launch: *const runtime_hip::host::HostLaunch, args: *const *mut std::ffi::c_void);
    #[link_name = "{}"]
    fn noop_thread(launch: *const runtime_hip::host::HostLaunch, args: *const *mut std::ffi::c_void);
}}
"#,
        host.block_symbol, host.thread_symbol
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("noop_entries.rs");
    std::fs::write(out, code).expect("write noop_entries.rs");
}
