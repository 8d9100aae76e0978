//! The window's panels driven with egui_kittest against a real board (a `sim` thread with a real
//! flash image): widgets are found by their labels, clicks and keys must reach the board, and what
//! the board does must show.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use mpsim_board_models::{ConsoleMode, find_board};
use mpsim_gui::{BoardSetup, Prefs, Session, State};
use mpsim_sim_core::{FlashSetup, Program};
use std::time::{Duration, Instant};

struct Board {
    _dir: tempfile::TempDir,
    state: State,
}

fn board(program: Option<&str>) -> Board {
    board_with(find_board("esp8266").unwrap().unwrap(), program)
}

fn board_with(spec: mpsim_board_models::BoardSpec, program: Option<&str>) -> Board {
    board_wired(spec, program, Default::default(), &[])
}

/// A board with chips on its I2C buses and files on its flash.
fn board_wired(
    spec: mpsim_board_models::BoardSpec,
    program: Option<&str>,
    circuit: mpsim_board_models::CircuitSpec,
    files: &[(&str, &[u8])],
) -> Board {
    board_served(spec, program, circuit, files, None)
}

/// [`board_wired`], its console also served over TCP at `tcp`.
fn board_served(
    spec: mpsim_board_models::BoardSpec,
    program: Option<&str>,
    circuit: mpsim_board_models::CircuitSpec,
    files: &[(&str, &[u8])],
    tcp: Option<std::net::SocketAddr>,
) -> Board {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.img");
    let geometry = spec.flash_geometry();
    let (flash, first_boot) = mpsim_vfs::Flash::open(&path, geometry, false).unwrap();
    for (name, data) in files {
        flash.write(name, data).unwrap();
    }
    flash.close().unwrap();
    // What the window wires to the board, as `mpsim` does.
    let extra_leds = mpsim_board_models::Wiring::introduction(&spec);
    let setup = BoardSetup {
        spec,
        flash: FlashSetup { path, first_boot },
        program: program.map(|p| Program {
            name: "main.py".into(),
            source: p.into(),
        }),
        extra_leds,
        circuit,
        tty: None,
        tcp,
        net: mpsim_sim_core::NetConfig::default(),
    };
    // Boards run in processes of the `mpsim` binary, built beside this test by `cargo t`.
    let exe = std::env::current_exe().unwrap();
    let mpsim = exe.parent().unwrap().parent().unwrap().join("mpsim");
    assert!(
        mpsim.exists(),
        "{} is missing: build the workspace (cargo t builds it)",
        mpsim.display()
    );
    mpsim_host::set_board_exe(mpsim);
    let session = Session::start(setup).unwrap();
    let state = State::new(session, None, &Prefs::default()).unwrap();
    Board { _dir: dir, state }
}

fn harness(b: Board) -> (Harness<'static, State>, tempfile::TempDir) {
    let Board { _dir, state } = b;
    let h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 900.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    (h, _dir)
}

/// Steps frames until `cond` holds (the board runs on its own thread), or fails after 10 s.
fn wait_for(h: &mut Harness<'static, State>, what: &str, cond: impl Fn(&State) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h.state()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}; screen:\n{}",
            h.state().term.text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_toolbar_shows_the_tcp_console_and_copies_its_address() {
    let spec = find_board("esp8266").unwrap().unwrap();
    let local = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let b = board_served(spec, None, Default::default(), &[], Some(local));
    let addr = b.state.session.tcp.expect("the session listens");
    let (mut h, _d) = harness(b);
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    assert!(
        h.query_by_label(&format!("TCP: {addr}")).is_some(),
        "the toolbar shows the address"
    );
    h.get_by_label("Copy URL").click();
    h.step();
    let copied = h.output().platform_output.commands.iter().any(
        |c| matches!(c, egui::OutputCommand::CopyText(t) if *t == format!("rfc2217://{addr}")),
    );
    assert!(copied, "{:?}", h.output().platform_output.commands);
    // The address is the board's console: a raw TCP client runs code there.
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    std::io::Write::write_all(&mut c, b"print(6 * 7)\r\n").unwrap();
    let mut got = Vec::new();
    let start = Instant::now();
    while !String::from_utf8_lossy(&got).contains("42") && start.elapsed() < Duration::from_secs(10)
    {
        h.step();
        let mut buf = [0u8; 256];
        if let Ok(n) = std::io::Read::read(&mut c, &mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(String::from_utf8_lossy(&got).contains("42"), "{got:?}");
}

#[test]
fn repl_terminal_types_and_shows_the_echo() {
    let (mut h, _d) = harness(board(None));
    // The REPL's mode reaches the window with the board's next publication (≤ 20 ms later).
    wait_for(&mut h, "the prompt in the friendly REPL", |s| {
        s.term.text().ends_with(">>> ") && s.snapshot().console == ConsoleMode::Friendly
    });
    h.get_by_label("Terminal").click();
    h.step();
    h.get_by_label("Terminal").type_text("6*7");
    h.step();
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the answer", |s| {
        s.term.text().contains(">>> 6*7\n42\n>>> ")
    });
    // Tab completion and history, as in picocom.
    h.get_by_label("Terminal").type_text("impo");
    h.step();
    h.key_press(egui::Key::Tab);
    wait_for(&mut h, "completion", |s| {
        s.term.current_line() == ">>> import "
    });
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::U);
    h.step();
    h.key_press(egui::Key::ArrowUp);
    wait_for(&mut h, "history", |s| s.term.current_line() == ">>> 6*7");
    // Ctrl-C at the prompt: a fresh line, as MicroPython does.
    h.event(egui::Event::Copy);
    wait_for(&mut h, "Ctrl-C", |s| {
        s.term.text().ends_with(">>> 6*7\n>>> ")
    });
    // Paste of two lines: both run.
    h.event(egui::Event::Paste("a = 5\nprint(a * 3)\n".into()));
    wait_for(&mut h, "pasted code", |s| {
        s.term.text().contains("\n15\n>>> ")
    });
}

