fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(["gfx1100", "gfx90a", "sm_80", "host"])
        .compile("inline_dispatch");
}
