//! The REPL byte state machine — friendly REPL with line editing, paste mode, raw REPL and raw-paste —
//! fed one byte at a time. It only decides: what to echo, and what to run. Running is the caller's
//! (`interp.rs`), which then asks [`Repl::after_exec`] for the bytes that close the exchange.
//! Byte sequences follow MicroPython's `shared/runtime/pyexec.c` and `shared/readline/readline.c`.

use std::collections::VecDeque;

/// Which REPL the board shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `>>> ` with echo and line editing.
    Friendly,
    /// `>` without echo, `\x04`-framed (what tools use).
    Raw,
}

/// How code handed to the caller is run and framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecKind {
    /// A friendly-REPL statement: single-input mode, expression values are printed.
    Single,
    /// Paste mode: compiled as a file.
    Paste,
    /// Raw REPL: `OK` was sent; output, `\x04`, traceback, `\x04`, `>` follow.
    Raw,
    /// Raw-paste: as raw, without the `OK`.
    RawPaste,
}

/// What the caller must do after feeding a byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes to the console.
    Out(Vec<u8>),
    /// Compile and run this source (source name `<stdin>`).
    Exec(String, ExecKind),
    /// Soft reset: reboot the interpreter, keep the mode.
    SoftReset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Line,
    Paste,
    Raw,
    RawPaste { consumed: usize },
}

/// Raw-paste window offered to hosts. The board offers 128; hosts accept any size, and a larger
/// window means fewer round trips per upload.
pub const RAW_PASTE_WINDOW: u16 = 1024;

const HISTORY: usize = 8;
const RAW_BANNER: &[u8] = b"raw REPL; CTRL-B to exit\r\n>";

/// The REPL's state; survives soft resets (the mode does).
#[derive(Debug)]
pub struct Repl {
    mode: Mode,
    state: State,
    banner: String,
    line: Vec<u8>,
    /// Lines of a compound statement typed so far.
    pending: Vec<String>,
    buf: Vec<u8>,
    esc: Vec<u8>,
    last_newline: Option<u8>,
    history: VecDeque<String>,
    hist_pos: Option<usize>,
}

fn is_empty_or_space(s: &str) -> bool {
    s.chars().all(|c| c == ' ')
}

/// Whether a line (or the statement so far) needs more lines: compound keywords, decorators, open
/// brackets, an unclosed triple quote, a trailing backslash.
pub fn needs_continuation(src: &str) -> bool {
    if unclosed(src) {
        return true;
    }
    let first = src.lines().next().unwrap_or("").trim_start();
    let word = first
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or("");
    first.starts_with('@')
        || matches!(
            word,
            "if" | "while" | "for" | "try" | "with" | "def" | "class" | "async" | "match"
        )
}

