//! The files pane and the editor: the flash's tree (through the board, which has it mounted),
//! open, edit (Python highlighted), save, run, upload from and download to the host, delete,
//! new folder.

use crate::app::State;
use egui::text::LayoutJob;
use egui::{Color32, FontId, TextFormat};
use mpsim_sim_core::{FsAnswer, FsRequest};

/// How deep the tree is listed.
const MAX_DEPTH: usize = 6;

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Absolute path on the board.
    pub path: String,
    /// Directory?
    pub is_dir: bool,
    /// Bytes.
    pub size: u64,
    /// Depth below `/`.
    pub depth: usize,
}

/// The pane's and the editor's state.
#[derive(Default)]
pub struct Files {
    /// The tree, depth-first; `None` until listed.
    pub tree: Option<Vec<Node>>,
    /// The file open in the editor (a board path), if any.
    pub open: Option<String>,
    /// The editor's text.
    pub text: String,
    /// The text differs from what was saved.
    pub dirty: bool,
    /// Name typed for a new folder.
    pub new_folder: String,
    /// Host path for upload, download and opening host files.
    pub host_path: String,
    /// What the last operation said.
    pub message: String,
}

fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

impl Files {
    /// Lists the flash again.
    pub fn refresh(st: &mut State) {
        let mut out = Vec::new();
        let mut stack = vec![("/".to_owned(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            match st.session.fs(FsRequest::List(dir.clone())) {
                Ok(FsAnswer::Entries(mut es)) => {
                    es.sort_by(|a, b| a.name.cmp(&b.name));
                    let mut here = Vec::new();
                    for e in es {
                        let path = join(&dir, &e.name);
                        here.push(Node {
                            path,
                            is_dir: e.is_dir,
                            size: e.size,
                            depth,
                        });
                    }
                    // Insert this directory's entries right after it (depth-first order).
                    let at = out
                        .iter()
                        .position(|n: &Node| n.path == dir)
                        .map_or(0, |i| i + 1);
                    for (k, n) in here.iter().enumerate() {
                        if n.is_dir && depth + 1 < MAX_DEPTH {
                            stack.push((n.path.clone(), depth + 1));
                        }
                        out.insert(at + k, n.clone());
                    }
                }
                Ok(FsAnswer::Failed(e)) => st.files.message = format!("{dir}: {e}"),
                Ok(_) => {}
                Err(e) => {
                    // Shown as is until Refresh: a busy board is not asked again every frame.
                    st.files.message = e;
                    st.files.tree.get_or_insert_with(Vec::new);
                    return;
                }
            }
        }
        st.files.tree = Some(out);
    }

    /// Opens a board file in the editor.
    pub fn open(st: &mut State, path: &str) {
        match st.session.fs(FsRequest::Read(path.to_owned())) {
            Ok(FsAnswer::Bytes(b)) => {
                st.files.text = String::from_utf8_lossy(&b).into_owned();
                st.files.open = Some(path.to_owned());
                st.files.dirty = false;
                st.files.message = format!("opened {path}");
                st.central = crate::app::Central::Editor;
            }
            Ok(FsAnswer::Failed(e)) => st.files.message = format!("{path}: {e}"),
            Ok(_) => {}
            Err(e) => st.files.message = e,
        }
    }

    /// Saves the editor's text to its board file.
    pub fn save(st: &mut State) {
        let Some(path) = st.files.open.clone() else {
            st.files.message = "no file open: open one, or name it with Save as".into();
            return;
        };
        let data = st.files.text.clone().into_bytes();
        st.files.message = match st.session.fs(FsRequest::Write(path.clone(), data)) {
            Ok(FsAnswer::Done) => {
                st.files.dirty = false;
                Self::refresh(st);
                format!("saved {path}")
            }
            Ok(FsAnswer::Failed(e)) => format!("{path}: {e}"),
            Ok(_) => String::new(),
            Err(e) => e,
        };
    }

    fn simple(st: &mut State, req: FsRequest, what: String) {
        st.files.message = match st.session.fs(req) {
            Ok(FsAnswer::Failed(e)) => format!("{what}: {e}"),
            Ok(_) => what,
            Err(e) => e,
        };
        Self::refresh(st);
    }
}

/// Runs code as a tool would over the line: interrupt what runs, then paste mode (Ctrl-E, the
/// code, Ctrl-D), so the program's output and errors show in the REPL.
pub fn run_code(st: &mut State, code: &str) {
    let mut bytes = vec![0x03, 0x03, 0x05];
    bytes.extend(code.replace("\r\n", "\n").replace('\n', "\r").into_bytes());
    bytes.push(0x04);
    st.type_bytes(bytes);
}

/// The files pane.
pub fn files_panel(ui: &mut egui::Ui, st: &mut State) {
    ui.horizontal(|ui| {
        ui.heading("Files");
        let first = st.files.tree.is_none() && st.snapshot().boots > 0;
        if ui.button("Refresh").clicked() || first {
            Files::refresh(st);
        }
    });
    let tree = st.files.tree.clone().unwrap_or_default();
    egui::ScrollArea::vertical()
        .max_height(ui.available_height() - 150.0)
        .show(ui, |ui| {
            for n in &tree {
                let name = n.path.rsplit('/').next().unwrap_or(&n.path).to_owned();
                ui.horizontal(|ui| {
                    ui.add_space(12.0 * n.depth as f32);
                    if n.is_dir {
                        let r = ui.label(format!("{name}/"));
                        r.context_menu(|ui| {
                            if ui.button("Delete folder").clicked() {
                                Files::simple(
                                    st,
                                    FsRequest::Rmdir(n.path.clone()),
                                    format!("removed {}", n.path),
                                );
                                ui.close();
                            }
                        });
                    } else {
                        let open = st.files.open.as_deref() == Some(n.path.as_str());
                        let r = ui
                            .selectable_label(open, &name)
                            .on_hover_text(format!("{} ({} bytes)", n.path, n.size));
                        if r.clicked() {
                            Files::open(st, &n.path);
                        }
                        r.context_menu(|ui| {
                            if ui.button("Open").clicked() {
                                Files::open(st, &n.path);
                                ui.close();
                            }
                            if ui.button("Download to the host path").clicked() {
                                download(st, &n.path);
                                ui.close();
                            }
                            if ui.button("Delete").clicked() {
                                Files::simple(
                                    st,
                                    FsRequest::Remove(n.path.clone()),
                                    format!("deleted {}", n.path),
                                );
                                if st.files.open.as_deref() == Some(n.path.as_str()) {
                                    st.files.open = None;
                                }
                                ui.close();
                            }
                        });
                    }
                });
            }
        });
    ui.separator();
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut st.files.new_folder)
                .hint_text("folder name")
                .desired_width(110.0),
        );
        if ui.button("New folder").clicked() && !st.files.new_folder.trim().is_empty() {
            let name = st
                .files
                .new_folder
                .trim()
                .trim_start_matches('/')
                .to_owned();
            Files::simple(
                st,
                FsRequest::Mkdir(format!("/{name}")),
                format!("made /{name}"),
            );
            st.files.new_folder.clear();
        }
    });
    ui.label("Host file:");
    ui.add(
        egui::TextEdit::singleline(&mut st.files.host_path)
            .hint_text("/home/me/script.py")
            .desired_width(f32::INFINITY),
    );
    ui.horizontal(|ui| {
        if ui
            .button("Upload")
            .on_hover_text("copy the host file to / on the board")
            .clicked()
        {
            upload(st);
        }
        if ui
            .button("Open host file")
            .on_hover_text("edit it; Save puts it on the board")
            .clicked()
        {
            open_host(st);
        }
    });
    ui.weak(&st.files.message);
}

