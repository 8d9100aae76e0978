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
    /// Tab: the caller lists the names [`Completion`] asks for and hands them to
    /// [`Repl::complete`].
    Complete(Completion),
}

/// What Tab asks to complete: the last word of a dotted chain before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The names before the last dot (`["machine", "Pin"]` for `machine.Pin.IR`): looked up from
    /// the `__main__` globals (then builtins), then as attributes.
    pub path: Vec<String>,
    /// The partial name being typed.
    pub word: String,
    /// The line starts with `import `: complete module names instead.
    pub modules: bool,
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
/// The longest line the friendly REPL edits (bytes).
const MAX_LINE: usize = 4096;
const RAW_BANNER: &[u8] = b"raw REPL; CTRL-B to exit\r\n>";

/// The REPL's state; survives soft resets (the mode does).
#[derive(Debug)]
pub struct Repl {
    mode: Mode,
    state: State,
    banner: String,
    line: Vec<u8>,
    /// Byte offset of the cursor in `line`.
    cursor: usize,
    /// Auto-indent is on for this statement (a space or Tab right after one turns it off).
    auto_indent: bool,
    /// The current line's indent was typed by auto-indent, and nothing since.
    just_indented: bool,
    /// The bytes of a UTF-8 character still arriving.
    utf8: Vec<u8>,
    /// Lines of a compound statement typed so far.
    pending: Vec<String>,
    buf: Vec<u8>,
    esc: Vec<u8>,
    last_newline: Option<u8>,
    history: VecDeque<String>,
    hist_pos: Option<usize>,
}

