fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .source("kernels/kernels.cu")
        .source("kernels/add.cu")
        // gfx1100 is the seed's target; the rest show one artifact for all.
        .targets(["gfx1100", "gfx90a", "gfx942", "sm_80", "sm_90", "host"])
        .compile("custom_dispatch");
}
