//! A local `mip` package index: built from a micropython-lib checkout the user has, in the
//! static layout micropython.org/pi/v2 publishes, and served over loopback HTTP for a board
//! (`--mip-index`) or mpremote (`mpremote mip install --index URL`).
//!
//! Layout: `index.json` (the package list), `package/py/NAME/VERSION.json` and
//! `package/py/NAME/latest.json` (`{"hashes": [[target path, short hash]…], "deps": [[name,
//! version]…], "version": …}`), `file/HH/HASH` (each file by the first 8 hex digits of its
//! SHA-256). Sources only: mpsim runs source, not .mpy, so the `.mpy` variant (`package/6/…`,
//! what mpremote asks for by default) lists the same .py files.
//!
//! A package is a folder holding a `manifest.py`. Its calls are read from the file's syntax, not
//! run: `metadata(version=, description=, …)`, `module(NAME, base_path=)`,
//! `package(NAME, files=, base_path=)`, `require(NAME, …)`; statements under an `if` (options
//! such as unix-ffi) are left out, as they are for the boards' builds.

use ruff_python_ast::{Expr, Stmt};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};

/// What went wrong building or serving an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: not a micropython-lib checkout (no manifest.py under it)")]
    NoPackages(PathBuf),
    #[error("{path}: {msg}")]
    Manifest { path: PathBuf, msg: String },
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |e| IndexError::Io(p.to_path_buf(), e)
}

/// One package as its manifest says.
#[derive(Debug, Default, Clone)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Target path on the board → source file.
    pub files: BTreeMap<String, PathBuf>,
    pub deps: Vec<String>,
    /// The package's folder, relative to the checkout.
    pub path: String,
}

fn string(e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}

fn strings(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Tuple(t) => t.elts.iter().map(string).collect(),
        Expr::List(l) => l.elts.iter().map(string).collect(),
        e => string(e).map(|s| vec![s]),
    }
}

/// What `dir` holds, in name order (an index comes out the same from the same checkout).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, IndexError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    Ok(entries)
}

/// The .py files under `dir`, by their path relative to `rel_to`.
fn py_files(
    dir: &Path,
    rel_to: &Path,
    out: &mut BTreeMap<String, PathBuf>,
) -> Result<(), IndexError> {
    for p in sorted_entries(dir)? {
        if p.is_dir() {
            py_files(&p, rel_to, out)?;
        } else if p.extension().is_some_and(|x| x == "py")
            && let Ok(rel) = p.strip_prefix(rel_to)
        {
            out.insert(rel.to_string_lossy().replace('\\', "/"), p.clone());
        }
    }
    Ok(())
}

/// Reads one package's manifest.py.
pub fn read_manifest(manifest: &Path, root: &Path) -> Result<Package, IndexError> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let src = std::fs::read_to_string(manifest).map_err(io(manifest))?;
    let bad = |msg: String| IndexError::Manifest {
        path: manifest.to_path_buf(),
        msg,
    };
    let parsed = ruff_python_parser::parse_module(&src).map_err(|e| bad(e.to_string()))?;
    let mut pkg = Package {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        version: "0.0.0".into(),
        path: dir
            .strip_prefix(root)
            .unwrap_or(dir)
            .to_string_lossy()
            .into_owned(),
        ..Package::default()
    };
    for stmt in &parsed.syntax().body {
        let Stmt::Expr(e) = stmt else { continue };
        let Expr::Call(call) = &*e.value else {
            continue;
        };
        let Expr::Name(func) = &*call.func else {
            continue;
        };
        let args = &call.arguments;
        let kw = |name: &str| {
            args.keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        let first = args.args.first().and_then(string);
        let base = kw("base_path")
            .and_then(string)
            .map_or_else(|| dir.to_path_buf(), |b| dir.join(b));
        match func.id.as_str() {
            "metadata" => {
                if let Some(v) = kw("version").and_then(string) {
                    pkg.version = v;
                }
                if let Some(d) = kw("description").and_then(string) {
                    pkg.description = d;
                }
            }
            "module" => {
                let name = first.ok_or_else(|| bad("module() without a file name".into()))?;
                let src = base.join(&name);
                if !src.is_file() {
                    return Err(bad(format!("module {name:?}: no such file")));
                }
                let target = Path::new(&name)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or(name);
                pkg.files.insert(target, src);
            }
            "package" => {
                let name = first.ok_or_else(|| bad("package() without a name".into()))?;
                let pdir = base.join(&name);
                match kw("files").and_then(strings) {
                    Some(files) => {
                        for f in files {
                            pkg.files.insert(format!("{name}/{f}"), pdir.join(&f));
                        }
                    }
                    None => py_files(&pdir, &base, &mut pkg.files)?,
                }
            }
            "require" => {
                if let Some(name) = first {
                    pkg.deps.push(name);
                }
            }
            _ => {}
        }
    }
    Ok(pkg)
}

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IndexError> {
    for p in sorted_entries(dir)? {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_dir() && !name.starts_with('.') {
            manifests(&p, out)?;
        } else if name == "manifest.py" {
            out.push(p);
        }
    }
    Ok(())
}

/// `sys.implementation._mpy & 0xff` on the boards mpsim models.
const MPY_VARIANT: &str = "6";

