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
