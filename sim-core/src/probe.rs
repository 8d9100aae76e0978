//! `_mpsim_probe`: tries, from inside the board, what the board process's OS sandbox forbids —
//! opening a host file, running a program, connecting where `--net` does not allow — and returns
//! the kernel's errno (0 when it worked). Only in builds with the `sandbox-probe` feature, which
//! the tests enable and release builds of `mpsim` refuse (src/main.rs): the interpreter's own sandbox never offers
//! these, so this is the only way to show that the second wall holds on its own.

#[rustpython_vm::pymodule]
mod _mpsim_probe {

    fn errno(e: &std::io::Error) -> i32 {
        e.raw_os_error().unwrap_or(-1)
    }

    /// Opens `path` for reading.
    #[pyfunction]
    fn open(path: String) -> i32 {
        std::fs::File::open(&path).map_or_else(|e| errno(&e), |_| 0)
    }

    /// Creates `path` (a file in a folder the board was not given).
    #[pyfunction]
    fn create(path: String) -> i32 {
        std::fs::File::create(&path).map_or_else(|e| errno(&e), |_| 0)
    }

    /// Runs the program `path`.
    #[pyfunction]
    fn exec(path: String) -> i32 {
        match std::process::Command::new(&path).spawn() {
            Ok(mut child) => {
                let _ = child.wait();
                0
            }
            Err(e) => errno(&e),
        }
    }

    /// Takes `mb` MiB of the host's memory outside the board's heap budget (on a thread of its
    /// own, as a leak in mpsim would), touching every page; returns what it got.
    #[pyfunction]
    fn hog(mb: usize) -> usize {
        std::thread::spawn(move || {
            let mut kept: Vec<Vec<u8>> = Vec::new();
            for _ in 0..mb {
                kept.push(vec![1u8; 1 << 20]);
            }
            let n = kept.len();
            std::mem::forget(kept);
            n
        })
        .join()
        .unwrap_or(0)
    }

    /// Never returns and never lets the board's scheduler in: a board stuck in a bug.
    #[pyfunction]
    fn hang() {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }

    /// Opens a TCP connection to `host:port` (at most a second).
    #[pyfunction]
    fn connect(host: String, port: u16) -> i32 {
        let Ok(ip) = host.parse::<std::net::IpAddr>() else {
            return libc::EINVAL;
        };
        let addr = std::net::SocketAddr::new(ip, port);
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1))
            .map_or_else(|e| errno(&e), |_| 0)
    }
}

pub(crate) use _mpsim_probe::module_def;
