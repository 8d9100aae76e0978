//! littlefs v2 on a flash image, as the RP2040 and ESP32 firmwares keep their filesystem: the
//! image is the block device (4096-byte blocks), reached through `littlefs-rust-core` (littlefs
//! translated function by function, on-disk compatible with the C littlefs the firmware and host
//! tools such as littlefs-python build in). Every operation opens, does and closes, so littlefs
//! has committed it before the call returns: a board killed at any moment leaves the last
//! complete operation on the image, as power loss does on the board.
#![allow(unsafe_code)] // littlefs' API takes raw pointers and calls back through them; see SAFETY notes.

use crate::region::Region;
use crate::{Entry, Errno, Stats, VfsError, errno};
use littlefs_rust_core::lfs_type::lfs_open_flags::{
    LFS_O_CREAT, LFS_O_RDONLY, LFS_O_TRUNC, LFS_O_WRONLY,
};
use littlefs_rust_core::lfs_type::lfs_type::LFS_TYPE_REG;
use littlefs_rust_core::{Lfs, LfsAttr, LfsConfig, LfsDir, LfsFile, LfsFileConfig, LfsInfo};
use std::cell::RefCell;
use std::ffi::{CString, c_void};
use std::io::{Read, Seek, SeekFrom, Write};

/// The flash's erase block, and littlefs' block.
pub const BLOCK: u32 = 4096;
/// The firmware's littlefs settings (extmod/vfs_lfs.c's defaults, the ports' progsize).
const READ_SIZE: u32 = 32;
const PROG_SIZE: u32 = 32;
const LOOKAHEAD: u32 = 32;
const CACHE: u32 = 128;
/// The attribute the firmware keeps a file's modification time in (nanoseconds since 1970).
const ATTR_MTIME: u8 = b't';
const UNIX_TO_2000_S: u64 = 946_684_800;

/// What littlefs needs of a block device; `callbacks` turns one into the configuration's
/// functions. The configuration's `context` must point at the device, which must outlive it.
pub trait BlockDevice {
    /// Reads `out.len()` bytes at `off` in `block`: 0, or a negative errno.
    fn read(&self, block: u32, off: u32, out: &mut [u8]) -> i32;
    /// Programs `data` at `off` in `block`.
    fn prog(&self, block: u32, off: u32, data: &[u8]) -> i32;
    /// Erases `block`.
    fn erase(&self, block: u32) -> i32;
    /// Pushes what was programmed to the medium.
    fn sync(&self) -> i32 {
        0
    }
}

unsafe extern "C" fn dev_read<D: BlockDevice>(
    c: *const LfsConfig,
    block: u32,
    off: u32,
    buf: *mut u8,
    n: u32,
) -> i32 {
    // SAFETY: littlefs passes the configuration it was given, whose context points at a `D`
    // that outlives the filesystem (see `callbacks`), and a buffer of `n` bytes it owns.
    let (dev, out) = unsafe {
        (
            &*((*c).context as *const D),
            std::slice::from_raw_parts_mut(buf, n as usize),
        )
    };
    dev.read(block, off, out)
}

unsafe extern "C" fn dev_prog<D: BlockDevice>(
    c: *const LfsConfig,
    block: u32,
    off: u32,
    buf: *const u8,
    n: u32,
) -> i32 {
    // SAFETY: as in dev_read; the buffer is `n` readable bytes.
    let (dev, data) = unsafe {
        (
            &*((*c).context as *const D),
            std::slice::from_raw_parts(buf, n as usize),
        )
    };
    dev.prog(block, off, data)
}

unsafe extern "C" fn dev_erase<D: BlockDevice>(c: *const LfsConfig, block: u32) -> i32 {
    // SAFETY: as in dev_read.
    let dev = unsafe { &*((*c).context as *const D) };
    dev.erase(block)
}

unsafe extern "C" fn dev_sync<D: BlockDevice>(c: *const LfsConfig) -> i32 {
    // SAFETY: as in dev_read.
    let dev = unsafe { &*((*c).context as *const D) };
    dev.sync()
}

/// The configuration's read, prog, erase and sync functions for a device of type `D`.
#[allow(clippy::type_complexity)]
pub fn callbacks<D: BlockDevice>() -> (
    Option<unsafe extern "C" fn(*const LfsConfig, u32, u32, *mut u8, u32) -> i32>,
    Option<unsafe extern "C" fn(*const LfsConfig, u32, u32, *const u8, u32) -> i32>,
    Option<unsafe extern "C" fn(*const LfsConfig, u32) -> i32>,
    Option<unsafe extern "C" fn(*const LfsConfig) -> i32>,
) {
    (
        Some(dev_read::<D>),
        Some(dev_prog::<D>),
        Some(dev_erase::<D>),
        Some(dev_sync::<D>),
    )
}

