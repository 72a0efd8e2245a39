//! `#[extern_dispatch]`. (Skeleton.)