/// Terminal columns of UTF-8 text (one per character).
fn cols(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

/// Moves the terminal cursor `n` columns left, as MicroPython does: backspaces for up to 4,
/// `ESC [ n D` beyond.
fn move_back(n: usize) -> Vec<u8> {
    if n <= 4 {
        vec![0x08; n]
    } else {
        format!("\x1b[{n}D").into_bytes()
    }
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
    // Bytes, not `str` slices: `i` steps through multi-byte characters one byte at a time.
    let mut in_triple: Option<&[u8]> = None;
    let mut i = 0;
    let b = src.as_bytes();
    while i < b.len() {
        if let Some(q) = in_triple {
            if b[i..].starts_with(q) {
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
                let triple: &[u8] = if q == b'"' { b"\"\"\"" } else { b"'''" };
                if b[i..].starts_with(triple) {
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
            cursor: 0,
            auto_indent: true,
            just_indented: false,
            utf8: Vec::new(),
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
        self.cursor = 0;
        self.utf8.clear();
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

    /// The prompt for the current friendly line, with its auto-indent already typed: the
    /// previous line's indent (a multiple of 4), one level more after a `:`; none when the two
    /// previous lines are all spaces, or after a space or Tab turned auto-indent off.
    fn prompt_continuation(&mut self) -> Vec<u8> {
        let prev = self.pending.last().cloned().unwrap_or_default();
        let all_spaces = |l: &str| l.bytes().all(|c| c == b' ');
        let n = self.pending.len();
        let stop = n >= 2 && all_spaces(&prev) && all_spaces(&self.pending[n - 2]);
        let mut levels = (prev.len() - prev.trim_start_matches(' ').len()) / 4;
        if prev.ends_with(':') {
            levels += 1;
        }
        if !self.auto_indent || stop {
            levels = 0;
        }
        self.line = vec![b' '; levels * 4];
        self.cursor = self.line.len();
        self.just_indented = levels > 0;
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
        if b >= 0x80 {
            return self.feed_utf8(b);
        }
        self.utf8.clear();
        let empty = self.line.is_empty() && self.pending.is_empty();
        let last = self.line.len();
        if std::mem::take(&mut self.just_indented) && (b == b' ' || b == b'\t') {
            // Indented text typed (or pasted) over an auto-indent: auto-indent goes off for the
            // statement, and a space takes back 3 of the 4 spaces it typed.
            self.auto_indent = false;
            if b == b' ' {
                self.line.truncate(self.line.len() - 3);
                self.cursor = self.line.len();
                return Self::out(&move_back(3));
            }
            return Vec::new();
        }
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
                self.cursor = 0;
                self.pending.clear();
                Self::out(b"\r\n>>> ")
            }
            0x04 if empty => vec![Action::Out(b"\r\n".to_vec()), Action::SoftReset],
            0x04 if self.line.is_empty() => self.finish_statement(),
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
            // Emacs keys on a non-empty line: start, left, delete, end, right, kill to the end,
            // history next and previous, kill to the start.
            0x01 => self.home(),
            0x02 => self.left(),
            0x04 => self.delete(),
            0x05 => self.end(),
            0x06 => self.right(),
            0x0b => {
                self.line.truncate(self.cursor);
                Self::out(&self.redraw(last, (0, 0), true, 0))
            }
            0x0e => self.history_step(false),
            0x10 => self.history_step(true),
            0x15 => {
                let back = (self.cursor, cols(&self.line[..self.cursor]));
                self.line.drain(..self.cursor);
                Self::out(&self.redraw(last, back, true, 0))
            }
            b'\t' => {
                // At the start of the first line Tab completes (it lists every name); after
                // whitespace, or at the start of a continuation line, it indents.
                let before = &self.line[..self.cursor];
                let first_line_start = before.is_empty() && self.pending.is_empty();
                if !first_line_start && before.last().is_none_or(|c| c.is_ascii_whitespace()) {
                    self.insert(b"    ")
                } else {
                    vec![Action::Complete(self.completion())]
                }
            }
            0x1b => {
                self.esc.push(b);
                Vec::new()
            }
            b if b >= 0x20 => self.insert(&[b]),
            _ => Vec::new(),
        }
    }

    /// A byte of a multi-byte UTF-8 character: inserted once the character is whole.
    fn feed_utf8(&mut self, b: u8) -> Vec<Action> {
        if b & 0xC0 == 0xC0 {
            self.utf8.clear();
        } else if self.utf8.is_empty() {
            return Vec::new();
        }
        self.utf8.push(b);
        let want = match self.utf8[0] {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
        if self.utf8.len() < want {
            return Vec::new();
        }
        let ch = std::mem::take(&mut self.utf8);
        if std::str::from_utf8(&ch).is_err() {
            return Vec::new();
        }
        self.insert(&ch)
    }

    /// Inserts `text` at the cursor.
    fn insert(&mut self, text: &[u8]) -> Vec<Action> {
        // A line lives in the board's small heap: a longer one takes no more characters.
        if self.line.len() + text.len() > MAX_LINE {
            return Vec::new();
        }
        let last = self.line.len();
        self.line
            .splice(self.cursor..self.cursor, text.iter().copied());
        self.hist_pos = None;
        Self::out(&self.redraw(last, (0, 0), true, text.len()))
    }

    /// The length in bytes of the character before the cursor.
    fn char_before(&self) -> usize {
        let mut k = 1;
        while k < self.cursor && (self.line[self.cursor - k] & 0xC0) == 0x80 {
            k += 1;
        }
        k.min(self.cursor)
    }

    /// The length in bytes of the character at the cursor.
    fn char_at(&self) -> usize {
        let mut k = 1;
        while self.cursor + k < self.line.len() && (self.line[self.cursor + k] & 0xC0) == 0x80 {
            k += 1;
        }
        k.min(self.line.len() - self.cursor)
    }

    fn left(&mut self) -> Vec<Action> {
        let k = self.char_before();
        let last = self.line.len();
        Self::out(&self.redraw(last, (k, usize::from(k > 0)), false, 0))
    }

    fn right(&mut self) -> Vec<Action> {
        let k = self.char_at();
        let last = self.line.len();
        Self::out(&self.redraw(last, (0, 0), false, k))
    }

    fn home(&mut self) -> Vec<Action> {
        let back = (self.cursor, cols(&self.line[..self.cursor]));
        let last = self.line.len();
        Self::out(&self.redraw(last, back, false, 0))
    }

    fn end(&mut self) -> Vec<Action> {
        let last = self.line.len();
        Self::out(&self.redraw(last, (0, 0), false, last - self.cursor))
    }

    fn delete(&mut self) -> Vec<Action> {
        let k = self.char_at();
        if k == 0 {
            return Vec::new();
        }
        let last = self.line.len();
        self.line.drain(self.cursor..self.cursor + k);
        Self::out(&self.redraw(last, (0, 0), true, 0))
    }

    /// MicroPython's redraw after an edit: step the cursor back (`back` = bytes, columns), then
    /// either redraw from the cursor to the end of the line (erasing what a shorter line left
    /// behind) and put the cursor `forward` bytes on, or just move it forward over the text.
    fn redraw(
        &mut self,
        last_len: usize,
        back: (usize, usize),
        from_cursor: bool,
        forward: usize,
    ) -> Vec<u8> {
        let mut o = Vec::new();
        if back.0 > 0 {
            o.extend(move_back(back.1));
            self.cursor -= back.0;
        }
        let end = (self.cursor + forward).min(self.line.len());
        if from_cursor {
            if self.line.len() < last_len {
                o.extend_from_slice(b"\x1b[K");
            }
            o.extend_from_slice(&self.line[self.cursor..]);
            o.extend(move_back(cols(&self.line[end..])));
        } else {
            o.extend_from_slice(&self.line[self.cursor..end]);
        }
        self.cursor = end;
        o
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
            [0x1b, b'[', b'C'] => self.right(),
            [0x1b, b'[', b'D'] => self.left(),
            [0x1b, b'[', b'H'] | [0x1b, b'O', b'H'] | [0x1b, b'[', b'1' | b'7', b'~'] => {
                self.home()
            }
            [0x1b, b'[', b'F'] | [0x1b, b'O', b'F'] | [0x1b, b'[', b'4' | b'8', b'~'] => self.end(),
            [0x1b, b'[', b'3', b'~'] => self.delete(),
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
        if next == self.hist_pos {
            return Vec::new();
        }
        self.hist_pos = next;
        let new = next
            .and_then(|i| self.history.get(i).cloned())
            .unwrap_or_default();
        let last = self.line.len();
        let back = (self.cursor, cols(&self.line[..self.cursor]));
        self.line = new.into_bytes();
        let n = self.line.len();
        Self::out(&self.redraw(last, back, true, n))
    }

    fn backspace(&mut self) -> Vec<Action> {
        if self.cursor == 0 {
            return Vec::new();
        }
        let before = &self.line[..self.cursor];
        let (n, c) = if before.len() >= 4 && before.iter().all(|c| *c == b' ') {
            (4, 4)
        } else {
            (self.char_before(), 1)
        };
        let last = self.line.len();
        self.line.drain(self.cursor - n..self.cursor);
        Self::out(&self.redraw(last, (n, c), true, 0))
    }

    /// What Tab completes: the dotted chain of names just before the cursor.
    fn completion(&self) -> Completion {
        let before = &self.line[..self.cursor];
        let start = before
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'))
            .map_or(0, |i| i + 1);
        let chain = String::from_utf8_lossy(&before[start..]).into_owned();
        let mut path: Vec<String> = chain.split('.').map(str::to_owned).collect();
        let word = path.pop().unwrap_or_default();
        Completion {
            path,
            word,
            modules: before.starts_with(b"import "),
        }
    }

    /// Finishes a Tab: `names` are all the names where the completion looks (the caller found
    /// them for [`Action::Complete`]; empty if the chain does not resolve). One match, or several
    /// sharing a longer prefix, are typed in; several others are listed in 16-column slots and the
    /// line is typed again; none completes `impo` to `import `.
    pub fn complete(&mut self, what: &Completion, names: &[String]) -> Vec<u8> {
        let word = what.word.as_str();
        let mut found: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| n.starts_with(word) && !(word.is_empty() && n.starts_with('_')))
            .collect();
        found.sort_unstable();
        found.dedup();
        let Some(first) = found.first() else {
            let first_word = what.path.is_empty()
                && self.line[..self.cursor].len() == word.len()
                && !word.is_empty();
            if first_word && "import ".starts_with(word) && word.len() < 7 {
                return self.insert_completion(&"import "[word.len()..]);
            }
            return Vec::new();
        };
        let mut common = first.len();
        for n in &found[1..] {
            common = common.min(
                first
                    .bytes()
                    .zip(n.bytes())
                    .take_while(|(a, b)| a == b)
                    .count(),
            );
        }
        if found.len() == 1 || common > word.len() {
            return self.insert_completion(&first[word.len()..common]);
        }
        const SLOT: usize = 16;
        const MAX_LINE: usize = 4 * SLOT;
        let mut o = Vec::new();
        let mut line_len = MAX_LINE;
        for n in &found {
            let mut gap = line_len.div_ceil(SLOT) * SLOT - line_len;
            if gap < 2 {
                gap += SLOT;
            }
            if line_len + gap + n.len() <= MAX_LINE {
                o.extend(std::iter::repeat_n(b' ', gap));
                line_len += gap + n.len();
            } else {
                o.extend_from_slice(b"\r\n");
                line_len = n.len();
            }
            o.extend_from_slice(n.as_bytes());
        }
        o.extend_from_slice(b"\r\n");
        o.extend_from_slice(if self.pending.is_empty() {
            b">>> "
        } else {
            b"... "
        });
        o.extend_from_slice(&self.line);
        o.extend(move_back(cols(&self.line[self.cursor..])));
        o
    }

    fn insert_completion(&mut self, text: &str) -> Vec<u8> {
        if text.is_empty() || self.line.len() + text.len() > MAX_LINE {
            return Vec::new();
        }
        let last = self.line.len();
        self.line.splice(self.cursor..self.cursor, text.bytes());
        self.redraw(last, (0, 0), true, text.len())
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
        self.cursor = 0;
        self.hist_pos = None;
        self.remember(&text);
        if self.pending.is_empty() {
            if text.trim().is_empty() {
                return Self::out(b"\r\n>>> ");
            }
            if needs_continuation(&text) {
                self.auto_indent = true;
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
        self.cursor = 0;
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

    /// The one completion Tab asked for.
    fn completion(acts: &[Action]) -> Completion {
        match acts {
            [Action::Complete(what)] => what.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn repl() -> Repl {
        let mut r = Repl::new("MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266".into());
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

    /// Issue 15: a non-ASCII character right after an opening triple quote panicked the board
    /// ("byte index 8 is not a char boundary").
    #[test]
    fn non_ascii_after_a_triple_quote_continues_the_line() {
        let mut r = repl();
        let (out, acts) = feed(&mut r, "s = \"\"\"é\r".as_bytes());
        assert!(acts.is_empty(), "{acts:?}");
        assert!(out.ends_with(b"... "), "{}", String::from_utf8_lossy(&out));
        let (_, acts) = feed(&mut r, "ü\"\"\"\r".as_bytes());
        assert_eq!(
            acts,
            [Action::Exec(
                "s = \"\"\"é\nü\"\"\"\n".into(),
                ExecKind::Single
            )]
        );
        assert!(needs_continuation("'''é"));
        assert!(!needs_continuation("x = 'é' + \"ü\""));
    }

    #[test]
    fn compound_statements_continue_with_auto_indent() {
        let mut r = repl();
        // Enter on an auto-indented line indents again; after two lines of only spaces it stops,
        // and an empty line ends the statement.
        let (out, acts) = feed(&mut r, b"for i in range(3):\rprint(i)\r\r\r\r");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "for i in range(3):\r\n...     print(i)\r\n...     \r\n...     \r\n... \r\n"
        );
        assert_eq!(
            acts,
            [Action::Exec(
                "for i in range(3):\n    print(i)\n    \n    \n".into(),
                ExecKind::Single
            )]
        );
        r.after_exec(ExecKind::Single, b"");
        // Indented text typed over an auto-indent (a paste): a space takes back 3 of its spaces
        // and auto-indent stays off for the statement.
        let (out, acts) = feed(&mut r, b"while True:\r    pass\r\r");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "while True:\r\n...     \x08\x08\x08   pass\r\n... \r\n"
        );
        assert_eq!(
            acts,
            [Action::Exec(
                "while True:\n    pass\n".into(),
                ExecKind::Single
            )]
        );
        r.after_exec(ExecKind::Single, b"");
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
        assert!(out.starts_with(b"\r\nMicroPython v1.28.0"));
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
    fn cursor_keys_edit_mid_line() {
        let mut r = repl();
        let (out, _) = feed(&mut r, b"abc\x1b[D\x1b[D");
        assert_eq!(out, b"abc\x08\x08");
        let (out, _) = feed(&mut r, b"X");
        assert_eq!(
            out, b"Xbc\x08\x08",
            "the tail is redrawn, the cursor goes back"
        );
        let (out, _) = feed(&mut r, b"\x08");
        assert_eq!(out, b"\x08\x1b[Kbc\x08\x08");
        let (out, _) = feed(&mut r, b"\x1b[F\x1b[H");
        assert_eq!(out, b"bc\x08\x08\x08");
        let (out, _) = feed(&mut r, b"\x1b[3~");
        assert_eq!(out, b"\x1b[Kbc\x08\x08");
        let (out, _) = feed(&mut r, b"\x1b[C\x06");
        assert_eq!(out, b"bc");
        let (_, acts) = feed(&mut r, b"\r");
        assert_eq!(acts, [Action::Exec("bc\n".into(), ExecKind::Single)]);
        r.after_exec(ExecKind::Single, b"");
        // A long way home is one escape sequence; Ctrl-A and Ctrl-E move on a non-empty line.
        let (out, _) = feed(&mut r, b"print(12)\x01");
        assert_eq!(out, b"print(12)\x1b[9D");
        let (out, _) = feed(&mut r, b"\x05\x15");
        assert_eq!(out, b"print(12)\x1b[9D\x1b[K");
    }

    #[test]
    fn history_replaces_the_line() {
        let mut r = repl();
        feed(&mut r, b"1+1\r");
        r.after_exec(ExecKind::Single, b"");
        feed(&mut r, b"x=22222\r");
        r.after_exec(ExecKind::Single, b"");
        let (out, _) = feed(&mut r, b"\x1b[A");
        assert_eq!(out, b"x=22222");
        let (out, _) = feed(&mut r, b"\x1b[A");
        assert_eq!(out, b"\x1b[7D\x1b[K1+1");
        let (out, _) = feed(&mut r, b"\x0e");
        assert_eq!(out, b"\x08\x08\x08x=22222");
        let (_, acts) = feed(&mut r, b"\r");
        assert_eq!(acts, [Action::Exec("x=22222\n".into(), ExecKind::Single)]);
    }

    #[test]
    fn tab_completes_or_lists() {
        let mut r = repl();
        let (out, acts) = feed(&mut r, b"\t");
        assert!(out.is_empty());
        let what = Completion {
            path: vec![],
            word: String::new(),
            modules: false,
        };
        assert_eq!(
            acts,
            [Action::Complete(what)],
            "Tab on an empty line lists names"
        );
        let (out, _) = feed(&mut r, b"if 1:\r\t\t");
        assert_eq!(
            out, b"if 1:\r\n...         ",
            "Tab right after an auto-indent turns it off, then indents"
        );
        feed(&mut r, b"\x03");
        let (_, acts) = feed(&mut r, b"x = machine.P");
        assert!(acts.is_empty());
        let (_, acts) = feed(&mut r, b"\t");
        let what = Completion {
            path: vec!["machine".into()],
            word: "P".into(),
            modules: false,
        };
        assert_eq!(acts, [Action::Complete(what.clone())]);
        let names: Vec<String> = ["Pin", "PWM", "freq", "Pin"].map(String::from).to_vec();
        assert_eq!(
            String::from_utf8(r.complete(&what, &names)).unwrap(),
            "\r\nPWM             Pin\r\n>>> x = machine.P"
        );
        let names: Vec<String> = ["Pin", "freq"].map(String::from).to_vec();
        assert_eq!(r.complete(&what, &names), b"in");
        feed(&mut r, b"\x03");
        let (_, acts) = feed(&mut r, b"ma\t");
        let what = &completion(&acts);
        assert_eq!((what.path.len(), what.word.as_str()), (0, "ma"));
        let names: Vec<String> = ["machine", "map", "math", "max", "_magic", "abs"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            String::from_utf8(r.complete(what, &names)).unwrap(),
            "\r\nmachine         map             math            max\r\n>>> ma"
        );
        feed(&mut r, b"\x03");
        let (_, acts) = feed(&mut r, b"impo\t");
        let what = &completion(&acts);
        assert_eq!(r.complete(what, &[]), b"rt ");
        let (_, acts) = feed(&mut r, b"ti\t");
        let what = &completion(&acts);
        assert!(what.modules);
        assert_eq!(r.complete(what, &["time".into()]), b"me");
        let (_, acts) = feed(&mut r, b"\r");
        assert_eq!(
            acts,
            [Action::Exec("import time\n".into(), ExecKind::Single)]
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
