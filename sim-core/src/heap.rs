//! The board's heap budget, measured on the host: a counting global allocator.
//!
//! RustPython has no memory cap of its own, so the `sim` thread's allocations are counted here and
//! held against the board's heap size. Big blocks of bytes (buffers, strings) count byte for byte,
//! big blocks of words (the tables of long lists) half, for the host's 64-bit pointers, and a
//! quarter once `tables.rs` has seen that they hold a dict's or a set's hash table; small ones
//! count a quarter, because RustPython's small objects are several times the size of
//! MicroPython's; an int object counts nothing, as the firmware keeps a small int in a word (so
//! would any other block of exactly an int's sizes: the weights are a model, not a census).
//! Passing the budget raises `MemoryError` in the script (see `runtime.rs`); a single big request
//! that would take the heap more than a margin (64 MB) beyond it cannot be refused without
//! aborting, so it ends the process with MicroPython's message instead of taking the host's
//! memory (`memguard.rs` refuses the usual ones before they are made, as catchable MemoryErrors).
//! The weights model the board; the host's own bytes are counted beside them ([`HOST`]) and held
//! to the heap's size plus a margin, and a compile on its own thread is counted apart
//! ([`count_compile`]).
#![allow(unsafe_code)] // A global allocator is unsafe by definition; this is its only use.

use crate::tables;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
    /// This thread compiles for the board (compile.rs's compile thread): its blocks count into
    /// [`COMPILE`].
    static COMPILE_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// The host bytes a compile on its own thread holds (see [`count_compile`]).
static COMPILE: AtomicI64 = AtomicI64::new(0);
/// Set as the process ends for lack of memory: a compile thread's next allocation waits for
/// the end instead of taking more of the host's memory meanwhile.
static ENDING: AtomicBool = AtomicBool::new(false);

static LIVE: AtomicI64 = AtomicI64::new(0);
/// How far beyond the budget a single big request may take the heap before the process ends
/// (see the module doc); MAX: no limit.
static HARD_MARGIN: AtomicI64 = AtomicI64::new(i64::MAX);
/// [`LIVE`] when the program started; what the script uses is measured from here.
static BASE: AtomicI64 = AtomicI64::new(0);
/// The heap size, in weighted bytes.
static SIZE: AtomicI64 = AtomicI64::new(i64::MAX);
/// The budget, in [`LIVE`] units (`BASE + SIZE`).
static LIMIT: AtomicI64 = AtomicI64::new(i64::MAX);
/// Passing this calls [`HOOK`] once; it is disarmed (MAX) until the script has seen its MemoryError.
static TRIGGER_AT: AtomicI64 = AtomicI64::new(i64::MAX);
/// `fn()` called on the tracked thread when the budget is passed (0: none).
static HOOK: AtomicUsize = AtomicUsize::new(0);

/// The host's bytes behind the tracked thread's blocks, unweighted, with malloc's bookkeeping
/// (see [`host_bytes`]). The weights make the board's heap; this bounds what the host gives for
/// it, as small objects count a quarter there: a script filling a large heap with them would
/// otherwise hold four times the heap on the host.
static HOST: AtomicI64 = AtomicI64::new(0);
/// [`HOST`] when the program started.
static HOST_BASE: AtomicI64 = AtomicI64::new(0);
/// How many host bytes beyond the heap's size the script may hold (MAX: no limit).
static HOST_MARGIN: AtomicI64 = AtomicI64::new(i64::MAX);
/// `HOST_BASE + SIZE + HOST_MARGIN`.
static HOST_LIMIT: AtomicI64 = AtomicI64::new(i64::MAX);
/// As [`TRIGGER_AT`], for [`HOST`].
static HOST_TRIGGER_AT: AtomicI64 = AtomicI64::new(i64::MAX);

/// `fn()` called before a fatal request ends the process (0: none): it sends the console's
/// buffered output.
static FATAL_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Sets the function called, on the counting thread with counting off, before a single request
/// far beyond the budget ends the process. It must not block for long.
pub fn set_fatal_hook(f: fn()) {
    FATAL_HOOK.store(f as usize, Ordering::Relaxed);
}

/// `micropython.heap_lock()` holds the heap (see heaplock.rs).
static LOCKED: AtomicBool = AtomicBool::new(false);
/// While locked: the next tracked allocation calls [`LOCK_HOOK`] (then this is cleared until the
/// hook's check re-arms it).
static LOCK_WATCH: AtomicBool = AtomicBool::new(false);
/// `fn()` called on the tracked thread at the first allocation while the heap is locked (0: none).
static LOCK_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Blocks at least this big count byte for byte.
const BIG: usize = 512;

