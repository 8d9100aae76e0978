# struct/ustruct
from _struct import pack, pack_into, unpack, unpack_from, calcsize
