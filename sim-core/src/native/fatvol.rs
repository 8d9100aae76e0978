//! One area of `_mpsim` (the native module, `native.rs`): FAT volumes on a script's own block
//! device (`vfs.VfsFat(bdev)`), through the same FAT layer as the flash (`mpsim_vfs::Volume`).
//!
//! The device is a Python object with `readblocks`/`writeblocks` and `ioctl` (or the old
//! `count`/`sync`), called as the firmware calls it: one block per read, the return value
//! checked (None, True or 0 is success), a Python exception passed through to the script.
//! Blocks read during one operation are kept for the rest of that operation only, so every
//! operation sees the device as it is.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::errors::os_error;
    use crate::heap;
    use crate::native::_mpsim::state;
    use mpsim_vfs::{VfsError, Volume};
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyByteArray, PyInt, PyUtf8StrRef};
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{
        AsObject, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass,
    };
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::io::{self, Read, Seek, SeekFrom, Write};
    use std::rc::Rc;

    const EIO: i32 = 5;
    const EROFS: i32 = 30;
    /// Blocks kept during one operation (at most this many bytes of them).
    const CACHE_BYTES: usize = 64 * 1024;

    /// The block device, as a byte stream for the FAT layer.
    struct BlockIo {
        dev: PyObjectRef,
        block: u64,
        blocks: u64,
        /// Where the volume starts on the device (bytes: 0, or a partition's start).
        base: u64,
        /// The position in the volume.
        pos: u64,
        shared: Rc<Shared>,
    }

    /// What the stream and its volume share.
    #[derive(Default)]
    struct Shared {
        /// Blocks read or written during the current operation.
        cache: RefCell<HashMap<u64, Vec<u8>>>,
        /// The exception (or errno) a device call ended with, for the operation to raise.
        failure: RefCell<Option<Failure>>,
    }

    enum Failure {
        Raised(PyBaseExceptionRef),
        Errno(i32),
    }

    fn failed(kind: &str) -> io::Error {
        io::Error::other(format!("block device {kind} failed"))
    }

    impl BlockIo {
        fn fail(&self, f: Failure) -> io::Error {
            *self.shared.failure.borrow_mut() = Some(f);
            failed("call")
        }

        /// A device method's result as the firmware reads it: None, True or 0 is success.
        fn check(&self, r: PyObjectRef, vm: &VirtualMachine) -> io::Result<()> {
            if vm.is_none(&r) || r.is(&vm.ctx.true_value) {
                return Ok(());
            }
            if r.is(&vm.ctx.false_value) {
                return Err(self.fail(Failure::Errno(EIO)));
            }
            match r.downcast_ref::<PyInt>() {
                Some(i) if i.as_bigint() == &0.into() => Ok(()),
                Some(_) => Err(self.fail(Failure::Errno(EIO))),
                None => Err(self.fail(Failure::Raised(
                    vm.new_type_error(format!("can't convert {} to int", r.class().name())),
                ))),
            }
        }

        fn read_block(&mut self, n: u64) -> io::Result<Vec<u8>> {
            if let Some(b) = self.shared.cache.borrow().get(&n) {
                return Ok(b.clone());
            }
            let size = usize::try_from(self.block).unwrap_or(512);
            let r = rustpython_vm::vm::thread::try_with_current_vm(|vm| {
                let buf = PyByteArray::from(vec![0u8; size]).into_ref(&vm.ctx);
                let r = heap::with_tracking(true, || {
                    vm.call_method(&self.dev, "readblocks", (n, buf.clone()))
                });
                (r, buf.borrow_buf().to_vec())
            });
            let Some((r, data)) = r else {
                return Err(failed("read"));
            };
            let r = match r {
                Ok(r) => r,
                Err(e) => return Err(self.fail(Failure::Raised(e))),
            };
            rustpython_vm::vm::thread::try_with_current_vm(|vm| self.check(r, vm))
                .unwrap_or_else(|| Err(failed("read")))?;
            let mut cache = self.shared.cache.borrow_mut();
            if cache.len() * size < CACHE_BYTES {
                heap::untracked(|| cache.insert(n, data.clone()));
            }
            Ok(data)
        }

        fn write_block(&mut self, n: u64, data: Vec<u8>) -> io::Result<()> {
            let r = rustpython_vm::vm::thread::try_with_current_vm(|vm| {
                if !vm
                    .get_attribute_opt(&self.dev, "writeblocks")
                    .is_ok_and(|m| m.is_some())
                {
                    return None;
                }
                let buf = PyByteArray::from(data.clone()).into_ref(&vm.ctx);
                Some(heap::with_tracking(true, || {
                    vm.call_method(&self.dev, "writeblocks", (n, buf))
                }))
            });
            let r = match r {
                None => return Err(failed("write")),
                Some(None) => return Err(self.fail(Failure::Errno(EROFS))),
                Some(Some(Ok(r))) => r,
                Some(Some(Err(e))) => return Err(self.fail(Failure::Raised(e))),
            };
            rustpython_vm::vm::thread::try_with_current_vm(|vm| self.check(r, vm))
                .unwrap_or_else(|| Err(failed("write")))?;
            let mut cache = self.shared.cache.borrow_mut();
            if cache.contains_key(&n) || cache.len() * data.len() < CACHE_BYTES {
                heap::untracked(|| cache.insert(n, data));
            }
            Ok(())
        }

        fn size(&self) -> u64 {
            (self.block * self.blocks).saturating_sub(self.base)
        }

        /// The device block and the offset in it of the volume's position.
        fn at(&self) -> (u64, usize) {
            let p = self.pos + self.base;
            (p / self.block, usize::try_from(p % self.block).unwrap_or(0))
        }
    }

    impl Read for BlockIo {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pos >= self.size() || out.is_empty() {
                return Ok(0);
            }
            let (n, off) = self.at();
            let data = self.read_block(n)?;
            let k = out.len().min(data.len() - off);
            out[..k].copy_from_slice(&data[off..off + k]);
            self.pos += k as u64;
            Ok(k)
        }
    }

    impl Write for BlockIo {
        fn write(&mut self, src: &[u8]) -> io::Result<usize> {
            if self.pos >= self.size() || src.is_empty() {
                return Ok(0);
            }
            let (n, off) = self.at();
            let size = usize::try_from(self.block).unwrap_or(512);
            let k = src.len().min(size - off);
            let mut data = if off == 0 && k == size {
                Vec::new()
            } else {
                self.read_block(n)?
            };
            data.resize(size, 0);
            data[off..off + k].copy_from_slice(&src[..k]);
            self.write_block(n, data)?;
            self.pos += k as u64;
            Ok(k)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Seek for BlockIo {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            let size = i128::from(self.size());
            let p = match to {
                SeekFrom::Start(p) => i128::from(p),
                SeekFrom::End(d) => size + i128::from(d),
                SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
            };
            self.pos = u64::try_from(p)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
            Ok(self.pos)
        }
    }

    /// Block size and count of a device, asked as the firmware asks (ioctl 5 and 4, or the
    /// old protocol's `count()` and its fixed 512-byte blocks).
    fn geometry(dev: &PyObjectRef, vm: &VirtualMachine) -> PyResult<(u64, u64)> {
        let as_u64 = |r: PyObjectRef| -> PyResult<Option<u64>> {
            if vm.is_none(&r) {
                return Ok(None);
            }
            let i = r.try_into_value::<rustpython_vm::builtins::PyIntRef>(vm)?;
            Ok(u64::try_from(i.as_bigint()).ok())
        };
        if vm.get_attribute_opt(dev, "ioctl")?.is_some() {
            let size = as_u64(vm.call_method(dev, "ioctl", (5, 0))?)?.unwrap_or(512);
            let count = as_u64(vm.call_method(dev, "ioctl", (4, 0))?)?.unwrap_or(0);
            Ok((size, count))
        } else {
            let count = as_u64(vm.call_method(dev, "count", ())?)?.unwrap_or(0);
            Ok((512, count))
        }
    }

    fn block_io(dev: PyObjectRef, vm: &VirtualMachine) -> PyResult<BlockIo> {
        vm.get_attribute_opt(&dev, "readblocks")?
            .ok_or_else(|| vm.new_attribute_error("'readblocks' missing"))?;
        let (block, blocks) = geometry(&dev, vm)?;
        if !(512..=4096).contains(&block) || !block.is_power_of_two() {
            return Err(os_error(vm, EIO));
        }
        Ok(BlockIo {
            dev,
            block,
            blocks,
            base: 0,
            pos: 0,
            shared: Rc::new(Shared::default()),
        })
    }

    fn stamp_time(vm: &VirtualMachine) {
        if let Ok(rtc) = state(vm, |s| s.chip.rtc_us(s.clock.now_us()) / 1_000_000) {
            mpsim_vfs::set_stamp_time(Some(rtc));
        }
    }

    fn raise(vm: &VirtualMachine, failure: Option<Failure>, e: &VfsError) -> PyBaseExceptionRef {
        match failure {
            Some(Failure::Raised(e)) => e,
            Some(Failure::Errno(n)) => os_error(vm, n),
            None => os_error(vm, e.errno()),
        }
    }

    /// Formats the device as the firmware's `VfsFat.mkfs` does.
    #[pyfunction]
    fn fat_mkfs(dev: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let mut io = block_io(dev, vm)?;
        stamp_time(vm);
        let shared = io.shared.clone();
        let (blocks, block) = (io.blocks, io.block);
        // The FAT layer's buffers and the block buffers it hands the device are the firmware's
        // working memory (static or on its stack), not the script's heap; the device's own
        // methods count as the script's.
        heap::untracked(|| mpsim_vfs::mkfs(&mut io, blocks, u16::try_from(block).unwrap_or(512)))
            .map_err(|e| raise(vm, shared.failure.borrow_mut().take(), &e))
    }

    /// A FAT volume mounted from a block device.
    #[pyattr]
    #[pyclass(name = "FatVolume")]
    #[derive(PyPayload)]
    struct FatVolume {
        vol: RefCell<Option<Volume<BlockIo>>>,
        shared: Rc<Shared>,
    }

    impl std::fmt::Debug for FatVolume {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("FatVolume")
        }
    }

    /// Mounts the FAT volume on `dev` (OSError ENODEV when it holds none).
    #[pyfunction]
    fn fat_mount(dev: PyObjectRef, vm: &VirtualMachine) -> PyResult<FatVolume> {
        let mut io = block_io(dev, vm)?;
        let shared = io.shared.clone();
        let block = io.block;
        io.base = heap::untracked(|| mpsim_vfs::find_volume(&mut io, block))
            .map_err(|e| raise(vm, shared.failure.borrow_mut().take(), &e))?;
        io.pos = 0;
        let vol = heap::untracked(|| Volume::mount(io))
            .map_err(|e| raise(vm, shared.failure.borrow_mut().take(), &e))?;
        shared.cache.borrow_mut().clear();
        Ok(FatVolume {
            vol: RefCell::new(Some(vol)),
            shared,
        })
    }

    impl FatVolume {
        fn op<R>(
            &self,
            vm: &VirtualMachine,
            f: impl FnOnce(&Volume<BlockIo>) -> Result<R, VfsError>,
        ) -> PyResult<R> {
            stamp_time(vm);
            // A device that calls back into its own volume meets EBUSY, not a second borrow.
            let guard = self.vol.try_borrow_mut().map_err(|_| os_error(vm, 16))?;
            let vol = guard.as_ref().ok_or_else(|| os_error(vm, 19))?;
            self.shared.cache.borrow_mut().clear();
            self.shared.failure.borrow_mut().take();
            let r = heap::untracked(|| f(vol));
            self.shared.cache.borrow_mut().clear();
            r.map_err(|e| raise(vm, self.shared.failure.borrow_mut().take(), &e))
        }
    }

    #[pyclass]
    impl FatVolume {}

    #[pyfunction]
    fn fat_stat(
        vol: PyRef<FatVolume>,
        path: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<(bool, u64, u64)> {
        let e = vol.op(vm, |v| v.stat(path.as_str()))?;
        Ok((e.is_dir, e.size, e.mtime))
    }

    #[pyfunction]
    fn fat_listdir(
        vol: PyRef<FatVolume>,
        path: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let entries = vol.op(vm, |v| v.listdir(path.as_str()))?;
        Ok(crate::native::flash::area::listing(
            vm,
            entries.into_iter().map(|e| (e.name, e.is_dir, e.size)),
        ))
    }

    #[pyfunction]
    fn fat_mkdir(vol: PyRef<FatVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        vol.op(vm, |v| v.mkdir(path.as_str()))
    }

    #[pyfunction]
    fn fat_rmdir(vol: PyRef<FatVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        vol.op(vm, |v| v.rmdir(path.as_str()))
    }

    #[pyfunction]
    fn fat_remove(vol: PyRef<FatVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        vol.op(vm, |v| v.remove(path.as_str()))
    }

    #[pyfunction]
    fn fat_rename(
        vol: PyRef<FatVolume>,
        a: PyUtf8StrRef,
        b: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        vol.op(vm, |v| v.rename(a.as_str(), b.as_str()))
    }

    #[pyfunction]
    fn fat_create(vol: PyRef<FatVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        vol.op(vm, |v| v.create(path.as_str()))
    }

    #[pyfunction]
    fn fat_read(
        vol: PyRef<FatVolume>,
        path: PyUtf8StrRef,
        offset: u64,
        n: usize,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        vol.op(vm, |v| v.read_at(path.as_str(), offset, n))
    }

    #[pyfunction]
    fn fat_write(
        vol: PyRef<FatVolume>,
        path: PyUtf8StrRef,
        offset: u64,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<usize> {
        let bytes = data.borrow_buf().to_vec();
        vol.op(vm, |v| v.write_at(path.as_str(), offset, &bytes))
    }

    #[pyfunction]
    fn fat_truncate(
        vol: PyRef<FatVolume>,
        path: PyUtf8StrRef,
        len: u64,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        vol.op(vm, |v| v.truncate(path.as_str(), len))
    }

    /// (cluster size, clusters, free clusters).
    #[pyfunction]
    fn fat_statvfs(vol: PyRef<FatVolume>, vm: &VirtualMachine) -> PyResult<(u32, u32, u32)> {
        let s = vol.op(vm, Volume::stats)?;
        Ok((s.block_size, s.blocks, s.free))
    }

    /// Writes the volume's state back and lets go of the device.
    #[pyfunction]
    fn fat_unmount(vol: PyRef<FatVolume>, vm: &VirtualMachine) -> PyResult<()> {
        let mut guard = vol.vol.try_borrow_mut().map_err(|_| os_error(vm, 16))?;
        match guard.take() {
            Some(v) => v
                .unmount()
                .map_err(|e| raise(vm, vol.shared.failure.borrow_mut().take(), &e)),
            None => Ok(()),
        }
    }
}
