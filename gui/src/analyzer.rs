//! The logic analyzer pane: the last seconds of chosen pins as waveforms (egui_plot), pause,
//! zoom (the plot's own), and export of what is shown as a VCD file.

use crate::app::State;
use mpsim_board_models::Edge;
use std::io::Write;

/// Waveforms with more changes than this in view are drawn as bands (one stroke per bucket).
const MAX_DRAWN_EDGES: usize = 4000;

/// The analyzer's settings.
pub struct Analyzer {
    /// GPIOs shown, top to bottom.
    pub pins: Vec<u32>,
    /// Seconds of simulated time shown.
    pub window_s: f64,
    /// Frozen at this simulated time (µs) while paused.
    pub paused_at: Option<u64>,
    /// Where "Export VCD" writes.
    pub vcd_path: String,
    /// What the last export said.
    pub message: String,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            pins: Vec::new(),
            window_s: 5.0,
            paused_at: None,
            vcd_path: std::env::temp_dir()
                .join("mpsim-analyzer.vcd")
                .display()
                .to_string(),
            message: String::new(),
        }
    }
}

impl Analyzer {
    /// Shows or hides a pin.
    pub fn toggle(&mut self, gpio: u32) {
        if let Some(i) = self.pins.iter().position(|g| *g == gpio) {
            self.pins.remove(i);
        } else {
            self.pins.push(gpio);
            self.pins.sort_unstable();
        }
    }
}

/// One pin's waveform over `[from, to]` µs: the level at `from`, then its changes.
pub fn waveform(
    edges: &[Edge],
    gpio: u32,
    level_now: bool,
    from: u64,
    to: u64,
) -> (bool, Vec<(u64, bool)>) {
    let mine: Vec<(u64, bool)> = edges
        .iter()
        .filter(|e| e.1 == gpio && e.0 >= from && e.0 <= to)
        .map(|e| (e.0, e.2))
        .collect();
    let start = match mine.first() {
        Some((_, l)) => !l,
        None => level_now,
    };
    (start, mine)
}

/// A named waveform: its level at the start, then its changes (µs, level).
pub type Trace = (String, bool, Vec<(u64, bool)>);

/// Writes the waveforms as a Value Change Dump (1 µs resolution).
pub fn write_vcd(out: &mut impl Write, pins: &[Trace], from: u64) -> std::io::Result<()> {
    writeln!(out, "$date mpsim logic analyzer $end")?;
    writeln!(out, "$timescale 1us $end")?;
    writeln!(out, "$scope module board $end")?;
    let code = |i: usize| char::from(b'!' + u8::try_from(i % 90).unwrap_or(0));
    for (i, (name, _, _)) in pins.iter().enumerate() {
        writeln!(
            out,
            "$var wire 1 {} {} $end",
            code(i),
            name.replace(' ', "_")
        )?;
    }
    writeln!(out, "$upscope $end\n$enddefinitions $end")?;
    writeln!(out, "#{from}\n$dumpvars")?;
    for (i, (_, start, _)) in pins.iter().enumerate() {
        writeln!(out, "{}{}", u8::from(*start), code(i))?;
    }
    writeln!(out, "$end")?;
    let mut all: Vec<(u64, usize, bool)> = pins
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, ch))| ch.iter().map(move |(t, l)| (*t, i, *l)))
        .collect();
    all.sort_by_key(|(t, i, _)| (*t, *i));
    let mut last = None;
    for (t, i, l) in all {
        if last != Some(t) {
            writeln!(out, "#{t}")?;
            last = Some(t);
        }
        writeln!(out, "{}{}", u8::from(l), code(i))?;
    }
    Ok(())
}

/// Points of a step plot (x in seconds), bucketed when there are too many changes to draw.
fn points(start: bool, changes: &[(u64, bool)], from: u64, to: u64, base: f64) -> Vec<[f64; 2]> {
    let y = |l: bool| base + if l { 1.0 } else { 0.0 };
    let x = |t: u64| t as f64 / 1e6;
    let mut pts = vec![[x(from), y(start)]];
    if changes.len() <= MAX_DRAWN_EDGES {
        let mut level = start;
        for &(t, l) in changes {
            pts.push([x(t), y(level)]);
            pts.push([x(t), y(l)]);
            level = l;
        }
        pts.push([x(to), y(level)]);
    } else {
        // Far more changes than pixels: one vertical stroke per busy bucket.
        let n = MAX_DRAWN_EDGES as u64 / 2;
        let span = (to - from).max(1);
        let mut i = 0;
        let mut level = start;
        for b in 0..n {
            let end = from + span * (b + 1) / n;
            let mut seen = false;
            while i < changes.len() && changes[i].0 <= end {
                level = changes[i].1;
                seen = true;
                i += 1;
            }
            if seen {
                pts.push([x(end), y(!level)]);
                pts.push([x(end), y(level)]);
            }
        }
        pts.push([x(to), y(level)]);
    }
    pts
}

