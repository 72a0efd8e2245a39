//! AMD: libamdhip64 loaded at run time.
