//! The window: toolbar, the board drawing, inputs, the REPL terminal and the logic analyzer. Each
//! panel is a `fn(&mut Ui, &mut State)` so tests drive them without a window (egui_kittest).
//! Nothing here simulates: panels read the board's latest snapshot and send commands.

use crate::analyzer::Analyzer;
use crate::layout::{self, Layout};
use crate::session::{BoardSetup, Session};
use crate::terminal::{self, Key, Terminal};
use egui::{Color32, CornerRadius, FontId, Pos2, Rect, Role, Sense, Stroke, Vec2, WidgetInfo};
use mpsim_board_models::{ConsoleMode, PinMode, PinView, Pull, Snapshot};
use mpsim_sim_core::{SimCommand, TimeMode};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Starts a board (by ID, with an optional flash image) for the window: the binary's side.
pub type Prepare = Box<dyn FnMut(&str, Option<PathBuf>) -> Result<BoardSetup, String>>;

/// What the window remembers between runs (eframe persistence).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The last board.
    pub board: Option<String>,
    /// The last board's flash image.
    pub flash: Option<PathBuf>,
    /// The analyzer pane is open.
    pub analyzer_open: bool,
    /// GPIOs shown in the analyzer.
    pub analyzer_pins: Vec<u32>,
    /// The board's speaker sounds on the computer.
    pub sound: bool,
}

/// What the central area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Central {
    /// The board drawing.
    Board,
    /// The editor.
    Editor,
}

/// Which pad a drawing position is.
#[derive(Debug, Clone, PartialEq)]
enum PadKind {
    Gpio(u32),
    Adc(i64),
    Other(String),
}

/// Everything the window shows and does.
pub struct State {
    /// The running board.
    pub session: Session,
    layout: Layout,
    /// The REPL pane's screen.
    pub term: Terminal,
    term_text: String,
    term_text_gen: u64,
    snapshot: Snapshot,
    seen: u64,
    /// Volts applied to each ADC pad (slider positions).
    adc_volts: Vec<(i64, f64)>,
    held_button: Option<u32>,
    /// The logic analyzer.
    pub analyzer: Analyzer,
    /// The analyzer pane is open.
    pub analyzer_open: bool,
    status: String,
    speed: (Instant, u64, f64),
    /// When the board last published something or printed.
    last_change: Instant,
    prepare: Option<Prepare>,
    /// The files pane and the editor.
    pub files: crate::files::Files,
    /// What the central area shows.
    pub central: Central,
    /// What the tilt control applies (milli-g), once it was used.
    accel_ui: Option<[f64; 3]>,
    /// A shake in progress: when it started and what to return to.
    shake: Option<(Instant, [f64; 3])>,
    /// The access points around the board, as the Wi-Fi pane edits them.
    pub access_points: Vec<mpsim_sim_core::AccessPoint>,
    /// The Wi-Fi pane's "add an access point" fields.
    new_ap: (String, String),
    /// The ALSA device the speaker plays on (`MPSIM_AUDIO_DEVICE`, else `default`).
    pub audio_device: String,
    /// Sound on: the speaker playing on the computer.
    speaker: Option<crate::sound::Speaker>,
    /// Sound is wanted (remembered), and why it does not play, if it does not.
    sound_wanted: bool,
    sound_error: Option<String>,
    /// The wired displays' pictures, uploaded when their pixels change.
    oled_textures: Vec<(OledKey, egui::TextureHandle)>,
    /// The circuit's parts' pictures.
    pub(crate) part_textures: crate::circuit::PanelState,
}

impl State {
    /// A window state around a running board.
    pub fn new(session: Session, prepare: Option<Prepare>, prefs: &Prefs) -> Result<Self, String> {
        let layout = layout::load(&session.spec.id)?;
        let mut analyzer = Analyzer {
            pins: prefs
                .analyzer_pins
                .iter()
                .copied()
                .filter(|g| session.spec.pin(*g).is_some())
                .collect(),
            ..Analyzer::default()
        };
        if analyzer.pins.is_empty() {
            // The LEDs' pins are what a beginner looks at first.
            analyzer.pins = session.spec.leds.iter().map(|l| l.pin).collect();
            analyzer.pins.push(15);
            analyzer.pins.retain(|g| session.spec.pin(*g).is_some());
            analyzer.pins.sort_unstable();
            analyzer.pins.dedup();
        }
        let access_points = session.access_points.clone();
        // Inputs start where the board data puts them (sensors, supply dividers), others at 0 V.
        let full = f64::from(session.spec.adc.vcc_mv) / 1000.0;
        let adc_volts = adc_pads(&session.spec)
            .into_iter()
            .map(|(_, c)| {
                let v = session.spec.adc.initial.get(&c.to_string()).copied();
                (c, v.unwrap_or(0.0) * full)
            })
            .collect();
        Ok(State {
            layout,
            term: Terminal::new(),
            term_text: String::new(),
            term_text_gen: u64::MAX,
            snapshot: session.live.snapshot(),
            seen: 0,
            adc_volts,
            held_button: None,
            analyzer,
            analyzer_open: prefs.analyzer_open,
            status: String::new(),
            speed: (Instant::now(), 0, 0.0),
            last_change: Instant::now(),
            prepare,
            session,
            files: crate::files::Files::default(),
            central: Central::Board,
            accel_ui: None,
            shake: None,
            access_points,
            new_ap: (String::new(), String::new()),
            audio_device: std::env::var("MPSIM_AUDIO_DEVICE")
                .ok()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "default".into()),
            speaker: None,
            sound_wanted: prefs.sound,
            sound_error: None,
            oled_textures: Vec::new(),
            part_textures: Default::default(),
        })
    }

    /// Turns the computer's sound for the board's speaker on or off. On, it opens the audio
    /// device; when that fails, the reason shows beside the switch and the board goes on silently.
    pub fn set_sound(&mut self, on: bool) {
        self.sound_wanted = on;
        self.speaker = None;
        self.sound_error = None;
        if on {
            match crate::sound::Speaker::start(&self.audio_device, self.session.live.clone()) {
                Ok(s) => self.speaker = Some(s),
                Err(e) => self.sound_error = Some(e),
            }
        }
    }

    /// Whether the board's speaker sounds on the computer now.
    pub fn sound_playing(&self) -> bool {
        self.speaker.as_ref().is_some_and(|s| s.failure().is_none())
    }

    /// What to remember.
    pub fn prefs(&self) -> Prefs {
        Prefs {
            board: Some(self.session.spec.id.clone()),
            flash: Some(self.session.flash.clone()),
            analyzer_open: self.analyzer_open,
            analyzer_pins: self.analyzer.pins.clone(),
            sound: self.sound_wanted,
        }
    }

    /// The latest snapshot the window drew from.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Takes in what the board published and printed since the last frame.
    pub fn refresh(&mut self) {
        let g = self.session.live.generation();
        if g != self.seen {
            self.seen = g;
            self.snapshot = self.session.live.snapshot();
            self.last_change = Instant::now();
        }
        let out = self.session.take_output();
        if !out.is_empty() {
            self.last_change = Instant::now();
        }
        self.term.feed(&out);
        let now = Instant::now();
        let t = self.session.live.time_us();
        let dt = now.duration_since(self.speed.0);
        if dt >= Duration::from_millis(500) {
            let sim = t.saturating_sub(self.speed.1) as f64 / 1e6;
            self.speed = (now, t, sim / dt.as_secs_f64());
        }
    }

    pub(crate) fn send(&mut self, cmd: SimCommand) {
        if !self.session.send(cmd) {
            self.status = "the board is not running".into();
        }
    }

    /// Types bytes on the console, as the serial line would carry them.
    pub fn type_bytes(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.send(SimCommand::SerialIn(bytes));
        }
    }

    fn switch_board(&mut self, id: &str) {
        let Some(prepare) = self.prepare.as_mut() else {
            return;
        };
        // The old board goes first: it gives back the serial port's name (and its flash).
        self.session.stop();
        match prepare(id, None).and_then(Session::start) {
            Ok(s) => match layout::load(&s.spec.id) {
                Ok(l) => {
                    self.layout = l;
                    self.session = s;
                    if let Some(sp) = &self.speaker {
                        sp.follow(self.session.live.clone());
                    }
                    self.term = Terminal::new();
                    self.seen = 0;
                    self.analyzer
                        .pins
                        .retain(|g| self.session.spec.pin(*g).is_some());
                }
                Err(e) => self.status = e,
            },
            Err(e) => self.status = format!("cannot start {id}: {e}"),
        }
    }
}

