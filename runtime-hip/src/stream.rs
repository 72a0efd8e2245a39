//! Streams: ordered queues of launches. (Skeleton.)

/// A queue of launches on one device, executed in order.
pub struct Stream {
    _private: (),
}
