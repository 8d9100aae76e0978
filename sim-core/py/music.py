# music: the micro:bit's tunes and tones (micropython-microbit-v2's music module). A note sounds
# on the pin (pin0 by default: a 50% square wave) and on the board's speaker; the window shows it.
import _mpsim

if _mpsim.board_info()["platform"] != "microbit":
    raise ImportError("no module named 'music'")

import time as _time

# The built-in tunes (the runtime's), as the notes music.play() takes.
_TUNES = {
    "DADADADUM": "r4:2 g g g eb:8 r:2 f f f d:8",
    "ENTERTAINER": "d4:1 d# e c5:2 e4:1 c5:2 e4:1 c5:3 c:1 d d# e c d e:2 b4:1 d5:2 c:4",
    "PRELUDE": "c4:1 e g c5 e g4 c5 e c4 e g c5 e g4 c5 e c4 d g d5 f g4 d5 f c4 d g d5 f g4 d5 f b3 d4 g d5 f g4 d5 f b3 d4 g d5 f g4 d5 f c4 e g c5 e g4 c5 e c4 e g c5 e g4 c5 e",
    "ODE": "e4 e f g g f e d c c d e e:6 d:2 d:8 e:4 e f g g f e d c c d e d:6 c:2 c:8",
    "NYAN": "f#5:2 g# c#:1 d#:2 b4:1 d5:1 c# b4:2 b c#5 d d:1 c# b4:1 c#5:1 d# f# g# d# f# c# d b4 c#5 b4 d#5:2 f# g#:1 d# f# c# d# b4 d5 d# d c# b4 c#5 d:2 b4:1 c#5 d# f# c# d c# b4 c#5:2 b4 c#5 b4 f#:1 g# b:2 f#:1 g# b c#5 d# b4 e5 d# e f# b4:2 b f#:1 g# b f# e5 d# c# b4 f# d# e f# b:2 f#:1 g# b:2 f#:1 g# b b c#5 d# b4 f# g# f# b:2 b:1 a# b f# g# b e5 d# e f# b4:2 c#5",
    "RINGTONE": "c4:1 d e:2 g d:1 e f:2 a e:1 f g:2 b c5:4",
    "FUNK": "c2:2 c d# c:1 f:2 c:1 f:2 f# g c c g c:1 f#:2 c:1 f#:2 f d#",
    "BLUES": "c2:2 e g a a# a g e c2:2 e g a a# a g e f a c3 d d# d c a2 c2:2 e g a a# a g e g b d3 f f2 a c3 d# c2:2 e g e g f e d",
    "BIRTHDAY": "c4:3 c:1 d:4 c:4 f e:8 c:3 c:1 d:4 c:4 g f:8 c:3 c:1 c5:4 a4 f e d a#:3 a#:1 a:4 f g f:8",
    "WEDDING": "c4:4 f:3 f:1 f:8 c:4 g:3 e:1 f:8 c:4 f:3 a:1 c5:4 a4:3 f:1 f:4 e:3 f:1 g:8",
    "FUNERAL": "c3:4 c:3 c:1 c:4 d#:3 d:1 d:3 c:1 c:3 b2:1 c3:4",
    "PUNCHLINE": "c4:3 g3:1 f# g g#:3 g r b c4",
    "PYTHON": "d5:1 b4 r b b a# b g5 r d d r b4 c5 r c c r d e:5 c:1 a4 r a a g# a f#5 r e e r c b4 r b b r c5 d:5 d:1 b4 r b b a# b b5 r g g r d c# r a a r a a:5 g:1 f#:2 a:1 a g# a e:2 a:1 a g# a d r c# d r c# d:2 r:3",
    "BADDY": "c3:3 r d:2 d# r c r f#:8",
    "CHASE": "a4:1 b c5 b4 a:2 r a:1 b c5 b4 a:2 r a:2 e5 d# e f e d# e b4:1 c5 d c b4:2 r b:1 c5 d c b4:2 r b:2 e5 d# e f e d# e",
    "BA_DING": "b5:1 e6:3",
    "WAWAWAWAA": "e3:3 r:1 d#:3 r:1 d:4 r:1 c#:8",
    "JUMP_UP": "c5:1 d e f g",
    "JUMP_DOWN": "g5:1 f e d c",
    "POWER_UP": "g4:1 c5 e g:2 e:1 g:3",
    "POWER_DOWN": "g5:1 d# c g4:2 b:1 c5:3",
}