/// The ADC pads a board brings out: (pad name, channel).
fn adc_pads(spec: &mpsim_board_models::BoardSpec) -> Vec<(String, i64)> {
    spec.pin_names
        .iter()
        .filter_map(|(name, cpu)| {
            let ch = cpu.strip_prefix("ADC")?.parse::<i64>().ok()?;
            spec.adc.channels.contains(&ch).then(|| (name.clone(), ch))
        })
        .collect()
}

fn pad_kind(spec: &mpsim_board_models::BoardSpec, label: &str) -> PadKind {
    let cpu = spec
        .pin_names
        .iter()
        .find(|(n, _)| n == label)
        .map(|(_, c)| c.as_str());
    if let Some(c) = cpu {
        if let Some(g) = mpsim_board_models::cpu_gpio(c) {
            return PadKind::Gpio(g);
        }
        if let Some(a) = c.strip_prefix("ADC").and_then(|n| n.parse().ok()) {
            return PadKind::Adc(a);
        }
    }
    PadKind::Other(label.to_owned())
}

fn hex(c: &str) -> Color32 {
    layout::rgb(c).map_or(Color32::GRAY, |[r, g, b]| Color32::from_rgb(r, g, b))
}

fn led_color(name: Option<&str>) -> Color32 {
    match name.unwrap_or("red") {
        "blue" => Color32::from_rgb(60, 140, 255),
        "green" => Color32::from_rgb(60, 230, 90),
        "yellow" => Color32::from_rgb(255, 220, 40),
        "white" => Color32::from_rgb(250, 250, 250),
        "orange" => Color32::from_rgb(255, 150, 30),
        _ => Color32::from_rgb(255, 50, 40),
    }
}

fn mode_text(p: &PinView) -> String {
    let mode = match p.mode {
        PinMode::Unset => "not configured (input)",
        PinMode::In => "input",
        PinMode::Out => "output",
        PinMode::OpenDrain => "open-drain output",
        PinMode::Pwm => "PWM output",
    };
    let pull = match p.pull {
        Pull::None => "",
        Pull::Up => ", pull-up",
        Pull::Down => ", pull-down",
    };
    format!("{mode}{pull}")
}

fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
}

/// The toolbar: board, time, speed, serial port, REPL mode, Stop and resets.
pub fn toolbar(ui: &mut egui::Ui, st: &mut State) {
    ui.horizontal_wrapped(|ui| {
        let current = st.session.spec.id.clone();
        let mut chosen = current.clone();
        egui::ComboBox::new("board", "Board")
            .selected_text(&st.session.spec.description)
            .show_ui(ui, |ui| {
                for id in layout::boards() {
                    ui.selectable_value(&mut chosen, id.to_owned(), id);
                }
            });
        if chosen != current {
            st.switch_board(&chosen);
        }
        ui.separator();
        if ui
            .button("Stop")
            .on_hover_text("Ctrl-C: interrupt the running program")
            .clicked()
        {
            st.send(SimCommand::Interrupt);
        }
        if ui
            .button("Soft reset")
            .on_hover_text("Ctrl-D: restart MicroPython")
            .clicked()
        {
            st.send(SimCommand::Reset { hard: false });
        }
        if ui
            .button("Hard reset")
            .on_hover_text("the RST button")
            .clicked()
        {
            st.send(SimCommand::Reset { hard: true });
        }
        ui.separator();
        let ff = st.snapshot.fast_forward;
        if ui
            .selectable_label(ff, "Fast-forward")
            .on_hover_text("sleeps and timers take no wall time (virtual time); off: real time")
            .clicked()
        {
            let mode = if ff {
                TimeMode::Real
            } else {
                TimeMode::Virtual
            };
            st.send(SimCommand::SetTimeMode(mode));
        }
        let t = st.session.live.time_us() as f64 / 1e6;
        ui.label(format!("t = {t:.1} s"));
        ui.label(format!("speed {:.2}x", st.speed.2))
            .on_hover_text("simulated seconds per wall-clock second (real time: 1x)");
        let mode = match st.snapshot.console {
            ConsoleMode::None => "no REPL",
            ConsoleMode::Friendly => "REPL: friendly",
            ConsoleMode::Raw => "REPL: raw",
        };
        ui.label(mode);
        ui.separator();
        if let Some((link, dev)) = st.session.tty.clone() {
            ui.label(format!("serial: {}", link.display()))
                .on_hover_text(format!("also {dev} for this run"));
            if ui
                .button("Copy")
                .on_hover_text("copy the serial port's path")
                .clicked()
            {
                ui.ctx().copy_text(link.display().to_string());
            }
        }
        if let Some(addr) = st.session.tcp {
            let url = format!("rfc2217://{addr}");
            ui.label(format!("TCP: {addr}"))
                .on_hover_text(format!("{url} (RFC 2217) or socket://{addr} (raw)"));
            if ui
                .button("Copy URL")
                .on_hover_text("copy the console's RFC 2217 address")
                .clicked()
            {
                ui.ctx().copy_text(url);
            }
        }
        ui.checkbox(&mut st.analyzer_open, "Logic analyzer");
        if let Some(why) = st.session.ended() {
            ui.colored_label(Color32::LIGHT_RED, why);
        } else if !st.status.is_empty() {
            ui.colored_label(Color32::YELLOW, &st.status);
        }
    });
}

