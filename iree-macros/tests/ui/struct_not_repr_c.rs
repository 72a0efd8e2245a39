use runtime_hip::KernelParam;

// Without `#[repr(C)]` Rust may reorder the fields.
#[derive(Clone, Copy, KernelParam)]
struct Params {
    n: i32,
    scale: f32,
    bias: f64,
}

// A field that is not a kernel parameter itself.
#[derive(Clone, Copy, KernelParam)]
#[repr(C)]
struct WithPointer {
    n: i32,
    data: *const f32,
}

fn main() {}