for _k, _v in _TUNES.items():
    globals()[_k] = tuple(_v.split())
del _k, _v

_KEY = _mpsim.timer()
_state = {"ticks": 4, "bpm": 120, "octave": 4, "duration": 4}
_SEMITONE = {"c": -9, "d": -7, "e": -5, "f": -4, "g": -2, "a": 0, "b": 2}
_bg = [None]


def _pin_gpio(pin):
    if pin is None:
        return None
    g = getattr(pin, "_gpio", None)
    if g is None:
        raise TypeError("expecting a pin")
    return g


def _default_pin():
    import microbit
    return microbit.pin0


def set_tempo(*, ticks=None, bpm=None):
    if ticks is not None:
        _state["ticks"] = int(ticks)
    if bpm is not None:
        _state["bpm"] = int(bpm)


def get_tempo():
    return (_state["ticks"], _state["bpm"])


def reset():
    _state.update(ticks=4, bpm=120, octave=4, duration=4)


def _parse(note):
    # "c#4:8": name, sharp/flat, octave and length in ticks; octave and length carry over.
    note = note.lower()
    i = 0
    if not note or note[0] not in "abcdefgr":
        raise ValueError("invalid note: %s" % note)
    name = note[0]
    i = 1
    semi = 0
    if i < len(note) and note[i] in "#b":
        semi = 1 if note[i] == "#" else -1
        i += 1
    j = i
    while i < len(note) and note[i].isdigit():
        i += 1
    if i > j:
        _state["octave"] = int(note[j:i])
    if i < len(note) and note[i] == ":":
        if i + 1 < len(note):
            _state["duration"] = int(note[i + 1:])
    elif i < len(note):
        raise ValueError("invalid note: %s" % note)
    ms = _state["duration"] * 60000 // (_state["bpm"] * _state["ticks"])
    if name == "r":
        return 0, ms
    n = _SEMITONE[name] + semi + 12 * (_state["octave"] - 4)
    return int(440 * 2 ** (n / 12) + 0.5), ms


def _sound(freq, gpio):
    if freq > 0:
        if gpio is not None:
            _mpsim.pwm_set(gpio, freq, 32768)
        _mpsim.tone_set(freq)
    else:
        if gpio is not None:
            _mpsim.pwm_off(gpio)
        _mpsim.tone_set(0)


def _cancel():
    if _bg[0] is not None:
        _bg[0] = None
        _mpsim.timer_stop(_KEY)


def _step(_):
    gen = _bg[0]
    if gen is None:
        return
    try:
        freq, ms, gpio = next(gen)
    except StopIteration:
        _bg[0] = None
        return
    _sound(freq, gpio)
    _mpsim.timer_start(_KEY, max(1, ms) * 1000, False, _step, None)


def _notes(music, gpio, loop):
    if isinstance(music, str):
        music = (music,)
    while True:
        for note in music:
            freq, ms = _parse(note)
            yield freq, ms, gpio
        if not loop:
            break
    yield 0, 0, gpio


def play(music, pin=_default_pin, wait=True, loop=False):
    gpio = _pin_gpio(_default_pin() if pin is _default_pin else pin)
    _cancel()
    if isinstance(music, str):
        music = (music,)
    saved = dict(_state)
    for n in music:
        _parse(n)  # bad notes fail before anything plays
    _state.update(saved)
    if wait:
        for freq, ms, g in _notes(music, gpio, loop):
            _sound(freq, g)
            if ms:
                _time.sleep_ms(ms)
        return
    _bg[0] = _notes(music, gpio, loop)
    _step(None)


def pitch(frequency, duration=-1, pin=_default_pin, wait=True):
    gpio = _pin_gpio(_default_pin() if pin is _default_pin else pin)
    _cancel()
    frequency = int(frequency)
    if frequency < 0:
        raise ValueError("frequency must not be negative")
    _sound(frequency, gpio)
    if duration >= 0:
        if wait:
            _time.sleep_ms(int(duration))
            _sound(0, gpio)
        else:
            _bg[0] = iter(((0, 0, gpio),))
            _mpsim.timer_start(_KEY, max(1, int(duration)) * 1000, False, _step, None)


def stop(pin=_default_pin):
    gpio = _pin_gpio(_default_pin() if pin is _default_pin else pin)
    _cancel()
    _sound(0, gpio)
