//! The board's speaker on the host's sound output.
//!
//! ALSA's `libasound.so.2` is loaded when the user turns sound on, not linked: the window builds
//! and starts on machines without ALSA's development files or without ALSA at all, and says why
//! there is no sound there. ALSA's `default` device reaches PulseAudio and PipeWire through their
//! ALSA plugins; `MPSIM_AUDIO_DEVICE` names another (`hw:0`, or `file:'out.raw',raw` to record).
//!
//! A thread writes a square wave (the micro:bit drives its speaker with PWM) at the tone the
//! board's speaker plays, read from the live board every 10 ms, so the sound follows the program
//! even while the window is hidden and does not repaint.

use mpsim_board_models::LiveBoard;
use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Frames per second written to the device.
pub const RATE: u32 = 44_100;
/// Frames per write: 10 ms.
const CHUNK: usize = RATE as usize / 100;
/// How far ahead of the wall clock the writer may get on a device that never blocks (ALSA's
/// `null` and `file` devices take everything at once).
const AHEAD: Duration = Duration::from_millis(60);
/// Full scale at volume 255: a quarter of the sample range, loud enough without clipping.
const AMPLITUDE: f64 = 0.25 * 32767.0;

type Pcm = *mut c_void;

/// The few functions of libasound that playback needs.
struct Alsa {
    open: unsafe extern "C" fn(*mut Pcm, *const c_char, c_int, c_int) -> c_int,
    set_params: unsafe extern "C" fn(Pcm, c_int, c_int, c_uint, c_uint, c_int, c_uint) -> c_int,
    writei: unsafe extern "C" fn(Pcm, *const c_void, c_ulong) -> c_long,
    recover: unsafe extern "C" fn(Pcm, c_int, c_int) -> c_int,
    drop_pcm: unsafe extern "C" fn(Pcm) -> c_int,
    close: unsafe extern "C" fn(Pcm) -> c_int,
    strerror: unsafe extern "C" fn(c_int) -> *const c_char,
    // Last: the functions above point into it.
    _lib: libloading::Library,
}

// alsa/pcm.h
const SND_PCM_STREAM_PLAYBACK: c_int = 0;
const SND_PCM_FORMAT_S16_LE: c_int = 2;
const SND_PCM_ACCESS_RW_INTERLEAVED: c_int = 3;
const SND_PCM_NONBLOCK: c_int = 1;
const EAGAIN: c_long = 11;

impl Alsa {
    fn load() -> Result<Alsa, String> {
        // SAFETY: loading libasound runs its initialisers, which have no preconditions; each
        // symbol is given the C signature alsa/pcm.h declares for it.
        unsafe {
            let lib = libloading::Library::new("libasound.so.2")
                .map_err(|e| format!("no ALSA library ({e})"))?;
            macro_rules! sym {
                ($name:literal) => {
                    *lib.get(concat!($name, "\0").as_bytes())
                        .map_err(|e| format!("libasound.so.2 lacks {}: {e}", $name))?
                };
            }
            Ok(Alsa {
                open: sym!("snd_pcm_open"),
                set_params: sym!("snd_pcm_set_params"),
                writei: sym!("snd_pcm_writei"),
                recover: sym!("snd_pcm_recover"),
                drop_pcm: sym!("snd_pcm_drop"),
                close: sym!("snd_pcm_close"),
                strerror: sym!("snd_strerror"),
                _lib: lib,
            })
        }
    }

    fn error(&self, code: c_int) -> String {
        // SAFETY: snd_strerror returns a static NUL-terminated string for any code.
        unsafe {
            let p = (self.strerror)(code);
            if p.is_null() {
                format!("error {code}")
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        }
    }
}

/// An open playback device, used by one thread at a time.
struct Device {
    alsa: Alsa,
    pcm: Pcm,
}

// SAFETY: an ALSA PCM handle may move between threads; it is only ever used by its owner.
unsafe impl Send for Device {}

impl Device {
    fn open(name: &str) -> Result<Device, String> {
        let alsa = Alsa::load()?;
        let cname = CString::new(name).map_err(|_| format!("bad audio device name {name:?}"))?;
        let mut pcm: Pcm = std::ptr::null_mut();
        // Non-blocking: a device that stalls must not hold the thread (turning sound off waits
        // for it). SAFETY: `pcm` is a valid out-pointer and `cname` a NUL-terminated string.
        let rc = unsafe {
            (alsa.open)(
                &mut pcm,
                cname.as_ptr(),
                SND_PCM_STREAM_PLAYBACK,
                SND_PCM_NONBLOCK,
            )
        };
        if rc < 0 || pcm.is_null() {
            return Err(format!(
                "cannot open audio device {name:?}: {}",
                alsa.error(rc)
            ));
        }
        let dev = Device { alsa, pcm };
        // Mono, 16-bit, 44.1 kHz, resampled by ALSA if the card needs it, 50 ms of latency.
        // SAFETY: `pcm` is open.
        let rc = unsafe {
            (dev.alsa.set_params)(
                dev.pcm,
                SND_PCM_FORMAT_S16_LE,
                SND_PCM_ACCESS_RW_INTERLEAVED,
                1,
                RATE,
                1,
                50_000,
            )
        };
        if rc < 0 {
            return Err(format!(
                "audio device {name:?} refuses 16-bit mono at {RATE} Hz: {}",
                dev.alsa.error(rc)
            ));
        }
        Ok(dev)
    }