fn short_hash(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What `build` wrote.
#[derive(Debug)]
pub struct Built {
    pub packages: usize,
    pub files: usize,
    /// Packages left out, with why (a manifest mpsim cannot read, a file it names missing).
    pub skipped: Vec<String>,
}

fn write(path: &Path, data: &[u8]) -> Result<(), IndexError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, data).map_err(io(path))
}

/// Builds the index of every package under `src` (a micropython-lib checkout) into `out`.
pub fn build(src: &Path, out: &Path) -> Result<Built, IndexError> {
    let mut found = Vec::new();
    manifests(src, &mut found)?;
    if found.is_empty() {
        return Err(IndexError::NoPackages(src.to_path_buf()));
    }
    let mut built = Built {
        packages: 0,
        files: 0,
        skipped: Vec::new(),
    };
    let mut list = Vec::new();
    for m in found {
        let pkg = match read_manifest(&m, src) {
            Ok(p) => p,
            Err(e) => {
                built.skipped.push(e.to_string());
                continue;
            }
        };
        let mut hashes = Vec::new();
        let mut ok = true;
        for (target, file) in &pkg.files {
            let data = match std::fs::read(file) {
                Ok(d) => d,
                Err(e) => {
                    built
                        .skipped
                        .push(format!("{}: {}: {e}", pkg.name, file.display()));
                    ok = false;
                    break;
                }
            };
            let h = short_hash(&data);
            write(&out.join("file").join(&h[..2]).join(&h), &data)?;
            built.files += 1;
            hashes.push(format!("[{}, {}]", json_str(target), json_str(&h)));
        }
        if !ok {
            continue;
        }
        let deps: Vec<String> = pkg
            .deps
            .iter()
            .map(|d| format!("[{}, \"latest\"]", json_str(d)))
            .collect();
        let json = format!(
            "{{\"hashes\": [{}], \"deps\": [{}], \"version\": {}}}",
            hashes.join(", "),
            deps.join(", "),
            json_str(&pkg.version)
        );
        // The `py` variant, and the same sources under the board's .mpy version, which
        // `mpremote mip install` asks for by default (mpsim runs them as they are).
        for variant in ["py", MPY_VARIANT] {
            let pdir = out.join("package").join(variant).join(&pkg.name);
            write(&pdir.join(format!("{}.json", pkg.version)), json.as_bytes())?;
            write(&pdir.join("latest.json"), json.as_bytes())?;
        }
        list.push(format!(
            "{{\"name\": {}, \"version\": {}, \"description\": {}, \"path\": {}, \"versions\": {{\"py\": [{v}], \"{MPY_VARIANT}\": [{v}]}}}}",
            json_str(&pkg.name),
            json_str(&pkg.version),
            json_str(&pkg.description),
            json_str(&pkg.path),
            v = json_str(&pkg.version)
        ));
        built.packages += 1;
    }
    let index = format!("{{\"v\": 2, \"packages\": [\n{}\n]}}\n", list.join(",\n"));
    write(&out.join("index.json"), index.as_bytes())?;
    Ok(built)
}

/// The file under `root` a request's path names (None outside it or missing).
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let mut out = root.to_path_buf();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.json");
    }
    out.is_file().then_some(out)
}

/// Serves `root` over HTTP on `addr` (port 0: any free one) from a thread; returns the address.
pub fn serve(root: &Path, addr: SocketAddr) -> Result<SocketAddr, IndexError> {
    let root = root.to_path_buf();
    if !root.join("index.json").is_file() {
        return Err(IndexError::Io(
            root.join("index.json"),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "not a mip index (build one with `mpsim index build`)",
            ),
        ));
    }
    let server = tiny_http::Server::http(addr)
        .map_err(|e| IndexError::Io(root.clone(), std::io::Error::other(e.to_string())))?;
    let at = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| IndexError::Io(root.clone(), std::io::Error::other("no address")))?;
    std::thread::Builder::new()
        .name("mip-index".into())
        .spawn(move || {
            for req in server.incoming_requests() {
                let found = match req.method() {
                    tiny_http::Method::Get | tiny_http::Method::Head => {
                        resolve(&root, req.url()).and_then(|p| std::fs::read(p).ok())
                    }
                    _ => None,
                };
                let _ = match found {
                    Some(body) => req.respond(tiny_http::Response::from_data(body)),
                    None => req.respond(
                        tiny_http::Response::from_string("Not found\n").with_status_code(404),
                    ),
                };
            }
        })
        .map_err(|e| IndexError::Io(PathBuf::from("mip-index"), e))?;
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_cannot_leave_the_index() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("index.json"), "{}").unwrap();
        std::fs::create_dir_all(d.path().join("file/ab")).unwrap();
        std::fs::write(d.path().join("file/ab/abcd1234"), "x").unwrap();
        assert!(resolve(d.path(), "/file/ab/abcd1234").is_some());
        assert!(resolve(d.path(), "/").is_some());
        assert!(resolve(d.path(), "/../etc/passwd").is_none());
        assert!(resolve(d.path(), "/file/../../x").is_none());
        assert!(resolve(d.path(), "/missing").is_none());
    }
}
