//! `_mpsim`: the one native module through which the frozen MicroPython modules (py/) reach the
//! board, the clock and the console. Scripts may import it, but it gives nothing the board lacks.

pub(crate) use _mpsim::module_def;

mod console;
mod crypto;
mod fatvol;
mod flash;
mod lfsvol;
pub(crate) mod net;
mod pins;
mod radio;
mod re;
mod scheduler;
pub(crate) mod tls;

#[rustpython_vm::pymodule(with(
    pins::area,
    console::area,
    crypto::area,
    fatvol::area,
    lfsvol::area,
    flash::area,
    scheduler::area,
    radio::area,
    re::area
))]
pub(crate) mod _mpsim {
    use crate::api::Reboot;
    use crate::errors::os_error;
    use crate::runtime;
    use crate::state::with_state;
    use crate::{clock::TimeMode, heap};
    use mpsim_board_models::PinError;
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyCode, PyDictRef, PyUtf8StrRef};
    use rustpython_vm::compiler::Mode;
    use rustpython_vm::function::{ArgBytesLike, ArgMapping, FuncArgs, OptionalArg};
    use rustpython_vm::scope::Scope;
    use rustpython_vm::{PyObjectRef, PyRef, PyResult, TryFromObject, VirtualMachine};

    pub(crate) fn no_state(vm: &VirtualMachine) -> PyBaseExceptionRef {
        vm.new_runtime_error("board not running")
    }

    pub(crate) fn state<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut crate::state::SimState) -> R,
    ) -> PyResult<R> {
        with_state(f).ok_or_else(|| no_state(vm))
    }

    pub(crate) fn pin_err(vm: &VirtualMachine, e: PinError) -> PyBaseExceptionRef {
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
        let (t, due, held) = state(vm, |s| {
            let t = s.clock.read_us();
            (
                t,
                s.clock.mode() == TimeMode::Virtual && s.due_by(t),
                t >= s.horizon(),
            )
        })?;
        if held {
            runtime::hold_at_horizon(vm)?;
        }
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
            t.wrapping_mul(s.chip.cpu_freq() / 1_000_000)
        })
    }

    /// Sleeps `us` of simulated time, running IRQs and timers meanwhile.
    #[pyfunction]
    fn sleep_us(us: i64, until_notified: OptionalArg<bool>, vm: &VirtualMachine) -> PyResult<()> {
        let us = u64::try_from(us).unwrap_or(0);
        runtime::sleep_us(vm, us, until_notified.unwrap_or(false))
    }

    /// `micropython.opt_level([level])`: the level the next compiles use; returns the level.
    #[pyfunction]
    fn opt_level(level: OptionalArg<i64>) -> i64 {
        use std::sync::atomic::Ordering;
        if let OptionalArg::Present(l) = level {
            let l = u8::try_from(l.clamp(0, 3)).unwrap_or(0);
            crate::compile::OPT_LEVEL.store(l, Ordering::Relaxed);
        }
        i64::from(crate::compile::OPT_LEVEL.load(Ordering::Relaxed))
    }

    /// Ends a `sleep_us(…, True)` early (asyncio's wake-up).
    #[pyfunction]
    fn notify() {
        runtime::notify();
    }

    /// Runs pending callbacks and raises what is pending, like an instruction boundary does.
    #[pyfunction]
    fn service(vm: &VirtualMachine) -> PyResult<()> {
        runtime::service(vm)
    }

    /// `gc.collect()`: what freed objects still hold goes back to the heap, then what is due runs.
    #[pyfunction]
    fn collect(vm: &VirtualMachine) -> PyResult<()> {
        runtime::release_retained(vm);
        runtime::service(vm)
    }

    /// Microseconds since the port's epoch on the board's RTC.
    #[pyfunction]
    fn rtc_us(vm: &VirtualMachine) -> PyResult<i64> {
        state(vm, |s| s.chip.rtc_us(s.clock.now_us()))
    }

    /// Sets the RTC to `us` microseconds since the port's epoch.
    #[pyfunction]
    fn rtc_set_us(us: i64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.chip.set_rtc_us(now, us);
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
            (
                s.board.spec.clone(),
                s.memory.size(),
                s.chip.reset_cause(),
                s.chip.cpu_freq(),
            )
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
        set("heap_base", vm.ctx.new_int(spec.heap_base).into())?;
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
        set("fs_size", vm.ctx.new_int(spec.fs_size).into())?;
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
        let spi = vm.ctx.new_dict();
        for bus in &spec.spi {
            let pins = vm.ctx.new_tuple(vec![
                vm.ctx.new_int(bus.sck).into(),
                vm.ctx.new_int(bus.mosi).into(),
                vm.ctx.new_int(bus.miso).into(),
            ]);
            let key: PyObjectRef = vm.ctx.new_int(bus.id).into();
            spi.set_item(&*key, pins.into(), vm)?;
        }
        set("spi", spi.into())?;
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
        let listed: Option<Vec<PyObjectRef>> = spec.firmware_modules.as_ref().map(|m| {
            m.names
                .iter()
                .filter(|n| !m.left_out.contains_key(*n))
                .map(|n| vm.ctx.new_str(n.as_str()).into())
                .collect()
        });
        set(
            "firmware_modules",
            listed.map_or_else(|| vm.ctx.none(), |l| vm.ctx.new_list(l).into()),
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
        let argv = state(vm, |s| s.argv().to_vec())?;
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
        set("seed", vm.ctx.new_int(state(vm, |s| s.seed())?).into())?;
        Ok(d)
    }

    pub(crate) fn board_op<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut mpsim_board_models::Board) -> Result<R, PinError>,
    ) -> PyResult<R> {
        let (r, edges) = state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            let r = f(&mut s.board);
            s.flush_exports();
            let edge_with_irq = s.sched.has_irqs();
            (r, edge_with_irq)
        })?;
        if edges {
            with_state(|s| s.shared.poke());
        }
        r.map_err(|e| pin_err(vm, e))
    }

    /// How many references hold `obj` (the call's own argument among them): the memory map
    /// behind `uctypes.addressof` lets go of a buffer that only the map still holds.
    #[pyfunction]
    fn refcount(obj: PyObjectRef) -> usize {
        obj.strong_count()
    }

    /// (used, total) bytes of the board's heap, as `gc.mem_alloc()`/`gc.mem_free()` report them.
    #[pyfunction]
    fn heap_stats(vm: &VirtualMachine) -> PyResult<(u64, u64)> {
        heap::reweigh();
        state(vm, |s| {
            let used = u64::try_from(heap::used()).unwrap_or(0);
            (used.min(s.memory.size()), s.memory.size())
        })
    }

    /// `micropython.heap_lock`/`heap_unlock`/`heap_locked`: the lock depth after adding `delta`
    /// (+1, -1 or 0). The depth is kept as the board keeps it; allocations are not refused while it
    /// is non-zero, because calling back into Python always allocates here.
    #[pyfunction]
    fn heap_lock(delta: i64, vm: &VirtualMachine) -> PyResult<u32> {
        state(vm, |s| s.memory.lock(delta))
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
        state(vm, |s| s.run.reboot_after(kind))?;
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
            state(vm, |s| s.chip.set_cpu_freq(f))?;
        }
        state(vm, |s| s.chip.cpu_freq())
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
        crate::compile::compile(vm, &source_text(&source, vm)?, mode, &filename)
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
                crate::compile::compile(vm, &source_text(&source, vm)?, mode, "<string>")?
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

    /// The OSError for errno `n`, for the frozen modules to raise.
    #[pyfunction]
    fn oserror(n: i32, vm: &VirtualMachine) -> PyBaseExceptionRef {
        os_error(vm, n)
    }

    /// A seed for the board's random generators: fixed in virtual time, fresh in real time.
    #[pyfunction]
    fn entropy(vm: &VirtualMachine) -> PyResult<u64> {
        state(vm, crate::state::SimState::entropy)
    }
}

