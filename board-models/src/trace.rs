//! Pin and LED traces: Value Change Dump (GTKWave, PulseView) and JSON lines.

use crate::board::{Change, ChangeSink, TraceHeader};
use std::io::Write;

/// Which file format a trace is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// IEEE 1364 Value Change Dump, 1 µs timescale.
    Vcd,
    /// One JSON object per line: `{"t_us":…,"pin":2,"level":1}` or `{"t_us":…,"led":"…","brightness":…}`.
    JsonLines,
}

impl TraceFormat {
    /// Picks the format from a file name (`.vcd` or `.jsonl`/`.json`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "vcd" => Some(Self::Vcd),
            "jsonl" | "json" | "ndjson" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

/// Writes changes to `out` in the chosen format. Write errors are kept and reported by [`TraceWriter::error`].
pub struct TraceWriter<W: Write> {
    out: W,
    format: TraceFormat,
    pins: Vec<u32>,
    led_names: Vec<String>,
    part_names: Vec<String>,
    last_time: Option<u64>,
    error: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

/// Short VCD identifier for signal number `i` (printable ASCII 33..=126).
fn vcd_id(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push(char::from(33 + (i % 94) as u8));
        i /= 94;
        if i == 0 {
            return s;
        }
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl<W: Write> TraceWriter<W> {
    /// A writer for `format`; the shared slot receives the first I/O error, if any.
    pub fn new(
        out: W,
        format: TraceFormat,
        error: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    ) -> Self {
        TraceWriter {
            out,
            format,
            pins: Vec::new(),
            led_names: Vec::new(),
            part_names: Vec::new(),
            last_time: None,
            error,
        }
    }

    fn emit(&mut self, text: &str) {
        if let Err(e) = self.out.write_all(text.as_bytes())
            && let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e.to_string());
        }
    }

    fn pin_id(&self, gpio: u32) -> String {
        vcd_id(self.pins.iter().position(|&p| p == gpio).unwrap_or(0))
    }

    fn led_id(&self, i: usize) -> String {
        vcd_id(self.pins.len() + i)
    }

    fn part_id(&self, i: usize) -> String {
        vcd_id(self.pins.len() + self.led_names.len() + i)
    }