#[test]
fn stop_interrupts_a_running_program_and_soft_reset_reboots() {
    let (mut h, _d) = harness(board(Some(
        "import time\nprint('running')\nwhile True:\n    time.sleep_ms(10)\n",
    )));
    // Ctrl-C only once the program runs: during boot.py it would stop boot.py instead.
    let runs = |n: usize| move |s: &State| s.term.text().matches("running").count() == n;
    wait_for(&mut h, "the board running", |s| {
        s.session.live.time_us() > 100_000
    });
    h.get_by_label("Stop").click();
    wait_for(&mut h, "KeyboardInterrupt", |s| {
        s.term.text().contains("KeyboardInterrupt") && s.term.text().ends_with(">>> ")
    });
    let boots = h.state().snapshot().boots;
    h.get_by_label("Soft reset").click();
    wait_for(&mut h, "soft reboot", |s| {
        s.term.text().contains("MPY: soft reboot") && s.snapshot().boots == boots + 1
    });
    wait_for(&mut h, "the program again", runs(2));
    // Hard reset: the board boots again from power-on, its pins back to inputs.
    h.get_by_label("Terminal").click();
    h.event(egui::Event::Copy);
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    h.get_by_label("Terminal")
        .type_text("import machine; machine.Pin(4, machine.Pin.OUT)");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "GPIO4 an output", |s| {
        s.snapshot()
            .pin(4)
            .is_some_and(|p| p.mode == mpsim_board_models::PinMode::Out)
    });
    h.get_by_label("Hard reset").click();
    wait_for(&mut h, "a hard reset", |s| {
        s.snapshot().boots == boots + 2
            && s.snapshot()
                .pin(4)
                .is_some_and(|p| p.mode == mpsim_board_models::PinMode::Unset)
    });
    // The program runs again after the reset: interrupt it for a fresh prompt.
    wait_for(&mut h, "the program after the reset", runs(3));
    let prompts = h.state().term.text().matches(">>> ").count();
    h.get_by_label("Terminal").click();
    h.event(egui::Event::Copy);
    wait_for(&mut h, "a new prompt", |s| {
        s.term.text().matches(">>> ").count() > prompts
    });
    // Ctrl-A: the raw REPL, shown in the toolbar; Ctrl-B: back.
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::A);
    wait_for(&mut h, "raw REPL", |s| {
        s.snapshot().console == ConsoleMode::Raw
    });
    assert!(h.query_by_label("REPL: raw").is_some());
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::B);
    wait_for(&mut h, "friendly REPL", |s| {
        s.snapshot().console == ConsoleMode::Friendly
    });
}

#[test]
fn hovering_a_pad_tells_its_names_mode_level_and_what_is_attached() {
    let script = "import machine, time\nmachine.Pin(15, machine.Pin.OUT).on()\nwhile True:\n    time.sleep(1)\n";
    let (mut h, _d) = harness(board(Some(script)));
    wait_for(&mut h, "GPIO15 high", |s| {
        s.snapshot().pin(15).is_some_and(|p| p.level)
    });
    h.get_by_label("pad D8 (GPIO15)").hover();
    // Tooltips show after a short rest of the pointer.
    for _ in 0..120 {
        h.step();
        if h.query_by_label_contains("D8 = GPIO15").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for text in [
        "D8 = GPIO15",
        "mode: output",
        "level: high (1)",
        "attached: LED (GPIO15)",
    ] {
        assert!(
            h.query_by_label_contains(text).is_some(),
            "tooltip lacks {text:?}"
        );
    }
}

#[test]
fn the_analyzer_exports_what_it_shows_as_vcd() {
    let script = "import machine, time\np = machine.Pin(5, machine.Pin.OUT)\nwhile True:\n    p.value(1)\n    time.sleep_ms(20)\n    p.value(0)\n    time.sleep_ms(20)\n";
    let (mut h, dir) = harness(board(Some(script)));
    h.get_by_label("Logic analyzer").click();
    wait_for(&mut h, "some edges", |s| {
        s.session.live.history_since(0).len() >= 10
    });
    h.state_mut().analyzer.pins = vec![5, 15];
    let out = dir.path().join("shown.vcd");
    h.state_mut().analyzer.vcd_path = out.display().to_string();
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(h.state().analyzer.paused_at.is_some());
    h.get_by_label("Export VCD").click();
    h.run_steps(2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("$var wire 1 ! GPIO5 $end") && text.contains("$var wire 1 \" GPIO15 $end"),
        "{text}"
    );
    let changes = text.lines().filter(|l| *l == "1!" || *l == "0!").count();
    assert!(changes >= 10, "GPIO5's changes are in the file: {text}");
}

#[test]
fn the_led_follows_the_pin_and_clicks_drive_inputs() {
    let script = "import machine, time\n\
        led = machine.Pin(15, machine.Pin.OUT)\n\
        btn = machine.Pin(4, machine.Pin.IN)\n\
        hits = []\n\
        btn.irq(lambda p: hits.append(p.value()), machine.Pin.IRQ_RISING | machine.Pin.IRQ_FALLING)\n\
        while True:\n\
        \x20   led.value(btn.value())\n\
        \x20   time.sleep_ms(5)\n";
    let (mut h, _d) = harness(board(Some(script)));
    let led_on = |s: &State| {
        s.snapshot()
            .leds
            .iter()
            .find(|l| l.pin == 15)
            .is_some_and(|l| l.brightness > 0.5)
    };
    wait_for(&mut h, "GPIO15 an output", |s| {
        s.snapshot()
            .pin(15)
            .is_some_and(|p| p.mode == mpsim_board_models::PinMode::Out)
    });
    assert!(!led_on(h.state()));
    // The D2 pad is GPIO4: a click drives it to the other level (high), and the script copies it.
    h.get_by_label("pad D2 (GPIO4)").click();
    wait_for(&mut h, "the LED on", led_on);
    assert_eq!(h.state().snapshot().pin(4).unwrap().external, Some(true));
    // Drive it low from the Inputs panel's pin table.
    h.get_by_label("All pins").click();
    h.run_steps(2);
    h.get_by_label("GPIO4 L").click();
    wait_for(&mut h, "the LED off", |s| !led_on(s));
    // The LED's accessible value is its brightness.
    let led = h.get_by_label("LED (GPIO15)");
    assert_eq!(led.accesskit_node().numeric_value(), Some(0.0));
    // The IRQ handler saw both edges.
    h.get_by_label("Terminal").click();
    h.event(egui::Event::Copy);
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    h.get_by_label("Terminal").type_text("print(hits)");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the IRQ log", |s| s.term.text().contains("[1, 0]"));
}

/// Presses or releases the primary mouse button at `pos` (no click: a hold).
fn primary_button(h: &Harness<'static, State>, pos: egui::Pos2, pressed: bool) {
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    });
}

