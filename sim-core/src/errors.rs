//! Errors as the firmware raises them: its errno table and `OSError` with an errno.

use rustpython_vm::builtins::PyBaseExceptionRef;
use rustpython_vm::{AsObject, VirtualMachine};

/// MicroPython's errno table: the names it prints (`[Errno 2] ENOENT`).
pub(crate) const ERRNO_NAMES: &[(i32, &str)] = &[
    (1, "EPERM"),
    (2, "ENOENT"),
    (5, "EIO"),
    (9, "EBADF"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (17, "EEXIST"),
    (19, "ENODEV"),
    (21, "EISDIR"),
    (22, "EINVAL"),
    (95, "EOPNOTSUPP"),
    (98, "EADDRINUSE"),
    (103, "ECONNABORTED"),
    (104, "ECONNRESET"),
    (105, "ENOBUFS"),
    (107, "ENOTCONN"),
    (110, "ETIMEDOUT"),
    (111, "ECONNREFUSED"),
    (113, "EHOSTUNREACH"),
    (114, "EALREADY"),
    (115, "EINPROGRESS"),
];

/// `OSError` as MicroPython raises it: `e.errno == n`, `e.args[0] == n`, and `str(e)` is
/// `[Errno 2] ENOENT` for names in its table, the bare number otherwise.
pub(crate) fn os_error(vm: &VirtualMachine, errno: i32) -> PyBaseExceptionRef {
    let args = vec![vm.ctx.new_int(errno).into()];
    let e = vm.new_exception(vm.ctx.exceptions.os_error.to_owned(), args);
    let _ = e.as_object().set_attr("errno", vm.ctx.new_int(errno), vm);
    e
}
