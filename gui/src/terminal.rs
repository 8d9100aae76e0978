//! The REPL pane's terminal: what picocom and a VT100 do with the board's bytes (the subset a
//! MicroPython REPL sends: CR, LF, BS, tab, `ESC [ n C/D`, `ESC [ K`, `ESC [ 2 J`, UTF-8), and the
//! bytes each key sends back, as picocom sends them.

use std::collections::VecDeque;

/// Lines kept for scrolling back; older ones go.
pub const SCROLLBACK: usize = 5000;
/// Longest line kept; a longer one wraps.
const MAX_COLS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// After ESC.
    Started,
    /// After ESC [.
    Csi,
}

/// A screen of text lines with a cursor.
pub struct Terminal {
    lines: VecDeque<Vec<char>>,
    row: usize,
    col: usize,
    esc: Esc,
    params: String,
    utf8: Vec<u8>,
    /// Bumped on every change, so a view knows when to re-lay out.
    pub generation: u64,
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Terminal {
    /// An empty screen.
    pub fn new() -> Self {
        Terminal {
            lines: VecDeque::from([Vec::new()]),
            row: 0,
            col: 0,
            esc: Esc::None,
            params: String::new(),
            utf8: Vec::new(),
            generation: 0,
        }
    }

    /// Interprets the board's output.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.generation += 1;
        for &b in bytes {
            self.byte(b);
        }
    }

    fn byte(&mut self, b: u8) {
        match self.esc {
            Esc::Started => {
                self.esc = if b == b'[' { Esc::Csi } else { Esc::None };
                self.params.clear();
                return;
            }
            Esc::Csi => {
                if b.is_ascii_digit() || b == b';' || b == b'?' {
                    if self.params.len() < 16 {
                        self.params.push(char::from(b));
                    }
                } else {
                    self.esc = Esc::None;
                    self.csi(b);
                }
                return;
            }
            Esc::None => {}
        }
        if !self.utf8.is_empty() || b >= 0x80 {
            self.utf8.push(b);
            match std::str::from_utf8(&self.utf8) {
                Ok(s) => {
                    let c = s.chars().next().unwrap_or('\u{fffd}');
                    self.utf8.clear();
                    self.put(c);
                }
                Err(e) if e.error_len().is_some() || self.utf8.len() >= 4 => {
                    self.utf8.clear();
                    self.put('\u{fffd}');
                }
                Err(_) => {}
            }
            return;
        }
        match b {
            0x1b => self.esc = Esc::Started,
            b'\r' => self.col = 0,
            b'\n' => self.newline(),
            0x08 => self.col = self.col.saturating_sub(1),
            b'\t' => {
                let next = (self.col / 8 + 1) * 8;
                while self.col < next {
                    self.put(' ');
                }
            }
            0x20..=0x7e => self.put(char::from(b)),
            _ => {} // bell and other controls show nothing
        }
    }

    fn csi(&mut self, cmd: u8) {
        let n = self
            .params
            .split(';')
            .next()
            .and_then(|p| p.parse::<usize>().ok());
        match cmd {
            b'D' => self.col = self.col.saturating_sub(n.unwrap_or(1).max(1)),
            b'C' => self.col = (self.col + n.unwrap_or(1).max(1)).min(MAX_COLS - 1),
            b'K' => {
                let line = &mut self.lines[self.row];
                match n.unwrap_or(0) {
                    0 => line.truncate(self.col),
                    1 => {
                        for c in line.iter_mut().take(self.col + 1) {
                            *c = ' ';
                        }
                    }
                    _ => line.clear(),
                }
            }
            b'J' if n == Some(2) => {
                self.lines.clear();
                self.lines.push_back(Vec::new());
                self.row = 0;
                self.col = 0;
            }
            _ => {} // colours and the rest: ignored
        }
    }

    fn put(&mut self, c: char) {
        if self.col >= MAX_COLS {
            self.newline();
            self.col = 0;
        }
        let line = &mut self.lines[self.row];
        while line.len() < self.col {
            line.push(' ');
        }
        if self.col < line.len() {
            line[self.col] = c;
        } else {
            line.push(c);
        }
        self.col += 1;
    }