/// Gutter for GPIO numbers outside each header, and room for wired parts on the right.
const GUTTER: f32 = 62.0;
const WIRED: f32 = 90.0;

/// The board drawing: pads, LEDs, buttons; hover for details, click pads and buttons.
pub fn board_view(ui: &mut egui::Ui, st: &mut State) {
    let l = st.layout.clone();
    // A circuit's parts get room on both sides of the board.
    let area = if st.snapshot.parts.is_empty() {
        0.0
    } else {
        crate::circuit::AREA
    };
    let full = Vec2::new(l.width + 2.0 * GUTTER + WIRED + 2.0 * area, l.height + 30.0);
    let avail = ui.available_size();
    let s = (avail.x / full.x).min(avail.y / full.y).clamp(0.3, 3.0);
    let (canvas, _) = ui.allocate_exact_size(full * s, Sense::hover());
    let origin = canvas.min + Vec2::new((GUTTER + area) * s, 0.0);
    let at = |x: f32, y: f32| origin + Vec2::new(x, y) * s;
    let painter = ui.painter_at(canvas);
    let board = Rect::from_min_size(at(0.0, 0.0), Vec2::new(l.width, l.height) * s);
    painter.rect_filled(board, CornerRadius::same((6.0 * s) as u8), hex(&l.pcb));
    for p in &l.parts {
        let r = Rect::from_min_size(at(p.x, p.y), Vec2::new(p.w, p.h) * s);
        painter.rect_filled(r, CornerRadius::same((2.0 * s) as u8), hex(&p.color));
        let c = hex(&p.color);
        let text = if u32::from(c.r()) + u32::from(c.g()) + u32::from(c.b()) > 380 {
            Color32::BLACK
        } else {
            Color32::WHITE
        };
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            &p.label,
            FontId::proportional(11.0 * s),
            text,
        );
    }
    painter.text(
        at(l.width / 2.0, l.height + 14.0),
        egui::Align2::CENTER_CENTER,
        &l.title,
        FontId::proportional(12.0 * s),
        ui.visuals().text_color(),
    );

    // Pads.
    let spec = st.session.spec.clone();
    let mut pad_pos: Vec<(u32, Pos2, bool)> = Vec::new();
    let rows = [
        (&l.header.left, l.header.left_x, true),
        (&l.header.right, l.header.right_x, false),
    ];
    for (labels, x, left) in rows {
        for (i, label) in labels.iter().enumerate() {
            let c = at(x, l.header.top + i as f32 * l.header.pitch);
            let kind = pad_kind(&spec, label);
            let r = 7.0 * s;
            let rect = Rect::from_center_size(c, Vec2::splat(2.0 * r + 2.0));
            let id = ui.scope_id().with(("pad", left, i));
            let resp = ui.interact(rect, id, Sense::click());
            let name = match &kind {
                PadKind::Gpio(g) => format!("pad {label} (GPIO{g})"),
                _ => format!("pad {label}"),
            };
            resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, &name));
            let (fill, ring) = match &kind {
                PadKind::Gpio(g) => {
                    pad_pos.push((*g, c, left));
                    match st.snapshot.pin(*g) {
                        Some(p) => {
                            let fill = if p.level {
                                Color32::from_rgb(240, 90, 60)
                            } else {
                                Color32::from_rgb(40, 40, 48)
                            };
                            let ring = match p.mode {
                                PinMode::Out => Color32::from_rgb(250, 210, 60),
                                PinMode::OpenDrain => Color32::from_rgb(200, 120, 255),
                                PinMode::Pwm => Color32::from_rgb(90, 230, 120),
                                PinMode::In => Color32::from_rgb(120, 190, 255),
                                PinMode::Unset => Color32::from_gray(170),
                            };
                            (fill, ring)
                        }
                        None => (Color32::from_gray(60), Color32::from_gray(170)),
                    }
                }
                PadKind::Adc(_) => (
                    Color32::from_rgb(60, 90, 60),
                    Color32::from_rgb(120, 220, 120),
                ),
                PadKind::Other(_) => (Color32::from_gray(150), Color32::from_rgb(200, 170, 90)),
            };
            painter.circle_filled(c, r, fill);
            painter.circle_stroke(c, r, Stroke::new(2.0 * s, ring));
            if resp.hovered() {
                painter.circle_stroke(c, r + 2.0 * s, Stroke::new(1.5, Color32::WHITE));
            }
            if let PadKind::Gpio(g) = kind
                && st.snapshot.pin(g).is_some_and(|p| p.external.is_some())
            {
                painter.circle_filled(c, 2.5 * s, Color32::WHITE);
            }
            // The silk-screen label inside, the GPIO number outside.
            let (inside, align_in, outside, align_out) = if left {
                (
                    c + Vec2::new(12.0 * s, 0.0),
                    egui::Align2::LEFT_CENTER,
                    c - Vec2::new(12.0 * s, 0.0),
                    egui::Align2::RIGHT_CENTER,
                )
            } else {
                (
                    c - Vec2::new(12.0 * s, 0.0),
                    egui::Align2::RIGHT_CENTER,
                    c + Vec2::new(12.0 * s, 0.0),
                    egui::Align2::LEFT_CENTER,
                )
            };
            painter.text(
                inside,
                align_in,
                label,
                FontId::monospace(9.5 * s),
                Color32::WHITE,
            );
            let outer = match &kind {
                PadKind::Gpio(g) => st.session.spec.gpio_name(*g),
                PadKind::Adc(a) => format!("ADC{a}"),
                PadKind::Other(_) => String::new(),
            };
            painter.text(
                outside,
                align_out,
                outer,
                FontId::monospace(9.0 * s),
                ui.visuals().weak_text_color(),
            );

            let resp = resp.on_hover_ui(|ui| pad_tooltip(ui, st, label, &kind));
            if let PadKind::Gpio(g) = kind {
                if resp.clicked() {
                    // Drive the pin to the other level (the first click pulls it away from
                    // where it rests); the right-click menu lets go of it.
                    let level = st.snapshot.pin(g).is_none_or(|p| !p.level);
                    st.send(SimCommand::SetPin {
                        gpio: g,
                        level: Some(level),
                    });
                }
                resp.context_menu(|ui| {
                    if ui.button("Drive high").clicked() {
                        st.send(SimCommand::SetPin {
                            gpio: g,
                            level: Some(true),
                        });
                        ui.close();
                    }
                    if ui.button("Drive low").clicked() {
                        st.send(SimCommand::SetPin {
                            gpio: g,
                            level: Some(false),
                        });
                        ui.close();
                    }
                    if ui.button("Let go (nothing connected)").clicked() {
                        st.send(SimCommand::SetPin {
                            gpio: g,
                            level: None,
                        });
                        ui.close();
                    }
                    let shown = st.analyzer.pins.contains(&g);
                    if ui
                        .button(if shown {
                            "Hide in analyzer"
                        } else {
                            "Show in analyzer"
                        })
                        .clicked()
                    {
                        st.analyzer.toggle(g);
                        st.analyzer_open = true;
                        ui.close();
                    }
                });
            }
        }
    }

    crate::circuit::around_board(ui, st, board, &pad_pos, s);

    // The LED matrix, from the board's frame buffer.
    if let (Some(m), Some(d), Some(px)) = (
        &l.matrix,
        spec.display.as_ref(),
        st.snapshot.display.clone(),
    ) {
        let top = f32::from(d.levels.saturating_sub(1).max(1));
        let red = Color32::from_rgb(255, 40, 30);
        let mut rows = String::new();
        for row in 0..d.height {
            for col in 0..d.width {
                let v = px.get((row * d.width + col) as usize).copied().unwrap_or(0);
                rows.push(char::from(b'0' + v.min(9)));
                let b = f32::from(v) / top;
                let c = at(m.x + col as f32 * m.pitch, m.y + row as f32 * m.pitch);
                if b > 0.01 {
                    painter.circle_filled(c, 9.0 * s, red.gamma_multiply(0.22 * b));
                }
                let r = Rect::from_center_size(c, Vec2::new(5.0, 9.0) * s);
                painter.rect_filled(
                    r,
                    CornerRadius::same((1.0 * s) as u8),
                    lerp(Color32::from_gray(60), red, b),
                );
            }
            rows.push(':');
        }
        let area = Rect::from_min_max(
            at(m.x - m.pitch / 2.0, m.y - m.pitch / 2.0),
            at(
                m.x + (d.width as f32 - 0.5) * m.pitch,
                m.y + (d.height as f32 - 0.5) * m.pitch,
            ),
        );
        let resp = ui.interact(area, ui.scope_id().with("matrix"), Sense::hover());
        let label = format!("LED matrix {rows}");
        resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
    }

    // LEDs on the board.
    for (i, led) in st.snapshot.leds.clone().iter().enumerate() {
        let mut wired_left = false;
        let spec_led = spec
            .leds
            .iter()
            .find(|sl| sl.pin == led.pin && sl.name == led.name);
        let (c, wired) = match l
            .leds
            .iter()
            .find(|p| p.pin == led.pin && spec_led.is_some())
        {
            Some(p) => (at(p.x, p.y), false),
            None => {
                // A wired LED: beside the board on its pad's side, on a line from its pad.
                let Some((_, pad, left)) = pad_pos.iter().find(|(g, _, _)| *g == led.pin) else {
                    continue;
                };
                let out = (GUTTER * 0.7 + 10.0 + (i % 2) as f32 * 14.0) * s;
                let (c, edge) = if *left {
                    (Pos2::new(board.left() - out, pad.y), -7.0 * s)
                } else {
                    (Pos2::new(board.right() + out, pad.y), 7.0 * s)
                };
                painter.line_segment(
                    [*pad + Vec2::new(edge, 0.0), c],
                    Stroke::new(1.5 * s, Color32::from_gray(200)),
                );
                wired_left = *left;
                (c, true)
            }
        };
        let color = led_color(
            spec_led
                .map(|sl| sl.color.as_str())
                .or(led.color.as_deref()),
        );
        let b = led.brightness as f32;
        let r = if wired { 8.0 } else { 5.0 } * s;
        if b > 0.01 {
            painter.circle_filled(c, r * 2.2, color.gamma_multiply(0.25 * b));
        }
        painter.circle_filled(c, r, lerp(Color32::from_gray(70), color, b));
        painter.circle_stroke(c, r, Stroke::new(1.0, Color32::from_gray(20)));
        let rect = Rect::from_center_size(c, Vec2::splat(2.0 * r));
        let resp = ui.interact(rect, ui.scope_id().with(("led", i)), Sense::hover());
        let label = led.name.clone();
        resp.widget_info(|| {
            let mut w = WidgetInfo::labeled(Role::Image, true, &label);
            w.value = Some(f64::from(b));
            w
        });
        resp.on_hover_text(format!(
            "{} on GPIO{}: {:.0} %",
            led.name,
            led.pin,
            b * 100.0
        ));
        if wired {
            let (at_text, align) = if wired_left {
                (c - Vec2::new(12.0 * s, 0.0), egui::Align2::RIGHT_CENTER)
            } else {
                (c + Vec2::new(12.0 * s, 0.0), egui::Align2::LEFT_CENTER)
            };
            painter.text(
                at_text,
                align,
                &led.name,
                FontId::proportional(9.0 * s),
                ui.visuals().text_color(),
            );
        }
    }

    // Buttons: pressed while the mouse button is held on them.
    let mut pressed_now = None;
    for (i, bp) in l.buttons.iter().enumerate() {
        let c = at(bp.x, bp.y);
        let rect = Rect::from_center_size(c, Vec2::splat(22.0 * s));
        let resp = ui.interact(
            rect,
            ui.scope_id().with(("button", i)),
            Sense::click_and_drag(),
        );
        let name = bp.name.clone();
        resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, &name));
        let down = resp.is_pointer_button_down_on();
        painter.rect_filled(
            rect,
            CornerRadius::same((2.0 * s) as u8),
            Color32::from_gray(200),
        );
        painter.circle_filled(
            c,
            7.0 * s,
            if down {
                Color32::from_gray(40)
            } else {
                Color32::from_gray(90)
            },
        );
        painter.text(
            c + Vec2::new(0.0, 16.0 * s),
            egui::Align2::CENTER_CENTER,
            &bp.name,
            FontId::proportional(9.0 * s),
            Color32::WHITE,
        );
        if bp.reset {
            let resp = resp.on_hover_text("reset the chip (hard reset)");
            if resp.clicked() {
                st.send(SimCommand::Reset { hard: true });
            }
            continue;
        }
        let Some(b) = spec.buttons.iter().find(|b| b.name == bp.name) else {
            continue;
        };
        resp.on_hover_text(format!("{} button on GPIO{}: hold to press", b.name, b.pin));
        if down {
            pressed_now = Some((b.pin, !b.active_low));
        }
    }
    match (st.held_button, pressed_now) {
        (None, Some((pin, level))) => {
            st.held_button = Some(pin);
            st.send(SimCommand::SetPin {
                gpio: pin,
                level: Some(level),
            });
        }
        (Some(pin), None) => {
            st.held_button = None;
            st.send(SimCommand::SetPin {
                gpio: pin,
                level: None,
            });
        }
        _ => {}
    }
}

