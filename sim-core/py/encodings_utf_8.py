# The interpreter's utf-8 codec (see codecs.py).
import codecs


def getregentry():
    return codecs._codec("utf-8", codecs.utf_8_encode, codecs.utf_8_decode)