    fn newline(&mut self) {
        self.row += 1;
        if self.row == self.lines.len() {
            self.lines.push_back(Vec::new());
        }
        while self.lines.len() > SCROLLBACK {
            self.lines.pop_front();
            self.row -= 1;
        }
    }

    /// The whole scrollback as text (for display and copying).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.extend(l.iter());
        }
        s
    }

    /// Cursor position: line index in [`Terminal::text`] and column.
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    /// The line the cursor is on.
    pub fn current_line(&self) -> String {
        self.lines[self.row].iter().collect()
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }
}

/// A key as the terminal pane sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Enter / Return.
    Enter,
    /// Backspace.
    Backspace,
    /// Tab.
    Tab,
    /// Escape.
    Escape,
    /// Arrows.
    Up,
    /// Arrows.
    Down,
    /// Arrows.
    Left,
    /// Arrows.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Delete (forward).
    Delete,
    /// Ctrl plus a letter (`'a'..='z'`).
    Ctrl(char),
}

/// The bytes a key sends, as picocom in a Linux terminal sends them.
pub fn key_bytes(key: Key) -> Vec<u8> {
    match key {
        Key::Enter => b"\r".to_vec(),
        Key::Backspace => vec![0x7f],
        Key::Tab => b"\t".to_vec(),
        Key::Escape => vec![0x1b],
        Key::Up => b"\x1b[A".to_vec(),
        Key::Down => b"\x1b[B".to_vec(),
        Key::Right => b"\x1b[C".to_vec(),
        Key::Left => b"\x1b[D".to_vec(),
        Key::Home => b"\x1b[H".to_vec(),
        Key::End => b"\x1b[F".to_vec(),
        Key::Delete => b"\x1b[3~".to_vec(),
        Key::Ctrl(c) => {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() {
                vec![(c as u8) & 0x1f]
            } else {
                Vec::new()
            }
        }
    }
}

/// Pasted text as a terminal sends it: line ends become CR (what Enter sends).
pub fn paste_bytes(text: &str) -> Vec<u8> {
    text.replace("\r\n", "\r").replace('\n', "\r").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repl_redraws_as_picocom_shows_them() {
        let mut t = Terminal::new();
        t.feed(b">>> prnt\x08\x08\x08\x1b[Krint(1)");
        assert_eq!(t.current_line(), ">>> print(1)");
        // Cursor left by 2 and retype the tail, as the REPL does for an insertion.
        t.feed(b"\x1b[2D2)\x1b[K");
        assert_eq!(t.current_line(), ">>> print(2)");
        t.feed(b"\r\n2\r\n>>> ");
        assert_eq!(t.text(), ">>> print(2)\n2\n>>> ");
        assert_eq!(t.cursor(), (2, 4));
    }

    #[test]
    fn utf8_split_across_chunks_and_bad_bytes() {
        let mut t = Terminal::new();
        let s = "µs ✓".as_bytes();
        t.feed(&s[..1]);
        t.feed(&s[1..5]);
        t.feed(&s[5..]);
        t.feed(b"\xff!");
        assert_eq!(t.current_line(), "µs ✓\u{fffd}!");
    }

    #[test]
    fn scrollback_is_capped() {
        let mut t = Terminal::new();
        for i in 0..(SCROLLBACK + 100) {
            t.feed(format!("line {i}\r\n").as_bytes());
        }
        assert_eq!(t.line_count(), SCROLLBACK);
        assert!(t.text().ends_with(&format!("line {}\n", SCROLLBACK + 99)));
    }

    #[test]
    fn keys_send_what_picocom_sends() {
        assert_eq!(key_bytes(Key::Ctrl('c')), [3]);
        assert_eq!(key_bytes(Key::Ctrl('D')), [4]);
        assert_eq!(key_bytes(Key::Up), b"\x1b[A");
        assert_eq!(key_bytes(Key::Backspace), [0x7f]);
        assert_eq!(paste_bytes("a\nb\r\nc"), b"a\rb\rc");
    }
}
