//! Runs every C++ kernel of the crate on the best device here (an AMD GPU,
//! else an NVIDIA GPU, else the CPU) and checks the answers.

use runtime_hip::Device;

fn main() {
    let device = Device::default().expect("a device (IREE_DEVICE=amd|nvidia|host picks one)");
    let stream = device.stream().expect("stream");
    match cxx_kernels::check_all(&stream) {
        Ok(()) => println!("cxx_kernels on {device}: ok"),
        Err(e) => {
            eprintln!("cxx_kernels on {device}: {e}");
            std::process::exit(1);
        }
    }
}