/// Stands in for the interpreter's `_ast`, which it imports while it starts (building its hundred-odd
/// node classes: 1-2 ms of every start). MicroPython has no `ast`; nothing on the board uses it, and
/// `compile` is ours (see [`crate::compile::compile`]), so an empty module takes its place.
#[rustpython_vm::pymodule(name = "_ast")]
mod ast_stand_in {}

pub(crate) use ast_stand_in::module_def as ast_stand_in_def;

/// The interpreter's own modules that reach into its internals (`_testinternalcapi` builds code
/// objects from bytes and reports host addresses, `marshal` makes them from bytes; subinterpreters,
/// the symbol table, the host's build configuration): no firmware has them, and no script may have them. Each name gets a
/// module of ours in their place whose loading fails as a missing module's does, so no path to
/// the interpreter's (`import`, `_imp.create_builtin`) remains.
const INTERNALS: &[&str] = &[
    "_testinternalcapi",
    "_interpreters",
    "_interpchannels",
    "_interpqueues",
    "_symtable",
    "_sysconfig",
    "_sysconfigdata",
    // Code objects from bytes: the way to hand the interpreter bytecode a script made.
    "marshal",
];

fn refuse_module(
    vm: &rustpython_vm::VirtualMachine,
    module: &rustpython_vm::Py<rustpython_vm::builtins::PyModule>,
) -> rustpython_vm::PyResult<()> {
    use rustpython_vm::AsObject;
    let name = module
        .as_object()
        .get_attr("__name__", vm)
        .ok()
        .and_then(|n| n.downcast::<rustpython_vm::builtins::PyStr>().ok())
        .unwrap_or_else(|| vm.ctx.new_str("?"));
    // It went into sys.modules (under the name asked for) before this ran: take it out again.
    if let Ok(mods) = vm.sys_module.get_attr("modules", vm)
        && let Some(d) = mods.downcast_ref::<rustpython_vm::builtins::PyDict>()
    {
        let keys: Vec<_> = d
            .items_vec()
            .into_iter()
            .filter(|(_, v)| v.is(module.as_object()))
            .map(|(k, _)| k)
            .collect();
        for k in keys {
            let _ = d.del_item(&*k, vm);
        }
    }
    Err(vm.new_import_error(format!("no module named '{}'", name.as_wtf8()), name))
}

/// Module definitions that take the places of [`INTERNALS`] (made once per thread that builds
/// interpreters: the definitions hold the interpreter's strings, which stay on their thread).
pub(crate) fn refused_internals(
    ctx: &rustpython_vm::Context,
) -> Vec<&'static rustpython_vm::builtins::PyModuleDef> {
    use rustpython_vm::builtins::{PyModuleDef, PyModuleSlots};
    thread_local! {
        static DEFS: std::cell::RefCell<Vec<&'static PyModuleDef>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    DEFS.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_empty() {
            for &n in INTERNALS {
                let def: &'static PyModuleDef = Box::leak(Box::new(PyModuleDef {
                    name: ctx.intern_str(n),
                    doc: None,
                    methods: &[],
                    slots: PyModuleSlots {
                        create: None,
                        exec: Some(refuse_module),
                    },
                }));
                d.push(def);
            }
        }
        d.clone()
    })
}
