//! The board's flash: a file-backed image holding a FAT volume (through the `fatfs` crate), laid
//! out so that mtools and a loop mount read it, or littlefs v2 (`lfs.rs`) where the board's
//! firmware keeps that. Knows nothing of Python, boards or the GUI.
//!
//! Paths are absolute inside the volume (`/lib/x.py`), already normalised by the caller. Every
//! operation opens what it needs and closes it again, so what an operation wrote is in the image
//! file when it returns (the OS holds it even if the process is killed), and a crash can at most
//! leave lost clusters, never a directory entry pointing at garbage.

use fatfs::{FileSystem, FormatVolumeOptions, FsOptions, ReadWriteSeek, TimeProvider};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Seconds since 2000-01-01 that new timestamps carry; negative: the host's clock (UTC).
static STAMP_TIME: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(-1);

/// Sets the time files are stamped with from now on: the board's RTC (seconds since 2000-01-01),
/// or `None` for the host's clock. A simulated board stamps its files with its own time, so runs
/// in virtual time write identical images.
pub fn set_stamp_time(secs_since_2000: Option<i64>) {
    STAMP_TIME.store(
        secs_since_2000.unwrap_or(-1).max(-1),
        std::sync::atomic::Ordering::Relaxed,
    );
}

pub mod lfs;
pub mod region;
pub use region::Region;

/// The time new stamps carry, in seconds since 2000-01-01.
fn stamp_secs_since_2000() -> i64 {
    let secs = STAMP_TIME.load(std::sync::atomic::Ordering::Relaxed);
    if secs >= 0 {
        return secs;
    }
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(unix).unwrap_or(0) - 946_684_800
}

#[derive(Debug)]
struct StampClock;

impl TimeProvider for StampClock {
    fn get_current_date(&self) -> fatfs::Date {
        self.get_current_date_time().date
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        let secs = stamp_secs_since_2000();
        let days = secs.div_euclid(86400) + days_from_civil(2000, 1, 1);
        let rem = secs.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        let u = |v: i64| u16::try_from(v).unwrap_or(0);
        fatfs::DateTime {
            date: fatfs::Date {
                year: u(y.clamp(1980, 2107)),
                month: u(m),
                day: u(d),
            },
            time: fatfs::Time {
                hour: u(rem / 3600),
                min: u(rem / 60 % 60),
                sec: u(rem % 60),
                millis: 0,
            },
        }
    }
}

static STAMP_CLOCK: StampClock = StampClock;

/// MicroPython's errno numbers for what goes wrong on the volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errno {
    /// No such file or directory (2).
    NoEnt = 2,
    /// I/O error (5).
    Io = 5,
    /// Permission denied (13): what FAT reports for removing a non-empty directory.
    Access = 13,
    /// Exists already (17).
    Exist = 17,
    /// Not a directory (20).
    NotDir = 20,
    /// Is a directory (21).
    IsDir = 21,
    /// No such device (19): no FAT volume on the device.
    NoDev = 19,
    /// Invalid argument (22): a bad name.
    Inval = 22,
    /// No space left on the volume (28).
    NoSpc = 28,
    /// Directory not empty (39): what littlefs reports for removing one.
    NotEmpty = 39,
}

/// Errors of the flash image.
#[derive(Debug, thiserror::Error)]
pub enum VfsError {
    /// A filesystem operation failed the way MicroPython reports with an errno.
    #[error("[Errno {}]", *.0 as i32)]
    Errno(Errno),
    /// Another process holds the image.
    #[error(
        "flash image {path} is in use by process {pid}; stop that mpsim first or pick another image with --flash"
    )]
    Locked {
        /// The image.
        path: PathBuf,
        /// Who holds it, as far as its lock file says.
        pid: String,
    },
    /// The image exists but holds no readable FAT volume.
    #[error(
        "flash image {path} is corrupt or not a FAT volume ({reason}); start over with --erase (this wipes it)"
    )]
    Corrupt {
        /// The image.
        path: PathBuf,
        /// What the FAT reader said.
        reason: String,
    },
    /// The host refused to read or write the image.
    #[error("flash image {path}: {source}")]
    Host {
        /// The image.
        path: PathBuf,
        /// The host's error.
        source: io::Error,
    },
}

impl VfsError {
    /// The errno a script sees for this error.
    pub fn errno(&self) -> i32 {
        match self {
            VfsError::Errno(e) => *e as i32,
            _ => Errno::Io as i32,
        }
    }
}

fn errno(e: Errno) -> VfsError {
    VfsError::Errno(e)
}

fn map_io(e: &io::Error) -> VfsError {
    let msg = e.to_string();
    errno(match e.kind() {
        io::ErrorKind::NotFound => Errno::NoEnt,
        io::ErrorKind::AlreadyExists => Errno::Exist,
        _ if msg.contains("No space left") => Errno::NoSpc,
        _ if msg.contains("Directory not empty") => Errno::Access,
        _ if msg.contains("Is a directory") => Errno::IsDir,
        _ if msg.contains("Not a directory") => Errno::NotDir,
        _ if msg.contains("name") => Errno::Inval,
        _ => Errno::Io,
    })
}

/// What `stat`/`ilistdir` report of one entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Name as stored (long file name).
    pub name: String,
    /// A directory?
    pub is_dir: bool,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// Modification time, seconds since 2000-01-01 (the FAT timestamp).
    pub mtime: u64,
}

/// Volume figures for `statvfs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Cluster size in bytes.
    pub block_size: u32,
    /// Clusters in the volume.
    pub blocks: u32,
    /// Free clusters.
    pub free: u32,
}

/// How the image is laid out, and how it is created when it does not exist yet.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Bytes of the volume.
    pub size: u64,
    /// Cluster size in bytes (the flash erase block on ESP8266: 4096).
    pub cluster: u32,
    /// littlefs v2 (the Picos', the ESP32's) rather than FAT.
    pub littlefs: bool,
    /// The whole flash, when the image holds it (the ESP boards': firmware, then the volume at
    /// `offset`): its size in bytes; 0 when the image is the volume alone.
    pub flash_size: u64,
    /// Where the volume starts in a whole-flash image.
    pub offset: u64,
}