    /// Writes all of `buf`, waiting while the device is full and recovering from underruns; an
    /// error that does not recover ends it. Gives up quietly when `stop` is set.
    fn write(&mut self, buf: &[i16], stop: &AtomicBool) -> Result<(), String> {
        let mut off = 0;
        while off < buf.len() && !stop.load(Ordering::Acquire) {
            let rest = &buf[off..];
            // SAFETY: `rest` holds `rest.len()` mono frames.
            let n = unsafe {
                (self.alsa.writei)(self.pcm, rest.as_ptr().cast(), rest.len() as c_ulong)
            };
            if n == -EAGAIN {
                std::thread::sleep(Duration::from_millis(2));
            } else if n < 0 {
                // SAFETY: `pcm` is open; `n` is the code writei returned.
                let rc = unsafe { (self.alsa.recover)(self.pcm, n as c_int, 1) };
                if rc < 0 {
                    return Err(format!("sound output failed: {}", self.alsa.error(rc)));
                }
            } else {
                off += n as usize;
            }
        }
        Ok(())
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: `pcm` is open and closed only here.
        unsafe {
            (self.alsa.drop_pcm)(self.pcm);
            (self.alsa.close)(self.pcm);
        }
    }
}

/// A square wave whose frequency and volume change between chunks without a jump in phase.
#[derive(Debug, Default)]
pub struct SquareWave {
    phase: f64,
}

impl SquareWave {
    /// Fills `out` with `hz` at `volume` (0–255); silence for `None` or a tone nobody hears.
    pub fn fill(&mut self, out: &mut [i16], hz: Option<u32>, volume: u8) {
        let Some(hz) = hz.filter(|h| (1..=20_000).contains(h)) else {
            out.fill(0);
            return;
        };
        let a = (AMPLITUDE * f64::from(volume) / 255.0) as i16;
        let step = f64::from(hz) / f64::from(RATE);
        for s in out {
            *s = if self.phase < 0.5 { a } else { -a };
            self.phase += step;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
            }
        }
    }
}

struct Shared {
    board: Mutex<Arc<LiveBoard>>,
    stop: AtomicBool,
    failed: Mutex<Option<String>>,
}

/// Sound on: the thread that plays the board's speaker. Dropping it stops the sound.
pub struct Speaker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Speaker {
    /// Opens `device` (ALSA's name) and starts playing what `board`'s speaker sounds.
    pub fn start(device: &str, board: Arc<LiveBoard>) -> Result<Speaker, String> {
        let mut dev = Device::open(device)?;
        let shared = Arc::new(Shared {
            board: Mutex::new(board),
            stop: AtomicBool::new(false),
            failed: Mutex::new(None),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sound".into())
            .spawn(move || {
                let mut wave = SquareWave::default();
                let mut buf = vec![0i16; CHUNK];
                let start = Instant::now();
                let mut written: u64 = 0;
                while !s.stop.load(Ordering::Acquire) {
                    let (hz, volume) = match s.board.lock() {
                        Ok(b) => b.sound(),
                        Err(_) => break,
                    };
                    wave.fill(&mut buf, hz, volume);
                    if let Err(e) = dev.write(&buf, &s.stop) {
                        if let Ok(mut f) = s.failed.lock() {
                            *f = Some(e);
                        }
                        break;
                    }
                    written += CHUNK as u64;
                    let at = Duration::from_micros(written * 1_000_000 / u64::from(RATE));
                    if let Some(ahead) = at.checked_sub(start.elapsed() + AHEAD) {
                        std::thread::sleep(ahead);
                    }
                }
            })
            .map_err(|e| format!("cannot start the sound thread: {e}"))?;
        Ok(Speaker {
            shared,
            thread: Some(thread),
        })
    }

    /// Plays another board's speaker from now on (the board picker started a new one).
    pub fn follow(&self, board: Arc<LiveBoard>) {
        if let Ok(mut b) = self.shared.board.lock() {
            *b = board;
        }
    }

    /// Why the sound stopped, if the device failed while playing.
    pub fn failure(&self) -> Option<String> {
        self.shared.failed.lock().ok().and_then(|f| f.clone())
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_wave_keeps_its_phase_and_frequency_across_chunks() {
        let mut w = SquareWave::default();
        let mut all = Vec::new();
        for _ in 0..100 {
            let mut buf = vec![0i16; CHUNK];
            w.fill(&mut buf, Some(440), 255);
            all.extend(buf);
        }
        // One second: 440 periods, two sign changes each.
        let flips = all.windows(2).filter(|p| (p[0] > 0) != (p[1] > 0)).count();
        assert!((878..=880).contains(&flips), "{flips} sign changes");
        assert_eq!(all.iter().map(|s| s.abs()).max(), Some(AMPLITUDE as i16));
    }

    #[test]
    fn silence_without_a_tone_and_quieter_at_a_lower_volume() {
        let mut w = SquareWave::default();
        let mut buf = vec![1i16; 64];
        w.fill(&mut buf, None, 255);
        assert!(buf.iter().all(|s| *s == 0));
        w.fill(&mut buf, Some(30_000), 255);
        assert!(buf.iter().all(|s| *s == 0), "above hearing: silence");
        w.fill(&mut buf, Some(1000), 51);
        assert_eq!(
            buf.iter().map(|s| s.abs()).max(),
            Some((AMPLITUDE / 5.0) as i16)
        );
    }

    #[test]
    fn a_missing_device_is_a_clear_error() {
        let board = Arc::new(LiveBoard::new());
        let err = Speaker::start("no-such-device-here", board)
            .err()
            .expect("no such device");
        assert!(
            err.contains("no-such-device-here") || err.contains("no ALSA library"),
            "{err}"
        );
    }
}
