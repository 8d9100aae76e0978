//! The micro:bit's radio between boards simulated on this machine. A board whose radio is on binds
//! a Unix datagram socket in one shared directory (`$MPSIM_RADIO_DIR`, or `mpsim-radio-<uid>` in
//! the temp dir) and sends each packet to every other socket there: any number of mpsim processes
//! hear each other, as boards in one room do. A receiver that is gone (its socket refuses) is
//! swept away; a receiver that does not keep up loses packets, as a radio does. Channels, groups
//! and addresses are the packet's business (`py/radio.py` filters).
//!
//! ESP-NOW (`py/espnow.py`) meets in a folder of its own, each socket named by its board's MAC
//! address: a packet for one address goes only to the sockets of that address, and its reaching
//! one stands for the receiver's acknowledgement (the radio hardware's, whatever the script does).

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The largest packet (the nRF radio's 251-byte payload plus our header).
pub const MAX_PACKET: usize = 300;

static OPENED: AtomicU32 = AtomicU32::new(0);

/// One board's radio endpoint.
pub struct Radio {
    link: Link,
    /// Its ESP-NOW address (hex), or "" for the micro:bit radio.
    mac: String,
}

enum Link {
    /// A socket in the shared folder.
    Socket {
        sock: UnixDatagram,
        path: PathBuf,
        dir: PathBuf,
    },
    /// In lockstep with other boards (a scenario, a circuit in virtual time): packets go out as
    /// events the front end delivers to the other boards at the end of the quantum, and those
    /// heard wait here — on the boards' one clock, and heard by no one outside the rig.
    Relayed(std::cell::RefCell<std::collections::VecDeque<Vec<u8>>>),
}

/// Packets a relayed radio keeps unread; more are lost, as a radio's are.
const INBOX: usize = 64;

/// The directory the boards' sockets meet in.
/// Found once (a board process finds it before its sandbox closes).
pub fn radio_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os("MPSIM_RADIO_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                use std::os::unix::fs::MetadataExt;
                let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
                std::env::temp_dir().join(format!("mpsim-radio-{uid}"))
            })
    })
    .clone()
}

/// The directory ESP-NOW's sockets meet in.
pub fn espnow_dir() -> PathBuf {
    radio_dir().join("espnow")
}

impl Radio {
    /// Switches the radio on: a socket of its own in the shared directory.
    pub fn open() -> io::Result<Radio> {
        Radio::open_in(radio_dir())
    }

    /// Switches ESP-NOW on for the board with MAC address `mac` (hex).
    pub fn open_espnow(mac: &str) -> io::Result<Radio> {
        Radio::open_named(espnow_dir(), &format!("{mac}-"))
    }

    /// A radio in lockstep with the front end's other boards; `mac` (hex) for ESP-NOW.
    pub fn relayed(mac: &str) -> Radio {
        Radio {
            link: Link::Relayed(Default::default()),
            mac: mac.to_owned(),
        }
    }

    /// Its packets go through the front end ([`Radio::relayed`]).
    pub fn is_relayed(&self) -> bool {
        matches!(self.link, Link::Relayed(_))
    }

    /// A relayed packet reaches this radio: kept if it is for us (ESP-NOW: `to` is a prefix of
    /// our address, "" for all).
    pub fn hear(&self, to: &str, packet: Vec<u8>) {
        if let Link::Relayed(inbox) = &self.link
            && self.mac.starts_with(to)
        {
            let mut q = inbox.borrow_mut();
            if q.len() < INBOX {
                q.push_back(packet);
            }
        }
    }

    /// Switches the radio on, meeting the others in `dir`.
    pub fn open_in(dir: PathBuf) -> io::Result<Radio> {
        Radio::open_named(dir, "")
    }

    fn open_named(dir: PathBuf, prefix: &str) -> io::Result<Radio> {
        std::fs::create_dir_all(&dir)?;
        let n = OPENED.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{prefix}{}-{n}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sock = UnixDatagram::bind(&path)?;
        sock.set_nonblocking(true)?;
        Ok(Radio {
            link: Link::Socket { sock, path, dir },
            mac: prefix.trim_end_matches('-').to_owned(),
        })
    }

    /// Sends `packet` to every other radio that is on.
    pub fn send(&self, packet: &[u8]) {
        self.send_to_prefix(packet, "");
    }

    /// Sends `packet` to every other radio whose socket's name starts with `prefix` (a MAC
    /// address); whether one of them took it.
    pub fn send_to_prefix(&self, packet: &[u8], prefix: &str) -> bool {
        let Link::Socket { sock, path, dir } = &self.link else {
            return false;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        let mut taken = false;
        for e in entries.flatten() {
            let p = e.path();
            if p == *path
                || p.extension().is_none_or(|x| x != "sock")
                || !e.file_name().to_string_lossy().starts_with(prefix)
            {
                continue;
            }
            match sock.send_to(packet, &p) {
                Ok(_) => taken = true,
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound
                    ) =>
                {
                    // Nobody listens there any more (a board that was killed).
                    let _ = std::fs::remove_file(&p);
                }
                Err(_) => {}
            }
        }
        taken
    }

    /// The next packet heard, if any.
    pub fn recv(&self) -> Option<Vec<u8>> {
        match &self.link {
            Link::Socket { sock, .. } => {
                let mut buf = [0u8; MAX_PACKET];
                sock.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
            }
            Link::Relayed(inbox) => inbox.borrow_mut().pop_front(),
        }
    }
}

impl Drop for Radio {
    fn drop(&mut self) {
        if let Link::Socket { path, .. } = &self.link {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_hear_each_other_but_not_themselves_and_dead_ones_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let open = || Radio::open_in(dir.path().to_owned()).unwrap();
        let (a, b, c) = (open(), open(), open());
        a.send(b"hello");
        assert_eq!(b.recv().as_deref(), Some(&b"hello"[..]));
        assert_eq!(c.recv().as_deref(), Some(&b"hello"[..]));
        assert_eq!(a.recv(), None, "a radio does not hear itself");
        // A stale socket file (its board gone) is removed by the next send.
        let stale = dir.path().join("999999-0.sock");
        drop(UnixDatagram::bind(&stale).unwrap());
        assert!(stale.exists());
        b.send(b"x");
        assert!(!stale.exists());
        drop(c);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
