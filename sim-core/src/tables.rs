//! Which of the script's big blocks of words are hash tables, weighed as the board weighs them.
//!
//! The allocator (heap.rs) sees only a block's size and alignment, and a dict's or a set's table
//! comes in exactly the sizes a list's does. They differ on the board: a list keeps one 32-bit
//! word an item (half the host's 64-bit pointers, the weight every big block of words gets),
//! while a dict keeps two words an entry in one table (`py/map.c`) where the interpreter keeps
//! four in its entries and one or two more in its index table, so a 1000-entry dict counted
//! 24 KB here against the ESP8266's 9.8 KB, and two of them did not fit its 38 KB heap.
//!
//! So the script's big blocks of words are registered as the allocator makes them, and when the
//! heap's figures matter (before a MemoryError is raised, when `gc.mem_free()` answers, before a
//! request is refused) [`reweigh`] looks once into each new one: a block laid out as an index
//! table (slot numbers and the free/deleted markers -1, -2) or as a table of entries (hash, key,
//! slot, value: a small slot number between two object pointers) then counts a quarter of its
//! size, as the firmware's tables take about that. A free takes the block out again, on any
//! thread, so the registry never names memory that is gone. The weights stay a model: a block of
//! plain int64s may pass for a table, and a table that no longer fits in the registry keeps the
//! weight of a list.
#![allow(unsafe_code)] // One volatile read of a registered, live block (see `looks_like_table`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Registry slots: open addressing, bounded probing.
const CAP: usize = 1 << 13;
/// How far a key is looked for from its home slot.
const PROBES: usize = 32;
/// An empty slot.
const EMPTY: usize = 0;
/// A removed entry (the probe goes on past it). No block is at address 0, so a key of 0 with a
/// state bit set names nothing.
const GONE: usize = 1;
/// State bits kept in a key's low bits (registered blocks are at least 8-aligned).
const STATE: usize = 7;
/// Not looked into yet.
const NEW: usize = 0;
/// Looked into: not a table.
const PLAIN: usize = 2;
/// Looked into: a hash table, counted a quarter of its size.
const TABLE: usize = 4;

static KEYS: [AtomicUsize; CAP] = [const { AtomicUsize::new(EMPTY) }; CAP];
static SIZES: [AtomicUsize; CAP] = [const { AtomicUsize::new(0) }; CAP];
/// Live entries; 0 lets a free skip the registry.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// Entries not yet looked into; 0 lets [`reweigh`] return at once.
static FRESH: AtomicUsize = AtomicUsize::new(0);
/// Held by every change and by [`reweigh`] while it reads blocks: a block is never freed (on
/// any thread) while it is read.
static LOCK: AtomicBool = AtomicBool::new(false);

struct Held;

impl Held {
    fn take() -> Held {
        while LOCK
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        Held
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        LOCK.store(false, Ordering::Release);
    }
}

#[inline]
fn home(ptr: usize) -> usize {
    // Blocks are 16-aligned; a multiplicative hash spreads their addresses.
    (ptr >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - CAP.trailing_zeros())
}

/// Registers the tracked thread's new block of words (size at least the allocator's big-block
/// size, alignment at least 8). A full neighbourhood leaves it out: it keeps a list's weight.
#[inline(never)]
pub(crate) fn insert(ptr: *mut u8, size: usize) {
    let ptr = ptr as usize;
    if ptr & STATE != 0 {
        return;
    }
    let _held = Held::take();
    let h = home(ptr);
    let mut free = None;
    for i in 0..PROBES {
        let slot = (h + i) & (CAP - 1);
        let key = KEYS[slot].load(Ordering::Relaxed);
        if key & !STATE == ptr {
            // A stale entry for this address (its block left unseen): the new block replaces it.
            forget(slot, key);
            free = Some(slot);
            break;
        }
        if key == EMPTY || key == GONE {
            free.get_or_insert(slot);
            if key == EMPTY {
                break;
            }
        }
    }
    if let Some(slot) = free {
        KEYS[slot].store(ptr | NEW, Ordering::Relaxed);
        SIZES[slot].store(size, Ordering::Relaxed);
        COUNT.fetch_add(1, Ordering::Relaxed);
        FRESH.fetch_add(1, Ordering::Relaxed);
    }
}

