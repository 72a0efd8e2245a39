//! The one definition of the #[extern_dispatch] declaration syntax. (Skeleton.)