/// The analyzer pane.
pub fn panel(ui: &mut egui::Ui, st: &mut State) {
    let now = st.session.live.time_us();
    let to = st.analyzer.paused_at.unwrap_or(now);
    let span = (st.analyzer.window_s * 1e6) as u64;
    let from = to.saturating_sub(span);
    ui.horizontal(|ui| {
        ui.strong("Logic analyzer");
        egui::ComboBox::new("window", "shown")
            .selected_text(format!("last {} s", st.analyzer.window_s))
            .show_ui(ui, |ui| {
                for w in [1.0, 2.0, 5.0, 10.0, 30.0, 60.0] {
                    ui.selectable_value(&mut st.analyzer.window_s, w, format!("{w} s"));
                }
            });
        let paused = st.analyzer.paused_at.is_some();
        if ui.selectable_label(paused, "Pause").clicked() {
            st.analyzer.paused_at = if paused { None } else { Some(now) };
        }
        ui.menu_button("Pins", |ui| {
            for p in st.snapshot().pins.clone() {
                if st.session.spec.pin(p.gpio).is_some_and(|s| s.hidden) {
                    continue;
                }
                let names: Vec<&str> = st.session.spec.names_of(p.gpio).collect();
                let mut on = st.analyzer.pins.contains(&p.gpio);
                if ui
                    .checkbox(
                        &mut on,
                        format!("{} {}", st.session.spec.gpio_name(p.gpio), names.join("/")),
                    )
                    .changed()
                {
                    st.analyzer.toggle(p.gpio);
                }
            }
        });
        ui.add(egui::TextEdit::singleline(&mut st.analyzer.vcd_path).desired_width(220.0));
        if ui.button("Export VCD").clicked() {
            st.analyzer.message = export(st, from, to);
        }
        ui.weak(&st.analyzer.message);
    });
    let edges = st.session.live.history_since(from);
    let snapshot = st.snapshot().clone();
    let pins = st.analyzer.pins.clone();
    let names: Vec<String> = pins
        .iter()
        .map(|g| {
            let n: Vec<&str> = st.session.spec.names_of(*g).collect();
            format!("{} {}", st.session.spec.gpio_name(*g), n.join("/"))
        })
        .collect();
    egui_plot::Plot::new("analyzer_plot")
        .allow_scroll(false)
        .show_y(false)
        .include_y(-0.5)
        .include_y(pins.len() as f64 * 1.5)
        .x_axis_label("simulated time (s)")
        .legend(egui_plot::Legend::default())
        .show(ui, |plot| {
            for (k, g) in pins.iter().enumerate() {
                let level_now = snapshot.pin(*g).is_some_and(|p| p.level);
                let (start, changes) = waveform(&edges, *g, level_now, from, to);
                let base = (pins.len() - 1 - k) as f64 * 1.5;
                let pts = points(start, &changes, from, to, base);
                plot.line(egui_plot::Line::new(
                    names[k].clone(),
                    egui_plot::PlotPoints::from(pts),
                ));
            }
        });
}

fn export(st: &State, from: u64, to: u64) -> String {
    let edges = st.session.live.history_since(from);
    let snapshot = st.snapshot();
    let pins: Vec<Trace> = st
        .analyzer
        .pins
        .iter()
        .map(|g| {
            let level_now = snapshot.pin(*g).is_some_and(|p| p.level);
            let (start, ch) = waveform(&edges, *g, level_now, from, to);
            (format!("GPIO{g}"), start, ch)
        })
        .collect();
    let path = st.analyzer.vcd_path.clone();
    let r = std::fs::File::create(&path).and_then(|f| {
        let mut w = std::io::BufWriter::new(f);
        write_vcd(&mut w, &pins, from)?;
        w.flush()
    });
    match r {
        Ok(()) => format!("wrote {path}"),
        Err(e) => format!("cannot write {path}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waveform_and_vcd() {
        let edges = vec![(100, 15, true), (200, 2, false), (600, 15, false)];
        let (start, ch) = waveform(&edges, 15, false, 0, 1000);
        assert!(!start);
        assert_eq!(ch, vec![(100, true), (600, false)]);
        let (start, ch) = waveform(&edges, 4, true, 0, 1000);
        assert!(start && ch.is_empty());
        let mut out = Vec::new();
        write_vcd(
            &mut out,
            &[("GPIO15".into(), false, vec![(100, true), (600, false)])],
            0,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("$var wire 1 ! GPIO15 $end"));
        assert!(text.contains("#100\n1!\n#600\n0!\n"), "{text}");
    }

    #[test]
    fn many_edges_are_bucketed() {
        let changes: Vec<(u64, bool)> = (0..100_000u64).map(|i| (i * 10, i % 2 == 0)).collect();
        let pts = points(false, &changes, 0, 1_000_000, 0.0);
        assert!(pts.len() <= MAX_DRAWN_EDGES + 2, "{}", pts.len());
        let few = points(false, &changes[..10], 0, 1_000_000, 0.0);
        assert_eq!(few.len(), 2 + 2 * 10);
    }
}
