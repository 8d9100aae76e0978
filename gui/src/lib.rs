//! The egui/eframe front end (issue "Desktop GUI"). Until it lands, this crate only tells the binary
//! whether a window could be opened, so `mpsim` can say why it runs in the terminal instead.

/// Whether this build contains the desktop window.
pub const BUILT: bool = false;

/// Why no window can be shown here, or `None` when one could.
pub fn unavailable_reason() -> Option<String> {
    if !BUILT {
        return Some("the desktop GUI is not part of this build yet".into());
    }
    let has = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        return Some("no display found (DISPLAY and WAYLAND_DISPLAY are unset)".into());
    }
    None
}
