//! The layer `#[extern_dispatch]` wrappers call. (Skeleton.)
