// HIP's runtime API header on NVIDIA, written by iree-build: device code
// that includes it gets what hip_runtime.h gives (host API is the Rust
// runtime's).
#include <hip/hip_runtime.h>
