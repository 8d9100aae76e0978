# help() as on the board: a welcome text, the module list, an object's contents.
import machine

help()
help("modules")


class Thing:
    COLOUR = "red"
    SIZE = 3


help(Thing)
