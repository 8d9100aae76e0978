//! `_mpsim`: the one native module through which the frozen MicroPython modules (py/) reach the
//! board, the clock and the console. Scripts may import it, but it gives nothing the board lacks.

pub(crate) use _mpsim::{ERRNO_NAMES, module_def, os_error};

#[rustpython_vm::pymodule]
mod _mpsim {
    use crate::sim::{self, IrqEntry, Reboot, TimerEntry, with_state};
    use crate::{clock::TimeMode, heap};
    use mpsim_board_models::{PinError, PinMode, Pull};
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyCode, PyDictRef, PyUtf8StrRef};
    use rustpython_vm::compiler::Mode;
    use rustpython_vm::function::{ArgBytesLike, ArgMapping, FuncArgs, OptionalArg};
    use rustpython_vm::scope::Scope;
    use rustpython_vm::{
        AsObject, PyObjectRef, PyPayload, PyRef, PyResult, TryFromObject, VirtualMachine, pyclass,
    };

    fn no_state(vm: &VirtualMachine) -> PyBaseExceptionRef {
        vm.new_runtime_error("board not running")
    }

    fn state<R>(vm: &VirtualMachine, f: impl FnOnce(&mut sim::SimState) -> R) -> PyResult<R> {
        with_state(f).ok_or_else(|| no_state(vm))
    }

    fn pin_err(vm: &VirtualMachine, e: PinError) -> PyBaseExceptionRef {
        match e {
            PinError::NoSuchPin => vm.new_value_error("invalid pin"),
            PinError::Unsupported(_, what) => match what {
                "pull_up" | "pull_down" => vm.new_value_error("invalid pull"),
                "pwm" => vm.new_value_error("invalid pin for PWM"),
                "out" | "open_drain"
                    if with_state(|s| {
                        s.board.spec.platform == mpsim_board_models::Platform::Esp32
                    })
                    .unwrap_or(false) =>
                {
                    vm.new_value_error("pin can only be input")
                }
                _ => vm.new_value_error("invalid pin mode"),
            },
        }
    }

    /// Raw microseconds since boot (no wrap); each read costs a little virtual time.
    #[pyfunction]
    fn ticks_us(vm: &VirtualMachine) -> PyResult<u64> {
        let (t, due) = state(vm, |s| {
            let t = s.clock.read_us();
            (t, s.clock.mode() == TimeMode::Virtual && s.due_by(t))
        })?;
        if due {
            // Let the due timers and limits act at the next instruction boundary.
            with_state(|s| s.shared.poke());
        }
        Ok(t)
    }

    /// CPU cycles since boot (cpu_freq × time).
    #[pyfunction]
    fn ticks_cpu(vm: &VirtualMachine) -> PyResult<u64> {
        state(vm, |s| {
            let t = s.clock.read_us();
            t.wrapping_mul(s.cpu_freq / 1_000_000)
        })
    }

    /// Sleeps `us` of simulated time, running IRQs and timers meanwhile.
    #[pyfunction]
    fn sleep_us(us: i64, until_notified: OptionalArg<bool>, vm: &VirtualMachine) -> PyResult<()> {
        let us = u64::try_from(us).unwrap_or(0);
        sim::sleep_us(vm, us, until_notified.unwrap_or(false))
    }

    /// `micropython.opt_level([level])`: the level the next compiles use; returns the level.
    #[pyfunction]
    fn opt_level(level: OptionalArg<i64>) -> i64 {
        use std::sync::atomic::Ordering;
        if let OptionalArg::Present(l) = level {
            let l = u8::try_from(l.clamp(0, 3)).unwrap_or(0);
            crate::interp::OPT_LEVEL.store(l, Ordering::Relaxed);
        }
        i64::from(crate::interp::OPT_LEVEL.load(Ordering::Relaxed))
    }

    /// Ends a `sleep_us(…, True)` early (asyncio's wake-up).
    #[pyfunction]
    fn notify() {
        sim::notify();
    }

    /// Runs pending callbacks and raises what is pending, like an instruction boundary does.
    #[pyfunction]
    fn service(vm: &VirtualMachine) -> PyResult<()> {
        sim::service(vm)
    }

    /// Microseconds since the port's epoch on the board's RTC.
    #[pyfunction]
    fn rtc_us(vm: &VirtualMachine) -> PyResult<i64> {
        state(vm, |s| {
            let now = i64::try_from(s.clock.now_us()).unwrap_or(i64::MAX);
            now.saturating_add(s.rtc_offset_us)
        })
    }

    /// Sets the RTC to `us` microseconds since the port's epoch.
    #[pyfunction]
    fn rtc_set_us(us: i64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            let now = i64::try_from(s.clock.now_us()).unwrap_or(i64::MAX);
            s.rtc_offset_us = us.saturating_sub(now);
        })
    }

    /// The names of the frozen modules (ours and the interpreter's own).
    #[pyfunction]
    fn frozen_names(vm: &VirtualMachine) -> PyObjectRef {
        let names = vm
            .state
            .frozen
            .keys()
            .map(|k| vm.ctx.new_str(*k).into())
            .collect();
        vm.ctx.new_list(names).into()
    }

    /// What the board data says, as a dict.
    #[pyfunction]
    fn board_info(vm: &VirtualMachine) -> PyResult<PyDictRef> {
        let d = vm.ctx.new_dict();
        let (spec, heap_size, cause, freq) = state(vm, |s| {
            (s.board.spec.clone(), s.heap_size, s.reset_cause, s.cpu_freq)
        })?;
        let ints = |v: &[i64]| -> PyObjectRef {
            vm.ctx
                .new_list(v.iter().map(|&x| vm.ctx.new_int(x).into()).collect())
                .into()
        };
        let set = |k: &str, v: PyObjectRef| d.set_item(k, v, vm);
        set("id", vm.ctx.new_str(spec.id.as_str()).into())?;
        set("platform", vm.ctx.new_str(spec.platform.as_str()).into())?;
        set("mcu", vm.ctx.new_str(spec.mcu.as_str()).into())?;
        let uarts = vm.ctx.new_dict();
        for u in &spec.uarts {
            let none = || vm.ctx.none();
            let int = |v: u32| -> PyObjectRef { vm.ctx.new_int(v).into() };
            let alt = u
                .alt_pins
                .map_or_else(none, |(t, r)| vm.ctx.new_tuple(vec![int(t), int(r)]).into());
            let row = vm.ctx.new_tuple(vec![
                int(u.tx),
                u.rx.map_or_else(none, int),
                vm.ctx.new_bool(u.console).into(),
                alt,
                int(u.rxbuf),
            ]);
            let key: PyObjectRef = vm.ctx.new_int(u.id).into();
            uarts.set_item(&*key, row.into(), vm)?;
        }
        set("uarts", uarts.into())?;
        let leds: Vec<i64> = spec.leds.iter().map(|l| i64::from(l.pin)).collect();
        set("led_pins", ints(&leds))?;
        set("machine", vm.ctx.new_str(spec.machine_string()).into())?;
        set("complex", vm.ctx.new_bool(spec.complex).into())?;
        set("banner", vm.ctx.new_str(spec.banner()).into())?;
        set(
            "version",
            vm.ctx.new_str(spec.micropython_version.as_str()).into(),
        )?;
        set(
            "build_date",
            vm.ctx.new_str(spec.build_date.as_str()).into(),
        )?;
        set(
            "sdk_version",
            vm.ctx
                .new_str(spec.sdk_version.clone().unwrap_or_default())
                .into(),
        )?;
        let (a, b, c) = spec.version_tuple();
        set(
            "version_tuple",
            vm.ctx
                .new_tuple(vec![
                    vm.ctx.new_int(a).into(),
                    vm.ctx.new_int(b).into(),
                    vm.ctx.new_int(c).into(),
                ])
                .into(),
        )?;
        set("mpy", vm.ctx.new_int(spec.mpy_abi).into())?;
        set("flash_size", vm.ctx.new_int(spec.flash_size).into())?;
        set("heap_size", vm.ctx.new_int(heap_size).into())?;
        set("cpu_freq", vm.ctx.new_int(freq).into())?;
        let freqs: Vec<i64> = spec.cpu_freqs.iter().map(|&f| f as i64).collect();
        set("cpu_freqs", ints(&freqs))?;
        set(
            "ticks_period_bits",
            vm.ctx.new_int(spec.ticks_period_bits).into(),
        )?;
        set("epoch_year", vm.ctx.new_int(spec.epoch_year).into())?;
        set("unique_id", vm.ctx.new_bytes(spec.unique_id.clone()).into())?;
        let causes = vm.ctx.new_dict();
        for (k, v) in &spec.reset_causes {
            causes.set_item(k.as_str(), vm.ctx.new_int(*v).into(), vm)?;
        }
        set("reset_causes", causes.into())?;
        set("reset_cause", vm.ctx.new_str(cause).into())?;
        set(
            "pin_pulls",
            vm.ctx
                .new_list(
                    spec.pin_pulls
                        .iter()
                        .map(|p| vm.ctx.new_str(p.as_str()).into())
                        .collect(),
                )
                .into(),
        )?;
        let gpios: Vec<i64> = spec
            .pins
            .iter()
            .filter(|p| !p.hidden)
            .map(|p| i64::from(p.gpio))
            .collect();
        set("pins", ints(&gpios))?;
        set(
            "python_pin_names",
            vm.ctx.new_bool(spec.python_pin_names).into(),
        )?;
        // A pin is found by its board name, then by its CPU name as the rp2 port names them
        // (`Pin("GPIO0")`), as the firmware's pin lookup does.
        let names = vm.ctx.new_dict();
        for (name, cpu) in &spec.pin_names {
            if let Some(g) = mpsim_board_models::cpu_gpio(cpu) {
                names.set_item(name.as_str(), vm.ctx.new_int(g).into(), vm)?;
            }
        }
        for (_, cpu) in &spec.pin_names {
            if cpu.starts_with("GPIO")
                && let Some(g) = mpsim_board_models::cpu_gpio(cpu)
                && names.get_item_opt(cpu.as_str(), vm)?.is_none()
            {
                names.set_item(cpu.as_str(), vm.ctx.new_int(g).into(), vm)?;
            }
        }
        set("pin_name_map", names.into())?;
        set(
            "flash_mount",
            vm.ctx.new_str(spec.flash_mount.as_str()).into(),
        )?;
        let buttons = spec
            .buttons
            .iter()
            .map(|b| {
                vm.ctx
                    .new_tuple(vec![
                        vm.ctx.new_str(b.name.as_str()).into(),
                        vm.ctx.new_int(b.pin).into(),
                        vm.ctx.new_bool(b.active_low).into(),
                    ])
                    .into()
            })
            .collect();
        set("buttons", vm.ctx.new_list(buttons).into())?;
        let i2c = vm.ctx.new_dict();
        for bus in &spec.i2c {
            let pins = vm.ctx.new_tuple(vec![
                vm.ctx.new_int(bus.scl).into(),
                vm.ctx.new_int(bus.sda).into(),
            ]);
            let key: PyObjectRef = vm.ctx.new_int(bus.id).into();
            i2c.set_item(&*key, pins.into(), vm)?;
        }
        set("i2c", i2c.into())?;
        set("i2c_nack_errno", vm.ctx.new_int(spec.i2c_nack_errno).into())?;
        let irq_pins: Vec<i64> = spec
            .pins
            .iter()
            .filter(|p| p.can("irq"))
            .map(|p| i64::from(p.gpio))
            .collect();
        set("irq_pins", ints(&irq_pins))?;
        let pwm_pins: Vec<i64> = spec
            .pins
            .iter()
            .filter(|p| p.can("pwm"))
            .map(|p| i64::from(p.gpio))
            .collect();
        set("pwm_pins", ints(&pwm_pins))?;
        set("timer_ids", ints(&spec.timer_ids))?;
        set("adc_channels", ints(&spec.adc.channels))?;
        set("adc_bits", vm.ctx.new_int(spec.adc.read_bits).into())?;
        set("vcc_mv", vm.ctx.new_int(spec.adc.vcc_mv).into())?;
        let by_pin = vm.ctx.new_dict();
        for &(gpio, channel) in &spec.adc.pin_channels {
            let key: PyObjectRef = vm.ctx.new_int(gpio).into();
            by_pin.set_item(&*key, vm.ctx.new_int(channel).into(), vm)?;
        }
        set("adc_pin_channels", by_pin.into())?;
        set(
            "wdt_max_ms",
            match spec.wdt_max_ms {
                Some(ms) => vm.ctx.new_int(ms).into(),
                None => vm.ctx.none(),
            },
        )?;
        set("idle_tick_us", vm.ctx.new_int(spec.idle_tick_us).into())?;
        set("pins_by_port", vm.ctx.new_bool(spec.pins_by_port).into())?;
        set("thread", vm.ctx.new_bool(spec.thread).into())?;
        set("flat_fs", vm.ctx.new_bool(spec.flat_fs).into())?;
        set(
            "absent_modules",
            vm.ctx
                .new_list(
                    spec.absent_modules
                        .iter()
                        .map(|m| vm.ctx.new_str(m.as_str()).into())
                        .collect(),
                )
                .into(),
        )?;
        set("neopixel_show", vm.ctx.new_bool(spec.neopixel_show).into())?;
        set(
            "help_example",
            match &spec.help_example {
                Some(t) => vm.ctx.new_str(t.trim_end_matches('\n')).into(),
                None => vm.ctx.none(),
            },
        )?;
        let fill = |t: &str| {
            t.replace("{version}", &spec.micropython_version)
                .replace("{build_date}", &spec.build_date)
                .replace("{mcu}", &spec.mcu)
        };
        set(
            "uname",
            match &spec.uname {
                Some(u) => vm
                    .ctx
                    .new_tuple(vec![
                        vm.ctx.new_str(fill(&u.sysname)).into(),
                        vm.ctx.new_str(fill(&u.nodename)).into(),
                        vm.ctx.new_str(fill(&u.version)).into(),
                        vm.ctx.new_str(fill(&u.machine)).into(),
                    ])
                    .into(),
                None => vm.ctx.none(),
            },
        )?;
        set(
            "accel_i2c",
            match spec
                .accelerometer
                .as_ref()
                .and_then(|a| a.i2c.as_ref().map(|b| (a, b)))
            {
                Some((a, b)) => vm
                    .ctx
                    .new_tuple(vec![
                        vm.ctx.new_str(a.chip.as_str()).into(),
                        vm.ctx.new_int(b.scl).into(),
                        vm.ctx.new_int(b.sda).into(),
                        vm.ctx.new_int(b.address).into(),
                        match b.power {
                            Some(p) => vm.ctx.new_int(p).into(),
                            None => vm.ctx.none(),
                        },
                    ])
                    .into(),
                None => vm.ctx.none(),
            },
        )?;
        set("pwm_freq_min", vm.ctx.new_int(spec.pwm.freq_min).into())?;
        set("pwm_freq_max", vm.ctx.new_int(spec.pwm.freq_max).into())?;
        set(
            "pwm_freq_default",
            vm.ctx.new_int(spec.pwm.freq_default).into(),
        )?;
        set("pwm_duty_bits", vm.ctx.new_int(spec.pwm.duty_bits).into())?;
        let argv = state(vm, |s| s.argv.clone())?;
        set(
            "argv",
            vm.ctx
                .new_list(
                    argv.iter()
                        .map(|a| vm.ctx.new_str(a.as_str()).into())
                        .collect(),
                )
                .into(),
        )?;
        set(
            "virtual_time",
            vm.ctx
                .new_bool(state(vm, |s| s.clock.mode() == TimeMode::Virtual)?)
                .into(),
        )?;
        set("seed", vm.ctx.new_int(state(vm, |s| s.seed)?).into())?;
        Ok(d)
    }

    fn mode_of(m: i64, vm: &VirtualMachine) -> PyResult<PinMode> {
        Ok(match m {
            0 => PinMode::In,
            1 => PinMode::Out,
            2 => PinMode::OpenDrain,
            _ => return Err(vm.new_value_error("invalid pin mode")),
        })
    }

    fn pull_of(p: i64, vm: &VirtualMachine) -> PyResult<Pull> {
        Ok(match p {
            0 => Pull::None,
            1 => Pull::Up,
            2 => Pull::Down,
            _ => return Err(vm.new_value_error("invalid pull")),
        })
    }

    fn board_op<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut mpsim_board_models::Board) -> Result<R, PinError>,
    ) -> PyResult<R> {
        let (r, edges) = state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            let r = f(&mut s.board);
            let edge_with_irq = !s.irqs.is_empty();
            (r, edge_with_irq)
        })?;
        if edges {
            with_state(|s| s.shared.poke());
        }
        r.map_err(|e| pin_err(vm, e))
    }

    /// Checks that GPIO `gpio` exists.
    #[pyfunction]
    fn pin_check(gpio: i64, vm: &VirtualMachine) -> PyResult<()> {
        let g = u32::try_from(gpio).map_err(|_| vm.new_value_error("invalid pin"))?;
        let hidden = state(vm, |s| s.board.spec.pin(g).is_some_and(|p| p.hidden))?;
        if hidden {
            return Err(pin_err(vm, PinError::NoSuchPin));
        }
        board_op(vm, |b| b.pin(g).map(drop))
    }

    /// Configures a pin: mode 0 in, 1 out, 2 open-drain; pull 0 none, 1 up, 2 down.
    #[pyfunction]
    fn pin_init(gpio: u32, mode: i64, pull: i64, vm: &VirtualMachine) -> PyResult<()> {
        let (mode, pull) = (mode_of(mode, vm)?, pull_of(pull, vm)?);
        board_op(vm, |b| b.configure(gpio, mode, pull))
    }

    /// Writes the output latch.
    #[pyfunction]
    fn pin_write(gpio: u32, value: bool, vm: &VirtualMachine) -> PyResult<()> {
        board_op(vm, |b| b.write(gpio, value))
    }

    /// Reads the level on the pin.
    #[pyfunction]
    fn pin_read(gpio: u32, vm: &VirtualMachine) -> PyResult<bool> {
        board_op(vm, |b| b.read(gpio))
    }

    /// (mode, pull) as configured: mode -1 never set, 0 in, 1 out, 2 open drain, 3 PWM.
    #[pyfunction]
    fn pin_config(gpio: u32, vm: &VirtualMachine) -> PyResult<(i64, i64)> {
        board_op(vm, |b| {
            let p = b.pin(gpio)?;
            let mode = match p.mode {
                PinMode::Unset => -1,
                PinMode::In => 0,
                PinMode::Out => 1,
                PinMode::OpenDrain => 2,
                PinMode::Pwm => 3,
            };
            let pull = match p.pull {
                Pull::None => 0,
                Pull::Up => 1,
                Pull::Down => 2,
            };
            Ok((mode, pull))
        })
    }

    /// Registers (or with `handler` None removes) an IRQ on a pin; `arg` is passed to the handler.
    #[pyfunction]
    fn pin_irq(
        gpio: u32,
        handler: PyObjectRef,
        trigger: u32,
        arg: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        board_op(vm, |b| b.pin(gpio).map(drop))?;
        let none = vm.is_none(&handler);
        state(vm, |s| {
            s.irqs.retain(|i| i.gpio != gpio);
            if !none && trigger != 0 {
                // Edges from before the IRQ existed must not fire it.
                let _ = s.board.take_edges();
                s.irqs.push(IrqEntry {
                    gpio,
                    trigger,
                    handler,
                    arg,
                });
            }
        })
    }

    /// Starts or updates PWM: frequency in Hz, duty 0..=65535.
    #[pyfunction]
    fn pwm_set(gpio: u32, freq: u32, duty: u32, vm: &VirtualMachine) -> PyResult<()> {
        let duty = u16::try_from(duty.min(65535)).unwrap_or(u16::MAX);
        board_op(vm, |b| b.set_pwm(gpio, Some((freq, duty))))
    }

    /// Stops PWM on the pin (it stays an output at its latch level).
    #[pyfunction]
    fn pwm_off(gpio: u32, vm: &VirtualMachine) -> PyResult<()> {
        board_op(vm, |b| b.set_pwm(gpio, None))
    }

    /// What the world applies to ADC channel `ch`, 0.0..=1.0.
    #[pyfunction]
    fn adc_read(ch: i64, vm: &VirtualMachine) -> PyResult<f64> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            s.board.adc(ch)
        })?
        .ok_or_else(|| vm.new_value_error("invalid ADC channel"))
    }

    /// Drives ADC channel `ch` from the board itself (a DAC on the same pin), 0.0..=1.0.
    #[pyfunction]
    fn adc_set(ch: i64, value: f64, vm: &VirtualMachine) -> PyResult<()> {
        if state(vm, |s| s.board.set_adc(ch, value.clamp(0.0, 1.0)))? {
            Ok(())
        } else {
            Err(vm.new_value_error("invalid ADC channel"))
        }
    }

    /// Shows `pixels` (row by row, 0-9) on the board's LED matrix.
    #[pyfunction]
    fn display_set(pixels: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let px = pixels.borrow_buf().to_vec();
        if state(vm, |s| s.board.set_display(&px))? {
            Ok(())
        } else {
            Err(vm.new_value_error("the board has no such display"))
        }
    }

    /// What an LED strip on `gpio` shows: RGB bytes, three per pixel (at most 4096 pixels).
    #[pyfunction]
    fn strip_set(gpio: u32, rgb: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let px: Vec<[u8; 3]> = rgb
            .borrow_buf()
            .chunks_exact(3)
            .take(4096)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        board_op(vm, |b| b.set_strip(gpio, px))
    }

    /// Starts the speaker's tone (Hz), or stops it (0).
    #[pyfunction]
    fn tone_set(hz: u32, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.board.set_tone((hz > 0).then_some(hz)))
    }

    /// The chips wired to I2C buses: (index, SCL GPIO, SDA GPIO, address) each.
    #[pyfunction]
    fn i2c_parts(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let parts: Vec<[usize; 4]> = state(vm, |s| {
            s.board
                .i2c_parts
                .iter()
                .enumerate()
                .map(|(i, (w, _))| [i, w.scl as usize, w.sda as usize, usize::from(w.address())])
                .collect()
        })?;
        let items = parts
            .into_iter()
            .map(|p| {
                let t: Vec<PyObjectRef> = p.iter().map(|&x| vm.ctx.new_int(x).into()).collect();
                vm.ctx.new_tuple(t).into()
            })
            .collect();
        Ok(vm.ctx.new_list(items).into())
    }

    /// An I2C write to wired chip `i`: the bytes after the address.
    #[pyfunction]
    fn i2c_part_write(i: usize, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let data = data.borrow_buf().to_vec();
        state(vm, |s| s.board.i2c_part_write(i, &data))
    }

    /// An I2C read of `n` bytes from wired chip `i`.
    #[pyfunction]
    fn i2c_part_read(i: usize, n: usize, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        state(vm, |s| s.board.i2c_part_read(i, n.min(1 << 16)))
    }

    /// Turns the speaker on or off, at a volume (0–255).
    #[pyfunction]
    fn speaker_set(on: bool, volume: u8, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.board.set_speaker(on, volume))
    }

    fn gestures<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut mpsim_board_models::GestureDetector) -> R,
    ) -> PyResult<R> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            s.board.gestures_now().map(f)
        })?
        .ok_or_else(|| vm.new_os_error("the board has no accelerometer"))
    }

    /// The gesture the board makes now ("" for none).
    #[pyfunction]
    fn gesture_current(vm: &VirtualMachine) -> PyResult<&'static str> {
        gestures(vm, |g| g.current().name())
    }

    /// Whether gesture `name` happened since last asked (None for an unknown name).
    #[pyfunction]
    fn gesture_was(name: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<Option<bool>> {
        let Some(want) = mpsim_board_models::Gesture::from_name(name.as_str()) else {
            return Ok(None);
        };
        gestures(vm, |g| Some(g.was(want)))
    }

    /// The gestures since last asked, oldest first.
    #[pyfunction]
    fn gesture_history(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let names = gestures(vm, |g| g.take_history())?;
        let items = names
            .iter()
            .map(|x| vm.ctx.new_str(x.name()).into())
            .collect();
        Ok(vm.ctx.new_list(items).into())
    }

    /// Switches the radio on (true) or off.
    #[pyfunction]
    fn radio_power(on: bool, vm: &VirtualMachine) -> PyResult<()> {
        let has = state(vm, |s| s.mb_radio.is_some())?;
        if on && !has {
            let r = heap::untracked(crate::radio::Radio::open)
                .map_err(|e| vm.new_os_error(format!("radio: {e}")))?;
            state(vm, |s| s.mb_radio = Some(r))?;
        } else if !on {
            state(vm, |s| s.mb_radio = None)?;
        }
        Ok(())
    }

    /// Sends a packet to every other board's radio.
    #[pyfunction]
    fn radio_send(packet: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let p = packet.borrow_buf().to_vec();
        if p.len() > crate::radio::MAX_PACKET {
            return Err(vm.new_value_error("packet too long"));
        }
        state(vm, |s| {
            if let Some(r) = s.mb_radio.as_ref() {
                heap::untracked(|| r.send(&p));
            }
        })
    }

    /// The next packet heard, or None.
    #[pyfunction]
    fn radio_recv(vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let p = state(vm, |s| {
            s.mb_radio.as_ref().and_then(crate::radio::Radio::recv)
        })?;
        Ok(p.map(|b| vm.ctx.new_bytes(b).into()))
    }

    /// The value an NVS key holds (the ESP32's key-value partition), or None.
    #[pyfunction]
    fn nvs_get(key: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let v = state(vm, |s| s.nvs.get(key.as_str()).cloned())?;
        Ok(v.map(|b| vm.ctx.new_bytes(b).into()))
    }

    /// Stores (or, with None, erases) an NVS key.
    #[pyfunction]
    fn nvs_set(
        key: PyUtf8StrRef,
        value: Option<ArgBytesLike>,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let key = key.as_str().to_owned();
        let value = value.map(|v| v.borrow_buf().to_vec());
        state(vm, |s| {
            // The partition holds a few thousand entries; beyond that the store refuses.
            match value {
                Some(v) if s.nvs.len() < 4096 || s.nvs.contains_key(&key) => {
                    s.nvs.insert(key, v);
                    true
                }
                Some(_) => false,
                None => {
                    s.nvs.remove(&key);
                    true
                }
            }
        })?
        .then_some(())
        .ok_or_else(|| os_error(vm, 28))
    }

    /// Names the program boot.py hands over to (`pyb.main`): a file in the flash's root.
    #[pyfunction]
    fn set_main(name: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        let name = name.as_str().trim_start_matches('/').to_owned();
        state(vm, |s| s.main_file = Some(name))
    }

    /// What the accelerometer feels now (x, y, z in milli-g), or None on a board without one.
    #[pyfunction]
    fn accel(vm: &VirtualMachine) -> PyResult<Option<(f64, f64, f64)>> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            s.board.accel.map(|[x, y, z]| (x, y, z))
        })
    }

    /// Starts (or restarts) timer `key`: first call after `period_us`, again every `period_us` when periodic.
    #[pyfunction]
    fn timer_start(
        key: u64,
        period_us: u64,
        periodic: bool,
        callback: PyObjectRef,
        arg: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        state(vm, |s| {
            s.timers.retain(|t| t.key != key);
            s.timer_seq += 1;
            let now = s.clock.now_us();
            s.timers.push(TimerEntry {
                key,
                deadline: now + period_us.max(1),
                period: periodic.then_some(period_us.max(1)),
                seq: s.timer_seq,
                callback,
                arg,
            });
            s.publish_deadline();
        })
    }

    /// Stops timer `key`.
    #[pyfunction]
    fn timer_stop(key: u64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.timers.retain(|t| t.key != key))
    }

    /// `micropython.schedule`: false when the queue (depth 8, as on the board) is full.
    #[pyfunction]
    fn schedule(func: PyObjectRef, arg: PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
        state(vm, |s| {
            if s.scheduled.len() >= 8 {
                return false;
            }
            s.scheduled.push_back((func, arg));
            if s.in_callback {
                s.scheduled_late += 1;
            }
            s.shared.poke();
            true
        })
    }

    /// Disables (true) or enables (false) IRQ and timer callbacks; returns the previous state.
    #[pyfunction]
    fn irq_disable(off: bool, vm: &VirtualMachine) -> PyResult<bool> {
        let was = state(vm, |s| std::mem::replace(&mut s.irq_disabled, off))?;
        if !off {
            with_state(|s| s.shared.poke());
        }
        Ok(was)
    }

    /// (used, total) bytes of the board's heap, as `gc.mem_alloc()`/`gc.mem_free()` report them.
    #[pyfunction]
    fn heap_stats(vm: &VirtualMachine) -> PyResult<(u64, u64)> {
        state(vm, |s| {
            let used = u64::try_from(heap::used()).unwrap_or(0);
            (used.min(s.heap_size), s.heap_size)
        })
    }

    /// `micropython.heap_lock`/`heap_unlock`/`heap_locked`: the lock depth after adding `delta`
    /// (+1, -1 or 0). The depth is kept as the board keeps it; allocations are not refused while it
    /// is non-zero, because calling back into Python always allocates here.
    #[pyfunction]
    fn heap_lock(delta: i64, vm: &VirtualMachine) -> PyResult<u32> {
        state(vm, |s| {
            s.heap_locked = match delta.signum() {
                1 => s.heap_locked.saturating_add(1),
                -1 => s.heap_locked.saturating_sub(1),
                _ => s.heap_locked,
            };
            s.heap_locked
        })
    }

    /// Console output: bytes as the script wrote them; `\n` goes out as `\r\n` like on the board.
    #[pyfunction]
    fn console_write(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        let bytes = data.borrow_buf();
        let mut cooked = Vec::with_capacity(bytes.len() + 8);
        for &b in bytes.iter() {
            if b == b'\n' {
                cooked.push(b'\r');
            }
            cooked.push(b);
        }
        let n = bytes.len();
        drop(bytes);
        let (stop, pump) = state(vm, |s| {
            s.output(&cooked);
            (s.stop.is_some(), s.dupterm_active)
        })?;
        if stop {
            sim::check(vm)?;
        }
        if pump {
            sim::dupterm_pump(vm)?;
        }
        Ok(n)
    }

    /// Bytes waiting on the console input.
    #[pyfunction]
    fn console_any(vm: &VirtualMachine) -> PyResult<usize> {
        sim::check(vm)?;
        sim::dupterm_pump(vm)?;
        state(vm, |s| s.term_len())
    }

    /// Reads up to `n` bytes from the console, waiting for at least one (or `timeout_ms`, -1 = forever).
    #[pyfunction]
    fn console_read(
        n: usize,
        timeout_ms: OptionalArg<i64>,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        let timeout = timeout_ms.unwrap_or(-1);
        let start = state(vm, |s| s.clock.now_us())?;
        loop {
            sim::check(vm)?;
            sim::dupterm_pump(vm)?;
            let got = state(vm, |s| {
                let mut got = Vec::new();
                while got.len() < n {
                    match s.term_pop() {
                        Some(b) => got.push(b),
                        None => break,
                    }
                }
                got
            })?;
            if !got.is_empty() || n == 0 {
                return Ok(got);
            }
            if timeout >= 0 {
                let now = state(vm, |s| s.clock.now_us())?;
                if now >= start + u64::try_from(timeout).unwrap_or(0) * 1000 {
                    return Ok(got);
                }
            }
            sim::sleep_us(vm, 1000, true)?;
        }
    }

    /// Opens UART `id` on the board's side: its receive buffer holds `rxbuf` bytes (not the
    /// console's, which is the REPL's).
    #[pyfunction]
    fn uart_open(id: u32, rxbuf: usize, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            if !s.is_console_uart(id) {
                let entry = s
                    .uart_rx
                    .entry(id)
                    .or_insert_with(|| (std::collections::VecDeque::new(), rxbuf));
                entry.1 = rxbuf;
                while entry.0.len() > rxbuf {
                    entry.0.pop_back();
                }
            }
        })
    }

    /// Transmits on UART `id`: the console UART's wire, or the UART's host link.
    #[pyfunction]
    fn uart_write(id: u32, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        let bytes = data.borrow_buf().to_vec();
        state(vm, |s| {
            if s.is_console_uart(id) {
                s.wire(&bytes);
            } else {
                s.uart_tx(id, &bytes);
            }
        })?;
        sim::check(vm)?;
        Ok(bytes.len())
    }

    /// Bytes received on UART `id` and not read yet.
    #[pyfunction]
    fn uart_any(id: u32, vm: &VirtualMachine) -> PyResult<usize> {
        sim::check(vm)?;
        state(vm, |s| uart_queue(s, id).map_or(0, |q| q.len()))
    }

    /// Reads up to `n` bytes from UART `id`: waits `timeout_ms` for the first, then
    /// `timeout_char_ms` for each next one. `None` when nothing came.
    #[pyfunction]
    fn uart_read(
        id: u32,
        n: usize,
        timeout_ms: u64,
        timeout_char_ms: u64,
        vm: &VirtualMachine,
    ) -> PyResult<Option<Vec<u8>>> {
        let mut got: Vec<u8> = Vec::new();
        let mut wait_ms = timeout_ms;
        loop {
            sim::check(vm)?;
            let start = state(vm, |s| s.clock.now_us())?;
            loop {
                let more = state(vm, |s| {
                    let q = uart_queue(s, id)?;
                    let k = (n - got.len()).min(q.len());
                    Some(q.drain(..k).collect::<Vec<u8>>())
                })?
                .unwrap_or_default();
                if !more.is_empty() {
                    got.extend(more);
                    break;
                }
                let now = state(vm, |s| s.clock.now_us())?;
                let deadline = start.saturating_add(wait_ms.saturating_mul(1000));
                if now >= deadline {
                    return Ok((!got.is_empty()).then_some(got));
                }
                sim::sleep_us(vm, (deadline - now).min(1000), true)?;
            }
            if got.len() >= n {
                return Ok(Some(got));
            }
            wait_ms = timeout_char_ms;
        }
    }

    fn uart_queue(s: &mut sim::SimState, id: u32) -> Option<&mut std::collections::VecDeque<u8>> {
        if s.is_console_uart(id) {
            Some(&mut s.input)
        } else {
            s.uart_rx.get_mut(&id).map(|(q, _)| q)
        }
    }

    /// `os.dupterm` bookkeeping: whether the REPL is on the console UART, and whether Python
    /// streams are attached.
    #[pyfunction]
    fn dupterm_set(on_uart: bool, streams: bool, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            s.term_on_uart = on_uart;
            s.dupterm_active = streams;
            if !streams {
                s.dupterm_out.clear();
                s.dupterm_in.clear();
            }
        })
    }

    /// Terminal output waiting for the dupterm streams (taken).
    #[pyfunction]
    fn dupterm_take(vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        state(vm, |s| std::mem::take(&mut s.dupterm_out))
    }

    /// Terminal input a dupterm stream gave.
    #[pyfunction]
    fn dupterm_input(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let bytes = data.borrow_buf().to_vec();
        state(vm, |s| s.dupterm_input(&bytes))
    }

    /// `micropython.kbd_intr`: the byte that raises KeyboardInterrupt (-1: none).
    #[pyfunction]
    fn kbd_intr(c: i64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.interrupt_char = i32::try_from(c).unwrap_or(-1))
    }

    /// Requests a reboot ("hard", "soft", "deepsleep") and unwinds the program.
    #[pyfunction]
    fn reboot(kind: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        let kind = match kind.as_str() {
            "hard" => Reboot::Hard,
            "soft" => Reboot::Soft,
            "deepsleep" => Reboot::DeepSleep,
            "watchdog" => Reboot::Watchdog,
            other => return Err(vm.new_value_error(format!("unknown reset kind {other}"))),
        };
        state(vm, |s| s.reboot = Some(kind))?;
        Err(vm.new_exception_empty(vm.ctx.exceptions.system_exit.to_owned()))
    }

    /// Current CPU frequency; with an argument, sets it (it must be one the board supports).
    #[pyfunction]
    fn cpu_freq(f: OptionalArg<u64>, vm: &VirtualMachine) -> PyResult<u64> {
        if let OptionalArg::Present(f) = f {
            let ok = state(vm, |s| s.board.spec.cpu_freqs.contains(&f))?;
            if !ok {
                return Err(vm.new_value_error("frequency can only be either 80Mhz or 160MHz"));
            }
            state(vm, |s| s.cpu_freq = f)?;
        }
        state(vm, |s| s.cpu_freq)
    }

    /// Makes `array.array` hand out board floats (see float32.rs).
    #[pyfunction]
    fn round_array(array: PyObjectRef, iterator: PyObjectRef) {
        crate::float32::round_array(&array, &iterator);
    }

    /// Makes a freshly imported `math` (or `cmath`) compute and return the board's floats.
    #[pyfunction]
    fn round_math(module: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        heap::untracked(|| crate::float32::round_math(vm, &module))
    }

    /// `@micropython.native` (grammar.rs writes `@__native__` in its place): the function runs
    /// as bytecode, but like the firmware's machine code it has no `__code__`.
    #[pyfunction]
    fn native_code(f: PyObjectRef, vm: &VirtualMachine) -> PyObjectRef {
        crate::methods::mark_native(&f, vm);
        f
    }

    /// Makes a module read-only, as a module in the firmware's ROM is (see methods.rs).
    #[pyfunction]
    fn seal(module: PyObjectRef) {
        crate::methods::seal_module(&module);
    }

    /// Calls `f(*args)` with the heap accounting off (imports of frozen modules live in ROM).
    #[pyfunction]
    fn untracked(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        let mut args = args;
        if args.args.is_empty() {
            return Err(vm.new_type_error("untracked() needs a callable"));
        }
        let f = args.args.remove(0);
        // The arguments are the script's: let go of outside, where they were counted.
        let r = heap::untracked(|| f.call(args.clone(), vm));
        drop(args);
        r
    }

    /// `builtins.__import__` on the board: the interpreter's own, with the heap accounting off.
    /// Modules are firmware (frozen) or compiled from flash; neither counts against the script's heap.
    #[pyfunction]
    fn import_untracked(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        if let Some(name) = args.args.first() {
            crate::methods::check_name_length(name, vm)?;
        }
        // The names and lists the statement passes are the script's: let go of outside, where
        // they were counted (freed inside, they would never be given back to the heap).
        let r = heap::untracked(|| vm.import_func.call(args.clone(), vm));
        drop(args);
        r
    }

    /// The text of `compile`/`exec`/`eval`'s source: str, or bytes that are UTF-8.
    fn source_text(source: &PyObjectRef, vm: &VirtualMachine) -> PyResult<String> {
        if let Some(s) = source.downcast_ref::<rustpython_vm::builtins::PyStr>() {
            return Ok(s.to_string());
        }
        let b = ArgBytesLike::try_from_object(vm, source.clone())
            .map_err(|_| vm.new_type_error("can't convert to str implicitly"))?;
        let text = String::from_utf8(b.borrow_buf().to_vec());
        text.map_err(|_| {
            vm.new_exception_msg(
                vm.ctx.exceptions.syntax_error.to_owned(),
                "invalid syntax".into(),
            )
        })
    }

    /// `compile(source, filename, mode)`: the board's builtin (extra arguments are accepted and
    /// ignored, as there).
    #[pyfunction]
    fn compile(
        source: PyObjectRef,
        filename: PyObjectRef,
        mode: PyUtf8StrRef,
        _flags: OptionalArg<PyObjectRef>,
        _dont_inherit: OptionalArg<PyObjectRef>,
        _optimize: OptionalArg<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult<PyRef<PyCode>> {
        let mode = match mode.as_str() {
            "exec" => Mode::Exec,
            "eval" => Mode::Eval,
            "single" => Mode::Single,
            _ => return Err(vm.new_value_error("bad compile mode")),
        };
        let filename = filename.str(vm)?.to_string();
        crate::interp::compile(vm, &source_text(&source, vm)?, mode, &filename)
    }

    /// Runs `exec`/`eval`'s source (compiled as `<string>` if it is text) in the scope they name:
    /// the caller's globals and locals by default.
    fn run_source(
        source: PyObjectRef,
        globals: OptionalArg<PyObjectRef>,
        locals: OptionalArg<PyObjectRef>,
        mode: Mode,
        vm: &VirtualMachine,
    ) -> PyResult {
        let code = match source.downcast::<PyCode>() {
            Ok(code) => code,
            Err(source) => {
                crate::interp::compile(vm, &source_text(&source, vm)?, mode, "<string>")?
            }
        };
        if !code.freevars.is_empty() {
            return Err(vm.new_type_error("code object may not contain free variables"));
        }
        let given = |a: OptionalArg<PyObjectRef>| a.into_option().filter(|o| !vm.is_none(o));
        let locals = match given(locals) {
            Some(l) => Some(ArgMapping::try_from_object(vm, l)?),
            None => None,
        };
        let scope = match given(globals) {
            Some(g) => {
                let g = g
                    .downcast::<rustpython_vm::builtins::PyDict>()
                    .map_err(|_| vm.new_type_error("globals must be a dict"))?;
                Scope::with_builtins(locals, g, vm)
            }
            None => {
                let locals = match locals {
                    Some(l) => l,
                    None => vm.current_locals()?,
                };
                Scope::with_builtins(Some(locals), vm.current_globals(), vm)
            }
        };
        vm.run_code_obj(code, scope)
    }

    /// `exec(source[, globals[, locals]])`.
    #[pyfunction]
    fn exec(
        source: PyObjectRef,
        globals: OptionalArg<PyObjectRef>,
        locals: OptionalArg<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        run_source(source, globals, locals, Mode::Exec, vm).map(drop)
    }

    /// `eval(source[, globals[, locals]])`.
    #[pyfunction]
    fn eval(
        source: PyObjectRef,
        globals: OptionalArg<PyObjectRef>,
        locals: OptionalArg<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult {
        run_source(source, globals, locals, Mode::Eval, vm)
    }

    /// A compiled expression. The script's `re` object owns it, so each pattern keeps its own
    /// engine however many others are compiled after it.
    #[pyattr]
    #[pyclass(name = "Regex")]
    #[derive(Debug, PyPayload)]
    struct Regex {
        re: regex::bytes::Regex,
    }

    #[pyclass]
    impl Regex {}

    /// Compiles a regular expression for `re_exec`. Flags: 1 = IGNORECASE, 2 = MULTILINE.
    #[pyfunction]
    fn re_compile(pattern: PyUtf8StrRef, flags: u32, vm: &VirtualMachine) -> PyResult<Regex> {
        let pat = pattern.as_str();
        // Recently compiled patterns are kept (engines are cheap to clone), so a loop calling
        // `re.match(PATTERN, …)` does not build the engine every time.
        let cached = state(vm, |s| {
            s.regexes
                .iter()
                .find(|(p, f, _)| p == pat && *f == flags)
                .map(|(_, _, re)| re.clone())
        })?;
        if let Some(re) = cached {
            return Ok(Regex { re });
        }
        // The engine's tables are the simulator's, not the board's: keep them off the heap budget.
        let re = heap::untracked(|| {
            regex::bytes::RegexBuilder::new(pat)
                .case_insensitive(flags & 1 != 0)
                .multi_line(flags & 2 != 0)
                .unicode(false)
                .size_limit(1 << 20)
                .build()
        })
        .map_err(|e| {
            let msg = match e {
                regex::Error::CompiledTooBig(_) => "regex too big".to_owned(),
                _ => "Error in regex".to_owned(),
            };
            vm.new_value_error(msg)
        })?;
        let keep = re.clone();
        heap::untracked(|| {
            state(vm, |s| {
                if s.regexes.len() >= 32 {
                    s.regexes.remove(0);
                }
                s.regexes.push((pat.to_owned(), flags, keep));
            })
        })?;
        Ok(Regex { re })
    }

    /// Number of groups (without group 0) of a compiled expression.
    #[pyfunction]
    fn re_groups(re: PyRef<Regex>) -> usize {
        re.re.captures_len() - 1
    }

    /// Searches `data[pos:]` (anchored at `pos` when `anchored`); returns the group spans
    /// (-1, -1 for groups that did not take part) or None.
    #[pyfunction]
    fn re_exec(
        re: PyRef<Regex>,
        data: ArgBytesLike,
        pos: usize,
        anchored: bool,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let buf = data.borrow_buf();
        let pos = pos.min(buf.len());
        let found = re.re.captures_at(&buf, pos).and_then(|caps| {
            let m0 = caps.get(0)?;
            if anchored && m0.start() != pos {
                return None;
            }
            Some(
                (0..caps.len())
                    .map(|i| {
                        caps.get(i)
                            .map_or((-1, -1), |m| (m.start() as i64, m.end() as i64))
                    })
                    .collect::<Vec<_>>(),
            )
        });
        Ok(match found {
            None => vm.ctx.none(),
            Some(spans) => vm
                .ctx
                .new_list(
                    spans
                        .into_iter()
                        .map(|(a, b)| {
                            vm.ctx
                                .new_tuple(vec![vm.ctx.new_int(a).into(), vm.ctx.new_int(b).into()])
                                .into()
                        })
                        .collect(),
                )
                .into(),
        })
    }

    /// MicroPython's errno table: the names it prints (`[Errno 2] ENOENT`).
    pub(crate) const ERRNO_NAMES: &[(i32, &str)] = &[
        (1, "EPERM"),
        (2, "ENOENT"),
        (5, "EIO"),
        (9, "EBADF"),
        (11, "EAGAIN"),
        (12, "ENOMEM"),
        (13, "EACCES"),
        (17, "EEXIST"),
        (19, "ENODEV"),
        (21, "EISDIR"),
        (22, "EINVAL"),
        (95, "EOPNOTSUPP"),
        (98, "EADDRINUSE"),
        (103, "ECONNABORTED"),
        (104, "ECONNRESET"),
        (105, "ENOBUFS"),
        (107, "ENOTCONN"),
        (110, "ETIMEDOUT"),
        (111, "ECONNREFUSED"),
        (113, "EHOSTUNREACH"),
        (114, "EALREADY"),
        (115, "EINPROGRESS"),
    ];

    /// `OSError` as MicroPython raises it: `e.errno == n`, `e.args[0] == n`, and `str(e)` is
    /// `[Errno 2] ENOENT` for names in its table, the bare number otherwise.
    pub(crate) fn os_error(vm: &VirtualMachine, errno: i32) -> PyBaseExceptionRef {
        let args = vec![vm.ctx.new_int(errno).into()];
        let e = vm.new_exception(vm.ctx.exceptions.os_error.to_owned(), args);
        let _ = e.as_object().set_attr("errno", vm.ctx.new_int(errno), vm);
        e
    }

    /// The OSError for errno `n`, for the frozen modules to raise.
    #[pyfunction]
    fn oserror(n: i32, vm: &VirtualMachine) -> PyBaseExceptionRef {
        os_error(vm, n)
    }

    fn flash_op<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mpsim_vfs::Flash) -> Result<R, mpsim_vfs::VfsError>,
    ) -> PyResult<R> {
        // The FAT layer's own buffers are the simulator's, not the board's heap. Files carry the
        // board's RTC time.
        let r = heap::untracked(|| {
            state(vm, |s| {
                let now = i64::try_from(s.clock.now_us()).unwrap_or(i64::MAX);
                let rtc = now.saturating_add(s.rtc_offset_us) / 1_000_000;
                mpsim_vfs::set_stamp_time(Some(rtc));
                s.flash.as_ref().map(f)
            })
        })?;
        match r {
            None => Err(os_error(vm, 19)),
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(os_error(vm, e.errno())),
        }
    }

    /// (is_dir, size, mtime) of a path on the flash.
    #[pyfunction]
    fn fs_stat(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<(bool, u64, u64)> {
        let e = flash_op(vm, |f| f.stat(path.as_str()))?;
        Ok((e.is_dir, e.size, e.mtime))
    }

    /// [(name, is_dir, size)] of a flash directory.
    #[pyfunction]
    fn fs_listdir(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let entries = flash_op(vm, |f| f.listdir(path.as_str()))?;
        Ok(vm
            .ctx
            .new_list(
                entries
                    .into_iter()
                    .map(|e| {
                        vm.ctx
                            .new_tuple(vec![
                                vm.ctx.new_str(e.name).into(),
                                vm.ctx.new_bool(e.is_dir).into(),
                                vm.ctx.new_int(e.size).into(),
                            ])
                            .into()
                    })
                    .collect(),
            )
            .into())
    }

    #[pyfunction]
    fn fs_mkdir(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.mkdir(path.as_str()))
    }

    #[pyfunction]
    fn fs_rmdir(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.rmdir(path.as_str()))
    }

    #[pyfunction]
    fn fs_remove(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.remove(path.as_str()))
    }

    #[pyfunction]
    fn fs_rename(from: PyUtf8StrRef, to: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.rename(from.as_str(), to.as_str()))
    }

    /// Creates (or truncates) a file.
    #[pyfunction]
    fn fs_create(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.create(path.as_str()))
    }

    /// Up to `n` bytes of a file from `offset`.
    #[pyfunction]
    fn fs_read(
        path: PyUtf8StrRef,
        offset: u64,
        n: usize,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        flash_op(vm, |f| f.read_at(path.as_str(), offset, n))
    }

    /// Writes at `offset`; returns the count written (ENOSPC when nothing fits).
    #[pyfunction]
    fn fs_write(
        path: PyUtf8StrRef,
        offset: u64,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<usize> {
        let bytes = data.borrow_buf().to_vec();
        flash_op(vm, |f| f.write_at(path.as_str(), offset, &bytes))
    }

    #[pyfunction]
    fn fs_truncate(path: PyUtf8StrRef, len: u64, vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, |f| f.truncate(path.as_str(), len))
    }

    /// (block size, blocks, free blocks) of the flash volume.
    #[pyfunction]
    fn fs_statvfs(vm: &VirtualMachine) -> PyResult<(u32, u32, u32)> {
        let s = flash_op(vm, mpsim_vfs::Flash::stats)?;
        Ok((s.block_size, s.blocks, s.free))
    }

    #[pyfunction]
    fn fs_sync(vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, mpsim_vfs::Flash::sync)
    }

    /// A seed for the board's random generators: fixed in virtual time, fresh in real time.
    #[pyfunction]
    fn entropy(vm: &VirtualMachine) -> PyResult<u64> {
        state(vm, |s| {
            s.seed = s
                .seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s.seed >> 1
        })
    }
}

/// Stands in for the interpreter's `_ast`, which it imports while it starts (building its hundred-odd
/// node classes: 1-2 ms of every start). MicroPython has no `ast`; nothing on the board uses it, and
/// `compile` is ours (see [`crate::interp::compile`]), so an empty module takes its place.
#[rustpython_vm::pymodule(name = "_ast")]
mod ast_stand_in {}

pub(crate) use ast_stand_in::module_def as ast_stand_in_def;