/// Takes a freed (or moved) block out of the registry, on whichever thread frees it; true when
/// it counted as a table.
#[inline(always)]
pub(crate) fn remove(ptr: *mut u8) -> bool {
    COUNT.load(Ordering::Relaxed) != 0 && remove_registered(ptr)
}

/// [`remove`] past its quick test, kept out of the allocator's inlined path.
#[inline(never)]
fn remove_registered(ptr: *mut u8) -> bool {
    let ptr = ptr as usize;
    let _held = Held::take();
    let h = home(ptr);
    for i in 0..PROBES {
        let slot = (h + i) & (CAP - 1);
        let key = KEYS[slot].load(Ordering::Relaxed);
        if key == EMPTY {
            return false;
        }
        if key != GONE && key & !STATE == ptr {
            forget(slot, key);
            return key & STATE == TABLE;
        }
    }
    false
}

/// Empties `slot` (holding `key`); under the lock.
fn forget(slot: usize, key: usize) {
    if key & STATE == NEW {
        FRESH.fetch_sub(1, Ordering::Relaxed);
    }
    COUNT.fetch_sub(1, Ordering::Relaxed);
    let next = KEYS[(slot + 1) & (CAP - 1)].load(Ordering::Relaxed);
    if next == EMPTY {
        // Nothing probes past here: this slot and the removed ones before it become empty.
        KEYS[slot].store(EMPTY, Ordering::Relaxed);
        let mut s = slot;
        loop {
            s = s.wrapping_sub(1) & (CAP - 1);
            if KEYS[s].load(Ordering::Relaxed) != GONE {
                break;
            }
            KEYS[s].store(EMPTY, Ordering::Relaxed);
        }
    } else {
        KEYS[slot].store(GONE, Ordering::Relaxed);
    }
}

/// Looks into every block registered since the last call and returns how many weighted bytes
/// the tables among them count less, `less(size)` for each. Called on the tracked thread between
/// two instructions, when no table is half-built.
pub(crate) fn reweigh(less_for: impl Fn(usize) -> i64) -> i64 {
    if FRESH.load(Ordering::Relaxed) == 0 {
        return 0;
    }
    let _held = Held::take();
    let mut less = 0i64;
    for slot in 0..CAP {
        let key = KEYS[slot].load(Ordering::Relaxed);
        if key == EMPTY || key == GONE || key & STATE != NEW {
            continue;
        }
        let size = SIZES[slot].load(Ordering::Relaxed);
        let state = if looks_like_table(key & !STATE, size) {
            less += less_for(size);
            TABLE
        } else {
            PLAIN
        };
        KEYS[slot].store((key & !STATE) | state, Ordering::Relaxed);
        FRESH.fetch_sub(1, Ordering::Relaxed);
    }
    less
}

/// Words read from the start of a block.
const SAMPLE: usize = 16;

/// Whether the block at `ptr` (`size` bytes, registered and live: the caller holds the lock)
/// is laid out as the interpreter's index table or its entries table.
fn looks_like_table(ptr: usize, size: usize) -> bool {
    if size < SAMPLE * 8 {
        return false;
    }
    let mut w = [0u64; SAMPLE];
    for (i, word) in w.iter_mut().enumerate() {
        // SAFETY: the block is live (a free must take the lock to leave the registry, and the
        // caller holds it), 8-aligned and at least SAMPLE words long. Its owner may not have
        // written every word yet (a table's spare room): a volatile read takes whatever bits
        // are there, which can only misjudge the block's weight.
        *word = unsafe { std::ptr::read_volatile((ptr as *const u64).add(i)) };
    }
    is_index_table(&w) || is_entry_table(&w, 4) || is_entry_table(&w, 3)
}