/// The image as littlefs' block device.
struct Device {
    file: RefCell<Region>,
}

impl Device {
    fn at(&self, block: u32, off: u32) -> u64 {
        u64::from(block) * u64::from(BLOCK) + u64::from(off)
    }
}

impl BlockDevice for Device {
    fn read(&self, block: u32, off: u32, out: &mut [u8]) -> i32 {
        let mut f = self.file.borrow_mut();
        match f
            .seek(SeekFrom::Start(self.at(block, off)))
            .and_then(|_| f.read_exact(out))
        {
            Ok(()) => 0,
            Err(_) => -(Errno::Io as i32),
        }
    }

    fn prog(&self, block: u32, off: u32, data: &[u8]) -> i32 {
        let mut f = self.file.borrow_mut();
        match f
            .seek(SeekFrom::Start(self.at(block, off)))
            .and_then(|_| f.write_all(data))
        {
            Ok(()) => 0,
            Err(_) => -(Errno::Io as i32),
        }
    }

    fn erase(&self, block: u32) -> i32 {
        // Erased NOR flash reads as ones.
        self.prog(block, 0, &[0xFF; BLOCK as usize])
    }
}

/// littlefs' state, its configuration and buffers, and the device: one allocation whose parts
/// point at each other, so it never moves.
struct Inner {
    lfs: Lfs,
    cfg: LfsConfig,
    device: Device,
    read_buf: Vec<u8>,
    prog_buf: Vec<u8>,
    lookahead_buf: Vec<u8>,
    mounted: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.mounted {
            littlefs_rust_core::lfs_unmount(&mut self.lfs);
        }
    }
}

fn code(c: i32) -> Result<i32, VfsError> {
    if c >= 0 {
        return Ok(c);
    }
    Err(errno(match -c {
        2 => Errno::NoEnt,
        17 => Errno::Exist,
        20 => Errno::NotDir,
        21 => Errno::IsDir,
        22 | 36 => Errno::Inval,
        28 => Errno::NoSpc,
        39 => Errno::NotEmpty,
        _ => Errno::Io,
    }))
}

fn c_path(path: &str) -> Result<CString, VfsError> {
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if parts
        .iter()
        .any(|p| *p == "." || *p == ".." || p.len() > 255)
    {
        return Err(errno(Errno::Inval));
    }
    CString::new(format!("/{}", parts.join("/"))).map_err(|_| errno(Errno::Inval))
}

/// The time a write stamps: nanoseconds since 1970, little-endian.
fn stamp() -> [u8; 8] {
    let since_2000 = crate::stamp_secs_since_2000();
    let ns = (since_2000.max(0) as u64 + UNIX_TO_2000_S).saturating_mul(1_000_000_000);
    ns.to_le_bytes()
}

/// A littlefs volume on a flash image.
pub struct LfsVolume {
    inner: Box<Inner>,
}