#[test]
fn the_flash_button_is_held_while_pressed_and_a0_follows_its_slider() {
    let script = "import machine, time\n\
        adc = machine.ADC(0)\n\
        while True:\n\
        \x20   time.sleep_ms(5)\n";
    let (mut h, _d) = harness(board(Some(script)));
    wait_for(&mut h, "a snapshot", |s| !s.snapshot().pins.is_empty());
    assert!(
        h.state().snapshot().pin(0).unwrap().level,
        "GPIO0 rests high (board pull-up)"
    );
    let pos = h.get_by_label("FLASH").rect().center();
    h.hover_at(pos);
    primary_button(&h, pos, true);
    wait_for(&mut h, "GPIO0 low while held", |s| {
        !s.snapshot().pin(0).unwrap().level
    });
    // Still held a while later.
    for _ in 0..5 {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!h.state().snapshot().pin(0).unwrap().level);
    primary_button(&h, pos, false);
    wait_for(&mut h, "GPIO0 released", |s| {
        s.snapshot().pin(0).unwrap().level
    });

    // A0 at 1.65 V is half of the NodeMCU's 3.3 V range: ADC(0).read() gives about 512.
    let slider = h.get_by_role(egui::Role::Slider);
    slider.set_value_accesskit(1.65);
    wait_for(&mut h, "the ADC value", |s| {
        s.snapshot()
            .adc
            .iter()
            .any(|(c, v)| *c == 0 && (*v - 0.5).abs() < 0.01)
    });
    h.get_by_label("Terminal").click();
    h.event(egui::Event::Copy);
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    h.get_by_label("Terminal").type_text("print(adc.read())");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the reading", |s| {
        let t = s.term.text();
        t.contains("\n511\n") || t.contains("\n512\n")
    });
}

#[test]
fn a_tight_toggle_loop_publishes_coalesced_and_the_history_is_bounded() {
    let script = "import machine\np = machine.Pin(5, machine.Pin.OUT)\nwhile True:\n    p.value(1)\n    p.value(0)\n";
    let (mut h, _d) = harness(board(Some(script)));
    wait_for(&mut h, "toggling", |s| {
        s.session.live.history_since(0).len() > 1000
    });
    let g0 = h.state().session.live.generation();
    std::thread::sleep(Duration::from_secs(1));
    let published = h.state().session.live.generation() - g0;
    // At most one publication per 20 ms of wall time (plus a few for timers and the REPL).
    assert!(published <= 60, "{published} publications in 1 s");
    assert!(
        published >= 10,
        "only {published} publications in 1 s: the view is stale"
    );
    assert!(h.state().session.live.history_since(0).len() <= mpsim_board_models::live::HISTORY_CAP);
    h.state_mut().analyzer.pins = vec![5];
    h.state_mut().analyzer_open = true;
    h.step();
    h.get_by_label("Stop").click();
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
}

/// What the flash holds at `path`, asked of the running board.
fn flash_file(s: &State, path: &str) -> Option<Vec<u8>> {
    match s.session.fs(mpsim_sim_core::FsRequest::Read(path.into())) {
        Ok(mpsim_sim_core::FsAnswer::Bytes(b)) => Some(b),
        _ => None,
    }
}

#[test]
fn files_pane_opens_edits_saves_runs_and_manages_the_flash() {
    let (mut h, dir) = harness(board(None));
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    wait_for(&mut h, "the file list", |s| {
        s.files
            .tree
            .as_ref()
            .is_some_and(|t| t.iter().any(|n| n.path == "/boot.py"))
    });
    // Open boot.py from the tree: the editor shows the flash's text.
    h.get_by_label("boot.py").click();
    h.run_steps(2);
    assert_eq!(h.state().files.open.as_deref(), Some("/boot.py"));
    assert!(h.state().files.text.contains("gc.collect()"));
    // Edit and save: the flash has the new text.
    h.state_mut().files.text.push_str("print('edited')\n");
    h.state_mut().files.dirty = true;
    h.get_by_label("Save").click();
    h.run_steps(2);
    let saved = flash_file(h.state(), "/boot.py").unwrap();
    assert!(
        String::from_utf8(saved)
            .unwrap()
            .ends_with("print('edited')\n")
    );
    assert!(!h.state().files.dirty);
    // Run the editor's text on the board.
    h.state_mut().files.text = "for i in range(2):\n    print('ran', i * 21)\n".into();
    h.get_by_label("Run").click();
    wait_for(&mut h, "the program's output", |s| {
        s.term.text().contains("ran 21")
    });
    // Upload a host file, download it back, make and remove a folder, delete the file.
    let host = dir.path().join("up.py");
    std::fs::write(&host, b"x = 1\n").unwrap();
    h.state_mut().files.host_path = host.display().to_string();
    h.get_by_label("Upload").click();
    h.run_steps(2);
    assert_eq!(flash_file(h.state(), "/up.py").unwrap(), b"x = 1\n");
    assert!(
        h.state()
            .files
            .tree
            .as_ref()
            .unwrap()
            .iter()
            .any(|n| n.path == "/up.py")
    );
    let back = dir.path().join("back");
    std::fs::create_dir(&back).unwrap();
    h.state_mut().files.host_path = back.display().to_string();
    h.get_by_label("up.py").click_secondary();
    h.run_steps(2);
    h.get_by_label("Download to the host path").click();
    h.run_steps(2);
    assert_eq!(std::fs::read(back.join("up.py")).unwrap(), b"x = 1\n");
    h.state_mut().files.new_folder = "lib".into();
    h.get_by_label("New folder").click();
    h.run_steps(2);
    assert!(
        h.state()
            .files
            .tree
            .as_ref()
            .unwrap()
            .iter()
            .any(|n| n.path == "/lib" && n.is_dir)
    );
    h.get_by_label("up.py").click_secondary();
    h.run_steps(2);
    h.get_by_label("Delete").click();
    h.run_steps(2);
    assert!(flash_file(h.state(), "/up.py").is_none());
    assert!(
        !h.state()
            .files
            .tree
            .as_ref()
            .unwrap()
            .iter()
            .any(|n| n.path == "/up.py")
    );
}

