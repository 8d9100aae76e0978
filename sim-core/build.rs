//! The frozen Python modules in py/ are compiled into the crate by a macro; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=py");
}
