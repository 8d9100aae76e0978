//! The flash filesystem end to end (issue 3): first boot, boot.py → main.py, persistence across runs,
//! `mpsim fs`, the image read and written by mtools, kill -9 during writes, corrupt and locked images.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

struct Board {
    data: tempfile::TempDir,
}

impl Board {
    fn new() -> Self {
        Board {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mpsim"));
        c.stdin(Stdio::null())
            .env("XDG_DATA_HOME", self.data.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn image(&self) -> PathBuf {
        self.data.path().join("mpsim/ESP8266_GENERIC/flash.img")
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mtools(tool: &str, args: &[&str]) -> Output {
    let o = Command::new(tool)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} (Debian package mtools, installed by scripts/test.sh): {e}")
        });
    assert!(o.status.success(), "{tool} {args:?}: {}", err(&o));
    o
}

#[test]
fn first_boot_formats_writes_boot_py_and_later_boots_do_not() {
    let b = Board::new();
    let o = b.run(&["run", "-c", "import os; print(os.listdir())"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "Performing initial setup\n['boot.py']\n");
    assert!(b.image().exists());
    let o = b.run(&["run", "-c", "print(open('boot.py').read())"]);
    let boot = out(&o);
    for line in [
        "#import esp",
        "#esp.osdebug(None)",
        "import gc",
        "#import webrepl",
        "#webrepl.start()",
        "gc.collect()",
    ] {
        assert!(
            boot.lines().any(|l| l == line),
            "{line:?} in boot.py:\n{boot}"
        );
    }
    assert!(!boot.contains("Performing initial setup"));
    // --erase wipes it: first boot again, the file written in between is gone.
    b.run(&["run", "-c", "open('x', 'w').write('1')"]);
    let o = b.run(&["run", "--erase", "-c", "import os; print(os.listdir())"]);
    assert_eq!(out(&o), "Performing initial setup\n['boot.py']\n");
}

#[test]
fn files_persist_across_runs_and_boot_py_runs_before_main_py() {
    let b = Board::new();
    let o = b.run(&[
        "run",
        "-c",
        "f = open('count.txt', 'w'); f.write('1'); f.close()",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = b.run(&[
        "run",
        "-c",
        "n = int(open('count.txt').read()); open('count.txt', 'w').write(str(n + 1)); print(n + 1)",
    ]);
    assert_eq!(out(&o), "2\n");
    let dir = tempfile::tempdir().unwrap();
    let boot = dir.path().join("boot.py");
    let main = dir.path().join("main.py");
    std::fs::write(&boot, "print('boot.py runs first')\nBOOTED = True\n").unwrap();
    std::fs::write(&main, "print('main.py sees', BOOTED)\n").unwrap();
    for f in [&boot, &main] {
        let o = b.run(&["fs", "put", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }
    let o = b.run(&["run"]);
    assert_eq!(out(&o), "boot.py runs first\nmain.py sees True\n");
    assert_eq!(o.status.code(), Some(0));
    // An exception in boot.py is printed with its file name and the board goes on to main.py.
    std::fs::write(&boot, "print('booting')\nraise OSError(2)\n").unwrap();
    std::fs::write(&main, "print('main still runs')\n").unwrap();
    b.run(&["fs", "put", boot.to_str().unwrap()]);
    b.run(&["fs", "put", main.to_str().unwrap()]);
    let o = b.run(&["run"]);
    assert_eq!(
        out(&o),
        "booting\nTraceback (most recent call last):\n  File \"boot.py\", line 2, in <module>\nOSError: [Errno 2] ENOENT\nmain still runs\n"
    );
    assert_eq!(o.status.code(), Some(1));
    // A script given on the command line runs as main.py on top of the flash (after boot.py).
    let o = b.run(&["run", "-c", "print('instead of main.py')"]);
    assert!(
        out(&o).ends_with("OSError: [Errno 2] ENOENT\ninstead of main.py\n"),
        "{}",
        out(&o)
    );
}

#[test]
fn machine_reset_reboots_through_boot_py_and_main_py() {
    let b = Board::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("boot.py"), "print('boot')\n").unwrap();
    std::fs::write(
        dir.path().join("main.py"),
        "import machine, os\nprint('main', machine.reset_cause())\nif 'again' not in os.listdir():\n    open('again', 'w').close()\n    machine.reset()\n",
    )
    .unwrap();
    let o = b.run(&[
        "run",
        "--fs",
        dir.path().to_str().unwrap(),
        "--virtual-time",
    ]);
    assert_eq!(out(&o), "boot\nmain 0\nboot\nmain 6\n");
}

#[test]
fn mpsim_fs_commands_work_on_the_image_without_a_board() {
    let b = Board::new();
    let host = tempfile::tempdir().unwrap();
    let h = |p: &str| host.path().join(p);
    std::fs::write(h("main.py"), "print('hi')\n").unwrap();
    std::fs::create_dir_all(h("proj/lib")).unwrap();
    std::fs::write(h("proj/lib/util.py"), "X = 1\n").unwrap();
    std::fs::write(h("proj/data.bin"), [0u8, 1, 2, 255]).unwrap();
    let ok = |args: &[&str]| {
        let o = b.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", err(&o));
        out(&o)
    };
    ok(&["fs", "put", h("main.py").to_str().unwrap()]);
    ok(&["fs", "mkdir", "/lib"]);
    ok(&["fs", "put", h("proj").to_str().unwrap(), "/proj"]);
    let ls = ok(&["fs", "ls", "/"]);
    assert!(ls.contains("      228 boot.py\n"), "{ls}");
    assert!(
        ls.contains("       12 main.py\n") && ls.contains("lib/") && ls.contains("proj/"),
        "{ls}"
    );
    assert_eq!(ok(&["fs", "ls", "/proj/lib"]), "        6 util.py\n");
    assert_eq!(ok(&["fs", "cat", "/main.py"]), "print('hi')\n");
    ok(&[
        "fs",
        "get",
        "/proj/data.bin",
        h("back.bin").to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(h("back.bin")).unwrap(), [0u8, 1, 2, 255]);
    let df = ok(&["fs", "df"]);
    assert!(
        df.contains(" 3436 "),
        "859 clusters of 4 KiB on the ESP8266 volume: {df}"
    );
    let o = b.run(&["fs", "rm", "/proj"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("rm -r"), "{}", err(&o));
    ok(&["fs", "rm", "-r", "/proj"]);
    ok(&["fs", "rmdir", "/lib"]);
    let o = b.run(&["fs", "cat", "/proj/data.bin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no such file"), "{}", err(&o));
    ok(&["fs", "export", h("export").to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(h("export/main.py")).unwrap(),
        "print('hi')\n"
    );
    assert!(h("export/boot.py").exists());
    std::fs::write(h("export/new.py"), "N = 2\n").unwrap();
    ok(&["fs", "import", h("export").to_str().unwrap()]);
    assert_eq!(ok(&["fs", "cat", "new.py"]), "N = 2\n");
    let o = b.run(&["run"]);
    assert_eq!(out(&o), "hi\n");
}

#[test]
fn the_image_is_a_fat_volume_mtools_reads_and_writes() {
    let b = Board::new();
    let o = b.run(&[
        "run",
        "-c",
        "import os\nos.mkdir('logs')\nwith open('logs/day1.csv', 'w') as f:\n    f.write('t,v\\n1,2\\n')",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // The image holds the ESP8266's whole flash; the volume starts at 0x9C000.
    let img = format!("{}@@0x9C000", b.image().display());
    let img = img.as_str();
    let dir = out(&mtools("mdir", &["-b", "-i", img, "::/"]));
    assert!(
        dir.contains("::/boot.py") && dir.contains("::/logs/"),
        "{dir}"
    );
    let csv = out(&mtools("mtype", &["-i", img, "::/logs/day1.csv"]));
    assert_eq!(csv, "t,v\n1,2\n");
    let host = tempfile::tempdir().unwrap();
    let src = host.path().join("main.py");
    std::fs::write(
        &src,
        "import os\nprint('from mtools', sorted(os.listdir('/')))\n",
    )
    .unwrap();
    mtools("mcopy", &["-i", img, src.to_str().unwrap(), "::/main.py"]);
    mtools("mmd", &["-i", img, "::/lib"]);
    let o = b.run(&["run"]);
    assert_eq!(
        out(&o),
        "from mtools ['boot.py', 'lib', 'logs', 'main.py']\n"
    );
}

#[test]
fn corrupt_truncated_and_locked_images_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.img");
    std::fs::write(&bad, vec![0x42u8; 4096]).unwrap();
    let b = Board::new();
    let o = b.run(&["run", "--flash", bad.to_str().unwrap(), "-c", "print(1)"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains(bad.to_str().unwrap()) && e.contains("--erase"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&bad).unwrap(),
        vec![0x42u8; 4096],
        "a corrupt image is left alone"
    );
    // A truncated copy of a good image.
    let good = dir.path().join("good.img");
    b.run(&["run", "--flash", good.to_str().unwrap(), "-c", "pass"]);
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.img");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let o = b.run(&["fs", "--flash", cut.to_str().unwrap(), "ls"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("truncated") && err(&o).contains("--erase"),
        "{}",
        err(&o)
    );
    // --erase is the way out.
    let o = b.run(&[
        "run",
        "--flash",
        cut.to_str().unwrap(),
        "--erase",
        "-c",
        "print('fresh')",
    ]);
    assert_eq!(out(&o), "Performing initial setup\nfresh\n");
    // A second mpsim on an image in use is refused, naming the holder.
    let mut holder = b
        .cmd()
        .args([
            "run",
            "--flash",
            good.to_str().unwrap(),
            "-c",
            "import time\nprint('up')\ntime.sleep(30)",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = [0u8; 3];
    std::io::Read::read_exact(holder.stdout.as_mut().unwrap(), &mut line).unwrap();
    let o = b.run(&["run", "--flash", good.to_str().unwrap(), "-c", "print(1)"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains(&format!("in use by process {}", holder.id())),
        "{}",
        err(&o)
    );
}

#[test]
fn kill_9_during_writes_never_loses_a_closed_file() {
    let b = Board::new();
    let img = b.image();
    b.run(&["fs", "df"]);
    let writer = concat!(
        "import os\n",
        "n = len([f for f in os.listdir() if f.startswith('f')])\n",
        "while True:\n",
        "    name = 'f%04d.txt' % n\n",
        "    with open(name, 'w') as f:\n",
        "        for i in range(20):\n",
        "            f.write('%s line %d\\n' % (name, i))\n",
        "    print(name)\n",
        "    n += 1\n",
    );
    let mut closed = Vec::new();
    for round in 0..4 {
        let mut child = b
            .cmd()
            .args(["run", "-c", writer])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300 + 150 * round));
        child.kill().unwrap();
        let o = child.wait_with_output().unwrap();
        // Every name printed was printed after its file was closed.
        let text = out(&o);
        assert!(!text.contains("Traceback"), "{text}");
        closed.extend(text.lines().map(str::to_owned));
        let o = b.run(&["fs", "ls", "/"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "image still mounts after kill -9: {}",
            err(&o)
        );
    }
    assert!(closed.len() > 3, "the writer got going: {closed:?}");
    for name in &closed {
        let o = b.run(&["fs", "cat", name]);
        let text = out(&o);
        assert_eq!(text.lines().count(), 20, "{name} complete:\n{text}");
        assert!(text.ends_with(&format!("{name} line 19\n")));
    }
    let img = format!("{}@@0x9C000", img.display());
    mtools("mdir", &["-i", &img, "::/"]);
}

#[test]
fn scripts_never_reach_the_host_filesystem() {
    let b = Board::new();
    let host = tempfile::tempdir().unwrap();
    let target = host.path().join("escaped.txt");
    let t = target.to_str().unwrap();
    let code = format!(
        "import os\nopen('{t}', 'w').write('x')\nopen('../../../../../../{t}', 'w').write('y')\nprint(sorted(os.listdir('/')))"
    );
    let o = b.run(&["run", "-c", &code]);
    // The flash has no such directories: the writes fail inside the board.
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).ends_with("OSError: [Errno 2] ENOENT\n"),
        "{}",
        out(&o)
    );
    assert!(!target.exists());
    let o = b.run(&[
        "run",
        "-c",
        "open('/etc_passwd', 'w').write('x')\nprint(open('/../../etc_passwd').read())",
    ]);
    assert_eq!(
        out(&o),
        "x\n",
        "`..` above the root stays at the root of the flash"
    );
    assert!(!Path::new("/etc_passwd").exists());
}

#[test]
fn fs_folder_makes_a_throwaway_flash_and_leaves_the_folder_alone() {
    let b = Board::new();
    let proj = tempfile::tempdir().unwrap();
    std::fs::write(
        proj.path().join("main.py"),
        "open('out.txt', 'w').write('x')\nprint('ran from folder')\n",
    )
    .unwrap();
    let o = b.run(&[
        "run",
        "--fs",
        proj.path().to_str().unwrap(),
        "--virtual-time",
        "--for",
        "1s",
    ]);
    assert_eq!(out(&o), "ran from folder\n");
    assert!(!proj.path().join("out.txt").exists());
    assert!(!b.image().exists(), "the default image is not touched");
}

/// A FAT volume a script makes on its own block device (`vfs.VfsFat.mkfs`, issue 15) is a real
/// FAT volume: written out as a file, mtools lists and reads it; a volume mtools made and the
/// script reads back in through its block device mounts and shows mtools' files.
#[test]
fn a_block_device_volume_is_fat_that_mtools_reads_and_makes() {
    let b = Board::new();
    let make = r#"
import os, vfs
class Disk:
    def __init__(self, data):
        self.data = data
    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]
    def writeblocks(self, n, buf):
        self.data[n * 512:n * 512 + len(buf)] = buf
    def ioctl(self, op, arg):
        return len(self.data) // 512 if op == 4 else None
d = Disk(bytearray(200 * 512))
vfs.VfsFat.mkfs(d)
vfs.mount(d, "/sd")
os.mkdir("/sd/logs")
with open("/sd/logs/Readings.csv", "w") as f:
    f.write("t,v\n1,2\n")
vfs.umount("/sd")
with open("/disk.img", "wb") as f:
    f.write(d.data)
"#;
    let o = b.run(&["run", "--heap", "1M", "-c", make]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let host = tempfile::tempdir().unwrap();
    let img = host.path().join("disk.img");
    let o = b.run(&["fs", "get", "/disk.img", img.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let i = img.to_str().unwrap();
    let dir = out(&mtools("mdir", &["-b", "-i", i, "::/logs"]));
    assert!(dir.contains("::/logs/Readings.csv"), "{dir}");
    let csv = out(&mtools("mtype", &["-i", i, "::/logs/Readings.csv"]));
    assert_eq!(csv, "t,v\n1,2\n");
    let info = out(&mtools("minfo", &["-i", i, "::"]));
    assert!(
        info.contains("cluster size: 1 sectors")
            && info.contains("fats: 1")
            && info.contains("max available root directory slots: 512"),
        "{info}"
    );

    // The other way: mtools formats and fills an image; the script mounts it from a device.
    let made = host.path().join("made.img");
    std::fs::write(&made, vec![0u8; 400 * 512]).unwrap();
    let m = made.to_str().unwrap();
    mtools("mformat", &["-i", m, "-T", "400", "::"]);
    let note = host.path().join("NOTE.TXT");
    std::fs::write(&note, "from the host\n").unwrap();
    mtools("mcopy", &["-i", m, note.to_str().unwrap(), "::/NOTE.TXT"]);
    let o = b.run(&["fs", "put", m, "/made.img"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let read = make.split("d = Disk").next().unwrap().to_owned()
        + "d = Disk(bytearray(open('/made.img', 'rb').read()))\nvfs.mount(d, '/sd')\nprint(os.listdir('/sd'), open('/sd/NOTE.TXT').read())\n";
    let o = b.run(&["run", "--heap", "1M", "-c", &read]);
    assert_eq!(out(&o), "['NOTE.TXT'] from the host\n\n", "{}", err(&o));
}

/// Runs Python (the venv's, with littlefs-python) on `script`; its stdout.
fn python_lfs(script: &str, img: &Path) -> String {
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(img)
        .output()
        .unwrap();
    assert!(o.status.success(), "littlefs-python: {}", err(&o));
    out(&o)
}

/// littlefs-python's view of an image: the block device is the image's bytes.
const LFS_OPEN: &str = "import sys, littlefs\n\
    img = sys.argv[1]\n\
    data = bytearray(open(img, 'rb').read())\n\
    fs = littlefs.LittleFS(block_size=4096, block_count=len(data) // 4096, mount=False)\n\
    fs.context.buffer = data\n\
    fs.mount()\n";

#[test]
fn the_pico_s_flash_is_littlefs_that_a_host_littlefs_tool_reads_and_writes() {
    let b = Board::new();
    let img = b.data.path().join("pico.img");
    let run = |code: &str| {
        let o = b.run(&[
            "run",
            "--board",
            "pico",
            "--flash",
            img.to_str().unwrap(),
            "-c",
            code,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        out(&o)
    };
    let o = run("import os, vfs\n\
         os.mkdir('data')\n\
         with open('data/log.txt', 'w') as f:\n\
         \x20   f.write('line 1\\n')\n\
         s = os.statvfs('/')\n\
         print(s[0], s[2], s[2] - s[3] < 8)\n");
    // The RP2040 firmware's 4 KB blocks over its 1408 KB filesystem.
    assert_eq!(o, "4096 352 True\n");
    let host = python_lfs(
        &format!(
            "{LFS_OPEN}\
             print(fs.listdir('/'), fs.listdir('/data'))\n\
             print(fs.open('/data/log.txt', 'r').read())\n\
             with fs.open('/from_host.py', 'w') as f:\n\
             \x20   f.write('print(\"hello from the host\")\\n')\n\
             open(img, 'wb').write(data)\n"
        ),
        &img,
    );
    assert_eq!(host, "['data'] ['log.txt']\nline 1\n\n");
    assert_eq!(run("import from_host"), "hello from the host\n");
    // `mpsim fs` works on it as on a FAT image.
    let ls = b.run(&[
        "fs",
        "--board",
        "pico",
        "--flash",
        img.to_str().unwrap(),
        "ls",
        "/data",
    ]);
    assert!(
        out(&ls).contains("        7 log.txt"),
        "{}{}",
        out(&ls),
        err(&ls)
    );
    // Killed in the middle of writing: the image still mounts, every complete write is there.
    let mut child = b
        .cmd()
        .args(["run", "--board", "pico", "--flash", img.to_str().unwrap(), "-c"])
        // Written aside and renamed into place: mpsim empties a file opened with 'w' at once
        // (docs/differences.md), so only the rename makes each count whole on its own.
        .arg("import os\nn = 0\nwhile True:\n    with open('count.tmp', 'w') as f:\n        f.write(str(n))\n    os.rename('count.tmp', 'count.txt')\n    n += 1\n    if n == 20:\n        print('writing', flush=True)\n")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
    // The board process dies with its front end (its parent's death signal).
    std::thread::sleep(Duration::from_millis(300));
    let o = run("print(int(open('count.txt').read()) >= 19, open('data/log.txt').read())");
    assert_eq!(o, "True line 1\n\n");
    let host = python_lfs(&format!("{LFS_OPEN}print(sorted(fs.listdir('/')))\n"), &img);
    let host = host.replace("'count.tmp', ", "");
    assert_eq!(host, "['count.txt', 'data', 'from_host.py']\n");
}

#[test]
fn an_older_fat_pico_image_is_used_as_it_is() {
    let b = Board::new();
    let img = b.data.path().join("old.img");
    // A FAT image of the Pico's filesystem size, as mpsim made them before.
    std::fs::write(&img, vec![0u8; 1_441_792]).unwrap();
    let i = img.to_str().unwrap();
    mtools(
        "mformat",
        &["-i", i, "-T", "2816", "-h", "1", "-s", "1", "::"],
    );
    let main = b.data.path().join("main.py");
    std::fs::write(&main, "print('still FAT')\n").unwrap();
    mtools("mcopy", &["-i", i, main.to_str().unwrap(), "::/main.py"]);
    let o = b.run(&["run", "--board", "pico", "--flash", i, "--for", "1s"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("still FAT"), "{}", out(&o));
    // Still FAT for mtools afterwards.
    mtools("mdir", &["-i", i, "::/"]);
}

#[test]
fn an_esp_image_holds_the_whole_flash_and_an_older_image_is_converted() {
    let b = Board::new();
    let o = b.run(&["run", "-c", "open('kept.txt', 'w').write('kept')"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let bytes = std::fs::read(b.image()).unwrap();
    assert_eq!(bytes.len(), 4 << 20, "the ESP8266's 4 MB flash");
    assert!(
        bytes[..0x9C000].iter().all(|&x| x == 0xFF),
        "the firmware's region reads as erased flash"
    );
    // An image of the filesystem alone, as mpsim made them before, is converted once.
    let old = b.data.path().join("old.img");
    std::fs::write(&old, &bytes[0x9C000..0x9C000 + 3538944]).unwrap();
    let o = b.run(&[
        "run",
        "--flash",
        old.to_str().unwrap(),
        "-c",
        "print(open('kept.txt').read())",
    ]);
    assert_eq!(out(&o), "kept\n");
    assert!(
        err(&o).contains("whole 4 MB flash") && err(&o).contains("0x9c000"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read(&old).unwrap(), bytes);
    let o = b.run(&["run", "--flash", old.to_str().unwrap(), "-c", "pass"]);
    assert_eq!(err(&o), "", "converted once");
    // The ESP32's littlefs sits in its "vfs" partition at 0x200000.
    let img = b.data.path().join("esp32.img");
    let o = b.run(&[
        "run",
        "--board",
        "esp32",
        "--flash",
        img.to_str().unwrap(),
        "-c",
        "open('e.txt', 'w').write('on the esp32')",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let whole = std::fs::read(&img).unwrap();
    assert_eq!(whole.len(), 4 << 20);
    let part = b.data.path().join("vfs.bin");
    std::fs::write(&part, &whole[0x200000..]).unwrap();
    let text = python_lfs(
        &format!("{LFS_OPEN}print(fs.open('e.txt', 'r').read())"),
        &part,
    );
    assert_eq!(text, "on the esp32\n");
}
