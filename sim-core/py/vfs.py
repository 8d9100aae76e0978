# vfs: the firmware's filesystem layer (docs: library/vfs): mount, umount and the filesystem
# types. The layer itself is _mpsim_vfs (os is built on it too, also on boards without vfs).
from _mpsim_vfs import mount, umount, VfsFat, VfsLfs2  # noqa: F401
