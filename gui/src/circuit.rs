//! The circuit's parts in the window: each part's drawing, its line of state and its controls
//! (buttons to press, switches, sliders), all from the part's [`PartView`]. A new part needs its
//! model and its drawing kind in board-models, nothing here.

use crate::app::State;
use egui::{Color32, FontId, Pos2, Role, Sense, Stroke, Vec2, WidgetInfo};
use mpsim_board_models::{Control, Graphic, PartView};
use mpsim_sim_core::SimCommand;

/// What the circuit's panel keeps between frames: pictures of parts with pixels (matrices,
/// displays), uploaded when their pixels change, and the button held down with the mouse.
#[derive(Default)]
pub struct PanelState {
    textures: Vec<(String, u64, egui::TextureHandle)>,
    held: Option<String>,
    /// The part whose controls are open in a window of their own (clicked in the drawing).
    pub open: Option<String>,
}

fn hash_pixels(px: &[[u8; 3]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in px {
        for b in p {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

/// Every part of the circuit, with its controls.
pub fn circuit_panel(ui: &mut egui::Ui, st: &mut State) {
    let parts = st.snapshot().parts.clone();
    if parts.is_empty() {
        return;
    }
    ui.separator();
    ui.heading("Circuit");
    for p in &parts {
        egui::CollapsingHeader::new(format!("{} ({})", p.id, p.kind))
            .id_salt(("part", &p.id))
            .default_open(true)
            .show(ui, |ui| part_ui(ui, st, p));
    }
}

fn part_ui(ui: &mut egui::Ui, st: &mut State, p: &PartView) {
    ui.horizontal(|ui| {
        graphic(ui, st, p);
        ui.label(&p.text);
    });
    for c in &p.controls {
        control(ui, st, p, c);
    }
}

fn set(st: &mut State, p: &PartView, c: &Control, value: f64) {
    st.send(SimCommand::SetControl {
        part: p.id.clone(),
        name: c.name.clone(),
        value,
    });
}

fn control(ui: &mut egui::Ui, st: &mut State, p: &PartView, c: &Control) {
    if c.toggle {
        ui.horizontal(|ui| {
            if c.name == "pressed" {
                // Held while the mouse button is down on it, a short press for a click;
                // shift-click latches it (and releases it again).
                let label = format!("Press {}", p.id);
                let resp = ui.add(
                    egui::Button::new(&label)
                        .selected(c.value >= 0.5)
                        .sense(Sense::click_and_drag()),
                );
                let down = resp.is_pointer_button_down_on();
                let held = st.part_textures.held.as_deref() == Some(p.id.as_str());
                let shift = ui.input(|i| i.modifiers.shift);
                if resp.clicked() && !held {
                    if shift {
                        set(st, p, c, if c.value >= 0.5 { 0.0 } else { 1.0 });
                    } else if let Some(click) = p.controls.iter().find(|k| k.name == "click") {
                        set(st, p, click, 100.0);
                    } else {
                        set(st, p, c, 1.0);
                    }
                } else if down && !held && c.value < 0.5 {
                    st.part_textures.held = Some(p.id.clone());
                    set(st, p, c, 1.0);
                } else if !down && held {
                    st.part_textures.held = None;
                    set(st, p, c, 0.0);
                }
            } else {
                let mut on = c.value >= 0.5;
                if ui.checkbox(&mut on, &c.name).changed() {
                    set(st, p, c, if on { 1.0 } else { 0.0 });
                }
            }
        });
        return;
    }
    if c.name == "click" || c.name == "rotate" {
        ui.horizontal(|ui| {
            if c.name == "click" {
                if ui.button("Click (100 ms)").clicked() {
                    set(st, p, c, 100.0);
                }
            } else {
                if ui.button("⟲ step").clicked() {
                    set(st, p, c, -1.0);
                }
                if ui.button("step ⟳").clicked() {
                    set(st, p, c, 1.0);
                }
            }
        });
        return;
    }
    let mut v = c.value;
    let slider = egui::Slider::new(&mut v, c.min..=c.max).text(&c.name);
    let slider = if c.unit.is_empty() {
        slider
    } else {
        slider.suffix(format!(" {}", c.unit))
    };
    if ui.add(slider).changed() {
        set(st, p, c, v);
    }
}

fn graphic(ui: &mut egui::Ui, st: &mut State, p: &PartView) {
    match &p.graphic {
        Graphic::None => {}
        Graphic::Lamp([r, g, b], level) => {
            let (rect, resp) = ui.allocate_exact_size(Vec2::splat(20.0), Sense::hover());
            let t = level.clamp(0.0, 1.0) as f32;
            let lit = Color32::from_rgb(
                (f32::from(*r) * t + 30.0 * (1.0 - t)) as u8,
                (f32::from(*g) * t + 30.0 * (1.0 - t)) as u8,
                (f32::from(*b) * t + 30.0 * (1.0 - t)) as u8,
            );
            ui.painter().circle_filled(rect.center(), 8.0, lit);
            ui.painter().circle_stroke(
                rect.center(),
                8.0,
                Stroke::new(1.0, Color32::from_gray(90)),
            );
            let label = format!("{} {}", p.id, p.text);
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
        Graphic::Pixels(w, h, px) => {
            if p.kind == "ssd1306" {
                // Drawn with the board's outputs.
                return;
            }
            let key = hash_pixels(px);
            let slot = st
                .part_textures
                .textures
                .iter()
                .position(|(id, _, _)| *id == p.id);
            let fresh = slot.is_none_or(|i| st.part_textures.textures[i].1 != key);
            if fresh {
                let image = egui::ColorImage::new(
                    [*w as usize, *h as usize],
                    px.iter()
                        .map(|[r, g, b]| Color32::from_rgb(*r, *g, *b))
                        .collect(),
                );
                let tex = ui.ctx().load_texture(
                    format!("part-{}", p.id),
                    image,
                    egui::TextureOptions::NEAREST,
                );
                match slot {
                    Some(i) => st.part_textures.textures[i] = (p.id.clone(), key, tex),
                    None => st.part_textures.textures.push((p.id.clone(), key, tex)),
                }
            }
            let Some(i) = st
                .part_textures
                .textures
                .iter()
                .position(|(id, _, _)| *id == p.id)
            else {
                return;
            };
            let scale = (160.0 / *w as f32).clamp(1.0, 8.0);
            let size = Vec2::new(*w as f32 * scale, *h as f32 * scale);
            let tex = st.part_textures.textures[i].2.id();
            let resp = ui.add(egui::Image::new((tex, size)));
            let label = format!("display {}", p.id);
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
        Graphic::Text(rows, backlight) => {
            let bg = if *backlight {
                Color32::from_rgb(70, 140, 40)
            } else {
                Color32::from_rgb(30, 50, 20)
            };
            let frame = egui::Frame::new().fill(bg).inner_margin(4.0);
            let resp = frame
                .show(ui, |ui| {
                    ui.vertical(|ui| {
                        for r in rows {
                            ui.label(
                                egui::RichText::new(r)
                                    .font(FontId::monospace(14.0))
                                    .color(Color32::from_rgb(10, 20, 10)),
                            );
                        }
                    });
                })
                .response;
            let label = format!("lcd {}: {}", p.id, rows.join(" / "));
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
        Graphic::Segments(digits) => {
            let (rect, resp) = ui.allocate_exact_size(
                Vec2::new(22.0 * digits.len().max(1) as f32, 34.0),
                Sense::hover(),
            );
            let painter = ui.painter();
            painter.rect_filled(rect, 2.0, Color32::from_gray(20));
            for (d, bits) in digits.iter().enumerate() {
                let o = rect.min + Vec2::new(4.0 + 22.0 * d as f32, 3.0);
                // a, b, c, d, e, f, g as strokes from (x0, y0) to (x1, y1) in a 12×26 cell.
                let segs = [
                    ((1.0, 0.0), (11.0, 0.0)),
                    ((12.0, 1.0), (12.0, 13.0)),
                    ((12.0, 15.0), (12.0, 27.0)),
                    ((1.0, 28.0), (11.0, 28.0)),
                    ((0.0, 15.0), (0.0, 27.0)),
                    ((0.0, 1.0), (0.0, 13.0)),
                    ((1.0, 14.0), (11.0, 14.0)),
                ];
                for (k, ((x0, y0), (x1, y1))) in segs.iter().enumerate() {
                    let on = bits >> k & 1 == 1;
                    let colour = if on {
                        Color32::from_rgb(255, 40, 30)
                    } else {
                        Color32::from_gray(45)
                    };
                    painter.line_segment(
                        [o + Vec2::new(*x0, *y0), o + Vec2::new(*x1, *y1)],
                        Stroke::new(2.5, colour),
                    );
                }
                if bits & 0x80 != 0 {
                    painter.circle_filled(
                        o + Vec2::new(15.0, 28.0),
                        1.5,
                        Color32::from_rgb(255, 40, 30),
                    );
                }
            }
            let label = format!("digits {}: {}", p.id, p.text);
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
        Graphic::Angle(deg) => {
            let (rect, resp) = ui.allocate_exact_size(Vec2::splat(36.0), Sense::hover());
            let c = rect.center();
            ui.painter().circle_filled(c, 15.0, Color32::from_gray(60));
            // 0° points right, 90° up, as a servo horn seen from above.
            let a = (*deg as f32).to_radians();
            let tip = c + Vec2::new(a.cos(), -a.sin()) * 14.0;
            ui.painter()
                .line_segment([c, tip], Stroke::new(3.0, Color32::from_gray(230)));
            let label = format!("{} at {deg:.0} degrees", p.id);
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
        Graphic::Tone(hz) => {
            match hz {
                Some(hz) => ui.label(format!("♪ {}", crate::app::note_name(*hz))),
                None => ui.weak("♪"),
            };
        }
        Graphic::Switch(on) => {
            let (rect, resp) = ui.allocate_exact_size(Vec2::new(28.0, 16.0), Sense::hover());
            let colour = if *on {
                Color32::from_rgb(60, 170, 60)
            } else {
                Color32::from_gray(90)
            };
            ui.painter().rect_filled(rect, 8.0, colour);
            let x = if *on {
                rect.right() - 8.0
            } else {
                rect.left() + 8.0
            };
            ui.painter()
                .circle_filled(Pos2::new(x, rect.center().y), 6.0, Color32::WHITE);
            let label = format!("{} {}", p.id, if *on { "on" } else { "off" });
            resp.widget_info(|| WidgetInfo::labeled(Role::Image, true, &label));
        }
    }
}

/// Room beside the board for the circuit's parts, in drawing units.
pub const AREA: f32 = 150.0;
const BOX: Vec2 = Vec2::new(104.0, 40.0);

/// Where each part goes around the board: left or right of it (as the diagram draws it, right
/// without a diagram), at the height of the diagram's position relative to the board, else of
/// the pads it is wired to; then spread so that boxes do not overlap.
fn place(
    parts: &[PartView],
    board_at: Option<(f32, f32)>,
    board_h: f32,
    pad_y: &dyn Fn(u32) -> Option<f32>,
    pad_left: &dyn Fn(u32) -> Option<bool>,
) -> Vec<(bool, f32)> {
    let mut out: Vec<(bool, f32)> = parts
        .iter()
        .map(|p| {
            let pads: Vec<f32> = p.gpios.iter().filter_map(|(_, g)| pad_y(*g)).collect();
            let by_pads = (!pads.is_empty()).then(|| pads.iter().sum::<f32>() / pads.len() as f32);
            // The side of the board most of its pads are on (no wire crosses the board), else
            // the diagram's side; the height of its pads and the diagram's.
            let lefts = p
                .gpios
                .iter()
                .filter(|(_, g)| pad_left(*g) == Some(true))
                .count();
            let rights = p
                .gpios
                .iter()
                .filter(|(_, g)| pad_left(*g) == Some(false))
                .count();
            match (p.at, board_at) {
                (Some((x, y)), Some((bx, by))) => {
                    // Wokwi's boards are about 250 px tall in its editor.
                    let y = ((y - by) / 250.0 * board_h).clamp(0.0, board_h);
                    let left = if lefts == rights {
                        x < bx
                    } else {
                        lefts > rights
                    };
                    (left, by_pads.map_or(y, |p| (p + y) / 2.0))
                }
                _ => (lefts > rights, by_pads.unwrap_or(board_h / 2.0)),
            }
        })
        .collect();
    for left in [true, false] {
        let mut idx: Vec<usize> = (0..out.len()).filter(|&i| out[i].0 == left).collect();
        idx.sort_by(|&a, &b| out[a].1.total_cmp(&out[b].1));
        let gap = BOX.y + 6.0;
        let mut next = f32::MIN;
        for &i in &idx {
            out[i].1 = out[i].1.max(next);
            next = out[i].1 + gap;
        }
        // Pushed past the bottom: move the column up as a whole.
        if let Some(&last) = idx.last() {
            let over = out[last].1 + BOX.y - board_h.max(BOX.y);
            if over > 0.0 {
                for &i in &idx {
                    out[i].1 -= over;
                }
            }
        }
    }
    out
}

/// The circuit drawn around the board: each part a box with its drawing and id, wires to the
/// pads it is wired to (a part's and its pads' highlighted while the mouse is on it); a click
/// opens the part's controls.
pub fn around_board(
    ui: &mut egui::Ui,
    st: &mut State,
    board: egui::Rect,
    pads: &[(u32, Pos2, bool)],
    s: f32,
) {
    let parts = st.snapshot().parts.clone();
    if parts.is_empty() {
        return;
    }
    let painter = ui.painter().clone();
    let pad_y = |g: u32| {
        pads.iter()
            .find(|(p, _, _)| *p == g)
            .map(|(_, c, _)| (c.y - board.top()) / s)
    };
    let pad_left = |g: u32| pads.iter().find(|(p, _, _)| *p == g).map(|(_, _, l)| *l);
    let places = place(
        &parts,
        st.session.board_at,
        board.height() / s,
        &pad_y,
        &pad_left,
    );
    let mut hovered = None;
    let mut rects = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let (left, y) = places[i];
        let x = if left {
            board.left() - (AREA - 10.0) * s
        } else {
            board.right() + (AREA - BOX.x - 10.0) * s + 40.0 * s
        };
        let rect = egui::Rect::from_min_size(Pos2::new(x, board.top() + y * s), BOX * s);
        let resp = ui.interact(
            rect,
            ui.scope_id().with(("part-box", &p.id)),
            Sense::click(),
        );
        let label = format!("part {} ({}): {}", p.id, p.kind, p.text);
        resp.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
        if resp.hovered() {
            hovered = Some(i);
        }
        if resp.clicked() {
            st.part_textures.open = Some(p.id.clone());
        }
        resp.on_hover_text(format!(
            "{} ({})\n{}\nclick for its controls",
            p.id, p.kind, p.text
        ));
        rects.push((rect, left));
    }
    // Wires first, boxes over them.
    for (i, p) in parts.iter().enumerate() {
        let (rect, left) = rects[i];
        let hot = hovered == Some(i);
        for (k, (_, g)) in p.gpios.iter().enumerate() {
            let Some((_, pad, pad_left)) = pads.iter().find(|(q, _, _)| q == g) else {
                continue;
            };
            let from = if left {
                Pos2::new(
                    rect.right(),
                    rect.top() + (8.0 + 6.0 * k as f32).min(BOX.y - 4.0) * s,
                )
            } else {
                Pos2::new(
                    rect.left(),
                    rect.top() + (8.0 + 6.0 * k as f32).min(BOX.y - 4.0) * s,
                )
            };
            let edge = if *pad_left { -7.0 } else { 7.0 } * s;
            let to = *pad + Vec2::new(edge, 0.0);
            let colour = if hot {
                Color32::from_rgb(255, 220, 90)
            } else {
                Color32::from_rgba_unmultiplied(150, 190, 255, 150)
            };
            let mid = Pos2::new((from.x + to.x) / 2.0, from.y);
            let stroke = Stroke::new(if hot { 2.5 } else { 1.2 } * s.min(1.5), colour);
            painter.line_segment([from, mid], stroke);
            painter.line_segment([mid, Pos2::new(mid.x, to.y)], stroke);
            painter.line_segment([Pos2::new(mid.x, to.y), to], stroke);
            if hot {
                painter.circle_stroke(*pad, 10.0 * s, Stroke::new(2.0, colour));
            }
        }
    }
    for (i, p) in parts.iter().enumerate() {
        let (rect, _) = rects[i];
        let hot = hovered == Some(i) || st.part_textures.open.as_deref() == Some(p.id.as_str());
        painter.rect_filled(rect, 4.0 * s, Color32::from_rgb(36, 40, 52));
        painter.rect_stroke(
            rect,
            4.0 * s,
            Stroke::new(
                if hot { 2.0 } else { 1.0 },
                if hot {
                    Color32::from_rgb(255, 220, 90)
                } else {
                    Color32::from_gray(110)
                },
            ),
            egui::StrokeKind::Inside,
        );
        let icon = rect.min + Vec2::new(14.0, 20.0) * s;
        match &p.graphic {
            Graphic::Lamp([r, g, b], level) => {
                let t = level.clamp(0.0, 1.0) as f32;
                let c = Color32::from_rgb(
                    (f32::from(*r) * t + 40.0 * (1.0 - t)) as u8,
                    (f32::from(*g) * t + 40.0 * (1.0 - t)) as u8,
                    (f32::from(*b) * t + 40.0 * (1.0 - t)) as u8,
                );
                painter.circle_filled(icon, 8.0 * s, c);
            }
            Graphic::Angle(deg) => {
                painter.circle_filled(icon, 9.0 * s, Color32::from_gray(70));
                let a = (*deg as f32).to_radians();
                painter.line_segment(
                    [icon, icon + Vec2::new(a.cos(), -a.sin()) * 9.0 * s],
                    Stroke::new(2.5 * s.min(1.5), Color32::WHITE),
                );
            }
            Graphic::Switch(on) => {
                painter.circle_filled(
                    icon,
                    7.0 * s,
                    if *on {
                        Color32::from_rgb(80, 200, 80)
                    } else {
                        Color32::from_gray(80)
                    },
                );
            }
            Graphic::Tone(Some(_)) => {
                painter.circle_filled(icon, 8.0 * s, Color32::from_rgb(230, 160, 40));
            }
            _ => {
                painter.circle_filled(icon, 4.0 * s, Color32::from_gray(120));
            }
        }
        painter.text(
            rect.min + Vec2::new(28.0, 4.0) * s,
            egui::Align2::LEFT_TOP,
            &p.id,
            FontId::proportional(10.0 * s),
            Color32::WHITE,
        );
        let mut line: String = p.text.chars().take(22).collect();
        if p.text.chars().count() > 22 {
            line.push('…');
        }
        painter.text(
            rect.min + Vec2::new(28.0, 20.0) * s,
            egui::Align2::LEFT_TOP,
            line,
            FontId::proportional(8.5 * s),
            Color32::from_gray(200),
        );
    }
}

/// The controls of the part clicked in the drawing, in a window of their own.
pub fn part_window(ctx: &egui::Context, st: &mut State) {
    let Some(id) = st.part_textures.open.clone() else {
        return;
    };
    let Some(p) = st.snapshot().parts.iter().find(|p| p.id == id).cloned() else {
        st.part_textures.open = None;
        return;
    };
    let mut open = true;
    egui::Window::new(format!("{} ({})", p.id, p.kind))
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| part_ui(ui, st, &p));
    if !open {
        st.part_textures.open = None;
    }
}
