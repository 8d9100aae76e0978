//! One area of `_mpsim` (the native module, `native.rs`): littlefs v2 volumes on a script's own
//! block device (`vfs.VfsLfs2(bdev)`), through `littlefs-rust-core` (littlefs translated function
//! by function, on-disk compatible with the C littlefs the firmware builds in).
//!
//! The firmware's glue (extmod/vfs_lfsx.c) is followed: the configuration it derives from the
//! device (cache = min(block size, 4 × max(read, prog size)), 100 block cycles), the device
//! called with the extended block protocol (`readblocks(block, buf, offset)`, `writeblocks`
//! likewise, `ioctl(6, block)` to erase), its return values read by the firmware's rules, a
//! littlefs error raised as OSError(-error), files kept open in littlefs between calls, and the
//! modification time stored in the file's attribute 't' (nanoseconds since 1970).
#![allow(unsafe_code)] // littlefs' API takes raw pointers and calls back through them; see SAFETY notes.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::errors::os_error;
    use crate::heap;
    use crate::native::_mpsim::state;
    use littlefs_rust_core::lfs_type::lfs_open_flags::{LFS_O_RDONLY, LFS_O_WRONLY};
    use littlefs_rust_core::lfs_type::lfs_type::LFS_TYPE_REG;
    use littlefs_rust_core::{Lfs, LfsAttr, LfsConfig, LfsDir, LfsFile, LfsFileConfig, LfsInfo};
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyByteArray, PyInt, PyUtf8StrRef};
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{
        AsObject, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass,
    };
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::ffi::{CString, c_void};

    const EIO: i32 = 5;
    const EINVAL: i32 = 22;
    const EROFS: i32 = 30;
    /// The attribute the firmware keeps a file's modification time in.
    const ATTR_MTIME: u8 = b't';
    const UNIX_TO_2000_S: u64 = 946_684_800;

    /// The script's block device, as littlefs' callbacks reach it.
    struct Device {
        dev: PyObjectRef,
        readonly: Cell<bool>,
        /// An exception a device method raised, for the operation to raise in its place.
        raised: RefCell<Option<PyBaseExceptionRef>>,
    }

    impl Device {
        /// A block-protocol result as `mp_vfs_blockdev_call_rw` reads it: None or True is 0,
        /// False is -EIO, a positive number -EINVAL, a negative one itself.
        fn code(&self, r: PyResult, vm: &VirtualMachine) -> i32 {
            let r = match r {
                Ok(r) => r,
                Err(e) => return self.raise(e),
            };
            if vm.is_none(&r) || r.is(&vm.ctx.true_value) {
                return 0;
            }
            if r.is(&vm.ctx.false_value) {
                return -EIO;
            }
            match self.int(r, vm) {
                Ok(i) if i > 0 => -EINVAL,
                Ok(i) => i,
                Err(code) => code,
            }
        }

        fn int(&self, r: PyObjectRef, vm: &VirtualMachine) -> Result<i32, i32> {
            match r.downcast_ref::<PyInt>() {
                Some(i) => Ok(i32::try_from(i.as_bigint()).unwrap_or(-EINVAL)),
                None => Err(self.raise(
                    vm.new_type_error(format!("can't convert {} to int", r.class().name())),
                )),
            }
        }

        fn raise(&self, e: PyBaseExceptionRef) -> i32 {
            self.raised.borrow_mut().get_or_insert(e);
            -EIO
        }

        /// `ioctl(op, arg)`; `must_int`: a non-int answer is the firmware's TypeError.
        fn ioctl(&self, op: i32, arg: u32, must_int: bool) -> i32 {
            rustpython_vm::vm::thread::try_with_current_vm(|vm| {
                match vm.call_method(&self.dev, "ioctl", (op, arg)) {
                    Err(e) => self.raise(e),
                    Ok(r) if !must_int && vm.is_none(&r) => 0,
                    Ok(r) => self.int(r, vm).unwrap_or_else(|code| code),
                }
            })
            .unwrap_or(-EIO)
        }
    }

    impl mpsim_vfs::lfs::BlockDevice for Device {
        fn read(&self, block: u32, off: u32, out: &mut [u8]) -> i32 {
            rustpython_vm::vm::thread::try_with_current_vm(|vm| {
                // The firmware hands the device a view of its own buffer: no heap; the
                // device's method counts as the script's.
                let buf =
                    heap::untracked(|| PyByteArray::from(vec![0u8; out.len()]).into_ref(&vm.ctx));
                let r = heap::with_tracking(true, || {
                    vm.call_method(&self.dev, "readblocks", (block, buf.clone(), off))
                });
                let code = self.code(r, vm);
                let data = buf.borrow_buf();
                let n = data.len().min(out.len());
                out[..n].copy_from_slice(&data[..n]);
                code
            })
            .unwrap_or(-EIO)
        }

        fn prog(&self, block: u32, off: u32, data: &[u8]) -> i32 {
            if self.readonly.get() {
                return -EROFS;
            }
            rustpython_vm::vm::thread::try_with_current_vm(|vm| {
                let buf = heap::untracked(|| PyByteArray::from(data.to_vec()).into_ref(&vm.ctx));
                let r = heap::with_tracking(true, || {
                    vm.call_method(&self.dev, "writeblocks", (block, buf, off))
                });
                self.code(r, vm)
            })
            .unwrap_or(-EIO)
        }

        fn erase(&self, block: u32) -> i32 {
            if self.readonly.get() {
                return -EROFS;
            }
            self.ioctl(6, block, true)
        }

        fn sync(&self) -> i32 {
            self.ioctl(3, 0, false)
        }
    }

    /// A file littlefs holds open: littlefs links it into its list of open files, so it stays
    /// at one address (boxed) until closed.
    struct OpenFile {
        file: LfsFile,
        cfg: LfsFileConfig,
        attr: LfsAttr,
        mtime: [u8; 8],
        buffer: Vec<u8>,
    }

    /// littlefs' state, its configuration and buffers, and the device: one allocation whose
    /// parts point at each other, so it never moves.
    struct Volume {
        lfs: Lfs,
        cfg: LfsConfig,
        device: Device,
        read_buf: Vec<u8>,
        prog_buf: Vec<u8>,
        lookahead_buf: Vec<u8>,
        mounted: bool,
        mtime: bool,
        files: HashMap<u32, Box<OpenFile>>,
        next_file: u32,
    }

    fn c_path(vm: &VirtualMachine, path: &str) -> PyResult<CString> {
        CString::new(path).map_err(|_| os_error(vm, EINVAL))
    }

    /// The board's time as littlefs stores it: nanoseconds since 1970, little-endian (the
    /// board's RTC counts from its port's epoch: 2000, or 1970 on the Picos).
    fn now_ns(vm: &VirtualMachine) -> [u8; 8] {
        let (us, epoch) = state(vm, |s| {
            (s.chip.rtc_us(s.clock.now_us()), s.board.spec.epoch_year)
        })
        .unwrap_or((0, 1970));
        let since_1970_s = if epoch == 2000 { UNIX_TO_2000_S } else { 0 };
        let ns = u64::try_from(us)
            .unwrap_or(0)
            .saturating_add(since_1970_s * 1_000_000)
            .saturating_mul(1000);
        ns.to_le_bytes()
    }

    impl Volume {
        /// The configuration the firmware derives from the device (`init_config`).
        fn new(
            dev: PyObjectRef,
            read_size: u32,
            prog_size: u32,
            lookahead: u32,
            vm: &VirtualMachine,
        ) -> PyResult<Box<Volume>> {
            let device = Device {
                dev,
                readonly: Cell::new(false),
                raised: RefCell::new(None),
            };
            device.ioctl(1, 1, false);
            let bs = device.ioctl(5, 0, true);
            let bc = device.ioctl(4, 0, true);
            if let Some(e) = device.raised.borrow_mut().take() {
                return Err(e);
            }
            let (Ok(bs), Ok(bc)) = (u32::try_from(bs), u32::try_from(bc)) else {
                return Err(os_error(vm, EINVAL));
            };
            if bs == 0 || bs > 1 << 20 || read_size == 0 || prog_size == 0 || lookahead == 0 {
                return Err(os_error(vm, EINVAL));
            }
            let cache = bs.min(4 * read_size.max(prog_size));
            // SAFETY: Lfs is plain data (numbers, raw pointers, optional function pointers) for
            // which all-zero is the state littlefs expects before format/mount.
            let lfs: Lfs = unsafe { std::mem::zeroed() };
            let (read, prog, erase, sync) = mpsim_vfs::lfs::callbacks::<Device>();
            let mut vol = Box::new(Volume {
                lfs,
                cfg: LfsConfig {
                    context: std::ptr::null_mut(),
                    read,
                    prog,
                    erase,
                    sync,
                    read_size,
                    prog_size,
                    block_size: bs,
                    block_count: bc,
                    block_cycles: 100,
                    cache_size: cache,
                    lookahead_size: lookahead,
                    compact_thresh: 0,
                    read_buffer: std::ptr::null_mut(),
                    prog_buffer: std::ptr::null_mut(),
                    lookahead_buffer: std::ptr::null_mut(),
                    name_max: 0,
                    file_max: 0,
                    attr_max: 0,
                    metadata_max: 0,
                    inline_max: 0,
                },
                device,
                read_buf: vec![0; cache as usize],
                prog_buf: vec![0; cache as usize],
                lookahead_buf: vec![0; lookahead as usize],
                mounted: false,
                mtime: true,
                files: HashMap::new(),
                next_file: 1,
            });
            // The box does not move from here on: point the configuration at its parts.
            vol.cfg.context = &vol.device as *const Device as *mut c_void;
            vol.cfg.read_buffer = vol.read_buf.as_mut_ptr().cast();
            vol.cfg.prog_buffer = vol.prog_buf.as_mut_ptr().cast();
            vol.cfg.lookahead_buffer = vol.lookahead_buf.as_mut_ptr().cast();
            Ok(vol)
        }

        fn check(&self, vm: &VirtualMachine, code: i32) -> PyResult<i32> {
            if let Some(e) = self.device.raised.borrow_mut().take() {
                return Err(e);
            }
            if code < 0 {
                return Err(os_error(vm, -code));
            }
            Ok(code)
        }

        fn close_all(&mut self) {
            let lfs: *mut Lfs = &mut self.lfs;
            for (_, mut f) in self.files.drain() {
                littlefs_rust_core::lfs_file_close(lfs, &mut f.file);
            }
        }
    }

    impl Drop for Volume {
        fn drop(&mut self) {
            if self.mounted {
                self.close_all();
                littlefs_rust_core::lfs_unmount(&mut self.lfs);
                self.mounted = false;
            }
        }
    }

    /// A littlefs volume mounted from a block device.
    #[pyattr]
    #[pyclass(name = "LfsVolume")]
    #[derive(PyPayload)]
    struct LfsVolume {
        vol: RefCell<Option<Box<Volume>>>,
    }

    impl std::fmt::Debug for LfsVolume {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("LfsVolume")
        }
    }

    #[pyclass]
    impl LfsVolume {}

    impl LfsVolume {
        fn with<R>(
            &self,
            vm: &VirtualMachine,
            f: impl FnOnce(&mut Volume) -> PyResult<R>,
        ) -> PyResult<R> {
            // A device that calls back into its own volume meets EBUSY, not a second borrow.
            let mut guard = self.vol.try_borrow_mut().map_err(|_| os_error(vm, 16))?;
            let vol = guard.as_mut().ok_or_else(|| os_error(vm, 19))?;
            vol.device.raised.borrow_mut().take();
            f(vol)
        }
    }

    /// Formats the device as the firmware's `VfsLfs2.mkfs` does.
    #[pyfunction]
    fn lfs_mkfs(
        dev: PyObjectRef,
        read_size: u32,
        prog_size: u32,
        lookahead: u32,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let mut vol = Volume::new(dev, read_size, prog_size, lookahead, vm)?;
        let v: &mut Volume = &mut vol;
        let code = littlefs_rust_core::lfs_format(&mut v.lfs, &v.cfg);
        v.check(vm, code).map(drop)
    }

    /// Mounts the littlefs volume on `dev`.
    #[pyfunction]
    fn lfs_mount(
        dev: PyObjectRef,
        read_size: u32,
        prog_size: u32,
        lookahead: u32,
        mtime: bool,
        vm: &VirtualMachine,
    ) -> PyResult<LfsVolume> {
        let mut vol = Volume::new(dev, read_size, prog_size, lookahead, vm)?;
        vol.mtime = mtime;
        let v: &mut Volume = &mut vol;
        let code = littlefs_rust_core::lfs_mount(&mut v.lfs, &v.cfg);
        v.check(vm, code)?;
        v.mounted = true;
        Ok(LfsVolume {
            vol: RefCell::new(Some(vol)),
        })
    }

    /// Makes the device read-only (a read-only mount) or writable again.
    #[pyfunction]
    fn lfs_readonly(v: PyRef<LfsVolume>, readonly: bool, vm: &VirtualMachine) -> PyResult<()> {
        v.with(vm, |vol| {
            vol.device.readonly.set(readonly);
            Ok(())
        })
    }

    /// Unmounts: open files are closed first, as littlefs needs.
    #[pyfunction]
    fn lfs_unmount(v: PyRef<LfsVolume>, vm: &VirtualMachine) -> PyResult<()> {
        let mut guard = v.vol.try_borrow_mut().map_err(|_| os_error(vm, 16))?;
        drop(guard.take());
        Ok(())
    }

    /// (type is dir, size, mtime in seconds since 1970 or None) of a path.
    #[pyfunction]
    fn lfs_stat(
        v: PyRef<LfsVolume>,
        path: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<(bool, u32, Option<u64>)> {
        let p = c_path(vm, path.as_str())?;
        v.with(vm, |vol| {
            // SAFETY: LfsInfo is plain data; all-zero is a valid value for littlefs to fill.
            let mut info: LfsInfo = unsafe { std::mem::zeroed() };
            let code = littlefs_rust_core::lfs_stat(&mut vol.lfs, p.as_ptr().cast(), &mut info);
            vol.check(vm, code)?;
            let mut buf = [0u8; 8];
            let n = littlefs_rust_core::lfs_getattr(
                &mut vol.lfs,
                p.as_ptr().cast(),
                ATTR_MTIME,
                buf.as_mut_ptr().cast(),
                8,
            );
            vol.device.raised.borrow_mut().take();
            let mtime = (n == 8).then(|| u64::from_le_bytes(buf) / 1_000_000_000);
            Ok((u32::from(info.type_) != LFS_TYPE_REG, info.size, mtime))
        })
    }

    /// [(name, is_dir, size)] of a directory, without `.` and `..`.
    #[pyfunction]
    fn lfs_listdir(
        v: PyRef<LfsVolume>,
        path: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let p = c_path(vm, path.as_str())?;
        let rows = v.with(vm, |vol| {
            // SAFETY: LfsDir and LfsInfo are plain data; littlefs fills them. The directory is
            // opened and closed within this call, so its address stays valid while listed.
            let mut dir: Box<LfsDir> = Box::new(unsafe { std::mem::zeroed() });
            let code = littlefs_rust_core::lfs_dir_open(&mut vol.lfs, &mut *dir, p.as_ptr().cast());
            vol.check(vm, code)?;
            let mut rows = Vec::new();
            let result = loop {
                let mut info: LfsInfo = unsafe { std::mem::zeroed() };
                let code = littlefs_rust_core::lfs_dir_read(&mut vol.lfs, &mut *dir, &mut info);
                if code <= 0 {
                    break code;
                }
                let len = info
                    .name
                    .iter()
                    .position(|&b| b == 0)
                    .unwrap_or(info.name.len());
                let name = String::from_utf8_lossy(&info.name[..len]).into_owned();
                if name == "." || name == ".." {
                    continue;
                }
                rows.push((name, u32::from(info.type_) != LFS_TYPE_REG, info.size));
            };
            littlefs_rust_core::lfs_dir_close(&mut vol.lfs, &mut *dir);
            vol.check(vm, result)?;
            Ok(rows)
        })?;
        Ok(crate::native::flash::area::listing(
            vm,
            rows.into_iter()
                .map(|(name, is_dir, size)| (name, is_dir, u64::from(size))),
        ))
    }

    fn path_op(
        v: &LfsVolume,
        vm: &VirtualMachine,
        path: &str,
        f: impl FnOnce(*mut Lfs, *const u8) -> i32,
    ) -> PyResult<()> {
        let p = c_path(vm, path)?;
        v.with(vm, |vol| {
            let code = f(&mut vol.lfs, p.as_ptr().cast());
            vol.check(vm, code).map(drop)
        })
    }

    #[pyfunction]
    fn lfs_mkdir(v: PyRef<LfsVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        path_op(&v, vm, path.as_str(), |l, p| {
            littlefs_rust_core::lfs_mkdir(l, p)
        })
    }

    /// Removes a file or an empty directory (littlefs does both).
    #[pyfunction]
    fn lfs_remove(v: PyRef<LfsVolume>, path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<()> {
        path_op(&v, vm, path.as_str(), |l, p| {
            littlefs_rust_core::lfs_remove(l, p)
        })
    }

    #[pyfunction]
    fn lfs_rename(
        v: PyRef<LfsVolume>,
        old: PyUtf8StrRef,
        new: PyUtf8StrRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let to = c_path(vm, new.as_str())?;
        path_op(&v, vm, old.as_str(), |l, p| {
            littlefs_rust_core::lfs_rename(l, p, to.as_ptr().cast())
        })
    }

    /// (block size, block count, free blocks): free is what a walk of the volume finds unused.
    #[pyfunction]
    fn lfs_statvfs(v: PyRef<LfsVolume>, vm: &VirtualMachine) -> PyResult<(u32, u32, u32)> {
        v.with(vm, |vol| {
            let used = littlefs_rust_core::lfs_fs_size(&mut vol.lfs);
            let used = vol.check(vm, used)?;
            let count = vol.cfg.block_count;
            Ok((vol.cfg.block_size, count, count.saturating_sub(used as u32)))
        })
    }

    /// Opens a file with littlefs' flags; returns its handle.
    #[pyfunction]
    fn lfs_open(
        v: PyRef<LfsVolume>,
        path: PyUtf8StrRef,
        flags: i32,
        vm: &VirtualMachine,
    ) -> PyResult<u32> {
        let p = c_path(vm, path.as_str())?;
        let stamp = now_ns(vm);
        v.with(vm, |vol| {
            let size = vol.cfg.cache_size as usize;
            // SAFETY: LfsFile is plain data that littlefs initialises on open.
            let mut f = Box::new(OpenFile {
                file: unsafe { std::mem::zeroed() },
                cfg: LfsFileConfig {
                    buffer: std::ptr::null_mut(),
                    attrs: std::ptr::null_mut(),
                    attr_count: 0,
                },
                attr: LfsAttr {
                    type_: ATTR_MTIME,
                    buffer: std::ptr::null_mut(),
                    size: 8,
                },
                mtime: stamp,
                buffer: vec![0; size],
            });
            // The box does not move while littlefs holds the file: point its parts at each other.
            f.cfg.buffer = f.buffer.as_mut_ptr().cast();
            if vol.mtime {
                f.attr.buffer = f.mtime.as_mut_ptr().cast();
                f.cfg.attrs = &mut f.attr;
                f.cfg.attr_count = 1;
            }
            let of: &mut OpenFile = &mut f;
            let code = littlefs_rust_core::lfs_file_opencfg(
                &mut vol.lfs,
                &mut of.file,
                p.as_ptr().cast(),
                flags,
                &of.cfg,
            );
            vol.check(vm, code)?;
            let id = vol.next_file;
            vol.next_file = vol.next_file.wrapping_add(1).max(1);
            vol.files.insert(id, f);
            Ok(id)
        })
    }

    fn file_op<R>(
        v: &LfsVolume,
        vm: &VirtualMachine,
        id: u32,
        f: impl FnOnce(*mut Lfs, &mut OpenFile) -> i32,
        done: impl FnOnce(i32) -> R,
    ) -> PyResult<R> {
        v.with(vm, |vol| {
            let lfs: *mut Lfs = &mut vol.lfs;
            let file = vol.files.get_mut(&id).ok_or_else(|| os_error(vm, 9))?;
            let code = f(lfs, file);
            vol.check(vm, code).map(done)
        })
    }

    /// Up to `n` bytes from the file's position.
    #[pyfunction]
    fn lfs_read(v: PyRef<LfsVolume>, id: u32, n: u32, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        let mut buf = vec![0u8; n as usize];
        let got = file_op(
            &v,
            vm,
            id,
            |lfs, f| {
                littlefs_rust_core::lfs_file_read(lfs, &mut f.file, buf.as_mut_ptr().cast(), n)
            },
            |k| k as usize,
        )?;
        buf.truncate(got);
        Ok(buf)
    }

    /// Writes at the file's position (stamping its modification time); returns the count.
    #[pyfunction]
    fn lfs_write(
        v: PyRef<LfsVolume>,
        id: u32,
        data: ArgBytesLike,
        vm: &VirtualMachine,
    ) -> PyResult<u32> {
        let bytes = data.borrow_buf().to_vec();
        let stamp = now_ns(vm);
        let n = u32::try_from(bytes.len()).map_err(|_| os_error(vm, EINVAL))?;
        file_op(
            &v,
            vm,
            id,
            |lfs, f| {
                f.mtime = stamp;
                littlefs_rust_core::lfs_file_write(lfs, &mut f.file, bytes.as_ptr().cast(), n)
            },
            |k| k as u32,
        )
    }

    /// Moves the file's position (whence 0, 1, 2); returns the new one.
    #[pyfunction]
    fn lfs_seek(
        v: PyRef<LfsVolume>,
        id: u32,
        off: i32,
        whence: i32,
        vm: &VirtualMachine,
    ) -> PyResult<u32> {
        file_op(
            &v,
            vm,
            id,
            |lfs, f| littlefs_rust_core::lfs_file_seek(lfs, &mut f.file, off, whence),
            |k| k as u32,
        )
    }

    #[pyfunction]
    fn lfs_truncate(v: PyRef<LfsVolume>, id: u32, size: u32, vm: &VirtualMachine) -> PyResult<()> {
        file_op(
            &v,
            vm,
            id,
            |lfs, f| littlefs_rust_core::lfs_file_truncate(lfs, &mut f.file, size),
            drop,
        )
    }

    /// Writes what the file holds back to the device (`flush`).
    #[pyfunction]
    fn lfs_sync(v: PyRef<LfsVolume>, id: u32, vm: &VirtualMachine) -> PyResult<()> {
        file_op(
            &v,
            vm,
            id,
            |lfs, f| littlefs_rust_core::lfs_file_sync(lfs, &mut f.file),
            drop,
        )
    }

    /// Closes the file (littlefs lets go of it); an unknown handle is already closed.
    #[pyfunction]
    fn lfs_close(v: PyRef<LfsVolume>, id: u32, vm: &VirtualMachine) -> PyResult<()> {
        v.with(vm, |vol| {
            let Some(mut f) = vol.files.remove(&id) else {
                return Ok(());
            };
            let code = littlefs_rust_core::lfs_file_close(&mut vol.lfs, &mut f.file);
            vol.check(vm, code).map(drop)
        })
    }

    /// The open flags of a mode string, as the firmware's `file_open` reads it; None: the mode
    /// names two of r/w/x/a (ValueError).
    #[pyfunction]
    fn lfs_flags(mode: PyUtf8StrRef) -> Option<i32> {
        use littlefs_rust_core::lfs_type::lfs_open_flags::{
            LFS_O_APPEND, LFS_O_CREAT, LFS_O_EXCL, LFS_O_RDWR, LFS_O_TRUNC,
        };
        let mut flags = 0;
        for c in mode.as_str().chars() {
            let new = match c {
                'r' => LFS_O_RDONLY,
                'w' => LFS_O_WRONLY | LFS_O_CREAT | LFS_O_TRUNC,
                'x' => LFS_O_WRONLY | LFS_O_CREAT | LFS_O_EXCL,
                'a' => LFS_O_WRONLY | LFS_O_CREAT | LFS_O_APPEND,
                '+' => {
                    flags |= LFS_O_RDWR;
                    0
                }
                _ => 0,
            };
            if new != 0 {
                if flags != 0 {
                    return None;
                }
                flags = new;
            }
        }
        Some(if flags == 0 { LFS_O_RDONLY } else { flags })
    }
}
