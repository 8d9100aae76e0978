//! A window of an image file read and written as a file of its own: the filesystem's part of a
//! whole-flash image (the ESP boards' filesystem sits at an offset of their flash, after the
//! firmware), or the whole file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// Bytes `[base, base + len)` of `file`, with a cursor of its own.
#[derive(Debug)]
pub struct Region {
    file: File,
    base: u64,
    len: u64,
    pos: u64,
}

impl Region {
    /// The window `[base, base + len)` of `file`.
    pub fn new(file: File, base: u64, len: u64) -> Region {
        Region {
            file,
            base,
            len,
            pos: 0,
        }
    }

    /// Another handle on the same window (its own cursor, at the start).
    pub fn try_clone(&self) -> io::Result<Region> {
        Ok(Region::new(self.file.try_clone()?, self.base, self.len))
    }

    /// The window's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn room(&self, want: usize) -> usize {
        let left = self.len.saturating_sub(self.pos);
        usize::try_from(left).map_or(want, |l| l.min(want))
    }
}

impl Read for Region {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.room(buf.len());
        if n == 0 {
            return Ok(0);
        }
        let got = self.file.read_at(&mut buf[..n], self.base + self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl Write for Region {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.room(buf.len());
        if n == 0 {
            // Past the volume's end: the next bytes belong to something else on the flash.
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "write past the end of the volume",
            ));
        }
        let put = self.file.write_at(&buf[..n], self.base + self.pos)?;
        self.pos += put as u64;
        Ok(put)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for Region {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        match target {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the volume",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_and_writes_only_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        std::fs::write(&path, [0xFFu8; 64]).unwrap();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut r = Region::new(f, 16, 16);
        r.write_all(b"0123456789abcdef").unwrap();
        assert!(r.write_all(b"x").is_err());
        r.seek(SeekFrom::Start(4)).unwrap();
        let mut b = [0u8; 32];
        assert_eq!(r.read(&mut b).unwrap(), 12);
        assert_eq!(&b[..12], b"456789abcdef");
        assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), 15);
        assert!(r.seek(SeekFrom::Current(-100)).is_err());
        let all = std::fs::read(&path).unwrap();
        assert_eq!(&all[..16], &[0xFF; 16]);
        assert_eq!(&all[16..32], b"0123456789abcdef");
        assert_eq!(&all[32..], &[0xFF; 32]);
    }
}
