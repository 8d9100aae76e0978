//! One area of `_mpsim` (the native module, `native.rs`): the flash: files and folders, the ESP32's
//! NVS, `pyb.main`.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::errors::os_error;
    use crate::heap;
    use crate::native::_mpsim::state;
    use rustpython_vm::builtins::PyUtf8StrRef;
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

    /// The value an NVS key holds (the ESP32's key-value partition), or None.
    #[pyfunction]
    fn nvs_get(key: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<Option<PyObjectRef>> {
        let v = state(vm, |s| s.chip.nvs_get(key.as_str()))?;
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
        // The partition holds a few thousand entries; beyond that the store refuses.
        state(vm, |s| s.chip.nvs_set(key, value))?
            .then_some(())
            .ok_or_else(|| os_error(vm, 28))
    }

    /// Names the program boot.py hands over to (`pyb.main`): a file in the flash's root.
    #[pyfunction]
    fn set_main(name: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        let name = name.as_str().trim_start_matches('/').to_owned();
        state(vm, |s| s.chip.set_main_file(Some(name)))
    }

    fn flash_op<R>(
        vm: &VirtualMachine,
        f: impl FnOnce(&mpsim_vfs::Flash) -> Result<R, mpsim_vfs::VfsError>,
    ) -> PyResult<R> {
        // The FAT layer's own buffers are the simulator's, not the board's heap. Files carry the
        // board's RTC time.
        let r = heap::untracked(|| {
            state(vm, |s| {
                let rtc = s.chip.rtc_us(s.clock.now_us()) / 1_000_000;
                mpsim_vfs::set_stamp_time(Some(rtc));
                s.flash().map(f)
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

    /// A directory listing as the VFS classes take it: [(name, is_dir, size)] (the flash's, a
    /// FAT device's and a littlefs device's alike).
    pub(crate) fn listing(
        vm: &VirtualMachine,
        rows: impl IntoIterator<Item = (String, bool, u64)>,
    ) -> PyObjectRef {
        let items = rows
            .into_iter()
            .map(|(name, is_dir, size)| {
                vm.ctx
                    .new_tuple(vec![
                        vm.ctx.new_str(name).into(),
                        vm.ctx.new_bool(is_dir).into(),
                        vm.ctx.new_int(size).into(),
                    ])
                    .into()
            })
            .collect();
        vm.ctx.new_list(items).into()
    }

    /// [(name, is_dir, size)] of a flash directory.
    #[pyfunction]
    fn fs_listdir(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let entries = flash_op(vm, |f| f.listdir(path.as_str()))?;
        Ok(listing(
            vm,
            entries.into_iter().map(|e| (e.name, e.is_dir, e.size)),
        ))
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
        let s = flash_op(vm, |f| f.stats())?;
        Ok((s.block_size, s.blocks, s.free))
    }

    /// Where the filesystem starts in a whole-flash image (its flash address: the image's offsets
    /// are the flash's addresses), 0 when the image is the filesystem alone.
    #[pyfunction]
    fn flash_volume_base(vm: &VirtualMachine) -> PyResult<u64> {
        flash_op(vm, |f| Ok(f.volume_base()))
    }

    /// Up to `n` bytes of the flash image from `offset`, as the chip holds them.
    #[pyfunction]
    fn flash_raw_read(offset: u64, n: usize, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        flash_op(vm, |f| f.raw_read(offset, n))
    }

    /// Writes bytes into the flash image at `offset`, under whatever filesystem it holds.
    #[pyfunction]
    fn flash_raw_write(offset: u64, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        let d = data.borrow_buf().to_vec();
        flash_op(vm, |f| f.raw_write(offset, &d))
    }

    #[pyfunction]
    fn fs_sync(vm: &VirtualMachine) -> PyResult<()> {
        flash_op(vm, mpsim_vfs::Flash::sync)
    }
}
