# The interpreter's latin-1 codec (see codecs.py): a character needs no more than one byte.
import codecs


def getregentry():
    return codecs._codec("latin-1", codecs.latin_1_encode, lambda d, e, final: codecs.latin_1_decode(d, e))