/// A slot number or an index into a table: far below any address the host hands out.
fn small(x: u64) -> bool {
    x < 1 << 24
}

/// An object pointer: word-aligned and beyond the small numbers.
fn pointer(x: u64) -> bool {
    x & 7 == 0 && !small(x)
}

/// Slot numbers, distinct, and the free (-1) and deleted (-2) markers: at least two words, one
/// of them a slot number.
fn is_index_table(w: &[u64]) -> bool {
    // No allocation here or below: the registry's lock is held, and a big block wants it too.
    let marker = |x: u64| x == u64::MAX || x == u64::MAX - 1;
    let slots = w.iter().filter(|&&x| small(x)).count();
    w.iter().all(|&x| small(x) || marker(x))
        && slots > 0
        && (slots >= 2 || w.contains(&u64::MAX))
        && w.iter()
            .enumerate()
            .all(|(i, x)| !small(*x) || !w[..i].contains(x))
}

/// Entries of `stride` words, the first four all present: the key and for a dict (stride 4) the
/// value are object pointers, the entry's slot number is a small number, distinct from entry to
/// entry, and the hash is anything. The compiler chooses the fields' order, so any positions do.
fn is_entry_table(w: &[u64], stride: usize) -> bool {
    if w.len() < 4 * stride {
        return false;
    }
    let column = |i: usize| -> [u64; 4] { std::array::from_fn(|e| w[e * stride + i]) };
    (0..stride).any(|i| {
        let slots = column(i);
        slots.iter().all(|&x| small(x))
            && slots
                .iter()
                .enumerate()
                .all(|(k, x)| !slots[..k].contains(x))
            && (0..stride)
                .filter(|&j| j != i && column(j).iter().all(|&x| pointer(x)))
                .count()
                >= stride - 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 0x5555_0000_1230;

    #[test]
    fn tables_are_told_from_lists() {
        let dense: Vec<u64> = (0..SAMPLE as u64).collect();
        assert!(is_index_table(&dense));
        let mut index = [u64::MAX; SAMPLE];
        index[3] = 0;
        index[9] = 1;
        index[11] = u64::MAX - 1;
        assert!(is_index_table(&index));
        let list = [P; SAMPLE];
        assert!(!is_index_table(&list) && !is_entry_table(&list, 4) && !is_entry_table(&list, 3));
        let zeros = [0u64; SAMPLE];
        assert!(!is_index_table(&zeros) && !is_entry_table(&zeros, 4));
        let all_ones = [u64::MAX; SAMPLE];
        assert!(!is_index_table(&all_ones));
        let mut twice = [u64::MAX; SAMPLE];
        twice[2] = 5;
        twice[7] = 5;
        assert!(!is_index_table(&twice));
        // Fields in the order the compiler chose for rustpython 0.6: key, value, hash, slot.
        let mut dict = [0u64; SAMPLE];
        for (i, e) in dict.chunks_exact_mut(4).enumerate() {
            e.copy_from_slice(&[P + 16 * i as u64, P, i as u64, 7 + i as u64]);
        }
        assert!(is_entry_table(&dict, 4));
        let mut set = [0u64; 15];
        for (i, e) in set.chunks_exact_mut(3).enumerate() {
            e.copy_from_slice(&[P + 32 * i as u64, i as u64 * 0x9E37_79B9_7F4A, 3 * i as u64]);
        }
        assert!(is_entry_table(&set, 3));
    }

    #[test]
    fn the_registry_forgets_what_is_freed() {
        let mut blocks: Vec<Vec<u64>> = (0..200).map(|_| vec![u64::MAX; 64]).collect();
        for b in &mut blocks {
            b[5] = 2;
            insert(b.as_mut_ptr().cast(), 512);
        }
        assert!(COUNT.load(Ordering::Relaxed) >= 200);
        assert!(reweigh(|_| 1) >= 200);
        for b in &mut blocks {
            assert!(remove(b.as_mut_ptr().cast()));
            assert!(!remove(b.as_mut_ptr().cast()));
        }
    }
}