/// The sizes of the blocks the interpreter makes for one int object (its header and its digits),
/// learnt once by [`learn_in_word_objects`]; 0 until then. The firmware keeps a small int inside
/// the word that refers to it, so these blocks take no room on the board's heap.
static INT_BLOCKS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// While learning: the sizes of the blocks this thread allocates (see [`RECORDING`]).
static RECORDED: [AtomicUsize; 4] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];
static RECORDED_N: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    /// This thread's allocations are being recorded into [`RECORDED`] (never while tracked).
    static RECORDING: Cell<bool> = const { Cell::new(false) };
}

/// Adds `delta` to a counter only the tracked thread changes, and returns the new value. One
/// thread writes, others only read: a load and a store, not a locked read-modify-write (this
/// runs at every allocation the script makes).
#[inline]
fn bump(counter: &AtomicI64, delta: i64) -> i64 {
    let now = counter.load(Ordering::Relaxed).saturating_add(delta);
    counter.store(now, Ordering::Relaxed);
    now
}

/// The host memory a block of `size` bytes takes: glibc's chunk, a word of header rounded up to
/// 16 bytes, 32 at least.
#[inline]
fn host_bytes(size: usize) -> i64 {
    let chunk = size.saturating_add(8 + 15) & !15;
    i64::try_from(chunk.max(32)).unwrap_or(i64::MAX)
}

/// What a block of `size` bytes aligned to `align` counts against the board's heap. Big blocks of
/// bytes (buffers, strings) count byte for byte; big blocks of words (a list's or a dict's
/// table) count half, as the host's 64-bit pointers are twice the board's; an int object's
/// blocks count nothing (see [`INT_BLOCKS`]).
fn weight(size: usize, align: usize) -> i64 {
    if size < BIG
        && (size == INT_BLOCKS[0].load(Ordering::Relaxed)
            || size == INT_BLOCKS[1].load(Ordering::Relaxed))
    {
        return 0;
    }
    let w = match (size >= BIG, align >= 8) {
        (true, false) => size,
        (true, true) => size / 2,
        (false, _) => size / 4,
    };
    i64::try_from(w).unwrap_or(i64::MAX)
}

/// What a big block of words that holds a hash table counts (see tables.rs): a quarter of its
/// size, where a list's table counts half.
fn table_weight(size: usize) -> i64 {
    i64::try_from(size / 4).unwrap_or(i64::MAX)
}

/// Weighs the hash tables made since the last call as the board's (tables.rs): called on the
/// tracked thread between instructions, before the heap's figures are read or acted on.
pub fn reweigh() {
    let less = tables::reweigh(|size| weight(size, 8) - table_weight(size));
    if less > 0 {
        release(&LIVE, less, &BASE, &LIMIT, &TRIGGER_AT, rebase);
    }
}

/// The global allocator of the `mpsim` binary: `System`, plus counting on the `sim` thread.
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn charge(size: usize, align: usize) -> bool {
        if !TRACKED.with(Cell::get) {
            if COMPILE_THREAD.with(Cell::get) {
                while ENDING.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                bump(&COMPILE, host_bytes(size));
            }
            if RECORDING.with(Cell::get) {
                let i = RECORDED_N.fetch_add(1, Ordering::Relaxed);
                if let Some(r) = RECORDED.get(i) {
                    r.store(size, Ordering::Relaxed);
                }
            }
            return true;
        }
        if LOCK_WATCH.load(Ordering::Relaxed) {
            LOCK_WATCH.store(false, Ordering::Relaxed);
            call_hook(&LOCK_HOOK);
        }
        let w = weight(size, align);
        let now = bump(&LIVE, w);
        let h = host_bytes(size);
        let host = bump(&HOST, h);
        if size >= BIG
            && now
                > LIMIT
                    .load(Ordering::Relaxed)
                    .saturating_add(HARD_MARGIN.load(Ordering::Relaxed))
        {
            fatal_oom(size);
        }
        if now > TRIGGER_AT.load(Ordering::Relaxed)
            || host > HOST_TRIGGER_AT.load(Ordering::Relaxed)
        {
            TRIGGER_AT.store(i64::MAX, Ordering::Relaxed);
            HOST_TRIGGER_AT.store(i64::MAX, Ordering::Relaxed);
            call_hook(&HOOK);
        }
        true
    }

    /// Registers the tracked thread's new big block of words (tables.rs).
    #[inline(always)]
    fn register(ptr: *mut u8, size: usize, align: usize) {
        if size >= BIG && align >= 8 && !ptr.is_null() && TRACKED.with(Cell::get) {
            tables::insert(ptr, size);
        }
    }

    #[inline(always)]
    fn credit(ptr: *mut u8, size: usize, align: usize) {
        if COMPILE_THREAD.with(Cell::get) {
            bump(&COMPILE, -host_bytes(size));
        }
        // Out of the registry on any thread, whether or not it counts here.
        let table = size >= BIG && align >= 8 && tables::remove(ptr);
        if TRACKED.with(Cell::get) {
            release(
                &LIVE,
                if table {
                    table_weight(size)
                } else {
                    weight(size, align)
                },
                &BASE,
                &LIMIT,
                &TRIGGER_AT,
                rebase,
            );
            release(
                &HOST,
                host_bytes(size),
                &HOST_BASE,
                &HOST_LIMIT,
                &HOST_TRIGGER_AT,
                rebase_host,
            );
        }
    }
}

