"""pytest-mpsim's fixtures against the scenario tests' board (tests/pytest_plugin.rs runs this)."""

from pathlib import Path

import pytest
from pytest_mpsim import MpsimFailure

HERE = Path(__file__).parent
BUTTON = HERE.parent / "scenarios" / "pass" / "button.py"
SERVO = HERE.parent / "projects" / "servo-pot"
TWO = HERE.parent / "projects" / "two-boards" / "wiring.toml"


def test_console_pins_leds_files_and_the_repl(mpsim):
    board = mpsim.board("esp8266", main=BUTTON)
    assert board.expect("boot one") == "boot one"
    assert board.expect(r"boot \w+", regex=True) == "boot two"
    assert board.pin("D4") == 1
    board.set_pin("GPIO0", 0)
    board.wait_pin("D4", edge="falling", timeout="100ms")
    assert board.expect(r"button \d", regex=True) == "button 0"
    assert board.led("GPIO2") == 1.0
    board.set_pin("GPIO0", None)
    board.wait_pin("GPIO2", level=1)
    assert board.read_file("/log.txt") == b"started 42\n"
    board.write_file("/data.txt", "x = 5\n")
    board.write(b"\x03")
    board.expect(">>> ")
    assert board.exec("print(open('data.txt').read().strip())") == "x = 5"
    board.run_for("2s")
    assert board.time_us >= 2_000_000


def test_a_wait_that_times_out_fails_with_the_board_state(mpsim):
    board = mpsim.board("esp8266", main=BUTTON)
    with pytest.raises(MpsimFailure) as e:
        board.expect("never", timeout="250ms")
    assert "waited 0.250 s of simulated time" in str(e.value)
    assert "| boot two" in str(e.value)
    assert board.time_us == 250_000


def test_parts(mpsim):
    board = mpsim.board(project=SERVO)
    board.expect("angle 90")
    board.control("pot", "position", 0)
    board.expect("angle 0")
    board.run_for("100ms")
    assert board.part("servo")["angle"] == 0
    assert board.part("pot")["text"] == "0 %"


def test_two_boards_on_one_clock(mpsim):
    boards = mpsim.circuit(TWO)
    boards["sensor"].control("t", "temperature", 21.5)
    assert boards["display"].expect("heard b'T=21.5\\n'")
    boards["sensor"].expect("got back: b'thanks\\n'")
    boards["display"].press("btn", hold="50ms")
    boards["display"].expect("button pressed")
    boards["sensor"].expect("sensor done")


@pytest.mark.mpsim(type="esp8266", main=str(BUTTON))
@pytest.mark.parametrize("n", range(3))
def test_a_reused_board_starts_afresh(mpsim_board, n):
    mpsim_board.expect("boot one")
    mpsim_board.expect("boot two")
    mpsim_board.set_pin("GPIO0", 0)
    assert mpsim_board.expect(r"button \d", regex=True) == "button 0"
    mpsim_board.set_pin("GPIO0", None)
