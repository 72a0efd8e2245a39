fn main() {
    // The IREE sample's kernels, the same file custom_dispatch compiles, for
    // the NVIDIA chips a device machine has (sm_90: H100/H200; sm_80 as PTX
    // for anything newer) and the host, so that the benchmark's own tests
    // run without a GPU.
    iree_build::Build::new()
        .bridge("src/kernels.rs")
        .source("../../examples/custom_dispatch/kernels/kernels.cu")
        .targets(["sm_80", "sm_90", "host"])
        .compile("gpu_check");
}