impl Geometry {
    /// A volume-only image of `size` bytes.
    pub const fn volume(size: u64, cluster: u32, littlefs: bool) -> Geometry {
        Geometry {
            size,
            cluster,
            littlefs,
            flash_size: 0,
            offset: 0,
        }
    }

    /// Whether the image holds the whole flash.
    pub fn whole_flash(&self) -> bool {
        self.flash_size > 0
    }

    /// The bytes a new image has.
    pub fn image_len(&self) -> u64 {
        if self.whole_flash() {
            self.flash_size
        } else {
            self.size
        }
    }

    /// Where the volume sits in an image of `len` bytes: a whole-flash image of the right size has
    /// it at `offset` (up to the flash's end: FAT's own header bounds what it uses); any other
    /// image is the volume alone (one made before the image held the flash).
    pub fn volume_in(&self, len: u64) -> (u64, u64) {
        if self.whole_flash() && len == self.flash_size && self.offset < len {
            (self.offset, len - self.offset)
        } else {
            (0, len)
        }
    }
}

/// What a flash image holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    Fat,
    LittleFs,
}

/// A mounted FAT volume on any storage (`IO`): the path-based operations every board
/// filesystem offers. The board's flash is one (`Flash`, over its image file); a script's own
/// block device is another.
pub struct Volume<IO: ReadWriteSeek> {
    fs: FileSystem<IO>,
    /// The bytes the volume's device holds: no file holds more (a damaged directory entry may
    /// say it does, a damaged FAT may chain a file's clusters in a loop).
    cap: u64,
}

/// A flash image, mounted: FAT or littlefs behind the same path operations.
pub struct Flash {
    vol: Backend,
    /// A second handle on the image, to push it to the disk on `sync`.
    disk: File,
    /// Where the volume starts in the image.
    base: u64,
    path: PathBuf,
    _lock: File,
}

enum Backend {
    Fat(Box<Volume<Region>>),
    Lfs(lfs::LfsVolume),
}

