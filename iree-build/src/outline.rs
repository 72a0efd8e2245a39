//! (Skeleton: see docs/ARCHITECTURE.md.)