/// Takes `amount` off one of the tracked thread's counters as a block is freed. Below its base
/// (something allocated while counting was off was freed, a module's code say) the base moves
/// down rather than report less than nothing in use; back under its limit, its trigger is
/// re-armed there.
#[inline(always)]
fn release(
    counter: &AtomicI64,
    amount: i64,
    base: &AtomicI64,
    limit: &AtomicI64,
    trigger_at: &AtomicI64,
    rebase: fn(i64),
) {
    let now = bump(counter, -amount);
    if now < base.load(Ordering::Relaxed) {
        rebase(now);
    }
    let limit = limit.load(Ordering::Relaxed);
    if now < limit && trigger_at.load(Ordering::Relaxed) != limit {
        trigger_at.store(limit, Ordering::Relaxed);
    }
}

/// Calls the `fn()` a hook slot holds (0: none).
#[inline]
fn call_hook(slot: &AtomicUsize) {
    let hook = slot.load(Ordering::Relaxed);
    if hook != 0 {
        // SAFETY: only the `set_*hook` functions store into these slots, each a `fn()`.
        let f: fn() = unsafe { std::mem::transmute::<usize, fn()>(hook) };
        f();
    }
}

/// Ends the process as the firmware ends on a request far beyond its heap: its message on stderr,
/// the console's output delivered first (see [`set_fatal_hook`]).
#[cold]
pub fn fatal_oom(size: usize) -> ! {
    ENDING.store(true, Ordering::Relaxed);
    TRACKED.with(|t| t.set(false));
    let mut msg = [0u8; 96];
    let mut cur = std::io::Cursor::new(&mut msg[..]);
    let _ = write!(
        cur,
        "\r\nMemoryError: memory allocation failed, allocating {size} bytes\r\n"
    );
    let n = usize::try_from(cur.position()).unwrap_or(0);
    let _ = std::io::stderr().write_all(&msg[..n]);
    // What the board printed just before is still in its output buffer, then on its way to the
    // front end (the process's other threads carry it): send it, and give them a moment to
    // deliver it, as a UART drains its buffer.
    call_hook(&FATAL_HOOK);
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::process::exit(1)
}

// SAFETY: every method forwards to `System` with the caller's layout unchanged; the counting
// touches only atomics and a const thread-local that needs no allocation.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size(), layout.align());
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        Self::register(p, layout.size(), layout.align());
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size(), layout.align());
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        Self::register(p, layout.size(), layout.align());
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::credit(ptr, layout.size(), layout.align());
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::credit(ptr, layout.size(), layout.align());
        Self::charge(new_size, layout.align());
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        Self::register(p, new_size, layout.align());
        p
    }
}

/// Counts (or stops counting) the current thread's allocations.
pub fn set_tracked(on: bool) {
    TRACKED.with(|t| t.set(on));
}

/// Whether this thread's allocations count now (false inside [`untracked`]: firmware work).
pub fn tracked() -> bool {
    TRACKED.with(Cell::get)
}

/// Runs `f` with counting off on this thread (imports of frozen modules: ROM on a real board).
pub fn untracked<R>(f: impl FnOnce() -> R) -> R {
    with_tracking(false, f)
}

/// Runs `f` with counting on or off on this thread (a script's callback made from firmware
/// work counts again).
pub fn with_tracking<R>(on: bool, f: impl FnOnce() -> R) -> R {
    let was = TRACKED.with(|t| t.replace(on));
    let r = f();
    TRACKED.with(|t| t.set(was));
    r
}

/// Weighted bytes the tracked thread holds now.
pub fn live() -> i64 {
    LIVE.load(Ordering::Relaxed)
}

