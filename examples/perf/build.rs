fn main() {
    // Host only: these benchmarks measure the host platform and the launch
    // path; the GPU figures are taken on a device machine (docs/GPU.md).
    iree_build::Build::new()
        .bridge("src/kernels.rs")
        .targets(["host"])
        .compile("perf");
}