    fn stamp(&mut self, t: u64) {
        if self.format == TraceFormat::Vcd && self.last_time != Some(t) {
            self.last_time = Some(t);
            self.emit(&format!("#{t}\n"));
        }
    }
}

/// A text as one VCD string value (no white space).
fn vcd_text(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    if t.is_empty() { "-".into() } else { t }
}

/// A VCD identifier from an LED's label: `LED (GPIO2)` → `LED_GPIO2`.
fn led_ident(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

impl<W: Write> ChangeSink for TraceWriter<W> {
    fn start(&mut self, board: &TraceHeader) {
        self.pins = board.pins.iter().map(|p| p.0).collect();
        self.led_names = board.leds.iter().map(|l| l.0.clone()).collect();
        self.part_names = board.parts.iter().map(|p| p.0.clone()).collect();
        match self.format {
            TraceFormat::Vcd => {
                let mut h = String::new();
                h.push_str("$comment mpsim pin trace $end\n");
                h.push_str(&format!("$comment board {} $end\n", board.board_id));
                h.push_str("$timescale 1us $end\n$scope module board $end\n");
                for (i, (gpio, names, _)) in board.pins.iter().enumerate() {
                    let label = match names.first() {
                        Some(n) => format!("GPIO{gpio}_{n}"),
                        None => format!("GPIO{gpio}"),
                    };
                    h.push_str(&format!("$var wire 1 {} {} $end\n", vcd_id(i), label));
                }
                for (i, l) in board.leds.iter().enumerate() {
                    h.push_str(&format!(
                        "$var real 1 {} {} $end\n",
                        vcd_id(self.pins.len() + i),
                        led_ident(&l.0)
                    ));
                }
                for (i, p) in board.parts.iter().enumerate() {
                    // GTKWave's string variables: what a part shows, as text.
                    h.push_str(&format!(
                        "$var string 1 {} {} $end\n",
                        self.part_id(i),
                        led_ident(&p.0)
                    ));
                }
                h.push_str("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
                for (i, p) in board.pins.iter().enumerate() {
                    h.push_str(&format!("{}{}\n", u8::from(p.2), vcd_id(i)));
                }
                for (i, l) in board.leds.iter().enumerate() {
                    h.push_str(&format!("r{} {}\n", l.2, self.led_id(i)));
                }
                for (i, p) in board.parts.iter().enumerate() {
                    h.push_str(&format!("s{} {}\n", vcd_text(&p.2), self.part_id(i)));
                }
                h.push_str("$end\n");
                self.last_time = Some(0);
                self.emit(&h);
            }
            TraceFormat::JsonLines => {
                let mut h = String::new();
                for (gpio, _, level) in &board.pins {
                    h.push_str(&format!(
                        "{{\"t_us\":0,\"pin\":{gpio},\"level\":{}}}\n",
                        u8::from(*level)
                    ));
                }
                for (name, pin, brightness) in &board.leds {
                    h.push_str(&format!(
                        "{{\"t_us\":0,\"led\":{},\"pin\":{pin},\"brightness\":{brightness}}}\n",
                        json_str(name)
                    ));
                }
                for (id, kind, text) in &board.parts {
                    h.push_str(&format!(
                        "{{\"t_us\":0,\"part\":{},\"type\":{},\"shows\":{}}}\n",
                        json_str(id),
                        json_str(kind),
                        json_str(text)
                    ));
                }
                self.emit(&h);
            }
        }
    }

    fn change(&mut self, t: u64, change: Change) {
        self.stamp(t);
        let line = match (self.format, change) {
            (TraceFormat::Vcd, Change::Pin(g, v)) => format!("{}{}\n", u8::from(v), self.pin_id(g)),
            (TraceFormat::Vcd, Change::Led(i, b)) => format!("r{} {}\n", b, self.led_id(i)),
            (TraceFormat::JsonLines, Change::Pin(g, v)) => {
                format!("{{\"t_us\":{t},\"pin\":{g},\"level\":{}}}\n", u8::from(v))
            }
            (TraceFormat::Vcd, Change::Part(i, text)) => {
                format!("s{} {}\n", vcd_text(&text), self.part_id(i))
            }
            (TraceFormat::JsonLines, Change::Part(i, text)) => {
                let name = self.part_names.get(i).cloned().unwrap_or_default();
                format!(
                    "{{\"t_us\":{t},\"part\":{},\"shows\":{}}}\n",
                    json_str(&name),
                    json_str(&text)
                )
            }
            (TraceFormat::JsonLines, Change::Led(i, b)) => {
                let name = self.led_names.get(i).cloned().unwrap_or_default();
                format!(
                    "{{\"t_us\":{t},\"led\":{},\"brightness\":{b}}}\n",
                    json_str(&name)
                )
            }
        };
        self.emit(&line);
    }

    fn finish(&mut self, t: u64) {
        self.stamp(t);
        if let Err(e) = self.out.flush()
            && let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{Board, PinMode, Pull};
    use crate::spec::find_board;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn vcd_has_header_initial_values_and_edges() {
        let led = crate::WiredLed {
            pin: 15,
            name: None,
            active_low: false,
        };
        let mut b = Board::new(find_board("esp8266").unwrap().unwrap(), &[led]).unwrap();
        let buf = Shared::default();
        let err = Arc::new(Mutex::new(None));
        b.set_sink(Box::new(TraceWriter::new(
            buf.clone(),
            TraceFormat::Vcd,
            err,
        )));
        b.configure(15, PinMode::Out, Pull::None).unwrap();
        b.set_time(500_000);
        b.write(15, true).unwrap();
        b.finish(1_000_000);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("$timescale 1us $end"));
        assert!(text.contains("GPIO15_D8 $end"));
        let id15 = vcd_id(9);
        assert!(text.contains(&format!("#500000\n1{id15}\n")), "{text}");
        assert!(text.ends_with("#1000000\n"));
    }
}