fn host_name(path: &str) -> Option<String> {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// The host file named in the pane: its path, its name, its bytes (or a message why not).
fn read_host(st: &mut State) -> Option<(String, String, Vec<u8>)> {
    let host = st.files.host_path.trim().to_owned();
    let Some(name) = host_name(&host) else {
        st.files.message = "type the host file's path first".into();
        return None;
    };
    match std::fs::read(&host) {
        Ok(data) => Some((host, name, data)),
        Err(e) => {
            st.files.message = format!("{host}: {e}");
            None
        }
    }
}

fn upload(st: &mut State) {
    if let Some((host, name, data)) = read_host(st) {
        Files::simple(
            st,
            FsRequest::Write(format!("/{name}"), data),
            format!("uploaded {host} to /{name}"),
        );
    }
}

fn open_host(st: &mut State) {
    if let Some((host, name, data)) = read_host(st) {
        st.files.text = String::from_utf8_lossy(&data).into_owned();
        st.files.open = Some(format!("/{name}"));
        st.files.dirty = true;
        st.files.message = format!("opened {host}; Save writes it to /{name}");
        st.central = crate::app::Central::Editor;
    }
}

fn download(st: &mut State, path: &str) {
    let host = st.files.host_path.trim().to_owned();
    if host.is_empty() {
        st.files.message = "type a host path (a folder or a file name) first".into();
        return;
    }
    let mut target = std::path::PathBuf::from(&host);
    if target.is_dir()
        && let Some(name) = path.rsplit('/').next()
    {
        target.push(name);
    }
    st.files.message = match st.session.fs(FsRequest::Read(path.to_owned())) {
        Ok(FsAnswer::Bytes(b)) => match std::fs::write(&target, b) {
            Ok(()) => format!("downloaded {path} to {}", target.display()),
            Err(e) => format!("{}: {e}", target.display()),
        },
        Ok(FsAnswer::Failed(e)) => format!("{path}: {e}"),
        Ok(_) => String::new(),
        Err(e) => e,
    };
}

/// The editor: the open file, highlighted; Save, Run, Stop.
pub fn editor_panel(ui: &mut egui::Ui, st: &mut State) {
    ui.horizontal(|ui| {
        let title = st.files.open.clone().unwrap_or_else(|| "(no file)".into());
        ui.strong(format!("{title}{}", if st.files.dirty { " *" } else { "" }));
        if ui.button("Save").clicked() {
            Files::save(st);
        }
        if ui
            .button("Run")
            .on_hover_text("run this text on the board (paste mode)")
            .clicked()
        {
            let code = st.files.text.clone();
            run_code(st, &code);
        }
        if ui.button("Stop").on_hover_text("Ctrl-C").clicked() {
            st.type_bytes(vec![0x03]);
        }
    });
    let mut layouter = |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap: f32| {
        let mut job = highlight(text.as_str());
        job.wrap.max_width = wrap;
        ui.ctx().fonts_mut(|f| f.layout_job(job))
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        let r = ui.add(
            egui::TextEdit::multiline(&mut st.files.text)
                .code_editor()
                .desired_width(f32::INFINITY)
                .desired_rows(30)
                .id_salt("editor")
                .layouter(&mut layouter),
        );
        if r.changed() {
            st.files.dirty = true;
        }
    });
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Python source as coloured text: keywords, strings, comments, numbers, decorators.
pub fn highlight(src: &str) -> LayoutJob {
    let font = FontId::monospace(13.0);
    let fmt = |c: Color32| TextFormat::simple(font.clone(), c);
    let (plain, kw, string, comment, number, deco) = (
        Color32::from_gray(220),
        Color32::from_rgb(198, 120, 221),
        Color32::from_rgb(152, 195, 121),
        Color32::from_gray(120),
        Color32::from_rgb(209, 154, 102),
        Color32::from_rgb(97, 175, 239),
    );
    let mut job = LayoutJob::default();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let color = if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            comment
        } else if c == b'"' || c == b'\'' {
            let triple = b.len() >= i + 3 && b[i + 1] == c && b[i + 2] == c;
            let q = if triple { 3 } else { 1 };
            i += q;
            loop {
                if i >= b.len() {
                    break;
                }
                if b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if !triple && b[i] == b'\n' {
                    break;
                }
                if b[i] == c && (!triple || (b.len() >= i + 3 && b[i + 1] == c && b[i + 2] == c)) {
                    i += q;
                    break;
                }
                i += 1;
            }
            string
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            number
        } else if c == b'@' {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            deco
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            if KEYWORDS.contains(&&src[start..i]) {
                kw
            } else {
                plain
            }
        } else {
            // Anything else up to the next interesting byte (keeps UTF-8 sequences whole).
            i += 1;
            while i < b.len() && !(b[i].is_ascii_alphanumeric() || b"#'\"@_".contains(&b[i])) {
                i += 1;
            }
            plain
        };
        let end = i.min(b.len());
        job.append(&src[start..end], 0.0, fmt(color));
    }
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighting_covers_the_text_and_colours_python() {
        let src = "import machine  # pin\n@micropython.native\ndef f(x='a#b'):\n    return 0x1F + \"\"\"doc\n\"\"\" + 'é'\n";
        let job = highlight(src);
        assert_eq!(job.text, src, "every byte is kept, in order");
        let colour_of = |needle: &str| {
            let at = src.find(needle).unwrap();
            job.sections
                .iter()
                .find(|s| s.byte_range.start.0 <= at && at < s.byte_range.end.0)
                .unwrap()
                .format
                .color
        };
        assert_eq!(colour_of("import"), colour_of("def"));
        assert_ne!(colour_of("import"), colour_of("machine"));
        assert_eq!(
            colour_of("'a#b'"),
            colour_of("\"\"\"doc"),
            "strings, even with # inside"
        );
        assert_ne!(colour_of("# pin"), colour_of("machine"));
        assert_ne!(colour_of("0x1F"), colour_of("machine"));
    }
}