#[test]
fn fast_forward_skips_sleeps_and_real_time_comes_back() {
    let script = "import time\nwhile True:\n    time.sleep(60)\n    print('minute', time.ticks_ms() // 60000)\n";
    let (mut h, _d) = harness(board(Some(script)));
    wait_for(&mut h, "the board running", |s| {
        s.session.live.time_us() > 50_000
    });
    assert!(!h.state().snapshot().fast_forward);
    h.get_by_label("Fast-forward").click();
    // Five simulated minutes pass in moments.
    wait_for(&mut h, "five minutes", |s| {
        s.term.text().contains("minute 5")
    });
    assert!(h.state().snapshot().fast_forward);
    h.get_by_label("Fast-forward").click();
    // Time goes on from where it was (the snapshot showing it may come a publication later).
    wait_for(&mut h, "real time again, from five minutes on", |s| {
        !s.snapshot().fast_forward && s.session.live.time_us() >= 300_000_000
    });
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    let text = h.state().term.text();
    let minutes = text.matches("minute").count();
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    assert_eq!(
        h.state().term.text().matches("minute").count(),
        minutes,
        "no more minutes fly by"
    );
    // Fast-forward at the REPL waits for input instead of spinning.
    h.get_by_label("Stop").click();
    wait_for(&mut h, "the prompt", |s| s.term.text().ends_with(">>> "));
    h.get_by_label("Fast-forward").click();
    wait_for(&mut h, "fast-forward", |s| s.snapshot().fast_forward);
    h.get_by_label("Terminal").click();
    h.get_by_label("Terminal").type_text("print(1 + 1)");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the answer", |s| {
        s.term.text().contains("print(1 + 1)\n2\n>>> ")
    });
}

/// The ESP8266's drawing and the whole window, rendered (wgpu on Mesa's lavapipe, no display)
/// and compared with the PNGs in tests/snapshots (`UPDATE_SNAPSHOTS=1 cargo t` rewrites
/// them). The board is put in a fixed state first: GPIO15's LED on, GPIO4 driven high, GPIO5 as
/// PWM at half duty; what moves (clock, speed, serial port) is masked.
/// Masks what moves between runs (time, speed, the serial port's name) before a snapshot.
fn mask_moving(h: &mut Harness<'static, State>) {
    for moving in ["t = ", "speed ", "serial: "] {
        let rects: Vec<egui::Rect> = h
            .query_all_by_label_contains(moving)
            .map(|n| n.rect())
            .collect();
        for r in rects {
            h.mask(r);
        }
    }
}

#[test]
fn snapshots_of_the_esp8266_window() {
    let script = "import machine, time\n\
        machine.Pin(15, machine.Pin.OUT).on()\n\
        machine.PWM(machine.Pin(5), freq=500, duty=512)\n\
        machine.Pin(4, machine.Pin.IN)\n\
        while True:\n\
        \x20   time.sleep(1)\n";
    let b = board(Some(script));
    let Board { _dir, state } = b;
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 860.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    wait_for(&mut h, "the pins set", |s| {
        let p = s.snapshot();
        p.pin(5).is_some_and(|p| p.pwm.is_some())
            && p.leds.iter().any(|l| l.pin == 15 && l.brightness > 0.5)
    });
    h.get_by_label("All pins").click();
    h.run_steps(2);
    h.get_by_label("GPIO4 H").click();
    wait_for(&mut h, "GPIO4 driven", |s| {
        s.snapshot().pin(4).is_some_and(|p| p.level)
    });
    h.run_steps(3);
    mask_moving(&mut h);
    h.snapshot("esp8266_window");
}