/// The path operations of whichever filesystem the image holds.
macro_rules! dispatch {
    ($(#[$m:meta])* $name:ident($($a:ident: $t:ty),*) -> $r:ty) => {
        $(#[$m])*
        pub fn $name(&self, $($a: $t),*) -> $r {
            match &self.vol {
                Backend::Fat(v) => v.$name($($a),*),
                Backend::Lfs(v) => v.$name($($a),*),
            }
        }
    };
}

impl Flash {
    dispatch!(
        /// The entry at `path` (`/` is the root directory).
        stat(path: &str) -> Result<Entry, VfsError>);
    dispatch!(
        /// Entries of the directory at `path`, without `.` and `..`.
        listdir(path: &str) -> Result<Vec<Entry>, VfsError>);
    dispatch!(
        /// Creates a directory.
        mkdir(path: &str) -> Result<(), VfsError>);
    dispatch!(
        /// Removes an empty directory.
        rmdir(path: &str) -> Result<(), VfsError>);
    dispatch!(
        /// Removes a file.
        remove(path: &str) -> Result<(), VfsError>);
    dispatch!(
        /// Renames (or moves) a file or directory.
        rename(from: &str, to: &str) -> Result<(), VfsError>);
    dispatch!(
        /// Creates `path` empty (truncating it when it exists).
        create(path: &str) -> Result<(), VfsError>);
    dispatch!(
        /// Up to `n` bytes of `path` from `offset`.
        read_at(path: &str, offset: u64, n: usize) -> Result<Vec<u8>, VfsError>);
    dispatch!(
        /// Writes `data` into `path` at `offset`; returns the bytes written.
        write_at(path: &str, offset: u64, data: &[u8]) -> Result<usize, VfsError>);
    dispatch!(
        /// Cuts `path` to `len` bytes.
        truncate(path: &str, len: u64) -> Result<(), VfsError>);
    dispatch!(
        /// Block size, block count and free blocks.
        stats() -> Result<Stats, VfsError>);

    /// Size of the file at `path`.
    pub fn len(&self, path: &str) -> Result<u64, VfsError> {
        let e = self.stat(path)?;
        if e.is_dir {
            return Err(errno(Errno::IsDir));
        }
        Ok(e.size)
    }

    /// Reads a whole file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, VfsError> {
        let n = usize::try_from(self.len(path)?).unwrap_or(usize::MAX);
        self.read_at(path, 0, n)
    }

    /// Writes a whole file, replacing it.
    pub fn write(&self, path: &str, data: &[u8]) -> Result<(), VfsError> {
        self.create(path)?;
        let n = self.write_at(path, 0, data)?;
        if n < data.len() {
            return Err(errno(Errno::NoSpc));
        }
        Ok(())
    }

    /// Where the volume starts in the image: its flash address in a whole-flash image, 0 in an
    /// image that is the volume alone.
    pub fn volume_base(&self) -> u64 {
        self.base
    }

    /// The image's bytes as the flash chip holds them (`flashbdev`, `esp32.Partition`,
    /// `esp.flash_read`): up to `n` from `offset` (a flash address in a whole-flash image).
    pub fn raw_read(&self, offset: u64, n: usize) -> Result<Vec<u8>, VfsError> {
        let mut f = &self.disk;
        let len = f.metadata().map_err(|e| map_io(&e))?.len();
        let n = n.min(usize::try_from(len.saturating_sub(offset)).unwrap_or(0));
        let mut out = vec![0u8; n];
        f.seek(SeekFrom::Start(offset)).map_err(|e| map_io(&e))?;
        f.read_exact(&mut out).map_err(|e| map_io(&e))?;
        Ok(out)
    }

    /// Writes raw bytes into the image (within its size).
    pub fn raw_write(&self, offset: u64, data: &[u8]) -> Result<(), VfsError> {
        let mut f = &self.disk;
        let len = f.metadata().map_err(|e| map_io(&e))?.len();
        if offset.saturating_add(data.len() as u64) > len {
            return Err(errno(Errno::Inval));
        }
        f.seek(SeekFrom::Start(offset)).map_err(|e| map_io(&e))?;
        f.write_all(data).map_err(|e| map_io(&e))
    }

    /// What the image holds.
    pub fn kind(&self) -> FsKind {
        match self.vol {
            Backend::Fat(_) => FsKind::Fat,
            Backend::Lfs(_) => FsKind::LittleFs,
        }
    }
}

/// Whether `file` begins with a FAT boot sector (or a partition table before one).
fn holds_fat(file: &mut Region) -> bool {
    let mut b = [0u8; 512];
    let ok = file.seek(SeekFrom::Start(0)).is_ok() && file.read_exact(&mut b).is_ok();
    let _ = file.seek(SeekFrom::Start(0));
    ok && b[510] == 0x55 && b[511] == 0xAA
}

/// Whether the volume's first 8 KiB read as erased flash (all ones).
fn erased(r: &mut Region) -> bool {
    let mut b = vec![0u8; 8192];
    let ok = r.seek(SeekFrom::Start(0)).is_ok() && r.read_exact(&mut b).is_ok();
    let _ = r.seek(SeekFrom::Start(0));
    ok && b.iter().all(|&x| x == 0xFF)
}

/// Whether `file` holds a littlefs superblock ("littlefs" at offset 8 of block 0 or 1).
fn holds_littlefs(file: &mut Region) -> bool {
    let mut found = false;
    for block in 0..2u64 {
        let mut b = [0u8; 16];
        if file
            .seek(SeekFrom::Start(block * u64::from(lfs::BLOCK)))
            .is_ok()
            && file.read_exact(&mut b).is_ok()
            && &b[8..16] == b"littlefs"
        {
            found = true;
        }
    }
    let _ = file.seek(SeekFrom::Start(0));
    found
}

/// Split `/a/b/c` into components, refusing what a FAT name cannot be.
fn components(path: &str) -> Result<Vec<&str>, VfsError> {
    if path.contains('\0') {
        return Err(errno(Errno::Inval));
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    for p in &parts {
        if *p == "." || *p == ".." || p.len() > 255 {
            return Err(errno(Errno::Inval));
        }
    }
    Ok(parts)
}

/// The pid written into lock files (0: this process's).
static OWNER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Names `pid` as the holder of the images this process locks: a board process names the
/// front end that started it, which is the process a user stops.
pub fn set_lock_owner(pid: u32) {
    OWNER.store(pid, std::sync::atomic::Ordering::Relaxed);
}

fn lock(path: &Path) -> Result<File, VfsError> {
    let lock_path = path.with_extension("lock");
    let host = |source| VfsError::Host {
        path: lock_path.clone(),
        source,
    };
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(host)?;
    // A board process whose front end was killed holds the image for the moment it takes the
    // kernel to end it too (it dies with its front end): wait for that, not for a live holder
    // other than ourselves.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while let Err(std::fs::TryLockError::WouldBlock) = f.try_lock() {
        let mut holder = String::new();
        let _ = f.read_to_string(&mut holder);
        let _ = f.seek(std::io::SeekFrom::Start(0));
        // The holder named is this process or the front end it works for: a board process
        // another thread of that front end started at that instant has the lock's file open
        // until its exec closes it (flock's lock belongs to the open file, which a fork shares).
        let owner = OWNER.load(std::sync::atomic::Ordering::Relaxed);
        let waits = holder.trim().parse::<u32>().is_ok_and(|pid| {
            !Path::new(&format!("/proc/{pid}")).exists()
                || pid == std::process::id()
                || pid == owner
        });
        if !waits || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    match f.try_lock() {
        Ok(()) => {
            f.set_len(0).map_err(host)?;
            let owner = match OWNER.load(std::sync::atomic::Ordering::Relaxed) {
                0 => std::process::id(),
                pid => pid,
            };
            write!(f, "{owner}").map_err(host)?;
            Ok(f)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = f.read_to_string(&mut pid);
            Err(VfsError::Locked {
                path: path.to_owned(),
                pid: if pid.trim().is_empty() {
                    "unknown".into()
                } else {
                    pid.trim().to_owned()
                },
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(host(e)),
    }
}

impl Flash {
    /// Opens (creating and formatting it when missing or when `erase`) the image at `path`.
    /// Returns the mounted flash and whether it was formatted now (the board's first boot).
    pub fn open(path: &Path, geometry: Geometry, erase: bool) -> Result<(Flash, bool), VfsError> {
        let host = |source| VfsError::Host {
            path: path.to_owned(),
            source,
        };
        // The folder must exist: a path with a typo in it is an error, not a new folder (the
        // caller makes its own default folder).
        let lock = lock(path)?;
        let mut fresh =
            erase || !path.exists() || std::fs::metadata(path).map_err(host)?.len() == 0;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(host)?;
        if fresh {
            // Erased flash reads as ones: littlefs' blocks and, in a whole-flash image, what lies
            // outside the volume (a FAT volume is formatted over zeros, which the file holds
            // without taking room).
            file.set_len(0).map_err(host)?;
            file.set_len(geometry.image_len()).map_err(host)?;
            let (vol_at, vol_end) = if geometry.whole_flash() {
                (
                    geometry.offset,
                    geometry.offset.saturating_add(geometry.size),
                )
            } else {
                (0, geometry.size)
            };
            let ones_over = |from: u64, to: u64| -> Result<(), VfsError> {
                let ones = vec![0xFFu8; 64 << 10];
                let mut at = from;
                while at < to {
                    let n = usize::try_from((to - at).min(ones.len() as u64)).unwrap_or(0);
                    std::os::unix::fs::FileExt::write_all_at(&file, &ones[..n], at)
                        .map_err(host)?;
                    at += n as u64;
                }
                Ok(())
            };
            if geometry.littlefs {
                ones_over(0, geometry.image_len())?;
            } else {
                ones_over(0, vol_at.min(geometry.image_len()))?;
                ones_over(vol_end.min(geometry.image_len()), geometry.image_len())?;
            }
        }
        let len = file.metadata().map_err(host)?.len();
        let (base, room) = geometry.volume_in(len);
        let region = |f: &File| -> Result<Region, VfsError> {
            Ok(Region::new(f.try_clone().map_err(host)?, base, room))
        };
        // A volume erased on a whole-flash image (esptool's erase_flash) is made anew on the next
        // boot, as the firmware's start-up does when it finds nothing to mount; anything else that
        // is not a volume stays an error, so a damaged image is never wiped.
        if !fresh && base > 0 && erased(&mut region(&file)?) {
            fresh = true;
        }
        if fresh {
            let size = geometry.size.min(room);
            if geometry.littlefs {
                let blocks = u32::try_from(size / u64::from(lfs::BLOCK)).unwrap_or(u32::MAX);
                lfs::LfsVolume::format(region(&file)?, blocks)?;
            } else {
                let sectors = u32::try_from(size / 512).unwrap_or(u32::MAX);
                let mut r = region(&file)?;
                fatfs::format_volume(
                    &mut r,
                    FormatVolumeOptions::new()
                        .bytes_per_sector(512)
                        .total_sectors(sectors)
                        .bytes_per_cluster(geometry.cluster)
                        .volume_label(*b"MICROPY    "),
                )
                .map_err(host)?;
            }
            file.sync_all().map_err(host)?;
        }
        let disk = file.try_clone().map_err(host)?;
        let mut vol_io = region(&file)?;
        // The image says what it holds (an image made before the board kept littlefs stays FAT).
        let vol = if !holds_fat(&mut vol_io) && (geometry.littlefs || holds_littlefs(&mut vol_io)) {
            // littlefs takes the partition's size (a whole-flash image's volume region runs to
            // the flash's end).
            let size = if base > 0 {
                geometry.size.min(room)
            } else {
                room
            };
            let blocks = u32::try_from(size / u64::from(lfs::BLOCK)).unwrap_or(u32::MAX);
            Backend::Lfs(
                lfs::LfsVolume::mount(vol_io, blocks).map_err(|e| VfsError::Corrupt {
                    path: path.to_owned(),
                    reason: format!("littlefs: {e}"),
                })?,
            )
        } else {
            check_size(&mut vol_io, path)?;
            let cap = vol_io.len();
            let fs = FileSystem::new(vol_io, FsOptions::new().time_provider(&STAMP_CLOCK))
                .map_err(|e| VfsError::Corrupt {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
            Backend::Fat(Box::new(Volume { fs, cap }))
        };
        let flash = Flash {
            vol,
            disk,
            base,
            path: path.to_owned(),
            _lock: lock,
        };
        // A truncated image mounts but fails on first use: look at the root now.
        flash.listdir("/").map_err(|e| VfsError::Corrupt {
            path: path.to_owned(),
            reason: format!("root directory unreadable: {e}"),
        })?;
        Ok((flash, fresh))
    }

    /// The image file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Pushes everything to the disk under the image (`os.sync`). Every operation already wrote
    /// through to the image file; this makes it survive a host crash too.
    pub fn sync(&self) -> Result<(), VfsError> {
        self.disk.sync_data().map_err(|e| map_io(&e))
    }

    /// Unmounts cleanly (clears the volume's dirty flag).
    pub fn close(self) -> Result<(), VfsError> {
        let path = self.path.clone();
        match self.vol {
            Backend::Fat(v) => {
                v.fs.unmount()
                    .map_err(|source| VfsError::Host { path, source })
            }
            // littlefs committed every operation already.
            Backend::Lfs(v) => {
                drop(v);
                Ok(())
            }
        }
    }
}

impl<IO: ReadWriteSeek> Volume<IO> {
    /// Mounts the FAT volume `io` holds; `None` when it holds none (or its root is unreadable).
    pub fn mount(mut io: IO) -> Result<Volume<IO>, VfsError> {
        let cap = io.seek(SeekFrom::End(0)).map_err(|e| map_io(&e))?;
        io.seek(SeekFrom::Start(0)).map_err(|e| map_io(&e))?;
        let fs =
            FileSystem::new(io, FsOptions::new().time_provider(&STAMP_CLOCK)).map_err(|e| {
                if e.kind() == io::ErrorKind::InvalidData
                    || e.kind() == io::ErrorKind::UnexpectedEof
                {
                    errno(Errno::NoDev)
                } else {
                    map_io(&e)
                }
            })?;
        let vol = Volume { fs, cap };
        vol.listdir("/")?;
        Ok(vol)
    }

    /// Unmounts (writes the volume's clean state back).
    pub fn unmount(self) -> Result<(), VfsError> {
        self.fs.unmount().map_err(|e| map_io(&e))
    }

    /// The entry at `path` (`/` is the root directory).
    pub fn stat(&self, path: &str) -> Result<Entry, VfsError> {
        let parts = components(path)?;
        let Some((last, dirs)) = parts.split_last() else {
            return Ok(Entry {
                name: String::new(),
                is_dir: true,
                size: 0,
                mtime: 0,
            });
        };
        let dir = self.dir(dirs)?;
        for e in dir.iter() {
            let e = e.map_err(|e| map_io(&e))?;
            if e.file_name().eq_ignore_ascii_case(last) {
                return Ok(entry(&e));
            }
        }
        Err(errno(Errno::NoEnt))
    }

    fn dir(&self, parts: &[&str]) -> Result<fatfs::Dir<'_, IO>, VfsError> {
        let mut dir = self.fs.root_dir();
        for p in parts {
            let mut next = None;
            for e in dir.iter() {
                let e = e.map_err(|e| map_io(&e))?;
                if e.file_name().eq_ignore_ascii_case(p) {
                    if !e.is_dir() {
                        return Err(errno(Errno::NotDir));
                    }
                    next = Some(e.to_dir());
                    break;
                }
            }
            dir = next.ok_or(errno(Errno::NoEnt))?;
        }
        Ok(dir)
    }

    /// Entries of the directory at `path`, in directory order, without `.` and `..`.
    pub fn listdir(&self, path: &str) -> Result<Vec<Entry>, VfsError> {
        let parts = components(path)?;
        if !parts.is_empty() && !self.stat(path)?.is_dir {
            return Err(errno(Errno::NotDir));
        }
        let dir = self.dir(&parts)?;
        let mut out = Vec::new();
        for e in dir.iter() {
            let e = e.map_err(|e| map_io(&e))?;
            let name = e.file_name();
            if name == "." || name == ".." {
                continue;
            }
            out.push(entry(&e));
        }
        Ok(out)
    }

    fn parent_and_name<'p>(&self, path: &'p str) -> Result<(Vec<&'p str>, &'p str), VfsError> {
        let mut parts = components(path)?;
        let name = parts.pop().ok_or(errno(Errno::Inval))?;
        Ok((parts, name))
    }

    /// Creates a directory.
    pub fn mkdir(&self, path: &str) -> Result<(), VfsError> {
        let (parent, name) = self.parent_and_name(path)?;
        if self.stat(path).is_ok() {
            return Err(errno(Errno::Exist));
        }
        self.dir(&parent)?
            .create_dir(name)
            .map(drop)
            .map_err(|e| map_io(&e))
    }

    /// Removes an empty directory.
    pub fn rmdir(&self, path: &str) -> Result<(), VfsError> {
        let e = self.stat(path)?;
        if !e.is_dir {
            return Err(errno(Errno::NotDir));
        }
        if !self.listdir(path)?.is_empty() {
            return Err(errno(Errno::Access));
        }
        let (parent, name) = self.parent_and_name(path)?;
        self.dir(&parent)?.remove(name).map_err(|e| map_io(&e))
    }

    /// Removes a file.
    pub fn remove(&self, path: &str) -> Result<(), VfsError> {
        if self.stat(path)?.is_dir {
            return Err(errno(Errno::IsDir));
        }
        let (parent, name) = self.parent_and_name(path)?;
        self.dir(&parent)?.remove(name).map_err(|e| map_io(&e))
    }

    /// Renames (or moves) a file or directory; an existing file at `to` is replaced.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), VfsError> {
        let src = self.stat(from)?;
        let (sp, sn) = self.parent_and_name(from)?;
        let (dp, dn) = self.parent_and_name(to)?;
        if let Ok(dst) = self.stat(to) {
            if dst.is_dir || src.is_dir {
                return Err(errno(Errno::Exist));
            }
            self.remove(to)?;
        }
        let sdir = self.dir(&sp)?;
        let ddir = self.dir(&dp)?;
        sdir.rename(sn, &ddir, dn).map_err(|e| map_io(&e))
    }

    /// Creates `path` empty (truncating it when it exists).
    pub fn create(&self, path: &str) -> Result<(), VfsError> {
        let (parent, name) = self.parent_and_name(path)?;
        if let Ok(e) = self.stat(path)
            && e.is_dir
        {
            return Err(errno(Errno::IsDir));
        }
        let mut f = self
            .dir(&parent)?
            .create_file(name)
            .map_err(|e| map_io(&e))?;
        f.truncate().map_err(|e| map_io(&e))?;
        f.flush().map_err(|e| map_io(&e))
    }

    fn file(&self, path: &str) -> Result<fatfs::File<'_, IO>, VfsError> {
        let (parent, name) = self.parent_and_name(path)?;
        let e = self.stat(path)?;
        if e.is_dir {
            return Err(errno(Errno::IsDir));
        }
        // A file that says it holds more than the volume is damaged: EIO, not gigabytes read
        // round a looping cluster chain.
        if e.size > self.cap {
            return Err(errno(Errno::Io));
        }
        self.dir(&parent)?.open_file(name).map_err(|e| map_io(&e))
    }

    /// Up to `n` bytes of `path` from `offset`.
    pub fn read_at(&self, path: &str, offset: u64, n: usize) -> Result<Vec<u8>, VfsError> {
        let mut f = self.file(path)?;
        f.seek(SeekFrom::Start(offset)).map_err(|e| map_io(&e))?;
        let mut out = Vec::with_capacity(n.min(1 << 20));
        f.take((n as u64).min(self.cap))
            .read_to_end(&mut out)
            .map_err(|e| map_io(&e))?;
        Ok(out)
    }

    /// Writes `data` into `path` at `offset` (extending it); returns the bytes written. On a full
    /// volume it writes what fits and reports ENOSPC when nothing did.
    pub fn write_at(&self, path: &str, offset: u64, data: &[u8]) -> Result<usize, VfsError> {
        let mut f = self.file(path)?;
        let len = f.seek(SeekFrom::End(0)).map_err(|e| map_io(&e))?;
        if offset > len {
            // Fill the gap with zeros, as a seek past the end and a write do on the board.
            let zeros = vec![0u8; usize::try_from(offset - len).unwrap_or(0)];
            f.write_all(&zeros).map_err(|e| map_io(&e))?;
        }
        f.seek(SeekFrom::Start(offset)).map_err(|e| map_io(&e))?;
        let mut done = 0;
        while done < data.len() {
            match f.write(&data[done..]) {
                Ok(0) => break,
                Ok(k) => done += k,
                Err(e) => {
                    let err = map_io(&e);
                    let _ = f.flush();
                    if done == 0 {
                        return Err(err);
                    }
                    break;
                }
            }
        }
        f.flush().map_err(|e| map_io(&e))?;
        Ok(done)
    }

    /// Cuts `path` to `len` bytes.
    pub fn truncate(&self, path: &str, len: u64) -> Result<(), VfsError> {
        let mut f = self.file(path)?;
        f.seek(SeekFrom::Start(len)).map_err(|e| map_io(&e))?;
        f.truncate().map_err(|e| map_io(&e))?;
        f.flush().map_err(|e| map_io(&e))
    }

    /// Cluster size, cluster count and free clusters.
    pub fn stats(&self) -> Result<Stats, VfsError> {
        let s = self.fs.stats().map_err(|e| map_io(&e))?;
        Ok(Stats {
            block_size: s.cluster_size(),
            blocks: s.total_clusters(),
            free: s.free_clusters(),
        })
    }
}

/// The current time as FAT packs it (the volume serial number the firmware's mkfs writes).
fn fat_time() -> u32 {
    let t = STAMP_CLOCK.get_current_date_time();
    (u32::from(t.date.year.saturating_sub(1980)) << 25)
        | (u32::from(t.date.month) << 21)
        | (u32::from(t.date.day) << 16)
        | (u32::from(t.time.hour) << 11)
        | (u32::from(t.time.min) << 5)
        | u32::from(t.time.sec / 2)
}

#[derive(PartialEq, Clone, Copy)]
enum FatKind {
    F12,
    F16,
    F32,
}

/// Where `mkfs` puts things, in sectors.
struct Layout {
    kind: FatKind,
    /// First sector of the volume (0, or 63 behind a partition table).
    base: u64,
    /// Sectors of the volume.
    size: u64,
    cluster: u64,
    clusters: u64,
    reserved: u64,
    fat: u64,
    root: u64,
}

/// FatFs's layout for a volume of `total` sectors of `ss` bytes: FAT12/16 over the whole device
/// (`fat32` false) or FAT32 in a partition from sector 63; `None` where it cannot be made.
fn layout(total: u64, ss: u64, fat32: bool) -> Option<Layout> {
    const MAX_FAT12: u64 = 0xFF5;
    const MAX_FAT16: u64 = 0xFFF5;
    const MAX_FAT32: u64 = 0x0FFF_FFF5;
    // Cluster-size boundaries: FAT12/16 in units of 4K sectors, FAT32 in units of 128K.
    const CST: [u64; 6] = [1, 4, 16, 64, 256, 512];
    const CST32: [u64; 6] = [1, 2, 4, 8, 16, 32];
    let base = if fat32 { 63 } else { 0 };
    let size = total.checked_sub(base)?;
    if size < 22 {
        return None;
    }
    let from_table = |table: &[u64], n: u64| {
        let mut au = 1;
        for &c in table {
            if c > n {
                break;
            }
            au <<= 1;
        }
        au
    };
    let mut kind = if fat32 { FatKind::F32 } else { FatKind::F16 };
    let mut au = 0;
    loop {
        let (cluster, fat, reserved, root);
        if kind == FatKind::F32 {
            cluster = if au == 0 {
                from_table(&CST32, size / 0x20000)
            } else {
                au
            };
            let n = size / cluster;
            fat = (n * 4 + 8).div_ceil(ss);
            reserved = 32;
            root = 0;
            if n <= MAX_FAT16 || n > MAX_FAT32 {
                return None;
            }
        } else {
            cluster = if au == 0 {
                from_table(&CST, size / 0x1000)
            } else {
                au
            };
            let n = size / cluster;
            let bytes = if n > MAX_FAT12 {
                n * 2 + 4
            } else {
                kind = FatKind::F12;
                (n * 3).div_ceil(2) + 3
            };
            fat = bytes.div_ceil(ss);
            reserved = 1;
            root = 512 * 32 / ss;
        }
        if size < reserved + fat + root + cluster * 16 {
            return None;
        }
        let clusters = (size - reserved - fat - root) / cluster;
        match kind {
            FatKind::F32 if clusters <= MAX_FAT16 => {
                if au == 0 && cluster / 2 != 0 {
                    au = cluster / 2;
                    continue;
                }
                return None;
            }
            FatKind::F16 if clusters > MAX_FAT16 => {
                if au == 0 && cluster * 2 <= 64 {
                    au = cluster * 2;
                    continue;
                }
                return None;
            }
            FatKind::F16 if clusters <= MAX_FAT12 => {
                if au == 0 && cluster * 2 <= 128 {
                    au = cluster * 2;
                    continue;
                }
                return None;
            }
            FatKind::F12 if clusters > MAX_FAT12 => return None,
            _ => {}
        }
        return Some(Layout {
            kind,
            base,
            size,
            cluster,
            clusters,
            reserved,
            fat,
            root,
        });
    }
}

/// Formats `io` (`sectors` sectors of `ss` bytes) as MicroPython's `VfsFat.mkfs` does: FatFs
/// with one FAT and 512 root entries, FAT12/16 over the whole device without a partition table,
/// or, when that cannot hold the clusters, FAT32 in a partition that starts at sector 63 behind
/// an MBR (the firmware's second attempt). The figures (reserved sectors, FAT size, cluster
/// count) are the firmware's, so `statvfs` reads the same.
pub fn mkfs<IO: Read + Write + Seek>(io: &mut IO, sectors: u64, ss: u16) -> Result<(), VfsError> {
    if !ss.is_power_of_two() || ss < 512 {
        return Err(errno(Errno::Io));
    }
    let ssz = u64::from(ss);
    let total = sectors.min(u64::from(u32::MAX));
    let l = layout(total, ssz, false)
        .or_else(|| layout(total, ssz, true))
        .ok_or(errno(Errno::Io))?;
    let sec = usize::from(ss);
    let put = |io: &mut IO, lba: u64, data: &[u8]| -> Result<(), VfsError> {
        io.seek(SeekFrom::Start(lba * ssz))
            .and_then(|_| io.write_all(data))
            .map_err(|e| map_io(&e))
    };
    let le16 = |b: &mut [u8], at: usize, v: u64| {
        b[at..at + 2].copy_from_slice(&u16::try_from(v).unwrap_or(u16::MAX).to_le_bytes());
    };
    let le32 = |b: &mut [u8], at: usize, v: u64| {
        b[at..at + 4].copy_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
    };
    let f32 = l.kind == FatKind::F32;
    // The volume boot record (BPB).
    let mut vbr = vec![0u8; sec];
    vbr[..11].copy_from_slice(b"\xEB\xFE\x90MSDOS5.0");
    le16(&mut vbr, 11, ssz);
    vbr[13] = u8::try_from(l.cluster).unwrap_or(0);
    le16(&mut vbr, 14, l.reserved);
    vbr[16] = 1;
    le16(&mut vbr, 17, if f32 { 0 } else { 512 });
    if l.size < 0x10000 {
        le16(&mut vbr, 19, l.size);
    } else {
        le32(&mut vbr, 32, l.size);
    }
    vbr[21] = 0xF8;
    le16(&mut vbr, 24, 63);
    le16(&mut vbr, 26, 255);
    le32(&mut vbr, 28, l.base);
    if f32 {
        le32(&mut vbr, 67, u64::from(fat_time()));
        le32(&mut vbr, 36, l.fat);
        le32(&mut vbr, 44, 2);
        le16(&mut vbr, 48, 1);
        le16(&mut vbr, 50, 6);
        vbr[64] = 0x80;
        vbr[66] = 0x29;
        vbr[71..90].copy_from_slice(b"NO NAME    FAT32   ");
    } else {
        le32(&mut vbr, 39, u64::from(fat_time()));
        le16(&mut vbr, 22, l.fat);
        vbr[36] = 0x80;
        vbr[38] = 0x29;
        vbr[43..62].copy_from_slice(b"NO NAME    FAT     ");
    }
    vbr[510] = 0x55;
    vbr[511] = 0xAA;
    put(io, l.base, &vbr)?;
    if f32 {
        put(io, l.base + 6, &vbr)?;
        let mut fsi = vec![0u8; sec];
        le32(&mut fsi, 0, 0x4161_5252);
        le32(&mut fsi, 484, 0x6141_7272);
        le32(&mut fsi, 488, l.clusters - 1);
        le32(&mut fsi, 492, 2);
        fsi[510] = 0x55;
        fsi[511] = 0xAA;
        put(io, l.base + 7, &fsi)?;
        put(io, l.base + 1, &fsi)?;
    }
    // The FAT (its first entries, the rest zero), then the root directory (zero).
    let mut first = vec![0u8; sec];
    match l.kind {
        FatKind::F32 => {
            le32(&mut first, 0, 0xFFFF_FFF8);
            le32(&mut first, 4, 0xFFFF_FFFF);
            le32(&mut first, 8, 0x0FFF_FFFF);
        }
        FatKind::F16 => le32(&mut first, 0, 0xFFFF_FFF8),
        FatKind::F12 => le32(&mut first, 0, 0x00FF_FFF8),
    }
    let fat_start = l.base + l.reserved;
    put(io, fat_start, &first)?;
    let zero = vec![0u8; sec];
    let root = if f32 { l.cluster } else { l.root };
    for lba in fat_start + 1..fat_start + l.fat + root {
        put(io, lba, &zero)?;
    }
    if l.base != 0 {
        // The partition table: one FAT32 partition over the rest of the device.
        let mut mbr = vec![0u8; sec];
        let pte = 446;
        mbr[pte + 1] = 1;
        mbr[pte + 2] = 1;
        mbr[pte + 4] = 0x0C;
        let n = (l.base + l.size) / (63 * 255);
        mbr[pte + 5] = 254;
        mbr[pte + 6] = u8::try_from(((n >> 2) & 0xC0) | 63).unwrap_or(63);
        mbr[pte + 7] = (n & 0xFF) as u8;
        le32(&mut mbr, pte + 8, l.base);
        le32(&mut mbr, pte + 12, l.size);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        put(io, 0, &mbr)?;
    }
    io.flush().map_err(|e| map_io(&e))
}

/// Where the FAT volume on a device starts (bytes), as FatFs finds it: at sector 0 when that
/// holds a FAT boot record, else in the first partition of an MBR whose start holds one.
pub fn find_volume<IO: Read + Seek>(io: &mut IO, ss: u64) -> Result<u64, VfsError> {
    let mut sector = |lba: u64| -> Result<Vec<u8>, VfsError> {
        let mut b = vec![0u8; 512];
        io.seek(SeekFrom::Start(lba * ss))
            .and_then(|_| io.read_exact(&mut b))
            .map_err(|e| map_io(&e))?;
        Ok(b)
    };
    let is_fat = |b: &[u8]| {
        b[510] == 0x55
            && b[511] == 0xAA
            && matches!(b[0], 0xE9 | 0xEB | 0xE8)
            && (&b[54..57] == b"FAT" || &b[82..87] == b"FAT32")
    };
    let first = sector(0)?;
    if is_fat(&first) {
        return Ok(0);
    }
    if first[510] == 0x55 && first[511] == 0xAA {
        for i in 0..4 {
            let e = 446 + 16 * i;
            if first[e + 4] == 0 {
                continue;
            }
            let lba = u64::from(u32::from_le_bytes([
                first[e + 8],
                first[e + 9],
                first[e + 10],
                first[e + 11],
            ]));
            if lba != 0 && is_fat(&sector(lba)?) {
                return Ok(lba * ss);
            }
        }
    }
    Err(errno(Errno::NoDev))
}

/// A volume whose boot sector claims more sectors than the image holds was cut short (a partial
/// copy, a full disk): refuse it before anything is written into the void.
fn check_size(file: &mut Region, path: &Path) -> Result<(), VfsError> {
    let corrupt = |reason: String| VfsError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let mut bpb = [0u8; 36];
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_exact(&mut bpb))
        .map_err(|e| corrupt(format!("boot sector unreadable: {e}")))?;
    let bps = u64::from(u16::from_le_bytes([bpb[11], bpb[12]]));
    let small = u64::from(u16::from_le_bytes([bpb[19], bpb[20]]));
    let large = u64::from(u32::from_le_bytes([bpb[32], bpb[33], bpb[34], bpb[35]]));
    let sectors = if small != 0 { small } else { large };
    let need = bps * sectors;
    let have = file.len();
    file.seek(SeekFrom::Start(0))
        .map_err(|e| corrupt(e.to_string()))?;
    if need > have {
        return Err(corrupt(format!(
            "the volume needs {need} bytes but the image has {have}: truncated"
        )));
    }
    Ok(())
}

fn entry<IO: ReadWriteSeek>(e: &fatfs::DirEntry<'_, IO>) -> Entry {
    let m = e.modified();
    let (y, mo, d) = (
        i64::from(m.date.year),
        i64::from(m.date.month),
        i64::from(m.date.day),
    );
    let days = days_from_civil(y, mo, d) - days_from_civil(2000, 1, 1);
    let secs = days * 86400
        + i64::from(m.time.hour) * 3600
        + i64::from(m.time.min) * 60
        + i64::from(m.time.sec);
    Entry {
        name: e.file_name(),
        is_dir: e.is_dir(),
        size: if e.is_dir() { 0 } else { e.len() },
        mtime: u64::try_from(secs).unwrap_or(0),
    }
}

/// The civil date (year, month, day) of a day counted from 1970-01-01 (proleptic Gregorian).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days from 1970-01-01 to a civil date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEO: Geometry = Geometry::volume(1 << 20, 4096, false);

    #[test]
    fn a_whole_flash_image_keeps_its_volume_at_the_offset_and_erased_flash_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        for littlefs in [false, true] {
            let img = dir.path().join(format!("whole-{littlefs}.img"));
            let geo = Geometry {
                size: 512 << 10,
                cluster: 4096,
                littlefs,
                flash_size: 1 << 20,
                offset: 256 << 10,
            };
            let (f, fresh) = Flash::open(&img, geo, false).unwrap();
            assert!(fresh);
            assert_eq!(f.volume_base(), 256 << 10);
            f.write("/boot.py", b"# boot\n").unwrap();
            f.close().unwrap();
            let bytes = std::fs::read(&img).unwrap();
            assert_eq!(bytes.len(), 1 << 20);
            assert!(bytes[..256 << 10].iter().all(|&b| b == 0xFF));
            assert!(bytes[768 << 10..].iter().all(|&b| b == 0xFF));
            let (f, fresh) = Flash::open(&img, geo, false).unwrap();
            assert!(!fresh);
            assert_eq!(f.read("/boot.py").unwrap(), b"# boot\n");
            // What the firmware's region holds is the flash's, not the volume's.
            f.raw_write(0, b"\xE9\x03").unwrap();
            f.close().unwrap();
            // Erasing the volume's sectors (esptool's erase_region) makes it anew on the next
            // open; the firmware's bytes stay.
            let file = OpenOptions::new().write(true).open(&img).unwrap();
            std::os::unix::fs::FileExt::write_all_at(&file, &[0xFF; 16 << 10], 256 << 10).unwrap();
            drop(file);
            let (f, fresh) = Flash::open(&img, geo, false).unwrap();
            assert!(fresh);
            assert_eq!(f.read("/boot.py").unwrap_err().errno(), 2);
            assert_eq!(f.raw_read(0, 2).unwrap(), b"\xE9\x03");
            f.close().unwrap();
        }
    }

    #[test]
    fn a_damaged_volume_is_an_error_not_a_new_volume() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("damaged.img");
        let (f, _) = Flash::open(&img, GEO, false).unwrap();
        f.write("/keep.txt", b"data").unwrap();
        f.close().unwrap();
        let file = OpenOptions::new().write(true).open(&img).unwrap();
        std::os::unix::fs::FileExt::write_all_at(&file, &[0x5A; 512], 0).unwrap();
        drop(file);
        assert!(matches!(
            Flash::open(&img, GEO, false),
            Err(VfsError::Corrupt { .. })
        ));
    }

    #[test]
    fn files_and_directories_round_trip_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("flash.img");
        let (f, fresh) = Flash::open(&img, GEO, false).unwrap();
        assert!(fresh);
        f.write("/boot.py", b"print(1)\n").unwrap();
        f.mkdir("/lib").unwrap();
        f.write("/lib/m.py", b"x = 1\n").unwrap();
        assert_eq!(f.write_at("/lib/m.py", 6, b"y = 2\n").unwrap(), 6);
        assert_eq!(f.read("/lib/m.py").unwrap(), b"x = 1\ny = 2\n");
        assert_eq!(f.mkdir("/lib").unwrap_err().errno(), 17);
        assert_eq!(f.rmdir("/lib").unwrap_err().errno(), 13);
        assert_eq!(f.read("/nope").unwrap_err().errno(), 2);
        assert_eq!(f.read("/lib").unwrap_err().errno(), 21);
        assert_eq!(f.listdir("/boot.py").unwrap_err().errno(), 20);
        assert_eq!(f.stat("/../etc").unwrap_err().errno(), 22);
        f.rename("/boot.py", "/lib/b.py").unwrap();
        f.close().unwrap();
        let (f, fresh) = Flash::open(&img, GEO, false).unwrap();
        assert!(!fresh);
        let names: Vec<String> = f
            .listdir("/lib")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["m.py", "b.py"]);
        assert!(f.stats().unwrap().free > 200);
    }

    #[test]
    fn a_second_opener_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("flash.img");
        let (_f, _) = Flash::open(&img, GEO, false).unwrap();
        match Flash::open(&img, GEO, false) {
            Err(VfsError::Locked { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("expected Locked, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn garbage_and_truncated_images_are_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("bad.img");
        std::fs::write(&img, vec![0x5a; 100_000]).unwrap();
        assert!(matches!(
            Flash::open(&img, GEO, false),
            Err(VfsError::Corrupt { .. })
        ));
        let good = dir.path().join("good.img");
        let (f, _) = Flash::open(&good, GEO, false).unwrap();
        f.close().unwrap();
        let bytes = std::fs::read(&good).unwrap();
        std::fs::write(&img, &bytes[..2048]).unwrap();
        let err = Flash::open(&img, GEO, false).map(|_| ()).unwrap_err();
        assert!(matches!(err, VfsError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("--erase"));
    }

    #[test]
    fn a_full_volume_is_enospc_and_stays_usable() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("small.img");
        let geo = Geometry::volume(256 * 1024, 4096, false);
        let (f, _) = Flash::open(&img, geo, false).unwrap();
        f.create("/big").unwrap();
        let chunk = vec![7u8; 4096];
        let mut off = 0u64;
        let err = loop {
            match f.write_at("/big", off, &chunk) {
                Ok(n) => off += n as u64,
                Err(e) => break e,
            }
            assert!(off < 1 << 20, "never fills");
        };
        assert_eq!(err.errno(), 28);
        f.remove("/big").unwrap();
        f.write("/small", b"ok").unwrap();
        assert_eq!(f.read("/small").unwrap(), b"ok");
    }

    /// The firmware's mkfs figures, worked out from FatFs's rules by hand: 50 sectors give FAT12
    /// with 512 root entries and 16 one-sector clusters; 40960 sectors FAT16 with 4-sector
    /// clusters (10221 of them behind a 41-sector FAT).
    #[test]
    fn mkfs_lays_volumes_out_as_the_firmware_does() {
        for (sectors, cluster, clusters) in [(50u64, 512u32, 16u32), (40960, 2048, 10221)] {
            let mut disk = std::io::Cursor::new(vec![0u8; usize::try_from(sectors).unwrap() * 512]);
            super::mkfs(&mut disk, sectors, 512).unwrap();
            assert_eq!(super::find_volume(&mut disk, 512).unwrap(), 0);
            let vol = super::Volume::mount(disk).unwrap_or_else(|e| panic!("{sectors}: {e:?}"));
            let st = vol.stats().unwrap();
            assert_eq!(
                (st.block_size, st.blocks, st.free),
                (cluster, clusters, clusters)
            );
            vol.create("/a.txt").unwrap();
            vol.write_at("/a.txt", 0, b"hi").unwrap();
            assert_eq!(vol.read_at("/a.txt", 0, 10).unwrap(), b"hi");
        }
        let mut tiny = std::io::Cursor::new(vec![0u8; 10 * 512]);
        assert!(super::mkfs(&mut tiny, 10, 512).is_err());
        let mut blank = std::io::Cursor::new(vec![0u8; 64 * 512]);
        assert_eq!(super::find_volume(&mut blank, 512).unwrap_err().errno(), 19);
    }
}
