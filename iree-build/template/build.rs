// Compiles kernels/kernels.cu for an AMD GPU (gfx1100), an NVIDIA GPU (sm_80)
// and this CPU (host), and checks the #[extern_dispatch] declarations in
// src/main.rs against what came out. IREE_BUILD_TARGETS=host overrides the list.
fn main() {
    iree_build::Build::new()
        .bridge("src/main.rs")
        .source("kernels/kernels.cu")
        .targets(["gfx1100", "sm_80", "host"])
        .compile("{{lib}}");
}
