fn main() {
    // No `.source(...)`: the GPU objects are prebuilt (see prebuilt/README.md);
    // only the host variant is compiled here so the example runs anywhere.
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(["gfx1100", "gfx90a", "gfx942", "sm_80", "host"])
        .compile("custom_dispatch_prebuilt");
}
