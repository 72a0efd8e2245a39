//! GPU drivers, loaded at run time with `libloading`.
pub(crate) mod amd;
pub(crate) mod nvidia;
