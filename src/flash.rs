//! Which flash image a command uses, and `mpsim fs`: the image's files without running a board.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use mpsim_board_models::BoardSpec;
use mpsim_vfs::{Flash, Geometry};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The image a board uses when none is named: `<data dir>/mpsim/<BOARD_ID>/flash.img`.
pub fn default_image(spec: &BoardSpec) -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "mpsim")
        .context("cannot find a data directory for the default flash image; pass --flash PATH")?;
    Ok(dirs.data_dir().join(&spec.id).join("flash.img"))
}

fn geometry(spec: &BoardSpec) -> Geometry {
    spec.flash_geometry()
}

/// Opens (creating or with `erase` wiping) an image; returns it and whether it is new. An image
/// made before the board's image held its whole flash is converted first, with a message.
pub fn open(spec: &BoardSpec, path: &Path, erase: bool) -> Result<(Flash, bool)> {
    let geo = geometry(spec);
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        // The board's own image lives in a folder of ours; a path given with a folder that
        // does not exist is a typo, not a request for new folders.
        if default_image(spec).ok().as_deref() == Some(path) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        } else {
            bail!(
                "{}: the folder {} does not exist (mpsim makes the image file, not its folders)",
                path.display(),
                dir.display()
            );
        }
    }
    if !erase {
        convert_to_whole_flash(geo, path)?;
    }
    Ok(Flash::open(path, geo, erase)?)
}

/// Puts a filesystem-only image (as mpsim made them before it laid out the ESP boards' whole
/// flash) at its offset in an image of the whole flash, erased elsewhere. Nothing happens to an
/// image of the right size, or to one that does not mount (its error comes from the open).
fn convert_to_whole_flash(geo: Geometry, path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let len = meta.len();
    if !geo.whole_flash() || len == 0 || len == geo.flash_size || len > geo.flash_size - geo.offset
    {
        return Ok(());
    }
    if !holds_a_volume(path) {
        return Ok(());
    }
    // Mounted as what it is, which also holds the image's lock while it is rewritten.
    let Ok((old, _)) = Flash::open(
        path,
        Geometry::volume(len, geo.cluster, geo.littlefs),
        false,
    ) else {
        return Ok(());
    };
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut whole = vec![0xFFu8; usize::try_from(geo.flash_size).unwrap_or(0)];
    let at = usize::try_from(geo.offset).unwrap_or(0);
    whole[at..at + bytes.len()].copy_from_slice(&bytes);
    let tmp = path.with_extension("converting");
    std::fs::write(&tmp, &whole)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("converting {}", path.display()))?;
    drop(old);
    eprintln!(
        "mpsim: {} now holds the board's whole {} MB flash, the filesystem at {:#x} as the \
         firmware lays it out (converted from an image of the filesystem alone)",
        path.display(),
        geo.flash_size >> 20,
        geo.offset
    );
    Ok(())
}

/// Whether the file starts with a FAT boot sector or a littlefs superblock.
fn holds_a_volume(path: &Path) -> bool {
    let mut head = vec![0u8; 8192];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    (n >= 512 && head[510] == 0x55 && head[511] == 0xAA)
        || (n >= 16 && &head[8..16] == b"littlefs")
        || (n >= 4096 + 16 && &head[4096 + 8..4096 + 16] == b"littlefs")
}

/// Writes the files the board's firmware writes on its first boot.
fn write_first_boot_files(spec: &BoardSpec, flash: &Flash) -> Result<()> {
    for (name, text) in &spec.first_boot.files {
        flash
            .write(&format!("/{name}"), text.as_bytes())
            .with_context(|| format!("writing {name}"))?;
    }
    Ok(())
}

/// Flash path for a file name on the host side: `/` plus the path, `\` never allowed.
fn board_path(p: &str) -> String {
    let mut s = String::from("/");
    s.push_str(p.trim_start_matches('/'));
    s
}

