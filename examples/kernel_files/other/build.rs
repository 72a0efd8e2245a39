fn main() {
    iree_build::Build::new()
        .bridge("src/lib.rs")
        .targets(["host"])
        .compile("kernel_files_other");
}