/// The tilt control appears on boards with an accelerometer (none of the ESP8266's own: this
/// test adds one to its data) and sets what the board feels.
#[test]
fn tilt_control_sets_what_the_accelerometer_feels() {
    let toml = format!(
        "{}\n[accelerometer]\nchip = \"MMA7660\"\nrange_mg = 1500\n",
        include_str!("../../board-models/boards/ESP8266_GENERIC/board.toml")
    );
    let csv = include_str!("../../board-models/boards/ESP8266_GENERIC/pins.csv");
    let spec = mpsim_board_models::BoardSpec::parse("ESP8266_GENERIC", &toml, csv).unwrap();
    let (mut h, _d) = {
        let Board { _dir, state } = board_with(spec, None);
        let h = Harness::builder()
            .with_size(egui::Vec2::new(1200.0, 1000.0))
            .build_ui_state(mpsim_gui::app::main_ui, state);
        (h, _dir)
    };
    wait_for(&mut h, "lying face up", |s| {
        s.snapshot().accel == Some([0.0, 0.0, -1000.0])
    });
    h.get_by_label("Face down").click();
    wait_for(&mut h, "face down", |s| {
        s.snapshot().accel == Some([0.0, 0.0, 1000.0])
    });
    h.get_by_label("Free fall").click();
    wait_for(&mut h, "free fall", |s| {
        s.snapshot().accel == Some([0.0, 0.0, 0.0])
    });
    // The x slider, beyond the chip's range: clamped.
    h.get_by_role_and_label(egui::Role::Slider, "accel x")
        .set_value_accesskit(2500.0);
    wait_for(&mut h, "x at full scale", |s| {
        s.snapshot().accel.is_some_and(|a| a[0] == 1500.0)
    });
    // Drag the pad's dot to the right edge: tilted right, gravity along +x, none along z.
    h.get_by_label("Face up").click();
    wait_for(&mut h, "face up", |s| {
        s.snapshot().accel == Some([0.0, 0.0, -1000.0])
    });
    let pad = h.get_by_label("tilt pad").rect();
    let from = pad.center();
    let to = egui::pos2(pad.right() - 4.0, pad.center().y);
    h.drag_at(from);
    h.step();
    h.hover_at(to);
    h.step();
    h.drop_at(to);
    wait_for(&mut h, "tilted right", |s| {
        s.snapshot()
            .accel
            .is_some_and(|a| a[0] > 900.0 && a[1].abs() < 100.0 && a[2].abs() < 450.0)
    });
    // Shake: hard jolts both ways along x, then back to rest.
    let rest = h.state().snapshot().accel.unwrap();
    h.get_by_label("Shake").click();
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(900) {
        h.step();
        if let Some(a) = h.state().snapshot().accel {
            lo = lo.min(a[0]);
            hi = hi.max(a[0]);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(lo < -1000.0 && hi > 1000.0, "shaken both ways: {lo}..{hi}");
    wait_for(&mut h, "back at rest", |s| s.snapshot().accel == Some(rest));
}

#[test]
fn the_wifi_pane_switches_a_router_off_and_the_board_sees_it() {
    let (mut h, _d) = harness(board(Some(
        "import network, time\nsta = network.WLAN(network.STA_IF)\nsta.active(True)\nsta.connect('ClassroomWiFi', 'secret')\nfor want, say in ((True, 'up'), (False, 'lost'), (True, 'back')):\n    while sta.isconnected() != want:\n        time.sleep_ms(20)\n    print(say, sta.ifconfig()[0])\n",
    )));
    h.get_by_label("Wi-Fi").click();
    wait_for(&mut h, "the station up", |s| {
        s.term.text().contains("up 192.168.1.169")
    });
    wait_for(&mut h, "the status line", |s| {
        s.snapshot()
            .network
            .iter()
            .any(|l| l == "STA: connected to ClassroomWiFi, 192.168.1.169")
    });
    h.get_by_label("STA: connected to ClassroomWiFi, 192.168.1.169");
    h.get_by_label("router ClassroomWiFi").click();
    wait_for(&mut h, "the board losing its router", |s| {
        s.term.text().contains("lost 0.0.0.0")
    });
    assert!(!h.state().access_points[0].online);
    h.get_by_label("router ClassroomWiFi").click();
    wait_for(&mut h, "the board back on its router", |s| {
        s.term.text().contains("back 192.168.1.169")
    });
}

/// A window of the board `id` running `script`, at the snapshot tests' size.
fn window(id: &str, script: &str) -> (Harness<'static, State>, tempfile::TempDir) {
    let Board { _dir, state } = board_with(find_board(id).unwrap().unwrap(), Some(script));
    let h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 860.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    (h, _dir)
}

/// The brightness of the board's LED on GPIO `pin`.
fn led_brightness(s: &State, pin: u32) -> Option<f64> {
    s.snapshot()
        .leds
        .iter()
        .find(|l| l.pin == pin)
        .map(|l| l.brightness)
}

/// The Pico drawn from its data and layout: its LED follows `Pin("LED")`, its GP pads drive
/// the board, its ADC inputs are sliders.
#[test]
fn the_pico_window_shows_its_led_pads_and_adc() {
    let script = "from machine import Pin, ADC\nimport time\nled = Pin('LED', Pin.OUT)\nb = Pin('GP14', Pin.IN, Pin.PULL_UP)\nwhile True:\n    led.value(not b.value())\n    time.sleep_ms(10)\n";
    let (mut h, _dir) = window("pico", script);
    let led = |s: &State| led_brightness(s, 25);
    wait_for(&mut h, "the pull-up holding the LED off", |s| {
        s.snapshot().pin(14).is_some_and(|p| p.level) && led(s) == Some(0.0)
    });
    // Right-click the GP14 pad: drive it low; the script lights the LED.
    h.get_by_label("All pins").click();
    h.run_steps(2);
    h.get_by_label("GPIO14 L").click();
    wait_for(&mut h, "the LED on", |s| led(s) == Some(1.0));
    assert!(h.query_all_by_label_contains("A0 (ADC0)").next().is_some());
    h.get_by_label("GPIO14 Z").click();
    wait_for(&mut h, "the LED off again", |s| led(s) == Some(0.0));
    // BOOTSEL is a button on the drawing, held while the mouse is (rp2.bootsel_button()).
    let pos = h.get_by_label("BOOTSEL").rect().center();
    h.hover_at(pos);
    primary_button(&h, pos, true);
    wait_for(&mut h, "BOOTSEL held", |s| {
        s.snapshot().pin(100).is_some_and(|p| !p.level)
    });
    primary_button(&h, pos, false);
    wait_for(&mut h, "BOOTSEL released", |s| {
        s.snapshot().pin(100).is_some_and(|p| p.level)
    });
    assert!(h.query_by_label_contains("GPIO100").is_none(), "not a GPIO");
    h.run_steps(3);
    mask_moving(&mut h);
    h.snapshot("pico_window");
}

/// The ESP32 DevKitC drawn from its data and layout: GPIO0 (the BOOT button's pin) driven low,
/// the script's LED on GPIO2 follows; the ADC1 pads are sliders.
#[test]
fn the_esp32_window_shows_its_led_pins_and_adc() {
    let script = "from machine import Pin\nimport time\nled = Pin(2, Pin.OUT)\nboot = Pin(0, Pin.IN)\nwhile True:\n    led.value(not boot.value())\n    time.sleep_ms(10)\n";
    let (mut h, _dir) = window("esp32", script);
    let led = |s: &State| led_brightness(s, 2);
    wait_for(&mut h, "the LED off while BOOT is up", |s| {
        led(s) == Some(0.0)
    });
    h.get_by_label("All pins").click();
    h.run_steps(2);
    h.get_by_label("GPIO0 L").click();
    wait_for(&mut h, "the LED on", |s| led(s) == Some(1.0));
    h.get_by_label("GPIO0 Z").click();
    wait_for(&mut h, "the LED off again", |s| led(s) == Some(0.0));
    assert!(
        h.query_all_by_label_contains("ADC1_6 (ADC34)")
            .next()
            .is_some()
    );
    h.run_steps(3);
    mask_moving(&mut h);
    h.snapshot("esp32_window");
}

/// The pyboard drawn from its data and layout: holding the USR switch lights the red LED through
/// `pyb.Switch`, the blue one dims by `intensity`, the tilt control moves `pyb.Accel`.
#[test]
fn the_pyboard_window_shows_its_leds_switch_and_accelerometer() {
    let script = "import pyb\nsw = pyb.Switch()\na = pyb.Accel()\npyb.LED(4).intensity(64)\nwhile True:\n    pyb.LED(1).intensity(255 if sw() else 0)\n    pyb.LED(2).intensity(255 if a.z() < 0 else 0)\n    pyb.delay(10)\n";
    // Tall enough for the tilt control under the pins.
    let Board { _dir, state } = board_with(find_board("pyboard").unwrap().unwrap(), Some(script));
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 1100.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    wait_for(&mut h, "blue dimmed, red off", |s| {
        led_brightness(s, 20).is_some_and(|b| (b - 64.0 / 255.0).abs() < 0.01)
            && led_brightness(s, 13) == Some(0.0)
    });
    let pos = h.get_by_label("USR").rect().center();
    h.hover_at(pos);
    primary_button(&h, pos, true);
    wait_for(&mut h, "red on while USR is held", |s| {
        led_brightness(s, 13) == Some(1.0)
    });
    primary_button(&h, pos, false);
    wait_for(&mut h, "red off again", |s| {
        led_brightness(s, 13) == Some(0.0)
    });
    h.get_by_label("Face down").click();
    wait_for(&mut h, "green on face down", |s| {
        led_brightness(s, 14) == Some(1.0)
    });
    h.get_by_label("Face up").click();
    wait_for(&mut h, "green off face up", |s| {
        led_brightness(s, 14) == Some(0.0)
    });
    h.run_steps(3);
    mask_moving(&mut h);
    h.snapshot("pyboard_window");
}

/// Steps the window until its LED matrix shows `rows` (its accessible label).
fn wait_for_matrix(h: &mut Harness<'static, State>, rows: &str, what: &str) {
    let label = format!("LED matrix {rows}");
    let start = std::time::Instant::now();
    while h.query_by_label(&label).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The micro:bit drawn from its data and layout: the 5×5 matrix shows what the script shows,
/// button A held changes it, the tilt control's "Face down" is a gesture, a NeoPixel strip and
/// the speaker's note appear in the side panel.
#[test]
fn the_microbit_window_shows_its_display_buttons_and_gestures() {
    let script = "from microbit import *\nimport music, neopixel\nnp = neopixel.NeoPixel(pin8, 3)\nnp[1] = (0, 255, 0)\nnp.show()\nmusic.pitch(440)\nwhile True:\n    if button_a.is_pressed():\n        display.show(Image.HAPPY)\n    elif accelerometer.current_gesture() == 'face down':\n        display.show(Image.SAD)\n    else:\n        display.show(Image.HEART)\n    sleep(20)\n";
    let Board { _dir, state } = board_with(find_board("microbit").unwrap().unwrap(), Some(script));
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 1100.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    let heart = "09090:99999:99999:09990:00900:";
    wait_for_matrix(&mut h, heart, "a heart");
    let pos = h.get_by_label("A").rect().center();
    h.hover_at(pos);
    primary_button(&h, pos, true);
    wait_for_matrix(
        &mut h,
        "00000:09090:00000:90009:09990:",
        "A held: a happy face",
    );
    primary_button(&h, pos, false);
    h.get_by_label("Face down").click();
    wait_for_matrix(
        &mut h,
        "00000:09090:00000:09990:90009:",
        "face down: a sad face",
    );
    h.get_by_label("Face up").click();
    wait_for(&mut h, "the strip and the note", |s| {
        s.snapshot().tone == Some(440) && s.snapshot().strips.len() == 1
    });
    h.run_steps(3);
    assert!(h.query_by_label("pixel 1 0,255,0").is_some());
    assert!(h.query_by_label("Speaker: A4 (440 Hz)").is_some());
    wait_for_matrix(&mut h, heart, "face up: a heart again");
    mask_moving(&mut h);
    h.snapshot("microbit_window");
}

/// Every board with a drawing opens a window, and every board in the data has a drawing: its
/// own LEDs shown, its blink running through `Pin("LED")` or its LED's number.
#[test]
fn every_board_opens_a_window_with_its_leds() {
    let ids: Vec<&str> = mpsim_gui::layout::boards().collect();
    for spec in mpsim_board_models::all_boards().unwrap() {
        assert!(
            ids.contains(&spec.id.as_str()),
            "{} has no drawing",
            spec.id
        );
    }
    for id in ids {
        let spec = find_board(id).unwrap().unwrap();
        let led = spec.leds[0].pin;
        // Boards that name their pins take the LED's name (the Pyboard takes nothing else).
        let id_arg = match spec.names_of(led).next() {
            Some(name) if spec.python_pin_names => format!("'{name}'"),
            _ => led.to_string(),
        };
        let script = format!(
            "from machine import Pin\nimport time\nled = Pin({id_arg}, Pin.OUT)\nwhile True:\n    led.value(not led.value())\n    time.sleep_ms(20)\n"
        );
        let (mut h, _d) = window(id, &script);
        wait_for(&mut h, "the LED lit", |s| {
            led_brightness(s, led) == Some(1.0)
        });
        wait_for(&mut h, "the LED dark", |s| {
            led_brightness(s, led) == Some(0.0)
        });
        assert_eq!(h.state().session.spec.id, id);
    }
}

/// The frequency of the square wave in `s` (44.1 kHz mono), from its sign changes.
fn frequency(s: &[i16]) -> f64 {
    let flips = s.windows(2).filter(|p| (p[0] > 0) != (p[1] > 0)).count();
    flips as f64 / 2.0 / (s.len() as f64 / f64::from(mpsim_gui::sound::RATE))
}

/// The Sound switch plays the micro:bit's speaker through ALSA: here into ALSA's `file` device,
/// which records what a sound card would have played; the recording must hold the program's
/// notes at their pitch and volume, and silence while the speaker is off.
#[test]
fn the_microbit_speaker_sounds_on_the_computer() {
    let script = "from microbit import *\nimport music\nmusic.pitch(440)\nwhile not button_a.is_pressed():\n    sleep(10)\nspeaker.off()\nwhile not button_b.is_pressed():\n    sleep(10)\nspeaker.on()\nset_volume(64)\nmusic.pitch(880)\nwhile True:\n    sleep(100)\n";
    let Board { _dir, mut state } =
        board_with(find_board("microbit").unwrap().unwrap(), Some(script));
    let out = _dir.path().join("speaker.raw");
    state.audio_device = format!("file:'{}',raw", out.display());
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 1100.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    wait_for(&mut h, "the first note", |s| s.snapshot().tone == Some(440));
    h.run_steps(2);
    assert!(h.query_by_label("Speaker: A4 (440 Hz)").is_some());
    h.get_by_label("Sound").click();
    h.run_steps(2);
    assert!(h.state().sound_playing(), "the file device opens");
    let recorded = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len()) as usize / 2;
    let rate = mpsim_gui::sound::RATE as usize;
    // Holds a button until the program sees it.
    let press = |h: &mut Harness<'static, State>, label: &str, what: &str, tone: Option<u32>| {
        let pos = h.get_by_label(label).rect().center();
        h.hover_at(pos);
        primary_button(h, pos, true);
        wait_for(h, what, |s| s.snapshot().tone == tone);
        primary_button(h, pos, false);
    };
    let wait_samples = |h: &mut Harness<'static, State>, n: usize| {
        let target = recorded(&out) + n;
        wait_for(h, "the recording to grow", |_| recorded(&out) >= target);
    };
    wait_samples(&mut h, rate / 2);
    press(&mut h, "A", "the speaker off", None);
    h.run_steps(2);
    assert!(h.query_by_label("Speaker: silent").is_some());
    wait_samples(&mut h, rate / 2);
    press(&mut h, "B", "the second note", Some(880));
    wait_samples(&mut h, rate / 2);
    h.get_by_label("Sound").click();
    h.run_steps(2);
    assert!(!h.state().sound_playing());
    assert!(!h.state().prefs().sound, "the switch is remembered off");

    let bytes = std::fs::read(&out).unwrap();
    let s: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    // Three parts: 440 Hz loud, silence, 880 Hz at a quarter of the volume.
    let loud = (0.25 * 32767.0) as i16;
    let first = &s[..rate / 4];
    assert!(
        (frequency(first) - 440.0).abs() < 10.0,
        "{}",
        frequency(first)
    );
    assert_eq!(first.iter().map(|v| v.abs()).max(), Some(loud));
    let silent_from = s.iter().rposition(|v| v.abs() == loud).unwrap() + 1;
    let quiet_from = s
        .iter()
        .position(|v| v.abs() > 0 && v.abs() < loud)
        .unwrap();
    assert!(
        quiet_from - silent_from >= rate / 4 && s[silent_from..quiet_from].iter().all(|v| *v == 0),
        "silence while the speaker is off: {silent_from}..{quiet_from}"
    );
    let last = &s[quiet_from..quiet_from + rate / 4];
    assert!(
        (frequency(last) - 880.0).abs() < 20.0,
        "{}",
        frequency(last)
    );
    let quiet = (f64::from(loud) * 64.0 / 255.0) as i16;
    assert!(last.iter().all(|v| v.abs() == quiet), "volume 64 of 255");
}