/// Copies a host folder into the flash at `dest` (a directory that exists).
fn put_tree(flash: &Flash, src: &Path, dest: &str) -> Result<usize> {
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .with_context(|| format!("cannot read {}", src.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let target = format!("{}/{}", dest.trim_end_matches('/'), name);
        let ty = e.file_type()?;
        if ty.is_dir() {
            if flash.stat(&target).is_err() {
                flash
                    .mkdir(&target)
                    .with_context(|| format!("mkdir {target}"))?;
            }
            n += put_tree(flash, &e.path(), &target)?;
        } else if ty.is_file() {
            let data = std::fs::read(e.path())?;
            flash
                .write(&target, &data)
                .with_context(|| format!("writing {target}"))?;
            n += 1;
        }
    }
    Ok(n)
}

/// A throw-away image for `--fs DIR`: the board's default files, then the folder's, as if the board
/// had booted before and a tool had copied the folder onto it.
pub fn image_from_folder(spec: &BoardSpec, dir: &Path) -> Result<(tempfile::TempDir, PathBuf)> {
    image_with(spec, Some(dir), None)
}

/// A throw-away image: the board's default files, then `dir`'s, then `main` as main.py.
pub fn image_with(
    spec: &BoardSpec,
    dir: Option<&Path>,
    main: Option<&[u8]>,
) -> Result<(tempfile::TempDir, PathBuf)> {
    if let Some(dir) = dir
        && !dir.is_dir()
    {
        bail!("--fs {}: not a folder", dir.display());
    }
    let tmp = tempfile::Builder::new()
        .prefix("mpsim-flash")
        .tempdir()
        .context("cannot create a temporary flash image")?;
    let path = tmp.path().join("flash.img");
    let (flash, _) = open(spec, &path, true)?;
    write_first_boot_files(spec, &flash)?;
    if let Some(dir) = dir {
        put_tree(&flash, dir, "/")?;
    }
    if let Some(main) = main {
        flash.write("/main.py", main).context("writing main.py")?;
    }
    flash.close()?;
    Ok((tmp, path))
}

/// `mpsim fs …`
#[derive(Subcommand)]
pub enum FsCommand {
    /// List a directory with sizes (default /).
    Ls {
        /// Path on the board.
        #[arg(default_value = "/")]
        path: String,
    },
    /// Print a file.
    Cat {
        /// Path on the board.
        path: String,
    },
    /// Copy a file from the board to the host.
    Get {
        /// Path on the board.
        src: String,
        /// Host file or folder (default: the current folder).
        dest: Option<PathBuf>,
    },
    /// Copy a file or a whole folder from the host to the board.
    Put {
        /// Host file or folder.
        src: PathBuf,
        /// Path on the board (default: / plus the file's name).
        dest: Option<String>,
    },
    /// Remove a file (or with -r a directory and everything in it).
    Rm {
        /// Remove directories and their contents.
        #[arg(short = 'r', long)]
        recursive: bool,
        /// Path on the board.
        path: String,
    },
    /// Make a directory.
    Mkdir {
        /// Path on the board.
        path: String,
    },
    /// Remove an empty directory.
    Rmdir {
        /// Path on the board.
        path: String,
    },
    /// Size, used and free space of the volume.
    Df,
    /// Copy the whole flash into a host folder.
    Export {
        /// Host folder (created when missing).
        dir: PathBuf,
    },
    /// Copy a host folder's contents onto the flash (files are replaced, nothing is deleted).
    Import {
        /// Host folder.
        dir: PathBuf,
    },
}

fn remove_tree(flash: &Flash, path: &str) -> Result<()> {
    for e in flash.listdir(path)? {
        let child = format!("{}/{}", path.trim_end_matches('/'), e.name);
        if e.is_dir {
            remove_tree(flash, &child)?;
        } else {
            flash.remove(&child)?;
        }
    }
    Ok(flash.rmdir(path)?)
}

/// Folders deeper than this are not followed (a damaged directory entry can point back at the
/// root, making the tree endless); FAT paths cannot be longer anyway.
const EXPORT_DEPTH: usize = 64;

/// Copies the flash's tree at `src` into `dest`. What cannot be copied (a name the host cannot
/// take, a damaged file, a folder that loops) is named on stderr and skipped; the count of those
/// is the second number.
fn export_tree(flash: &Flash, src: &str, dest: &Path, depth: usize) -> Result<(usize, usize)> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let (mut n, mut bad) = (0, 0);
    let entries = match flash.listdir(src) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("mpsim: skipping {src}: {e}");
            return Ok((0, 1));
        }
    };
    for e in entries {
        let child = format!("{}/{}", src.trim_end_matches('/'), e.name);
        let host_ok =
            !e.name.is_empty() && e.name != "." && e.name != ".." && !e.name.contains(['/', '\0']);
        if !host_ok {
            eprintln!("mpsim: skipping {child:?}: not a name this machine's files can have");
            bad += 1;
            continue;
        }
        let target = dest.join(&e.name);
        if e.is_dir {
            if depth >= EXPORT_DEPTH {
                eprintln!(
                    "mpsim: skipping {child}: folders nested beyond {EXPORT_DEPTH} (a damaged directory that loops?)"
                );
                bad += 1;
                continue;
            }
            let (a, b) = export_tree(flash, &child, &target, depth + 1)?;
            n += a;
            bad += b;
        } else {
            match flash.read(&child) {
                Ok(data) => {
                    std::fs::write(&target, data)
                        .with_context(|| format!("cannot write {}", target.display()))?;
                    n += 1;
                }
                Err(err) => {
                    eprintln!("mpsim: skipping {child}: {err}");
                    bad += 1;
                }
            }
        }
    }
    Ok((n, bad))
}