fn pad_tooltip(ui: &mut egui::Ui, st: &State, label: &str, kind: &PadKind) {
    let spec = &st.session.spec;
    match kind {
        PadKind::Gpio(g) => {
            let names: Vec<&str> = spec.names_of(*g).collect();
            ui.strong(format!("{} = GPIO{g}", names.join(" / ")));
            if let Some(p) = st.snapshot.pin(*g) {
                ui.label(format!("mode: {}", mode_text(p)));
                ui.label(format!(
                    "level: {}",
                    if p.level { "high (1)" } else { "low (0)" }
                ));
                if let Some((f, d)) = p.pwm {
                    ui.label(format!("PWM: {f} Hz, duty {:.1} %", f64::from(d) / 655.35));
                }
                ui.label(match p.external {
                    Some(true) => "you drive it high",
                    Some(false) => "you drive it low",
                    None => "nothing drives it from outside",
                });
            }
            let mut attached: Vec<String> = st
                .snapshot
                .leds
                .iter()
                .filter(|l| l.pin == *g)
                .map(|l| l.name.clone())
                .collect();
            attached.extend(
                spec.buttons
                    .iter()
                    .filter(|b| b.pin == *g)
                    .map(|b| format!("{} button", b.name)),
            );
            if !attached.is_empty() {
                ui.label(format!("attached: {}", attached.join(", ")));
            }
            if let Some(p) = spec.pin(*g)
                && !p.note.is_empty()
            {
                ui.weak(&p.note);
            }
            ui.weak("click: drive it to the other level; right-click: more");
        }
        PadKind::Adc(ch) => {
            ui.strong(format!("{label}: analog input (ADC({ch}))"));
            let v = st
                .adc_volts
                .iter()
                .find(|(c, _)| c == ch)
                .map_or(0.0, |(_, v)| *v);
            ui.label(format!("{v:.2} V applied (set it in Inputs)"));
        }
        PadKind::Other(name) => {
            ui.strong(name);
            if let Some(d) = st.layout.descriptions.get(name) {
                ui.label(d);
            }
        }
    }
}