/// An SSD1306 wired from the wiring file's `[[i2c]]` table shows what MicroPython's own driver
/// (micropython-lib's ssd1306.py, fetched from PyPI by scripts/test.sh) draws through SoftI2C.
#[test]
fn an_ssd1306_shows_what_micropythons_driver_draws() {
    let lib = std::env::var("MPSIM_MICROPYTHON_LIB").expect(
        "MPSIM_MICROPYTHON_LIB: run the tests through scripts/test.sh, which fetches ssd1306.py",
    );
    let driver = std::fs::read(std::path::Path::new(&lib).join("ssd1306.py")).unwrap();
    let wiring = mpsim_board_models::Wiring::parse(
        "wiring.toml",
        "[[i2c]]\npart = \"ssd1306\"\nscl = 5\nsda = 4\nname = \"OLED\"\n",
    )
    .unwrap();
    let script = "from machine import Pin, SoftI2C\nimport ssd1306, time\ni2c = SoftI2C(scl=Pin(5), sda=Pin(4))\nprint('scan', i2c.scan())\noled = ssd1306.SSD1306_I2C(128, 64, i2c)\noled.fill(0)\noled.fill_rect(0, 0, 8, 8, 1)\noled.text('MicroPython', 0, 16)\noled.rect(0, 32, 128, 32, 1)\noled.show()\nprint('shown')\ntime.sleep(1.5)\noled.invert(1)\n";
    let spec = find_board("esp8266").unwrap().unwrap();
    let circuit = wiring.circuit(&spec);
    let Board { _dir, state } =
        board_wired(spec, Some(script), circuit, &[("/ssd1306.py", &driver)]);
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 1000.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    let px =
        |s: &State, x: usize, y: usize| s.snapshot().oleds.first().map(|o| o.pixels[y * 128 + x]);
    wait_for(&mut h, "the frame on the display", |s| {
        s.term.text().contains("shown") && px(s, 0, 0) == Some(1)
    });
    assert!(
        h.state().term.text().contains("scan [60]"),
        "{}",
        h.state().term.text()
    );
    let oled = h.state().snapshot().oleds[0].clone();
    assert_eq!((oled.size, oled.on, oled.contrast), ((128, 64), true, 0xFF));
    let lit = |x: usize, y: usize| oled.pixels[y * 128 + x] == 1;
    assert!(
        (0..8).all(|y| (0..8).all(|x| lit(x, y))),
        "the filled square"
    );
    assert!(!lit(8, 0) && !lit(0, 8));
    for (x, y) in [
        (0, 32),
        (127, 32),
        (0, 63),
        (127, 63),
        (64, 32),
        (64, 63),
        (0, 48),
        (127, 48),
    ] {
        assert!(lit(x, y), "the rectangle's edge at ({x}, {y})");
    }
    assert!(!lit(64, 48) && !lit(1, 33), "inside the rectangle");
    let text: usize = (16..24)
        .map(|y| (0..88).filter(|&x| lit(x, y)).count())
        .sum();
    assert!(text > 60, "the text's pixels: {text}");
    assert!(
        (24..32).all(|y| (0..128).all(|x| !lit(x, y))),
        "nothing under the text"
    );
    h.run_steps(2);
    assert!(h.query_by_label("display OLED").is_some());
    mask_moving(&mut h);
    h.snapshot("esp8266_oled");
    wait_for(&mut h, "the display inverted", |s| {
        px(s, 64, 48) == Some(1) && px(s, 0, 0) == Some(0)
    });
}

