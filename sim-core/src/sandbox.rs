//! The board process's OS sandbox: the second wall behind the interpreter's own (no host modules).
//!
//! Before the board runs any script its process restricts itself:
//! - **Landlock** (files): nothing but its flash image and the image's lock file, the radio's
//!   meeting folder on boards with a radio and, when the board may use the network, what name
//!   lookups read (a few files of `/etc`, the system's libraries for NSS). With `--net off`, TCP
//!   connections are refused by the kernel as well (Landlock's network rules).
//! - **seccomp** (every thread): no `execve`, `ptrace`, `mount`, module loading, namespaces, BPF …
//! - `no_new_privs` (set by both).
//! - **a memory limit** (`RLIMIT_DATA`): what the process uses once its interpreter is built,
//!   plus generous room for the board's heap (whose budget the interpreter enforces itself).
//!
//! Landlock restricts the calling thread and the threads it starts later; this kernel interface
//! cannot yet reach the threads already running, so the ruleset is applied by the process's main
//! thread and again by each `sim` thread before it runs a board ([`enter_thread`]).
//! Where the kernel has no Landlock, the process says so once on stderr and goes on.
#![allow(unsafe_code)] // setrlimit(2) on this process: plain system calls on values we own.

use crate::wire::BoardConfig;
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetStatus,
};
use mpsim_board_models::BoardSpec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The ruleset waiting for the `sim` thread.
static PENDING: Mutex<Option<RulesetCreated>> = Mutex::new(None);

/// Errors entering the sandbox (each is fatal for the board process: it refuses to run).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("landlock: {0}")]
    Landlock(#[from] landlock::RulesetError),
    #[error("landlock rule for {0}: {1}")]
    Path(PathBuf, landlock::PathFdError),
    #[error("seccomp: {0}")]
    Seccomp(String),
    #[error("memory limit: {0}")]
    Rlimit(std::io::Error),
    #[error("landlock ruleset for the sim thread: {0}")]
    Clone(std::io::Error),
}

/// Files of `/etc` that name lookups read.
const RESOLVER_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
];
/// Where the NSS modules that name lookups load live.
const LIBRARY_DIRS: &[&str] = &["/lib", "/lib64", "/usr/lib", "/usr/lib64"];

/// System calls a board never needs, each answered with EPERM.
fn denied_syscalls() -> Vec<i64> {
    vec![
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        libc::SYS_acct,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_fanotify_init,
    ]
}

/// The radio's meeting folder, made before the sandbox closes (the micro:bit's radio, the
/// ESPs' ESP-NOW).
fn radio_folder(spec: &BoardSpec) -> Option<PathBuf> {
    use mpsim_board_models::Platform;
    let dir = match spec.platform {
        Platform::Microbit => crate::radio::radio_dir(),
        Platform::Esp8266 | Platform::Esp32 => crate::radio::espnow_dir(),
        _ => return None,
    };
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

fn rule(
    path: &Path,
    access: impl Into<landlock::BitFlags<AccessFs>>,
) -> Result<PathBeneath<PathFd>, SandboxError> {
    let fd = PathFd::new(path).map_err(|e| SandboxError::Path(path.to_owned(), e))?;
    Ok(PathBeneath::new(fd, access.into()))
}

fn ruleset(config: &BoardConfig, spec: &BoardSpec) -> Result<RulesetCreated, SandboxError> {
    let abi = ABI::V5;
    let mut rs = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))?;
    let net_off = config.net.policy == crate::api::NetPolicy::Off;
    if net_off {
        rs = rs.handle_access(AccessNet::ConnectTcp)?;
    }
    let mut created = rs.create()?;
    if let Some(flash) = &config.flash {
        let image = &flash.path;
        created = created.add_rule(rule(image, AccessFs::from_file(abi))?)?;
        let lock = image.with_extension("lock");
        // The image's check made it; make sure, as it cannot be created from inside.
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock);
        created = created.add_rule(rule(&lock, AccessFs::from_file(abi))?)?;
    }
    if let Some(dir) = radio_folder(spec) {
        created = created.add_rule(rule(&dir, AccessFs::from_all(abi))?)?;
    }
    if !net_off {
        for f in RESOLVER_FILES.iter().map(Path::new).filter(|p| p.exists()) {
            created = created.add_rule(rule(f, AccessFs::ReadFile)?)?;
        }
        for d in LIBRARY_DIRS.iter().map(Path::new).filter(|p| p.is_dir()) {
            created = created.add_rule(rule(d, AccessFs::from_read(abi))?)?;
        }
    }
    Ok(created)
}

/// What the process's data segment holds now, from `/proc/self/status` (bytes).
fn data_now() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmData:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The memory limit: what runs now (the interpreter is being built: count it as built), room
/// for the board's heap as the host's objects weigh it, and headroom.
fn memory_limit(config: &BoardConfig, spec: &BoardSpec) -> u64 {
    const HEADROOM: u64 = 256 << 20;
    let heap = config.heap_size.unwrap_or(spec.heap_size);
    data_now().unwrap_or(0) + HEADROOM + heap.saturating_mul(32)
}

fn limit_memory(bytes: u64) -> Result<(), SandboxError> {
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit reads the struct we pass by reference; no memory is kept.
    if unsafe { libc::setrlimit(libc::RLIMIT_DATA, &lim) } != 0 {
        return Err(SandboxError::Rlimit(std::io::Error::last_os_error()));
    }
    Ok(())
}

fn seccomp() -> Result<(), SandboxError> {
    let err = |e: &dyn std::fmt::Display| SandboxError::Seccomp(e.to_string());
    let arch = seccompiler::TargetArch::try_from(std::env::consts::ARCH).map_err(|e| err(&e))?;
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = denied_syscalls()
        .into_iter()
        .map(|s| (s, Vec::new()))
        .collect();
    let filter = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| err(&e))?;
    let program: seccompiler::BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| err(&e))?;
    seccompiler::apply_filter_all_threads(&program).map_err(|e| err(&e))
}

/// Closes the sandbox around this process (called on its main thread before the board
/// starts). The `sim` thread closes it around itself with [`enter_thread`].
pub fn enter(config: &BoardConfig) -> Result<(), SandboxError> {
    let spec = &config.board;
    let ruleset = ruleset(config, spec)?;
    limit_memory(memory_limit(config, spec))?;
    // A sim thread must never run unrestricted where the process is restricted.
    let for_sim = ruleset.try_clone().map_err(SandboxError::Clone)?;
    let status = ruleset.restrict_self()?;
    if status.ruleset == RulesetStatus::NotEnforced {
        eprintln!(
            "mpsim: this kernel has no Landlock; the board runs without its file sandbox \
             (seccomp and the interpreter's own sandbox still apply)"
        );
    } else {
        *PENDING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(for_sim);
    }
    seccomp()
}

/// Restricts the calling (`sim`) thread as [`enter`] restricted the process, if a sandbox is
/// waiting (a board process); nothing otherwise.
pub fn enter_thread() -> Result<(), SandboxError> {
    let guard = PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pending = match guard.as_ref() {
        Some(r) => Some(r.try_clone().map_err(SandboxError::Clone)?),
        None => None,
    };
    drop(guard);
    if let Some(r) = pending {
        r.restrict_self()?;
    }
    Ok(())
}
