//! Runs every C++ kernel of the crate on the first device of each platform
//! present and checks the answers.

use runtime_hip::{Device, Platform};

fn main() {
    let device = Device::open(Platform::Host, 0).expect("host device");
    let stream = device.stream().expect("stream");
    match cxx_kernels::check_all(&stream) {
        Ok(()) => println!("cxx_kernels on {device}: ok"),
        Err(e) => {
            eprintln!("cxx_kernels on {device}: {e}");
            std::process::exit(1);
        }
    }
}