#[test]
fn the_window_shows_its_board_rebooting_after_the_board_process_dies() {
    let (mut h, _d) = harness(board(None));
    wait_for(&mut h, "the prompt, published", |s| {
        s.term.text().ends_with(">>> ") && s.snapshot().boots == 1
    });
    let first = h.state().session.board_pid();
    assert_ne!(first, 0);
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &first.to_string()])
            .status()
            .unwrap()
            .success()
    );
    // The crash is reported in the terminal as the port reports one, the board boots again
    // (counted in the status line's boots) and the REPL answers.
    wait_for(&mut h, "the crash report and a new prompt", |s| {
        let t = s.term.text();
        t.contains("Fatal exception: the board process killed by SIGKILL (9)")
            && t.ends_with(">>> ")
    });
    let start = Instant::now();
    while h.state().snapshot().boots != 2 && start.elapsed() < Duration::from_secs(10) {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(h.state().snapshot().boots, 2, "the second boot is counted");
    assert_ne!(h.state().session.board_pid(), first);
    h.get_by_label("Terminal").click();
    h.step();
    h.get_by_label("Terminal").type_text("6*7");
    h.step();
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the answer", |s| {
        s.term.text().ends_with("42\n>>> ")
    });
}

#[test]
fn circuit_panel_presses_buttons_and_sets_sensors() {
    let spec = find_board("esp32").unwrap().unwrap();
    let wiring = mpsim_board_models::Wiring::parse(
        "wiring.toml",
        "[[part]]\nid = \"btn\"\ntype = \"pushbutton\"\npins = { 1 = \"4\", 2 = \"GND\" }\n\n\
         [[part]]\nid = \"dht1\"\ntype = \"dht22\"\npins = { SDA = \"15\" }\ntemperature = 20\n\n\
         [[part]]\nid = \"servo\"\ntype = \"servo\"\npins = { PWM = \"18\" }\n",
    )
    .unwrap();
    let circuit = wiring.circuit(&spec);
    let script = "import machine, dht, time\n\
        b = machine.Pin(4, machine.Pin.IN, machine.Pin.PULL_UP)\n\
        n = [0]\n\
        b.irq(lambda p: n.__setitem__(0, n[0] + 1), machine.Pin.IRQ_FALLING)\n\
        s = machine.PWM(machine.Pin(18), freq=50, duty_ns=2500000)\n\
        d = dht.DHT22(machine.Pin(15))\n\
        last = None\n\
        while True:\n\
        \x20   d.measure()\n\
        \x20   now = (n[0], d.temperature())\n\
        \x20   if now != last:\n\
        \x20       print('presses %d temp %.1f' % now)\n\
        \x20       last = now\n\
        \x20   time.sleep_ms(100)\n";
    let Board { _dir, state } = board_wired(spec, Some(script), circuit, &[]);
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 1400.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    wait_for(&mut h, "the first reading", |s| {
        s.term.text().contains("presses 0 temp 20.0")
    });
    // The parts, drawn from their views: the servo's horn at its angle.
    h.get_by_label("servo at 180 degrees");
    h.get_by_label("Press btn").click();
    wait_for(&mut h, "the click's falling edge", |s| {
        s.term.text().contains("presses 1 temp 20.0")
    });
    // The temperature slider, by keyboard: each step is the slider's smallest.
    h.get_by_role_and_label(egui::Role::Slider, "temperature")
        .focus();
    h.step();
    for _ in 0..5 {
        h.key_press(egui::Key::ArrowRight);
        h.step();
    }
    wait_for(&mut h, "a warmer reading", |s| {
        s.snapshot()
            .parts
            .iter()
            .any(|p| p.id == "dht1" && p.controls[0].value > 20.0)
            && s.term
                .text()
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("presses 1 temp 2") && !l.ends_with("20.0"))
    });
}

