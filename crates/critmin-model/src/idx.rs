//! Typed indices into the model's tables.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The position of a `T` in its table of the [`crate::Model`]. Typed, so a
/// facility index cannot be used to look up a source.
pub struct Idx<T> {
    raw: u32,
    _t: PhantomData<fn() -> T>,
}

impl<T> Idx<T> {
    /// Wraps a raw position.
    ///
    /// # Panics
    /// If `i` does not fit in `u32` (a table of four billion rows).
    pub fn new(i: usize) -> Idx<T> {
        Idx {
            raw: u32::try_from(i).expect("table index fits in u32"),
            _t: PhantomData,
        }
    }

    /// The raw position.
    #[inline]
    pub fn get(self) -> usize {
        self.raw as usize
    }
}

impl<T> Clone for Idx<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Idx<T> {}
impl<T> PartialEq for Idx<T> {
    fn eq(&self, o: &Self) -> bool {
        self.raw == o.raw
    }
}
impl<T> Eq for Idx<T> {}
impl<T> PartialOrd for Idx<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Idx<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&o.raw)
    }
}
impl<T> Hash for Idx<T> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.raw.hash(h)
    }
}
impl<T> fmt::Debug for Idx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.raw)
    }
}

impl<T> serde::Serialize for Idx<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.raw)
    }
}