/// Inputs: the ADC pads' voltages and every pin's level and drive.
pub fn inputs_panel(ui: &mut egui::Ui, st: &mut State) {
    ui.heading("Inputs");
    let full = f64::from(st.session.spec.adc.vcc_mv) / 1000.0;
    for (name, ch) in adc_pads(&st.session.spec) {
        let Some(slot) = st.adc_volts.iter().position(|(c, _)| *c == ch) else {
            continue;
        };
        let mut v = st.adc_volts[slot].1;
        let resp = ui.add(
            egui::Slider::new(&mut v, 0.0..=full)
                .suffix(" V")
                .text(format!("{name} (ADC{ch})")),
        );
        if resp.changed() {
            st.adc_volts[slot].1 = v;
            st.send(SimCommand::SetAdc {
                channel: ch,
                value: v / full,
            });
        }
    }
    tilt_control(ui, st);
    outputs(ui, st);
    crate::circuit::circuit_panel(ui, st);
    wifi_panel(ui, st);
    ui.separator();
    // Closed by default: the board's pads do the same, and every line drawn costs a frame's time
    // on a software renderer.
    egui::CollapsingHeader::new("All pins")
        .default_open(false)
        .show(ui, |ui| pins_table(ui, st));
}

/// The radio's world, on boards with Wi-Fi: what the board's interfaces do, and the access
/// points around it — switch a router off or on, change its signal, add or remove one. The
/// board sees each change at once (a station on a router switched off loses its connection).
fn wifi_panel(ui: &mut egui::Ui, st: &mut State) {
    if st.session.spec.network.is_none() {
        return;
    }
    ui.separator();
    egui::CollapsingHeader::new("Wi-Fi")
        .default_open(false)
        .show(ui, |ui| {
            for line in &st.snapshot.network {
                ui.label(line);
            }
            let mut changed = false;
            let mut remove = None;
            egui::Grid::new("aps").show(ui, |ui| {
                for (i, ap) in st.access_points.iter_mut().enumerate() {
                    let resp = ui.checkbox(&mut ap.online, "");
                    let tag = format!("router {}", ap.ssid);
                    resp.widget_info(|| {
                        WidgetInfo::selected(Role::CheckBox, true, ap.online, &tag)
                    });
                    changed |= resp.changed();
                    let lock = if ap.password.is_empty() {
                        "open"
                    } else {
                        "WPA2"
                    };
                    ui.label(format!("{} ({lock}, ch {})", ap.ssid, ap.channel));
                    changed |= ui
                        .add(egui::Slider::new(&mut ap.rssi, -100..=-1).suffix(" dBm"))
                        .changed();
                    if ui.small_button("Remove").clicked() {
                        remove = Some(i);
                    }
                    ui.end_row();
                }
            });
            if let Some(i) = remove {
                st.access_points.remove(i);
                changed = true;
            }
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut st.new_ap.0)
                        .hint_text("name")
                        .desired_width(90.0),
                );
                ui.add(
                    egui::TextEdit::singleline(&mut st.new_ap.1)
                        .hint_text("password (empty: open)")
                        .desired_width(110.0),
                );
                if ui.button("Add").clicked() {
                    let ap = mpsim_sim_core::AccessPoint::new(&st.new_ap.0, &st.new_ap.1, -60, 6);
                    match ap.problem() {
                        Some(p) => st.status = format!("Wi-Fi: {p}"),
                        None => {
                            st.access_points.push(ap);
                            st.new_ap = (String::new(), String::new());
                            changed = true;
                        }
                    }
                }
            });
            if changed {
                let aps = st.access_points.clone();
                st.send(SimCommand::SetAccessPoints(aps));
            }
        });
}

