//! One area of `_mpsim` (the native module, `native.rs`): the micro:bit's radio and the ESPs'
//! ESP-NOW.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::heap;
    use crate::native::_mpsim::state;
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

    /// Switches the radio on (true) or off.
    #[pyfunction]
    fn radio_power(on: bool, vm: &VirtualMachine) -> PyResult<()> {
        let has = state(vm, |s| s.chip.mb_radio().is_some())?;
        if on && !has {
            let relayed = state(vm, |s| s.lockstep())?;
            let r = heap::untracked(|| {
                if relayed {
                    Ok(crate::radio::Radio::relayed(""))
                } else {
                    crate::radio::Radio::open()
                }
            })
            .map_err(|e| vm.new_os_error(format!("radio: {e}")))?;
            state(vm, |s| s.chip.set_mb_radio(Some(r)))?;
        } else if !on {
            state(vm, |s| s.chip.set_mb_radio(None))?;
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
        state(vm, |s| match s.chip.mb_radio() {
            Some(r) if r.is_relayed() => s.send_event(crate::api::SimEvent::Radio {
                espnow_to: None,
                packet: p,
            }),
            Some(r) => heap::untracked(|| r.send(&p)),
            None => {}
        })
    }

    /// The next packet heard, or None.
    #[pyfunction]
    fn radio_recv(vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let p = state(vm, |s| {
            s.chip.mb_radio().and_then(crate::radio::Radio::recv)
        })?;
        Ok(p.map(|b| vm.ctx.new_bytes(b).into()))
    }

    /// Switches ESP-NOW on for the board with MAC address `mac` (hex), or off.
    #[pyfunction]
    fn espnow_power(on: bool, mac: String, vm: &VirtualMachine) -> PyResult<()> {
        let has = state(vm, |s| s.chip.espnow().is_some())?;
        if on && !has {
            let relayed = state(vm, |s| s.lockstep())?;
            let r = heap::untracked(|| {
                if relayed {
                    Ok(crate::radio::Radio::relayed(&mac))
                } else {
                    crate::radio::Radio::open_espnow(&mac)
                }
            })
            .map_err(|e| vm.new_os_error(format!("espnow: {e}")))?;
            state(vm, |s| s.chip.set_espnow(Some(r)))?;
        } else if !on {
            state(vm, |s| s.chip.set_espnow(None))?;
        }
        Ok(())
    }

    /// Sends an ESP-NOW frame to the boards with MAC address `to` (hex; "" for all): whether one
    /// took it (the receiver's acknowledgement).
    #[pyfunction]
    fn espnow_send(packet: ArgBytesLike, to: String, vm: &VirtualMachine) -> PyResult<bool> {
        let p = packet.borrow_buf().to_vec();
        if p.len() > crate::radio::MAX_PACKET {
            return Err(vm.new_value_error("packet too long"));
        }
        // Relayed (lockstep), a frame counts as taken: the front end delivers it at the end of
        // the quantum and does not answer for the receiver.
        state(vm, |s| match s.chip.espnow() {
            Some(r) if r.is_relayed() => {
                s.send_event(crate::api::SimEvent::Radio {
                    espnow_to: Some(to),
                    packet: p,
                });
                true
            }
            Some(r) => heap::untracked(|| r.send_to_prefix(&p, &to)),
            None => false,
        })
    }

    /// The next ESP-NOW frame heard, or None.
    #[pyfunction]
    fn espnow_recv(vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let p = state(vm, |s| s.chip.espnow().and_then(crate::radio::Radio::recv))?;
        Ok(p.map(|b| vm.ctx.new_bytes(b).into()))
    }
}
