//! The bundle format. (Skeleton: see the dispatch-IR issue.)

/// One variant of one executable, borrowed from the bundle bytes.
pub struct VariantView<'a> {
    _b: std::marker::PhantomData<&'a [u8]>,
}
