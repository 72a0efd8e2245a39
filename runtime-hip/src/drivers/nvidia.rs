//! NVIDIA: the CUDA driver API (libcuda) loaded at run time.