/// Runs one `mpsim fs` command on the image at `image`.
pub fn fs_command(spec: &BoardSpec, image: &Path, cmd: FsCommand) -> Result<i32> {
    let (flash, fresh) = open(spec, image, false)?;
    if fresh {
        write_first_boot_files(spec, &flash)?;
    }
    let mut out = std::io::stdout().lock();
    let errno = |path: &str, e: mpsim_vfs::VfsError| -> anyhow::Error {
        let what = match e.errno() {
            2 => "no such file or directory",
            13 => "directory not empty",
            17 => "already exists",
            20 => "not a directory",
            21 => "is a directory",
            22 => "invalid name",
            28 => "no space left on the flash",
            _ => "I/O error",
        };
        anyhow::anyhow!("{path}: {what} (OSError {})", e.errno())
    };
    match cmd {
        FsCommand::Ls { path } => {
            let p = board_path(&path);
            let e = flash.stat(&p).map_err(|e| errno(&p, e))?;
            if !e.is_dir {
                writeln!(out, "{:>9} {}", e.size, p)?;
            } else {
                for e in flash.listdir(&p).map_err(|e| errno(&p, e))? {
                    if e.is_dir {
                        writeln!(out, "{:>9} {}/", "", e.name)?;
                    } else {
                        writeln!(out, "{:>9} {}", e.size, e.name)?;
                    }
                }
            }
        }
        FsCommand::Cat { path } => {
            let p = board_path(&path);
            out.write_all(&flash.read(&p).map_err(|e| errno(&p, e))?)?;
        }
        FsCommand::Get { src, dest } => {
            let p = board_path(&src);
            let data = flash.read(&p).map_err(|e| errno(&p, e))?;
            let name = p.rsplit('/').next().unwrap_or("file");
            let dest = match dest {
                Some(d) if d.is_dir() => d.join(name),
                Some(d) => d,
                None => PathBuf::from(name),
            };
            std::fs::write(&dest, data)
                .with_context(|| format!("cannot write {}", dest.display()))?;
        }
        FsCommand::Put { src, dest } => {
            let name = src
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .with_context(|| format!("{}: no file name", src.display()))?;
            let target = match dest {
                Some(d) => board_path(&d),
                None => board_path(&name),
            };
            if src.is_dir() {
                if flash.stat(&target).is_err() {
                    flash.mkdir(&target).map_err(|e| errno(&target, e))?;
                }
                let n = put_tree(&flash, &src, &target)?;
                writeln!(out, "{n} files copied to {target}")?;
            } else {
                let target = match flash.stat(&target) {
                    Ok(e) if e.is_dir => format!("{}/{name}", target.trim_end_matches('/')),
                    _ => target,
                };
                let data = std::fs::read(&src)
                    .with_context(|| format!("cannot read {}", src.display()))?;
                flash.write(&target, &data).map_err(|e| errno(&target, e))?;
            }
        }
        FsCommand::Rm { recursive, path } => {
            let p = board_path(&path);
            let e = flash.stat(&p).map_err(|e| errno(&p, e))?;
            if e.is_dir {
                if !recursive {
                    bail!("{p} is a directory: use rm -r");
                }
                remove_tree(&flash, &p)?;
            } else {
                flash.remove(&p).map_err(|e| errno(&p, e))?;
            }
        }
        FsCommand::Mkdir { path } => {
            let p = board_path(&path);
            flash.mkdir(&p).map_err(|e| errno(&p, e))?;
        }
        FsCommand::Rmdir { path } => {
            let p = board_path(&path);
            flash.rmdir(&p).map_err(|e| errno(&p, e))?;
        }
        FsCommand::Df => {
            let s = flash.stats()?;
            let kib = |blocks: u32| u64::from(blocks) * u64::from(s.block_size) / 1024;
            writeln!(
                out,
                "{:<12} {:>10} {:>10} {:>10}",
                "Filesystem", "Size(KiB)", "Used", "Free"
            )?;
            writeln!(
                out,
                "{:<12} {:>10} {:>10} {:>10}",
                "/",
                kib(s.blocks),
                kib(s.blocks - s.free),
                kib(s.free)
            )?;
        }
        FsCommand::Export { dir } => {
            let (n, bad) = export_tree(&flash, "/", &dir, 0)?;
            writeln!(out, "{n} files exported to {}", dir.display())?;
            if bad > 0 {
                flash.close()?;
                eprintln!("mpsim: {bad} entries could not be exported (named above)");
                return Ok(1);
            }
        }
        FsCommand::Import { dir } => {
            let n = put_tree(&flash, &dir, "/")?;
            writeln!(out, "{n} files imported from {}", dir.display())?;
        }
    }
    flash.close()?;
    Ok(0)
}