/// A Wokwi project's circuit drawn around the board: parts placed by the diagram, wires to their
/// pads; clicking a part opens its controls, which drive it.
#[test]
fn a_wokwi_circuit_is_drawn_around_the_board() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/projects/parking");
    let text = std::fs::read_to_string(root.join("diagram.json")).unwrap();
    let diagram =
        mpsim_board_models::circuit::wokwi::Diagram::parse("diagram.json", &text).unwrap();
    let spec = find_board(diagram.board().unwrap()).unwrap().unwrap();
    let circuit = diagram.circuit(&spec);
    let script = std::fs::read_to_string(root.join("main.py")).unwrap();
    let Board { _dir, state } = board_wired(spec, Some(&script), circuit, &[]);
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_ui_state(mpsim_gui::app::main_ui, state);
    wait_for(&mut h, "a first distance", |s| {
        s.term.text().contains("distance 150 cm -> green")
    });
    h.get_by_label_contains("part sonar (hc-sr04)").click();
    h.run_steps(2);
    // The part's window: its distance slider, set as a screen reader sets it.
    h.get_by_role_and_label(egui::Role::Slider, "distance")
        .set_value_accesskit(10.0);
    h.step();
    wait_for(&mut h, "the red LED", |s| {
        s.term.text().contains("-> red")
            && s.snapshot()
                .leds
                .iter()
                .any(|l| l.name == "red (red)" && l.brightness == 1.0)
    });
    h.run_steps(3);
    mask_moving(&mut h);
    // How many lines the program printed before the snapshot depends on the machine's speed.
    let copy = h.get_by_label("Copy all").rect();
    h.mask(egui::Rect::from_min_max(
        egui::pos2(copy.left() - 80.0, copy.bottom()),
        egui::pos2(copy.left() + 700.0, 900.0),
    ));
    h.snapshot("pico_circuit");
}
