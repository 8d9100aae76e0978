//! One area of `_mpsim` (the native module, `native.rs`): pins, PWM, ADC, the LED matrix and
//! strips, the speaker, the I2C parts, the accelerometer and its gestures.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::native::_mpsim::{board_op, pin_err, state};
    use mpsim_board_models::{PinError, PinMode, Pull};
    use rustpython_vm::builtins::PyUtf8StrRef;
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

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

    /// Reads the level on the pin. While a part of the circuit will change something on its
    /// own, a read costs a little virtual time, so that a loop polling a pin sees it change.
    #[pyfunction]
    fn pin_read(gpio: u32, vm: &VirtualMachine) -> PyResult<bool> {
        state(vm, |s| {
            if s.board.next_part_event().is_some() {
                // About what a pin read from Python takes on the boards.
                s.clock.spend(2);
            }
        })?;
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
        let handler = (!vm.is_none(&handler)).then_some(handler);
        state(vm, |s| {
            if handler.is_some() && trigger != 0 {
                // Edges from before the IRQ existed must not fire it.
                let _ = s.board.take_edges();
            }
            s.sched.set_irq(gpio, trigger, handler, arg);
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

    /// The chips of the circuit on I2C buses: (SCL GPIO, SDA GPIO, address) each.
    #[pyfunction]
    fn i2c_parts(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let devices = state(vm, |s| s.board.i2c_devices())?;
        let items = devices
            .into_iter()
            .map(|(scl, sda, addr)| {
                let t: Vec<PyObjectRef> = vec![
                    vm.ctx.new_int(scl).into(),
                    vm.ctx.new_int(sda).into(),
                    vm.ctx.new_int(addr).into(),
                ];
                vm.ctx.new_tuple(t).into()
            })
            .collect();
        Ok(vm.ctx.new_list(items).into())
    }

    fn now_board<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mut mpsim_board_models::Board) -> R,
    ) -> PyResult<R> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            f(&mut s.board)
        })
    }

    /// An I2C write to the chips at `addr` on the bus (scl, sda); false: nothing acknowledged.
    #[pyfunction]
    fn i2c_part_write(
        scl: u32,
        sda: u32,
        addr: u8,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<bool> {
        let data = data.borrow_buf().to_vec();
        now_board(vm, |b| b.i2c_write(scl, sda, addr, &data))
    }

    /// An I2C read of `n` bytes from the chips at `addr`; None: nothing acknowledged.
    #[pyfunction]
    fn i2c_part_read(
        scl: u32,
        sda: u32,
        addr: u8,
        n: usize,
        vm: &VirtualMachine,
    ) -> PyResult<Option<Vec<u8>>> {
        now_board(vm, |b| b.i2c_read(scl, sda, addr, n.min(1 << 16)))
    }

    /// An SPI transfer on the pins (sck, mosi): the bytes the selected parts drive on MISO.
    #[pyfunction]
    fn spi_transfer(
        sck: u32,
        mosi: u32,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        let data = data.borrow_buf().to_vec();
        now_board(vm, |b| b.spi_transfer(sck, mosi, &data))
    }

    /// A 1-Wire reset pulse on `gpio`: whether a device answered.
    #[pyfunction]
    fn ow_reset(gpio: u32, vm: &VirtualMachine) -> PyResult<bool> {
        now_board(vm, |b| b.ow_reset(gpio))
    }

    /// A 1-Wire time slot on `gpio` writing `bit` (1 also reads): the level the line had.
    #[pyfunction]
    fn ow_slot(gpio: u32, bit: bool, vm: &VirtualMachine) -> PyResult<bool> {
        now_board(vm, |b| b.ow_slot(gpio, bit))
    }

    /// What a DHT sensor on `gpio` answers a start signal with (5 bytes), or None.
    #[pyfunction]
    fn dht_read(gpio: u32, vm: &VirtualMachine) -> PyResult<Option<Vec<u8>>> {
        now_board(vm, |b| b.dht_read(gpio).map(|f| f.to_vec()))
    }

    /// Whether both pins of the bus (scl, sda) are wired to another board.
    #[pyfunction]
    fn i2c_linked(scl: u32, sda: u32, vm: &VirtualMachine) -> PyResult<bool> {
        state(vm, |s| s.board.is_exported(scl) && s.board.is_exported(sda))
    }

    /// A transfer to another board's I2C target at `addr`: `data` written (`read` 0) or `read`
    /// bytes read; None when nothing acknowledged.
    #[pyfunction]
    fn i2c_remote(
        scl: u32,
        sda: u32,
        addr: u8,
        data: ArgBytesLike,
        read: u32,
        vm: &VirtualMachine,
    ) -> PyResult<Option<Vec<u8>>> {
        let data = data.borrow_buf().to_vec();
        state(vm, |_| ())?;
        Ok(crate::runtime::i2c_remote(crate::api::I2cTransfer {
            scl,
            sda,
            addr,
            data,
            read,
        }))
    }

    /// Registers an I2C target (memory mode when `mem` is a bytearray); returns its key.
    #[pyfunction]
    fn i2c_target_add(
        scl: u32,
        sda: u32,
        addr: u8,
        mem: PyObjectRef,
        mem_addrsize: u32,
        obj: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<u64> {
        let mem = (!vm.is_none(&mem)).then_some(mem);
        state(vm, |s| {
            let key = s.i2c_request_id();
            s.i2c_targets
                .retain(|t| !(t.scl == scl && t.sda == sda && t.addr == addr));
            s.i2c_targets.push(crate::state::I2cTarget {
                key,
                scl,
                sda,
                addr,
                mem,
                addr_bytes: u8::try_from(mem_addrsize / 8).unwrap_or(4),
                memaddr: 0,
                obj,
                handler: None,
                trigger: 0,
                flags: 0,
            });
            key
        })
    }

    /// Forgets an I2C target.
    #[pyfunction]
    fn i2c_target_remove(key: u64, vm: &VirtualMachine) -> PyResult<()> {
        state(vm, |s| s.i2c_targets.retain(|t| t.key != key))
    }

    /// Sets a target's IRQ handler (None: none) and triggers.
    #[pyfunction]
    fn i2c_target_irq(
        key: u64,
        handler: PyObjectRef,
        trigger: u32,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let handler = (!vm.is_none(&handler)).then_some(handler);
        state(vm, |s| {
            if let Some(t) = s.i2c_targets.iter_mut().find(|t| t.key == key) {
                t.handler = handler;
                t.trigger = trigger;
            }
        })
    }

    /// A target's memory address and the flags of its last event.
    #[pyfunction]
    fn i2c_target_state(key: u64, vm: &VirtualMachine) -> PyResult<(u32, u32)> {
        state(vm, |s| {
            s.i2c_targets
                .iter()
                .find(|t| t.key == key)
                .map_or((0, 0), |t| (t.memaddr, t.flags))
        })
    }

    /// The Dallas/Maxim CRC-8 of `data` (1-Wire ROMs and scratchpads).
    #[pyfunction]
    fn crc8(data: ArgBytesLike) -> u8 {
        mpsim_board_models::circuit::crc8(&data.borrow_buf())
    }

    /// Simulated µs of `gpio`'s last level change.
    #[pyfunction]
    fn pin_changed_at(gpio: u32, vm: &VirtualMachine) -> PyResult<u64> {
        board_op(vm, |b| b.pin(gpio).map(|p| p.changed_at))
    }

    /// Microseconds until something changes on its own (a part's output, a scripted input, a
    /// timer), capped at `cap`; what a busy wait on a pin may sleep.
    #[pyfunction]
    fn quiet_us(cap: i64, vm: &VirtualMachine) -> PyResult<i64> {
        state(vm, |s| {
            let now = s.clock.now_us();
            let next = s
                .next_due_after(now)
                .map_or(i64::MAX, |t| i64::try_from(t - now).unwrap_or(i64::MAX));
            next.min(cap).max(1)
        })
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

    /// What the accelerometer feels now (x, y, z in milli-g), or None on a board without one.
    #[pyfunction]
    fn accel(vm: &VirtualMachine) -> PyResult<Option<(f64, f64, f64)>> {
        state(vm, |s| {
            let now = s.clock.now_us();
            s.apply_stimuli(now);
            s.board.accel.map(|[x, y, z]| (x, y, z))
        })
    }
}