/// Every pin: names, level, mode, and H/L/Z to drive it or let go of it.
fn pins_table(ui: &mut egui::Ui, st: &mut State) {
    ui.weak("H or L drives the pin, Z lets go of it");
    egui::Grid::new("pins").striped(false).show(ui, |ui| {
        for p in st.snapshot.pins.clone() {
            if st.session.spec.pin(p.gpio).is_some_and(|s| s.hidden) {
                // Not a GPIO (the Pico's BOOTSEL): its button on the drawing drives it.
                continue;
            }
            let names: Vec<&str> = st.session.spec.names_of(p.gpio).collect();
            ui.label(format!(
                "{} {}",
                names.join("/"),
                st.session.spec.gpio_name(p.gpio)
            ));
            ui.label(if p.level { "1" } else { "0" });
            ui.weak(mode_text(&p));
            for (text, level) in [("H", Some(true)), ("L", Some(false)), ("Z", None)] {
                let on = p.external == level;
                let resp = ui.selectable_label(on, text);
                let tag = format!("GPIO{} {text}", p.gpio);
                resp.widget_info(|| WidgetInfo::selected(Role::Button, true, on, &tag));
                if resp.clicked() {
                    st.send(SimCommand::SetPin {
                        gpio: p.gpio,
                        level,
                    });
                }
            }
            ui.end_row();
        }
    });
}

/// What the board plays and lights beyond its own LEDs: the speaker's note, LED strips.
fn outputs(ui: &mut egui::Ui, st: &mut State) {
    let snap = st.snapshot().clone();
    // The board's own speaker, or a buzzer in the circuit.
    if st.session.spec.speaker || snap.parts.iter().any(|p| p.kind == "buzzer") {
        ui.separator();
        speaker(ui, st, snap.tone);
    }
    st.oled_textures.truncate(snap.oleds.len());
    for (i, oled) in snap.oleds.iter().enumerate() {
        ui.separator();
        oled_display(ui, st, i, oled);
    }
    for (gpio, px) in &snap.strips {
        ui.separator();
        let names: Vec<&str> = st.session.spec.names_of(*gpio).collect();
        ui.label(format!(
            "NeoPixels on {} ({} LEDs)",
            names.first().copied().unwrap_or("the pin"),
            px.len()
        ));
        ui.horizontal_wrapped(|ui| {
            for (i, [r, g, b]) in px.iter().enumerate() {
                let (rect, resp) = ui.allocate_exact_size(Vec2::splat(16.0), Sense::hover());
                ui.painter()
                    .circle_filled(rect.center(), 7.0, Color32::from_rgb(*r, *g, *b));
                ui.painter().circle_stroke(
                    rect.center(),
                    7.0,
                    Stroke::new(1.0, Color32::from_gray(90)),
                );
                let label = format!("pixel {i} {r},{g},{b}");
                resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
            }
        });
    }
}

/// What a wired display's picture depends on: pixels, on, contrast.
type OledKey = (Vec<u8>, bool, u8);

/// A wired display (SSD1306): its name, size and picture, pixels twice their size, lit ones in the
/// panel's colour dimmed by its contrast, all dark while it is off.
fn oled_display(ui: &mut egui::Ui, st: &mut State, i: usize, oled: &mpsim_board_models::OledView) {
    let (w, h) = oled.size;
    ui.label(format!(
        "{} ({w}x{h}){}",
        oled.name,
        if oled.on { "" } else { ", off" }
    ));
    let key: OledKey = (oled.pixels.clone(), oled.on, oled.contrast);
    if st.oled_textures.get(i).is_none_or(|(k, _)| *k != key) {
        let level = 90.0 + 165.0 * f32::from(oled.contrast) / 255.0;
        let lit = Color32::from_rgb((0.55 * level) as u8, (0.85 * level) as u8, level as u8);
        let image = egui::ColorImage::new(
            [w as usize, h as usize],
            oled.pixels
                .iter()
                .map(|p| {
                    if *p == 1 {
                        lit
                    } else {
                        Color32::from_rgb(8, 10, 14)
                    }
                })
                .collect(),
        );
        let name = format!("oled{i}");
        let tex = ui
            .ctx()
            .load_texture(name, image, egui::TextureOptions::NEAREST);
        if i < st.oled_textures.len() {
            st.oled_textures[i] = (key, tex);
        } else {
            st.oled_textures.push((key, tex));
        }
    }
    let tex = &st.oled_textures[i].1;
    let size = Vec2::new(w as f32 * 2.0, h as f32 * 2.0);
    let resp = ui.add(egui::Image::new((tex.id(), size)));
    let label = format!("display {}", oled.name);
    resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
}

/// The speaker's note, and the switch that sounds it on the computer.
fn speaker(ui: &mut egui::Ui, st: &mut State, tone: Option<u32>) {
    if st.sound_wanted && st.speaker.is_none() && st.sound_error.is_none() {
        // Remembered from the last run: open the device with the first frame.
        st.set_sound(true);
    }
    ui.horizontal(|ui| {
        match tone {
            Some(hz) => ui.label(format!("Speaker: {} ({hz} Hz)", note_name(hz))),
            None => ui.weak("Speaker: silent"),
        };
        let mut on = st.sound_wanted;
        let resp = ui
            .checkbox(&mut on, "Sound")
            .on_hover_text("Play the speaker on this computer");
        if resp.changed() {
            st.set_sound(on);
        }
    });
    let failed = st.speaker.as_ref().and_then(|s| s.failure());
    if let Some(e) = st.sound_error.as_ref().or(failed.as_ref()) {
        ui.colored_label(Color32::from_rgb(200, 120, 0), format!("No sound: {e}"));
    }
}

/// `A4`, `C#5`: the equal-tempered note nearest to `hz` (A4 = 440 Hz).
pub fn note_name(hz: u32) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    let n = (12.0 * (f64::from(hz.max(1)) / 440.0).log2()).round() as i64 + 57;
    format!("{}{}", NAMES[n.rem_euclid(12) as usize], n.div_euclid(12))
}

/// How long "Shake" shakes, and how often it changes direction.
const SHAKE_FOR: Duration = Duration::from_millis(600);
const SHAKE_HALF_PERIOD: Duration = Duration::from_millis(50);

