//! Boards as data and the models of what is soldered on them. No Python, no GUI.

pub mod board;
pub mod circuit;
pub mod gesture;
pub mod live;
pub mod spec;
pub mod ssd1306;
pub mod trace;
pub mod wiring;

pub use board::{Board, Change, ChangeSink, PinError, PinMode, PinState, Pull, TraceHeader};
pub use circuit::{CircuitSpec, Control, Endpoint, Graphic, PartSpec, PartView};
pub use gesture::{Gesture, GestureDetector};
pub use live::{ConsoleMode, Edge, LedView, LiveBoard, OledView, PinView, Snapshot};
pub use spec::{
    AccelSpec, BoardSpec, DEFAULT_BOARD, FloatRepr, NetworkSpec, Platform, SpecError, all_boards,
    board_ids, cpu_gpio, drawing, find_board,
};
pub use ssd1306::Ssd1306;
pub use trace::{TraceFormat, TraceWriter};
pub use wiring::{I2cPart, WiredI2c, WiredLed, Wiring, WiringError};
