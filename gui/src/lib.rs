//! The egui/eframe front end: the board drawn live, its pins, LEDs and buttons, the inputs, the
//! REPL terminal and a logic analyzer. The board runs on its own `sim` thread (see
//! [`session::Session`]); the window only reads its published state and sends commands, so the
//! board and its serial port keep running while the window is hidden or minimised.

pub mod analyzer;
pub mod app;
pub mod circuit;
pub mod files;
pub mod layout;
pub mod session;
#[allow(unsafe_code)] // Calls into libasound, loaded at run time; each call says why it is sound.
pub mod sound;
pub mod terminal;

pub use app::{App, Prefs, Prepare, State};
pub use session::{BoardSetup, Session};
use std::time::Duration;

static QUIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static CONTEXT: std::sync::OnceLock<egui::Context> = std::sync::OnceLock::new();

/// Closes the window as its close button would (state saved, board stopped); safe to call from
/// a signal handler's thread. False when no window is open (yet).
pub fn request_quit() -> bool {
    QUIT.store(true, std::sync::atomic::Ordering::SeqCst);
    match CONTEXT.get() {
        Some(ctx) => {
            ctx.request_repaint();
            true
        }
        None => false,
    }
}

pub(crate) fn quit_requested() -> bool {
    QUIT.load(std::sync::atomic::Ordering::SeqCst)
}

/// Whether this build contains the desktop window.
pub const BUILT: bool = true;

/// Why no window can be shown here, or `None` when one could.
pub fn unavailable_reason() -> Option<String> {
    if !BUILT {
        return Some("the desktop GUI is not part of this build".into());
    }
    let has = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        return Some("no display found (DISPLAY and WAYLAND_DISPLAY are unset)".into());
    }
    None
}

/// What the window starts with.
pub struct WindowOptions {
    /// The board asked for on the command line (else the last one, else the default).
    pub board: Option<String>,
    /// The flash image asked for (else the last one used with that board, else its own).
    pub flash: Option<std::path::PathBuf>,
    /// Starts a board: checks its flash and says what it runs.
    pub prepare: Prepare,
}

/// Opens the window and runs until it is closed. An error means no window could be opened (or
/// the board could not start); the caller can fall back to the terminal.
pub fn run(opts: WindowOptions) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("mpsim")
            .with_app_id("mpsim")
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([640.0, 480.0]),
        renderer: eframe::Renderer::Glow,
        // Without a GPU (Mesa's llvmpipe) the dithering pass costs per pixel, every frame.
        dithering: false,
        persist_window: true,
        ..Default::default()
    };
    let WindowOptions {
        board,
        flash,
        mut prepare,
    } = opts;
    eframe::run_native(
        "mpsim",
        native,
        Box::new(move |cc| {
            let prefs: Prefs = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            let id = board
                .or_else(|| prefs.board.clone())
                .unwrap_or_else(|| mpsim_board_models::DEFAULT_BOARD.to_owned());
            let flash = flash.or_else(|| {
                prefs
                    .flash
                    .clone()
                    .filter(|_| prefs.board.as_deref() == Some(id.as_str()))
            });
            let session = prepare(&id, flash).and_then(Session::start)?;
            let _ = CONTEXT.set(cc.egui_ctx.clone());
            let ctx = cc.egui_ctx.clone();
            // With no delay egui paints every request twice; with any delay, once.
            session.set_waker(move || ctx.request_repaint_after(Duration::from_millis(1)));
            let state = State::new(session, Some(prepare), &prefs)?;
            let stats = std::env::var_os("MPSIM_GUI_STATS").map(|_| app::FrameStats::new());
            Ok(Box::new(App { state, stats }))
        }),
    )
    .map_err(|e| e.to_string())
}