impl LfsVolume {
    fn boxed(file: Region, blocks: u32) -> Box<Inner> {
        // SAFETY: Lfs is plain data (numbers, raw pointers, optional function pointers) for
        // which all-zero is the state littlefs expects before format/mount.
        let lfs: Lfs = unsafe { std::mem::zeroed() };
        let (read, prog, erase, sync) = callbacks::<Device>();
        let mut inner = Box::new(Inner {
            lfs,
            cfg: LfsConfig {
                context: std::ptr::null_mut(),
                read,
                prog,
                erase,
                sync,
                read_size: READ_SIZE,
                prog_size: PROG_SIZE,
                block_size: BLOCK,
                block_count: blocks,
                block_cycles: 100,
                cache_size: CACHE,
                lookahead_size: LOOKAHEAD,
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
            device: Device {
                file: RefCell::new(file),
            },
            read_buf: vec![0; CACHE as usize],
            prog_buf: vec![0; CACHE as usize],
            lookahead_buf: vec![0; LOOKAHEAD as usize],
            mounted: false,
        });
        // The box does not move from here on: point the configuration at its parts.
        inner.cfg.context = &inner.device as *const Device as *mut c_void;
        inner.cfg.read_buffer = inner.read_buf.as_mut_ptr().cast();
        inner.cfg.prog_buffer = inner.prog_buf.as_mut_ptr().cast();
        inner.cfg.lookahead_buffer = inner.lookahead_buf.as_mut_ptr().cast();
        inner
    }

    /// Formats `file` (`blocks` blocks) as littlefs.
    pub fn format(file: Region, blocks: u32) -> Result<(), VfsError> {
        let mut inner = Self::boxed(file, blocks);
        let i: &mut Inner = &mut inner;
        code(littlefs_rust_core::lfs_format(&mut i.lfs, &i.cfg)).map(drop)
    }

    /// Mounts the littlefs volume `file` holds (`blocks` blocks).
    pub fn mount(file: Region, blocks: u32) -> Result<LfsVolume, VfsError> {
        let mut inner = Self::boxed(file, blocks);
        let i: &mut Inner = &mut inner;
        code(littlefs_rust_core::lfs_mount(&mut i.lfs, &i.cfg))?;
        i.mounted = true;
        Ok(LfsVolume { inner })
    }

    fn lfs(&self) -> *mut Lfs {
        // littlefs' functions take its state by pointer; the volume is used from one thread.
        (&self.inner.lfs as *const Lfs).cast_mut()
    }

    pub fn stat(&self, path: &str) -> Result<Entry, VfsError> {
        let p = c_path(path)?;
        // SAFETY: LfsInfo is plain data; all-zero is a valid value for littlefs to fill.
        let mut info: LfsInfo = unsafe { std::mem::zeroed() };
        code(littlefs_rust_core::lfs_stat(
            self.lfs(),
            p.as_ptr().cast(),
            &mut info,
        ))?;
        let mut buf = [0u8; 8];
        let n = littlefs_rust_core::lfs_getattr(
            self.lfs(),
            p.as_ptr().cast(),
            ATTR_MTIME,
            buf.as_mut_ptr().cast(),
            8,
        );
        let mtime = if n == 8 {
            (u64::from_le_bytes(buf) / 1_000_000_000).saturating_sub(UNIX_TO_2000_S)
        } else {
            0
        };
        let name = path.rsplit('/').find(|c| !c.is_empty()).unwrap_or("");
        let is_dir = u32::from(info.type_) != LFS_TYPE_REG;
        Ok(Entry {
            name: name.to_string(),
            is_dir,
            size: if is_dir { 0 } else { u64::from(info.size) },
            mtime,
        })
    }

    pub fn listdir(&self, path: &str) -> Result<Vec<Entry>, VfsError> {
        let p = c_path(path)?;
        // SAFETY: LfsDir and LfsInfo are plain data; littlefs fills them. The directory is
        // opened and closed within this call, so its address stays valid while listed.
        let mut dir: Box<LfsDir> = Box::new(unsafe { std::mem::zeroed() });
        code(littlefs_rust_core::lfs_dir_open(
            self.lfs(),
            &mut *dir,
            p.as_ptr().cast(),
        ))?;
        let mut names = Vec::new();
        let result = loop {
            let mut info: LfsInfo = unsafe { std::mem::zeroed() };
            let c = littlefs_rust_core::lfs_dir_read(self.lfs(), &mut *dir, &mut info);
            if c <= 0 {
                break c;
            }
            let len = info
                .name
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(info.name.len());
            let name = String::from_utf8_lossy(&info.name[..len]).into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        };
        littlefs_rust_core::lfs_dir_close(self.lfs(), &mut *dir);
        code(result)?;
        let base = path.trim_end_matches('/');
        names
            .into_iter()
            .map(|n| self.stat(&format!("{base}/{n}")))
            .collect()
    }

    pub fn mkdir(&self, path: &str) -> Result<(), VfsError> {
        let p = c_path(path)?;
        code(littlefs_rust_core::lfs_mkdir(self.lfs(), p.as_ptr().cast())).map(drop)
    }

    pub fn rmdir(&self, path: &str) -> Result<(), VfsError> {
        if !self.stat(path)?.is_dir {
            return Err(errno(Errno::NotDir));
        }
        let p = c_path(path)?;
        code(littlefs_rust_core::lfs_remove(
            self.lfs(),
            p.as_ptr().cast(),
        ))
        .map(drop)
    }

    pub fn remove(&self, path: &str) -> Result<(), VfsError> {
        if self.stat(path)?.is_dir {
            return Err(errno(Errno::IsDir));
        }
        let p = c_path(path)?;
        code(littlefs_rust_core::lfs_remove(
            self.lfs(),
            p.as_ptr().cast(),
        ))
        .map(drop)
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), VfsError> {
        let (f, t) = (c_path(from)?, c_path(to)?);
        code(littlefs_rust_core::lfs_rename(
            self.lfs(),
            f.as_ptr().cast(),
            t.as_ptr().cast(),
        ))
        .map(drop)
    }

    /// Runs `f` on `path` open with `flags`, stamping the modification time when writing, and
    /// closes it (littlefs commits on close).
    fn with_file<R>(
        &self,
        path: &str,
        flags: i32,
        f: impl FnOnce(*mut Lfs, *mut LfsFile) -> Result<R, VfsError>,
    ) -> Result<R, VfsError> {
        let p = c_path(path)?;
        let writing = flags & LFS_O_WRONLY == LFS_O_WRONLY;
        let mut mtime = stamp();
        let mut attr = LfsAttr {
            type_: ATTR_MTIME,
            buffer: mtime.as_mut_ptr().cast(),
            size: 8,
        };
        let mut buffer = vec![0u8; CACHE as usize];
        let cfg = LfsFileConfig {
            buffer: buffer.as_mut_ptr().cast(),
            attrs: if writing {
                &mut attr
            } else {
                std::ptr::null_mut()
            },
            attr_count: u32::from(writing),
        };
        // SAFETY: LfsFile is plain data that littlefs initialises on open; it, its buffer and
        // its attribute stay where they are until it is closed below.
        let mut file: Box<LfsFile> = Box::new(unsafe { std::mem::zeroed() });
        code(littlefs_rust_core::lfs_file_opencfg(
            self.lfs(),
            &mut *file,
            p.as_ptr().cast(),
            flags,
            &cfg,
        ))?;
        let r = f(self.lfs(), &mut *file);
        let closed = code(littlefs_rust_core::lfs_file_close(self.lfs(), &mut *file));
        let r = r?;
        closed?;
        Ok(r)
    }

    pub fn create(&self, path: &str) -> Result<(), VfsError> {
        if let Ok(e) = self.stat(path)
            && e.is_dir
        {
            return Err(errno(Errno::IsDir));
        }
        self.with_file(
            path,
            LFS_O_WRONLY | LFS_O_CREAT | LFS_O_TRUNC,
            |_, _| Ok(()),
        )
    }

    fn file_entry(&self, path: &str) -> Result<Entry, VfsError> {
        let e = self.stat(path)?;
        if e.is_dir {
            return Err(errno(Errno::IsDir));
        }
        Ok(e)
    }

    pub fn read_at(&self, path: &str, offset: u64, n: usize) -> Result<Vec<u8>, VfsError> {
        let e = self.file_entry(path)?;
        let n = n.min(usize::try_from(e.size.saturating_sub(offset)).unwrap_or(0));
        let off = i32::try_from(offset).map_err(|_| errno(Errno::Inval))?;
        self.with_file(path, LFS_O_RDONLY, |lfs, f| {
            code(littlefs_rust_core::lfs_file_seek(lfs, f, off, 0))?;
            let mut out = vec![0u8; n];
            let mut got = 0;
            while got < n {
                let k = code(littlefs_rust_core::lfs_file_read(
                    lfs,
                    f,
                    out[got..].as_mut_ptr().cast(),
                    u32::try_from(n - got).unwrap_or(u32::MAX),
                ))?;
                if k == 0 {
                    break;
                }
                got += k as usize;
            }
            out.truncate(got);
            Ok(out)
        })
    }

    pub fn write_at(&self, path: &str, offset: u64, data: &[u8]) -> Result<usize, VfsError> {
        self.file_entry(path)?;
        let off = i32::try_from(offset).map_err(|_| errno(Errno::Inval))?;
        self.with_file(path, LFS_O_WRONLY, |lfs, f| {
            // A seek past the end and a write leave zeros between, as littlefs does itself.
            code(littlefs_rust_core::lfs_file_seek(lfs, f, off, 0))?;
            let k = littlefs_rust_core::lfs_file_write(
                lfs,
                f,
                data.as_ptr().cast(),
                u32::try_from(data.len()).unwrap_or(u32::MAX),
            );
            code(k).map(|k| k as usize)
        })
    }

    pub fn truncate(&self, path: &str, len: u64) -> Result<(), VfsError> {
        self.file_entry(path)?;
        let len = u32::try_from(len).map_err(|_| errno(Errno::Inval))?;
        self.with_file(path, LFS_O_WRONLY, |lfs, f| {
            code(littlefs_rust_core::lfs_file_truncate(lfs, f, len)).map(drop)
        })
    }

    pub fn stats(&self) -> Result<Stats, VfsError> {
        let used = code(littlefs_rust_core::lfs_fs_size(self.lfs()))? as u32;
        let blocks = self.inner.cfg.block_count;
        Ok(Stats {
            block_size: BLOCK,
            blocks,
            free: blocks.saturating_sub(used),
        })
    }

    /// The image file under the volume (to sync it).
    pub fn file(&self) -> std::cell::Ref<'_, Region> {
        self.inner.device.file.borrow()
    }
}
