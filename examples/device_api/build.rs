/// The GPU targets the suite builds for, then the host.
const AMD: [&str; 4] = ["gfx90a", "gfx942", "gfx1100", "gfx1201"];
/// NOTE(issue #19): `sm_80` and `sm_90` belong in the list; they wait for
/// the NVIDIA side (CUDA's own headers, `cuda_runtime.h` and friends, on the
/// NVIDIA include path: the `nvidia-cuda` branch). Until it lands, turn them
/// on with `IREE_DEVICE_API_NVIDIA=1` to see where NVIDIA stands.
const NVIDIA: [&str; 2] = ["sm_80", "sm_90"];

fn main() {
    println!("cargo:rerun-if-env-changed=IREE_DEVICE_API_NVIDIA");
    let mut targets: Vec<&str> = AMD.to_vec();
    if std::env::var_os("IREE_DEVICE_API_NVIDIA").is_some() {
        targets.extend(NVIDIA);
    }
    targets.push("host");
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(targets)
        .compile("device_api");
}