/// Starts measuring from now: passing `size` more weighted bytes calls the hook (see [`set_hook`]).
pub fn start_budget(size: i64) {
    SIZE.store(size, Ordering::Relaxed);
    rebase(live());
    rebase_host(HOST.load(Ordering::Relaxed));
}

/// Stops enforcing any budget.
pub fn end_budget() {
    SIZE.store(i64::MAX, Ordering::Relaxed);
    LIMIT.store(i64::MAX, Ordering::Relaxed);
    TRIGGER_AT.store(i64::MAX, Ordering::Relaxed);
    HOST_LIMIT.store(i64::MAX, Ordering::Relaxed);
    HOST_TRIGGER_AT.store(i64::MAX, Ordering::Relaxed);
}

fn rebase_host(base: i64) {
    HOST_BASE.store(base, Ordering::Relaxed);
    let limit = base
        .saturating_add(SIZE.load(Ordering::Relaxed))
        .saturating_add(HOST_MARGIN.load(Ordering::Relaxed));
    HOST_LIMIT.store(limit, Ordering::Relaxed);
    HOST_TRIGGER_AT.store(limit, Ordering::Relaxed);
}

/// Starts counting a compile's host bytes from zero (one compile thread at a time).
pub fn start_compile_count() {
    COMPILE.store(0, Ordering::Relaxed);
}

/// Counts (or stops counting) this thread's blocks as a compile's (see [`compile_bytes`]).
pub fn count_compile(on: bool) {
    COMPILE_THREAD.with(|t| t.set(on));
}

/// The host bytes the running compile holds.
pub fn compile_bytes() -> i64 {
    COMPILE.load(Ordering::Relaxed)
}

/// What a compile may hold: the host's room left for the script and [`COMPILE_SLACK`], three
/// quarters of it, as the compiler's many small blocks take about a third more of the host than
/// they count (i64::MAX when no host limit is set).
pub fn compile_limit() -> i64 {
    let limit = HOST_LIMIT.load(Ordering::Relaxed);
    if limit == i64::MAX {
        return i64::MAX;
    }
    let room = limit.saturating_sub(HOST.load(Ordering::Relaxed)).max(0);
    room.saturating_add(COMPILE_SLACK) / 4 * 3
}

/// Beyond the host's room, what a compile may take: the interpreter's own ~30 MB leave this
/// much of the 64 MB margin (a board's small heap would otherwise refuse compiles its firmware
/// makes, such as MicroPython's `stress/bytecode_limit.py`).
const COMPILE_SLACK: i64 = 12 << 20;

/// Whether the script holds more host memory than its heap and the host margin allow (see
/// [`HOST`]): a MemoryError is due although the weighted heap may not be full.
pub fn host_over() -> bool {
    HOST.load(Ordering::Relaxed) > HOST_LIMIT.load(Ordering::Relaxed)
}

/// The script may hold its heap's size plus `bytes` of host memory (see [`HOST`]).
pub fn set_host_margin(bytes: i64) {
    HOST_MARGIN.store(bytes, Ordering::Relaxed);
    rebase_host(HOST_BASE.load(Ordering::Relaxed));
}

fn rebase(base: i64) {
    BASE.store(base, Ordering::Relaxed);
    let limit = base.saturating_add(SIZE.load(Ordering::Relaxed));
    LIMIT.store(limit, Ordering::Relaxed);
    if TRIGGER_AT.load(Ordering::Relaxed) != i64::MAX {
        TRIGGER_AT.store(limit, Ordering::Relaxed);
    }
}

/// Counts `bytes` the tracked thread just allocated as the firmware's, not the script's (as if
/// allocated untracked): the budget moves up by as much.
pub fn exempt(bytes: i64) {
    rebase(BASE.load(Ordering::Relaxed).saturating_add(bytes));
}

/// Weighted bytes the script holds now (never negative).
pub fn used() -> i64 {
    (live() - BASE.load(Ordering::Relaxed)).max(0)
}

/// Bytes the script may still allocate in one block before it passes its heap (i64::MAX when no
/// budget is enforced). Big blocks count byte for byte, so this is a size a request can be held to.
pub fn room() -> i64 {
    let limit = LIMIT.load(Ordering::Relaxed);
    if limit == i64::MAX {
        return i64::MAX;
    }
    limit.saturating_sub(live()).max(0)
}

/// The heap size being enforced, in weighted bytes.
pub fn size() -> i64 {
    SIZE.load(Ordering::Relaxed)
}

/// The function called, on the counting thread and inside the allocator, when the budget is
/// passed. It must not block; it may allocate (the trigger is disarmed while it runs).
pub fn set_hook(f: fn()) {
    HOOK.store(f as usize, Ordering::Relaxed);
}

