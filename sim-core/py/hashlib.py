# hashlib/uhashlib
import _hashlib  # noqa: F401  (defines the hash types the modules below return)
from _sha256 import sha256
from _sha1 import sha1
from _md5 import md5
