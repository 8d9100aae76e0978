//! Replacing a slot of one of the interpreter's built-in types while keeping its own function, so
//! that the replacement can do the firmware's part and hand the rest on. The built-in types are
//! the process's, shared by every interpreter (each soft reset builds one), so a slot is
//! replaced once and its original kept for good.

use crossbeam_utils::atomic::AtomicCell;
use std::sync::OnceLock;

/// Puts `f` into `slot`, keeping what was there in `original` (first call only). A slot the type
/// leaves empty stays empty.
pub(crate) fn replace<F: Copy + Send + Sync>(
    slot: &AtomicCell<Option<F>>,
    original: &OnceLock<Option<F>>,
    f: F,
) {
    if original.get_or_init(|| slot.load()).is_some() {
        slot.store(Some(f));
    }
}
