//! The board's flash: a file-backed image holding a FAT volume (through the `fatfs` crate), laid
//! out so that mtools and a loop mount read it. Knows nothing of Python, boards or the GUI.
//!
//! Paths are absolute inside the volume (`/lib/x.py`), already normalised by the caller. Every
//! operation opens what it needs and closes it again, so what an operation wrote is in the image
//! file when it returns (the OS holds it even if the process is killed), and a crash can at most
//! leave lost clusters, never a directory entry pointing at garbage.

use fatfs::{FileSystem, FormatVolumeOptions, FsOptions, TimeProvider};
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

#[derive(Debug)]
struct StampClock;

impl TimeProvider for StampClock {
    fn get_current_date(&self) -> fatfs::Date {
        self.get_current_date_time().date
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        let mut secs = STAMP_TIME.load(std::sync::atomic::Ordering::Relaxed);
        if secs < 0 {
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            secs = i64::try_from(unix).unwrap_or(0) - 946_684_800;
        }
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
    /// Invalid argument (22): a bad name.
    Inval = 22,
    /// No space left on the volume (28).
    NoSpc = 28,
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

/// How the image is created when it does not exist yet.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Bytes of the volume.
    pub size: u64,
    /// Cluster size in bytes (the flash erase block on ESP8266: 4096).
    pub cluster: u32,
}

/// A flash image, mounted.
pub struct Flash {
    fs: FileSystem<File>,
    /// A second handle on the image, to push it to the disk on `sync`.
    disk: File,
    path: PathBuf,
    _lock: File,
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
    // kernel to end it too (it dies with its front end): wait for that, not for a live holder.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while let Err(std::fs::TryLockError::WouldBlock) = f.try_lock() {
        let mut holder = String::new();
        let _ = f.read_to_string(&mut holder);
        let _ = f.seek(std::io::SeekFrom::Start(0));
        let gone = holder
            .trim()
            .parse::<u32>()
            .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
        if !gone || std::time::Instant::now() > deadline {
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
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(host)?;
        }
        let lock = lock(path)?;
        let fresh = erase || !path.exists() || std::fs::metadata(path).map_err(host)?.len() == 0;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(host)?;
        if fresh {
            file.set_len(0).map_err(host)?;
            file.set_len(geometry.size).map_err(host)?;
            let sectors = u32::try_from(geometry.size / 512).unwrap_or(u32::MAX);
            fatfs::format_volume(
                &mut file,
                FormatVolumeOptions::new()
                    .bytes_per_sector(512)
                    .total_sectors(sectors)
                    .bytes_per_cluster(geometry.cluster)
                    .volume_label(*b"MICROPY    "),
            )
            .map_err(host)?;
            file.sync_all().map_err(host)?;
            file.seek(SeekFrom::Start(0)).map_err(host)?;
        }
        check_size(&mut file, path)?;
        let disk = file.try_clone().map_err(host)?;
        let fs =
            FileSystem::new(file, FsOptions::new().time_provider(&STAMP_CLOCK)).map_err(|e| {
                VfsError::Corrupt {
                    path: path.to_owned(),
                    reason: e.to_string(),
                }
            })?;
        let flash = Flash {
            fs,
            disk,
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

    fn dir(&self, parts: &[&str]) -> Result<fatfs::Dir<'_, File>, VfsError> {
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

    fn file(&self, path: &str) -> Result<fatfs::File<'_, File>, VfsError> {
        let (parent, name) = self.parent_and_name(path)?;
        if self.stat(path)?.is_dir {
            return Err(errno(Errno::IsDir));
        }
        self.dir(&parent)?.open_file(name).map_err(|e| map_io(&e))
    }

    /// Up to `n` bytes of `path` from `offset`.
    pub fn read_at(&self, path: &str, offset: u64, n: usize) -> Result<Vec<u8>, VfsError> {
        let mut f = self.file(path)?;
        f.seek(SeekFrom::Start(offset)).map_err(|e| map_io(&e))?;
        let mut out = Vec::with_capacity(n.min(1 << 20));
        f.take(n as u64)
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

    /// Size of the file at `path`.
    pub fn len(&self, path: &str) -> Result<u64, VfsError> {
        let e = self.stat(path)?;
        if e.is_dir {
            return Err(errno(Errno::IsDir));
        }
        Ok(e.size)
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

    /// Pushes everything to the disk under the image (`os.sync`). Every operation already wrote
    /// through to the image file; this makes it survive a host crash too.
    pub fn sync(&self) -> Result<(), VfsError> {
        self.disk.sync_data().map_err(|e| map_io(&e))
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

    /// Unmounts cleanly (clears the volume's dirty flag).
    pub fn close(self) -> Result<(), VfsError> {
        let path = self.path.clone();
        self.fs
            .unmount()
            .map_err(|source| VfsError::Host { path, source })
    }
}

/// A volume whose boot sector claims more sectors than the image holds was cut short (a partial
/// copy, a full disk): refuse it before anything is written into the void.
fn check_size(file: &mut File, path: &Path) -> Result<(), VfsError> {
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
    let have = file.metadata().map(|m| m.len()).unwrap_or(0);
    file.seek(SeekFrom::Start(0))
        .map_err(|e| corrupt(e.to_string()))?;
    if need > have {
        return Err(corrupt(format!(
            "the volume needs {need} bytes but the image has {have}: truncated"
        )));
    }
    Ok(())
}

fn entry(e: &fatfs::DirEntry<'_, File>) -> Entry {
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

fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

    const GEO: Geometry = Geometry {
        size: 1 << 20,
        cluster: 4096,
    };

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
        let geo = Geometry {
            size: 256 * 1024,
            cluster: 4096,
        };
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
}