/// Open brackets, an unclosed triple quote or a trailing backslash: the source cannot end here.
fn unclosed(src: &str) -> bool {
    let mut depth: i32 = 0;
    let mut in_triple: Option<&str> = None;
    let mut i = 0;
    let b = src.as_bytes();
    while i < b.len() {
        if let Some(q) = in_triple {
            if src[i..].starts_with(q) {
                in_triple = None;
                i += 3;
            } else {
                i += 1;
            }
            continue;
        }
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let triple = if q == b'"' { "\"\"\"" } else { "'''" };
                if src[i..].starts_with(triple) {
                    in_triple = Some(triple);
                    i += 3;
                    continue;
                }
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    in_triple.is_some() || depth > 0 || src.trim_end().ends_with('\\')
}

impl Repl {
    /// A REPL in friendly mode; `banner` is the first banner line (`MicroPython v… on …; …`).
    pub fn new(banner: String) -> Self {
        Repl {
            mode: Mode::Friendly,
            state: State::Line,
            banner,
            line: Vec::new(),
            pending: Vec::new(),
            buf: Vec::new(),
            esc: Vec::new(),
            last_newline: None,
            history: VecDeque::new(),
            hist_pos: None,
        }
    }

    /// The mode (a soft reset keeps it).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The full friendly banner with the prompt.
    fn banner_bytes(&self) -> Vec<u8> {
        format!(
            "{}\r\nType \"help()\" for more information.\r\n>>> ",
            self.banner
        )
        .into_bytes()
    }

    /// What the board prints when its REPL starts after boot (or a soft reset).
    pub fn start(&mut self) -> Vec<u8> {
        self.line.clear();
        self.pending.clear();
        self.buf.clear();
        self.esc.clear();
        match self.mode {
            Mode::Friendly => {
                self.state = State::Line;
                self.banner_bytes()
            }
            Mode::Raw => {
                self.state = State::Raw;
                RAW_BANNER.to_vec()
            }
        }
    }

    /// The bytes that close an exchange after the caller ran an [`Action::Exec`]: the prompt, and
    /// for raw REPL the framing. `traceback` is what the run printed as its uncaught exception.
    pub fn after_exec(&mut self, kind: ExecKind, traceback: &[u8]) -> Vec<u8> {
        match kind {
            ExecKind::Single | ExecKind::Paste => {
                self.state = State::Line;
                let mut out = traceback.to_vec();
                out.extend_from_slice(b">>> ");
                out
            }
            ExecKind::Raw | ExecKind::RawPaste => {
                self.state = State::Raw;
                let mut out = b"\x04".to_vec();
                out.extend_from_slice(traceback);
                out.extend_from_slice(b"\x04>");
                out
            }
        }
    }

    /// The prompt for the current friendly line, with its auto-indent already typed.
    fn prompt_continuation(&mut self) -> Vec<u8> {
        let prev = self.pending.last().cloned().unwrap_or_default();
        let last_two_blank = self.pending.len() >= 2
            && self.pending[self.pending.len() - 2..]
                .iter()
                .all(|l| is_empty_or_space(l));
        let mut indent = prev.len() - prev.trim_start_matches(' ').len();
        if prev.trim_end().ends_with(':') {
            indent += 4;
        }
        if last_two_blank || is_empty_or_space(&prev) {
            indent = 0;
        }
        self.line = vec![b' '; indent];
        let mut out = b"\r\n... ".to_vec();
        out.extend_from_slice(&self.line);
        out
    }

    /// Feeds one byte; returns what to do, in order.
    pub fn feed(&mut self, b: u8) -> Vec<Action> {
        match self.state {
            State::Line => self.feed_line(b),
            State::Paste => self.feed_paste(b),
            State::Raw => self.feed_raw(b),
            State::RawPaste { consumed } => self.feed_raw_paste(b, consumed),
        }
    }

    fn out(v: &[u8]) -> Vec<Action> {
        vec![Action::Out(v.to_vec())]
    }

    fn feed_line(&mut self, b: u8) -> Vec<Action> {
        // CR LF and LF CR pairs are one newline.
        if let Some(prev) = self.last_newline.take()
            && (b == b'\r' || b == b'\n')
            && b != prev
        {
            return Vec::new();
        }
        if !self.esc.is_empty() {
            return self.feed_escape(b);
        }
        let empty = self.line.is_empty() && self.pending.is_empty();
        match b {
            0x01 if empty => {
                self.mode = Mode::Raw;
                self.state = State::Raw;
                self.buf.clear();
                let mut o = b"\r\n".to_vec();
                o.extend_from_slice(RAW_BANNER);
                vec![Action::Out(o)]
            }
            0x02 if empty => {
                let mut o = b"\r\n".to_vec();
                o.extend(self.banner_bytes());
                vec![Action::Out(o)]
            }
            0x03 => {
                self.line.clear();
                self.pending.clear();
                Self::out(b"\r\n>>> ")
            }
            0x04 if empty => vec![Action::Out(b"\r\n".to_vec()), Action::SoftReset],
            0x04 if !self.pending.is_empty() => self.finish_statement(),
            0x05 if empty => {
                self.state = State::Paste;
                self.buf.clear();
                Self::out(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
            }
            b'\r' | b'\n' => {
                self.last_newline = Some(b);
                self.enter()
            }
            0x08 | 0x7f => self.backspace(),
            b'\t' => {
                let before_space = self.line.last().is_none_or(|c| *c == b' ');
                if before_space {
                    self.line.extend_from_slice(b"    ");
                    Self::out(b"    ")
                } else {
                    Vec::new()
                }
            }
            0x1b => {
                self.esc.push(b);
                Vec::new()
            }
            b if b >= 0x20 => {
                self.line.push(b);
                self.hist_pos = None;
                Self::out(&[b])
            }
            _ => Vec::new(),
        }
    }

    fn feed_escape(&mut self, b: u8) -> Vec<Action> {
        self.esc.push(b);
        let seq = self.esc.clone();
        let done = match seq.as_slice() {
            [0x1b] => false,
            [0x1b, b'[' | b'O'] => false,
            [0x1b, b'[', d] if d.is_ascii_digit() => false,
            _ => true,
        };
        if !done {
            return Vec::new();
        }
        self.esc.clear();
        match seq.as_slice() {
            [0x1b, b'[', b'A'] => self.history_step(true),
            [0x1b, b'[', b'B'] => self.history_step(false),
            // Cursor movement is not offered: the cursor stays at the end of the line.
            _ => Vec::new(),
        }
    }

    fn history_step(&mut self, older: bool) -> Vec<Action> {
        if self.history.is_empty() {
            return Vec::new();
        }
        let next = match (self.hist_pos, older) {
            (None, true) => Some(0),
            (Some(i), true) => Some((i + 1).min(self.history.len() - 1)),
            (Some(0) | None, false) => None,
            (Some(i), false) => Some(i - 1),
        };
        self.hist_pos = next;
        let new = next
            .and_then(|i| self.history.get(i).cloned())
            .unwrap_or_default();
        let mut o = vec![0x08; self.line.len()];
        o.extend_from_slice(new.as_bytes());
        o.extend_from_slice(b"\x1b[K");
        self.line = new.into_bytes();
        Self::out(&o)
    }

    fn backspace(&mut self) -> Vec<Action> {
        if self.line.is_empty() {
            return Vec::new();
        }
        let n = if self.line.len() >= 4 && self.line.iter().all(|c| *c == b' ') {
            4
        } else {
            // Remove a whole UTF-8 character.
            let mut k = 1;
            while k < self.line.len() && (self.line[self.line.len() - k] & 0xC0) == 0x80 {
                k += 1;
            }
            k
        };
        self.line.truncate(self.line.len() - n);
        let mut o = vec![0x08; if n == 4 { 4 } else { 1 }];
        o.extend_from_slice(b"\x1b[K");
        Self::out(&o)
    }

    fn remember(&mut self, entry: &str) {
        if entry.trim().is_empty() || self.history.front().is_some_and(|h| h == entry) {
            return;
        }
        self.history.push_front(entry.to_owned());
        self.history.truncate(HISTORY);
    }

    fn enter(&mut self) -> Vec<Action> {
        let text = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        self.hist_pos = None;
        self.remember(&text);
        if self.pending.is_empty() {
            if text.trim().is_empty() {
                return Self::out(b"\r\n>>> ");
            }
            if needs_continuation(&text) {
                self.pending.push(text);
                let o = self.prompt_continuation();
                return vec![Action::Out(o)];
            }
            return vec![
                Action::Out(b"\r\n".to_vec()),
                Action::Exec(format!("{text}\n"), ExecKind::Single),
            ];
        }
        // A compound statement ends with an empty line; a bracketed one as soon as it closes.
        let joined = self.pending.join("\n");
        if text.is_empty() && !unclosed(&joined) {
            return self.finish_statement();
        }
        self.pending.push(text);
        if !needs_continuation(&self.pending.join("\n")) {
            return self.finish_statement();
        }
        let o = self.prompt_continuation();
        vec![Action::Out(o)]
    }

    fn finish_statement(&mut self) -> Vec<Action> {
        let mut src = std::mem::take(&mut self.pending).join("\n");
        src.push('\n');
        self.line.clear();
        vec![
            Action::Out(b"\r\n".to_vec()),
            Action::Exec(src, ExecKind::Single),
        ]
    }

    fn feed_paste(&mut self, b: u8) -> Vec<Action> {
        match b {
            0x03 => {
                self.state = State::Line;
                self.buf.clear();
                Self::out(b"\r\n>>> ")
            }
            0x04 => {
                let src = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
                vec![
                    Action::Out(b"\r\n".to_vec()),
                    Action::Exec(src, ExecKind::Paste),
                ]
            }
            b'\r' => {
                self.buf.push(b'\n');
                self.last_newline = Some(b'\r');
                Self::out(b"\r\n=== ")
            }
            b'\n' if self.last_newline.take() == Some(b'\r') => Self::out(b"\n"),
            _ => {
                self.last_newline = None;
                self.buf.push(b);
                Self::out(&[b])
            }
        }
    }

    fn feed_raw(&mut self, b: u8) -> Vec<Action> {
        match b {
            0x01 => {
                if self.buf == b"\x05A" {
                    self.buf.clear();
                    self.state = State::RawPaste { consumed: 0 };
                    let w = RAW_PASTE_WINDOW.to_le_bytes();
                    return Self::out(&[b'R', 0x01, w[0], w[1], 0x01]);
                }
                self.buf.clear();
                Self::out(RAW_BANNER)
            }
            0x02 => {
                self.mode = Mode::Friendly;
                self.state = State::Line;
                self.buf.clear();
                let mut o = b"\r\n".to_vec();
                o.extend(self.banner_bytes());
                vec![Action::Out(o)]
            }
            0x03 => {
                self.buf.clear();
                Vec::new()
            }
            0x04 if self.buf.is_empty() => vec![Action::Out(b"OK\r\n".to_vec()), Action::SoftReset],
            0x04 => {
                let src = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
                vec![
                    Action::Out(b"OK".to_vec()),
                    Action::Exec(src, ExecKind::Raw),
                ]
            }
            _ => {
                if self.buf.len() < (16 << 20) {
                    self.buf.push(b);
                }
                Vec::new()
            }
        }
    }

    fn feed_raw_paste(&mut self, b: u8, consumed: usize) -> Vec<Action> {
        match b {
            0x04 => {
                let src = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
                vec![
                    Action::Out(b"\x04".to_vec()),
                    Action::Exec(src, ExecKind::RawPaste),
                ]
            }
            0x03 => {
                self.buf.clear();
                vec![
                    Action::Out(b"\x04".to_vec()),
                    Action::Exec("raise KeyboardInterrupt\n".into(), ExecKind::RawPaste),
                ]
            }
            _ => {
                if self.buf.len() < (16 << 20) {
                    self.buf.push(b);
                }
                let consumed = consumed + 1;
                if consumed >= usize::from(RAW_PASTE_WINDOW) {
                    self.state = State::RawPaste { consumed: 0 };
                    return Self::out(&[0x01]);
                }
                self.state = State::RawPaste { consumed };
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut Repl, bytes: &[u8]) -> (Vec<u8>, Vec<Action>) {
        let mut out = Vec::new();
        let mut rest = Vec::new();
        for &b in bytes {
            for a in r.feed(b) {
                match a {
                    Action::Out(o) => out.extend(o),
                    other => rest.push(other),
                }
            }
        }
        (out, rest)
    }

    fn repl() -> Repl {
        let mut r = Repl::new("MicroPython v1.24.1 on 2024-11-29; ESP module with ESP8266".into());
        r.start();
        r
    }

    #[test]
    fn friendly_line_echoes_and_runs_in_single_mode() {
        let mut r = repl();
        let (out, acts) = feed(&mut r, b"1+1\r\n");
        assert_eq!(out, b"1+1\r\n");
        assert_eq!(acts, [Action::Exec("1+1\n".into(), ExecKind::Single)]);
        assert_eq!(r.after_exec(ExecKind::Single, b""), b">>> ");
    }

    #[test]
    fn compound_statements_continue_with_auto_indent() {
        let mut r = repl();
        let (out, acts) = feed(&mut r, b"for i in range(3):\rprint(i)\r\r\r");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "for i in range(3):\r\n...     print(i)\r\n...     \r\n... \r\n"
        );
        assert_eq!(
            acts,
            [Action::Exec(
                "for i in range(3):\n    print(i)\n    \n".into(),
                ExecKind::Single
            )]
        );
        let (out, acts) = feed(&mut r, b"x = (1,\r2)\r");
        assert_eq!(out, b"x = (1,\r\n... 2)\r\n");
        assert_eq!(
            acts,
            [Action::Exec("x = (1,\n2)\n".into(), ExecKind::Single)]
        );
    }

    #[test]
    fn control_keys_on_an_empty_line() {
        let mut r = repl();
        let (out, _) = feed(&mut r, b"abc\x03");
        assert_eq!(out, b"abc\r\n>>> ");
        let (out, _) = feed(&mut r, b"\x02");
        assert!(out.starts_with(b"\r\nMicroPython v1.24.1"));
        assert!(out.ends_with(b"Type \"help()\" for more information.\r\n>>> "));
        let (out, acts) = feed(&mut r, b"\x04");
        assert_eq!(out, b"\r\n");
        assert_eq!(acts, [Action::SoftReset]);
        assert_eq!(r.mode(), Mode::Friendly);
    }

    #[test]
    fn paste_mode() {
        let mut r = repl();
        let (out, _) = feed(&mut r, b"\x05");
        assert_eq!(
            out,
            b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== "
        );
        let (out, acts) = feed(&mut r, b"a = 1\r\nprint(a)\x04");
        assert_eq!(out, b"a = 1\r\n=== \nprint(a)\r\n");
        assert_eq!(
            acts,
            [Action::Exec("a = 1\nprint(a)".into(), ExecKind::Paste)]
        );
    }

    #[test]
    fn raw_repl_transcript() {
        let mut r = repl();
        // What pyboard.py/mpremote send to enter: \r\x03 then \r\x01.
        let (out, _) = feed(&mut r, b"\r\x03\r\x01");
        assert_eq!(
            out,
            b"\r\n>>> \r\n>>> \r\n>>> \r\nraw REPL; CTRL-B to exit\r\n>"
        );
        assert_eq!(r.mode(), Mode::Raw);
        let (out, acts) = feed(&mut r, b"print(1)\x04");
        assert_eq!(out, b"OK");
        assert_eq!(acts, [Action::Exec("print(1)".into(), ExecKind::Raw)]);
        assert_eq!(r.after_exec(ExecKind::Raw, b""), b"\x04\x04>");
        let (out, _) = feed(&mut r, b"junk\x03\r\x01");
        assert_eq!(out, b"raw REPL; CTRL-B to exit\r\n>");
        let (out, acts) = feed(&mut r, b"\x04");
        assert_eq!(out, b"OK\r\n");
        assert_eq!(acts, [Action::SoftReset]);
        assert_eq!(r.mode(), Mode::Raw, "a soft reset from raw stays raw");
        assert_eq!(r.start(), b"raw REPL; CTRL-B to exit\r\n>");
        let (out, _) = feed(&mut r, b"\r\x02");
        assert!(out.starts_with(b"\r\nMicroPython "));
        assert_eq!(r.mode(), Mode::Friendly);
    }

    #[test]
    fn raw_paste_flow_control() {
        let mut r = repl();
        feed(&mut r, b"\x01");
        let (out, _) = feed(&mut r, b"\x05A\x01");
        let w = RAW_PASTE_WINDOW.to_le_bytes();
        assert_eq!(out, [b'R', 1, w[0], w[1], 1]);
        let body = vec![b'#'; usize::from(RAW_PASTE_WINDOW) * 2 + 5];
        let (out, acts) = feed(&mut r, &body);
        assert_eq!(out, [1, 1], "one credit per window consumed");
        assert!(acts.is_empty());
        let (out, acts) = feed(&mut r, b"\x04");
        assert_eq!(out, b"\x04");
        assert!(
            matches!(&acts[..], [Action::Exec(s, ExecKind::RawPaste)] if s.len() == body.len())
        );
    }

    #[test]
    fn continuation_rules() {
        assert!(needs_continuation("def f():"));
        assert!(needs_continuation("x = (1,"));
        assert!(needs_continuation("s = '''abc"));
        assert!(needs_continuation("@decorator"));
        assert!(needs_continuation("x = 1 + \\"));
        assert!(!needs_continuation("x = ')'"));
        assert!(!needs_continuation("print('if')"));
        assert!(!needs_continuation("iffy = 1"));
    }
}