/// Triggers again once the script holds `margin` more than the budget.
pub fn rearm_at_limit(margin: i64) {
    let limit = LIMIT.load(Ordering::Relaxed);
    TRIGGER_AT.store(limit.saturating_add(margin), Ordering::Relaxed);
    let host_limit = HOST_LIMIT.load(Ordering::Relaxed);
    HOST_TRIGGER_AT.store(host_limit, Ordering::Relaxed);
}

/// After the script got its MemoryError: trigger again only once it has grown by `slack` more
/// (its `except` block must be able to run), or once it dropped below the budget and passes it anew.
pub fn rearm(slack: i64) {
    let limit = LIMIT.load(Ordering::Relaxed);
    let at = limit.max(live()).saturating_add(slack);
    TRIGGER_AT.store(at, Ordering::Relaxed);
    let host_limit = HOST_LIMIT.load(Ordering::Relaxed);
    let host_at = host_limit
        .max(HOST.load(Ordering::Relaxed))
        .saturating_add(slack);
    HOST_TRIGGER_AT.store(host_at, Ordering::Relaxed);
}

/// Locks or unlocks the heap (`micropython.heap_lock()`'s depth went from or to zero); while it is
/// locked, the first allocation calls the lock hook (see [`set_lock_hook`]).
pub fn set_locked(on: bool) {
    LOCKED.store(on, Ordering::Relaxed);
    LOCK_WATCH.store(on, Ordering::Relaxed);
}

/// Whether `micropython.heap_lock()` holds the heap.
pub fn locked() -> bool {
    LOCKED.load(Ordering::Relaxed)
}

/// Calls the lock hook again at the next allocation (after its check ran).
pub fn watch_locked(on: bool) {
    LOCK_WATCH.store(on && locked(), Ordering::Relaxed);
}

/// The function called, inside the allocator, at the first allocation while the heap is locked.
/// It must not block.
pub fn set_lock_hook(f: fn()) {
    LOCK_HOOK.store(f as usize, Ordering::Relaxed);
}

/// A big request that takes the heap more than `bytes` beyond its budget ends the process (see
/// the module doc): what the host gives the board stays within its heap and this margin.
pub fn set_hard_margin(bytes: i64) {
    HARD_MARGIN.store(bytes, Ordering::Relaxed);
}

/// Learns which blocks make an int object (see [`INT_BLOCKS`]): once per process, before any
/// allocation is counted, so that a block is charged and credited alike.
fn learn_in_word_objects() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ctx = rustpython_vm::Context::genesis();
        RECORDED_N.store(0, Ordering::Relaxed);
        RECORDING.with(|r| r.set(true));
        // Beyond the interpreter's cache of small ints: a new object, as most ints a script makes.
        let int = std::hint::black_box(ctx.new_int(1_000_003_i32));
        RECORDING.with(|r| r.set(false));
        drop(int);
        let n = RECORDED_N.load(Ordering::Relaxed);
        // An int is its header and at most one block of digits; anything else means the probe
        // saw something it does not understand, and nothing is exempted.
        if (1..=2).contains(&n) {
            for (slot, rec) in INT_BLOCKS.iter().zip(&RECORDED).take(n) {
                slot.store(rec.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
    });
}

/// Whether this binary counts at all (false in unit tests that do not install the allocator).
pub fn is_counting() -> bool {
    learn_in_word_objects();
    set_tracked(true);
    let before = live();
    let v = std::hint::black_box(vec![0u8; 4096]);
    let after = live();
    drop(v);
    set_tracked(false);
    after > before
}

/// The board's heap as the script sees it: its size, whether the allocator counts against it
/// (see [`is_counting`]), and `micropython.heap_lock()`'s depth. `SimState` owns one as `memory`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    size: u64,
    counted: bool,
    locked: u32,
}

impl Budget {
    pub fn new(size: u64, counted: bool) -> Self {
        Budget {
            size,
            counted,
            locked: 0,
        }
    }

    /// The heap's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether allocations count against it.
    pub fn counted(&self) -> bool {
        self.counted
    }

    /// A boot unlocks the heap, as the firmware's soft reset does.
    pub fn unlock_all(&mut self) {
        self.locked = 0;
        set_locked(false);
    }

    /// Adds `delta` (+1, -1 or 0) to the lock depth; returns the depth.
    pub fn lock(&mut self, delta: i64) -> u32 {
        self.locked = match delta.signum() {
            1 => self.locked.saturating_add(1),
            -1 => self.locked.saturating_sub(1),
            _ => return self.locked,
        };
        set_locked(self.locked > 0);
        self.locked
    }
}
