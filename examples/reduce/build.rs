fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .source("kernels/reduce.cu")
        .targets(["gfx90a", "gfx1100", "sm_80", "sm_90", "host"])
        .compile("reduce");
}