/// The tilt control, on boards with an accelerometer: x/y/z sliders, a pad to drag the board's
/// tilt, and gestures (face up, face down, free fall, shake).
fn tilt_control(ui: &mut egui::Ui, st: &mut State) {
    let Some(acc) = st.session.spec.accelerometer.clone() else {
        return;
    };
    let range = f64::from(acc.range_mg);
    ui.separator();
    ui.label(format!("Tilt ({}, up to {} mg)", acc.chip, acc.range_mg));
    let mut v = st
        .accel_ui
        .or(st.snapshot.accel)
        .unwrap_or([0.0, 0.0, -1000.0]);
    let mut changed = false;
    for (i, axis) in ["x", "y", "z"].iter().enumerate() {
        let slider = egui::Slider::new(&mut v[i], -range..=range)
            .suffix(" mg")
            .text(format!("accel {axis}"));
        changed |= ui.add(slider).changed();
    }
    // The pad: the dot is where gravity points in the board's plane; drag it to tilt.
    let size = 110.0;
    let (rect, resp) = ui.allocate_exact_size(Vec2::splat(size), Sense::click_and_drag());
    resp.widget_info(|| WidgetInfo::labeled(Role::Slider, true, "tilt pad"));
    let c = rect.center();
    let radius = size / 2.0 - 4.0;
    let painter = ui.painter();
    painter.circle_stroke(c, radius, Stroke::new(1.0, Color32::GRAY));
    painter.line_segment(
        [c - Vec2::new(radius, 0.0), c + Vec2::new(radius, 0.0)],
        Stroke::new(0.5, Color32::DARK_GRAY),
    );
    painter.line_segment(
        [c - Vec2::new(0.0, radius), c + Vec2::new(0.0, radius)],
        Stroke::new(0.5, Color32::DARK_GRAY),
    );
    let dot = c + Vec2::new((v[0] / 1000.0) as f32, (v[1] / 1000.0) as f32) * radius;
    painter.circle_filled(dot, 6.0, Color32::from_rgb(90, 170, 255));
    if (resp.dragged() || resp.clicked())
        && let Some(p) = resp.interact_pointer_pos()
    {
        let mut d = (p - c) / radius;
        if d.length() > 1.0 {
            d = d.normalized();
        }
        let z = (1.0 - f64::from(d.length_sq())).max(0.0).sqrt();
        v = [
            f64::from(d.x) * 1000.0,
            f64::from(d.y) * 1000.0,
            -z * 1000.0,
        ];
        changed = true;
    }
    ui.horizontal_wrapped(|ui| {
        for (label, xyz) in [
            ("Face up", [0.0, 0.0, -1000.0]),
            ("Face down", [0.0, 0.0, 1000.0]),
            ("Free fall", [0.0, 0.0, 0.0]),
        ] {
            if ui.button(label).clicked() {
                v = xyz;
                changed = true;
                st.shake = None;
            }
        }
        if ui.button("Shake").clicked() {
            st.shake = Some((Instant::now(), v));
        }
    });
    if let Some((since, rest)) = st.shake {
        let t = since.elapsed();
        if t >= SHAKE_FOR {
            st.shake = None;
            v = rest;
        } else {
            // Hard jolts back and forth along x, as a hand shakes a board.
            let sign = if (t.as_millis() / SHAKE_HALF_PERIOD.as_millis()).is_multiple_of(2) {
                1.0
            } else {
                -1.0
            };
            v = [sign * range * 0.9, rest[1], rest[2]];
            ui.ctx().request_repaint_after(Duration::from_millis(10));
        }
        changed |= st.accel_ui != Some(v);
    }
    if changed {
        st.accel_ui = Some(v);
        st.send(SimCommand::SetAccel { mg: v });
    }
}

/// The REPL terminal: keys go to the board's console as picocom sends them.
pub fn terminal_panel(ui: &mut egui::Ui, st: &mut State) {
    let id = ui.scope_id().with("terminal");
    ui.horizontal(|ui| {
        ui.strong("REPL");
        if ui.button("Copy all").clicked() {
            ui.ctx().copy_text(st.term.text());
        }
        if ui.button("Clear").clicked() {
            st.term = Terminal::new();
        }
        ui.weak("click the terminal, then type; Ctrl-C interrupts, Ctrl-D soft-resets");
    });
    if st.term_text_gen != st.term.generation {
        st.term_text = st.term.text();
        st.term_text_gen = st.term.generation;
    }
    let font = FontId::monospace(13.0);
    let focused = ui.memory(|m| m.has_focus(id));
    // No fill of its own: the window's clear colour is the background (see `clear_color`).
    let frame = egui::Frame::new()
        .stroke(Stroke::new(
            1.0,
            if focused {
                Color32::from_rgb(90, 150, 255)
            } else {
                Color32::from_gray(60)
            },
        ))
        .inner_margin(4.0);
    let out = frame.show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        egui::ScrollArea::vertical()
            .stick_to_bottom(true)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let galley = ui.painter().layout_no_wrap(
                    st.term_text.clone(),
                    font.clone(),
                    Color32::from_gray(220),
                );
                let (rect, _) =
                    ui.allocate_exact_size(galley.size() + Vec2::new(10.0, 0.0), Sense::hover());
                let (row, col) = st.term.cursor();
                let glyph = ui
                    .painter()
                    .layout_no_wrap("M".into(), font.clone(), Color32::WHITE)
                    .size();
                let cursor = Rect::from_min_size(
                    rect.min + Vec2::new(col as f32 * glyph.x, row as f32 * glyph.y),
                    glyph,
                );
                ui.painter().galley(rect.min, galley, Color32::WHITE);
                if focused {
                    ui.painter().rect_filled(
                        cursor,
                        0.0,
                        Color32::from_rgba_unmultiplied(200, 200, 200, 150),
                    );
                } else {
                    ui.painter().rect_stroke(
                        cursor,
                        0.0,
                        Stroke::new(1.0, Color32::GRAY),
                        egui::StrokeKind::Inside,
                    );
                }
            });
    });
    let resp = ui.interact(out.response.rect, id, Sense::click());
    let text = st.term.current_line();
    resp.widget_info(|| {
        let mut w = WidgetInfo::labeled(Role::Terminal, true, "Terminal");
        w.current_text_value = Some(text.clone());
        w
    });
    if resp.clicked() {
        resp.request_focus();
    }
    if !ui.memory(|m| m.has_focus(id)) {
        return;
    }
    ui.memory_mut(|m| {
        m.set_focus_lock_filter(
            id,
            egui::EventFilter {
                tab: true,
                horizontal_arrows: true,
                vertical_arrows: true,
                escape: true,
            },
        );
    });
    let events = ui.input(|i| i.events.clone());
    let mut bytes = Vec::new();
    for e in events {
        match e {
            egui::Event::Text(t) => bytes.extend_from_slice(t.as_bytes()),
            egui::Event::Paste(t) => bytes.extend(terminal::paste_bytes(&t)),
            egui::Event::Copy => bytes.extend(terminal::key_bytes(Key::Ctrl('c'))),
            egui::Event::Cut => bytes.extend(terminal::key_bytes(Key::Ctrl('x'))),
            egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                ..
            } => {
                if let Some(k) = map_key(key, modifiers) {
                    bytes.extend(terminal::key_bytes(k));
                }
            }
            _ => {}
        }
    }
    st.type_bytes(bytes);
}

