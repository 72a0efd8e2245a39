fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .source("kernels/matmul.cu")
        .targets(["gfx90a", "gfx942", "gfx1100", "sm_80", "sm_90", "host"])
        .compile("matmul");
}