fn map_key(key: egui::Key, m: egui::Modifiers) -> Option<Key> {
    use egui::Key as K;
    if m.ctrl || m.command {
        let name = key.name();
        let mut chars = name.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && c.is_ascii_alphabetic()
        {
            // Ctrl-C, -X and -V come as Copy, Cut and Paste events (handled above).
            return (!matches!(c, 'C' | 'X' | 'V')).then_some(Key::Ctrl(c));
        }
    }
    Some(match key {
        K::Enter => Key::Enter,
        K::Backspace => Key::Backspace,
        K::Tab => Key::Tab,
        K::Escape => Key::Escape,
        K::ArrowUp => Key::Up,
        K::ArrowDown => Key::Down,
        K::ArrowLeft => Key::Left,
        K::ArrowRight => Key::Right,
        K::Home => Key::Home,
        K::End => Key::End,
        K::Delete => Key::Delete,
        _ => return None,
    })
}

/// The whole window's content (what the app and the tests draw).
pub fn main_ui(ui: &mut egui::Ui, st: &mut State) {
    st.refresh();
    // Panels draw no background: the window's clear colour is theirs (see `App::clear_color`).
    if ui.visuals().panel_fill != Color32::TRANSPARENT {
        ui.ctx()
            .global_style_mut(|s| s.visuals.panel_fill = Color32::TRANSPARENT);
    }
    egui::Panel::top("toolbar").show(ui, |ui| toolbar(ui, st));
    let ctx = ui.ctx().clone();
    crate::circuit::part_window(&ctx, st);
    egui::Panel::bottom("terminal")
        .resizable(true)
        .default_size(260.0)
        .show(ui, |ui| terminal_panel(ui, st));
    if st.analyzer_open {
        egui::Panel::bottom("analyzer")
            .resizable(true)
            .default_size(200.0)
            .show(ui, |ui| crate::analyzer::panel(ui, st));
    }
    egui::Panel::right("inputs")
        .resizable(true)
        .default_size(300.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| inputs_panel(ui, st));
        });
    egui::Panel::left("files")
        .resizable(true)
        .default_size(200.0)
        .show(ui, |ui| crate::files::files_panel(ui, st));
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut st.central, Central::Board, "Board");
            ui.selectable_value(&mut st.central, Central::Editor, "Editor");
        });
        match st.central {
            Central::Board => board_view(ui, st),
            Central::Editor => crate::files::editor_panel(ui, st),
        }
    });
    // The clock and speed move without a publication: when the board published nothing for a
    // second, show them once a second. (Asked every frame, the timer would add a frame to every
    // wake-up: egui keeps the earliest deadline.)
    if st.last_change.elapsed() >= Duration::from_secs(1) {
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }
}

/// The eframe application.
pub struct App {
    /// The window's state.
    pub state: State,
    /// `MPSIM_GUI_STATS` set: frames and time spent drawing, reported once a second on stderr
    /// (for bench/gui.py).
    pub stats: Option<FrameStats>,
}

/// Frames drawn and the time they took, since the last report.
#[derive(Debug)]
pub struct FrameStats {
    since: Instant,
    frames: u32,
    busy: Duration,
    worst: Duration,
}

impl FrameStats {
    /// Counting from now.
    pub fn new() -> Self {
        FrameStats {
            since: Instant::now(),
            frames: 0,
            busy: Duration::ZERO,
            worst: Duration::ZERO,
        }
    }

    fn frame(&mut self, took: Duration) {
        self.frames += 1;
        self.busy += took;
        self.worst = self.worst.max(took);
        let wall = self.since.elapsed();
        if wall >= Duration::from_secs(1) {
            eprintln!(
                "gui-stats: {:.1} fps, {:.2} ms per frame (worst {:.2} ms)",
                f64::from(self.frames) / wall.as_secs_f64(),
                self.busy.as_secs_f64() * 1e3 / f64::from(self.frames.max(1)),
                self.worst.as_secs_f64() * 1e3
            );
            *self = FrameStats::new();
        }
    }
}

impl Default for FrameStats {
    fn default() -> Self {
        Self::new()
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if crate::quit_requested() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let t = Instant::now();
        main_ui(ui, &mut self.state);
        if let Some(s) = self.stats.as_mut() {
            s.frame(t.elapsed());
        }
    }

    /// The window is cleared to the panels' colour and the panels draw no background of their
    /// own: with a software renderer, every full-window layer costs as much as the rest of a
    /// frame.
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        let theme = if visuals.dark_mode {
            egui::Visuals::dark()
        } else {
            egui::Visuals::light()
        };
        theme.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.prefs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_as_a_terminal_sends_them() {
        let ctrl = egui::Modifiers::CTRL;
        let bytes = |k, m| map_key(k, m).map(terminal::key_bytes);
        assert_eq!(
            bytes(egui::Key::E, ctrl),
            Some(vec![0x05]),
            "Ctrl-E: paste mode"
        );
        assert_eq!(
            bytes(egui::Key::B, ctrl),
            Some(vec![0x02]),
            "Ctrl-B: friendly REPL"
        );
        assert_eq!(
            bytes(egui::Key::D, ctrl),
            Some(vec![0x04]),
            "Ctrl-D: soft reset"
        );
        // These arrive as Copy, Cut and Paste events; the key itself must not send twice.
        for k in [egui::Key::C, egui::Key::X, egui::Key::V] {
            assert_eq!(map_key(k, ctrl), None);
        }
        assert_eq!(
            bytes(egui::Key::ArrowUp, egui::Modifiers::NONE),
            Some(b"\x1b[A".to_vec())
        );
        assert_eq!(
            map_key(egui::Key::A, egui::Modifiers::NONE),
            None,
            "text comes as Text"
        );
    }
}
