"""The pytest plugin: the `mpsim` and `mpsim_board` fixtures, and `*.scenario.toml` files as tests."""

import os
import shlex
import subprocess

import pytest

from .client import MpsimError, Sim, _binary


def pytest_addoption(parser):
    group = parser.getgroup("mpsim", "MicroPython boards simulated by mpsim")
    group.addoption("--mpsim-bin", default=None, help="the mpsim binary (default: MPSIM_BIN, then PATH)")
    group.addoption("--mpsim-timeout", default="10s", help="how long a wait may take in simulated time")
    parser.addini("mpsim_board", "the board mpsim_board reuses: type=esp8266 main=src/main.py …")


def pytest_configure(config):
    config.addinivalue_line("markers", "mpsim(**board): the board mpsim_board gives this test")


def _setup(config, boards=None, circuit=None):
    setup = {"timeout": config.getoption("--mpsim-timeout")}
    if circuit is not None:
        setup["circuit"] = os.path.abspath(str(circuit))
    else:
        setup["board"] = boards
    return setup


def _board_table(type=None, id=None, **kw):
    table = {}
    if type is not None:
        table["type"] = type
    if id is not None:
        table["id"] = id
    for key in ("main", "files", "wiring", "project"):
        if kw.get(key) is not None:
            table[key] = os.path.abspath(str(kw.pop(key)))
    if kw:
        raise TypeError("unknown board settings: %s" % ", ".join(sorted(kw)))
    return table


class Factory:
    """The `mpsim` fixture: starts boards for one test and stops them after it."""

    def __init__(self, config):
        self._config = config
        self._sims = []

    def board(self, type=None, **settings):
        sim = Sim(_setup(self._config, [_board_table(type, **settings)]), self._config.getoption("--mpsim-bin"))
        self._sims.append(sim)
        return next(iter(sim.boards.values()))

    def circuit(self, path):
        sim = Sim(_setup(self._config, circuit=path), self._config.getoption("--mpsim-bin"))
        self._sims.append(sim)
        return sim.boards

    def close(self):
        for s in self._sims:
            s.close()


@pytest.fixture
def mpsim(request):
    f = Factory(request.config)
    yield f
    f.close()


class _Pool:
    """Boards kept between tests (one per setup), reset for each."""

    def __init__(self):
        self.sims = {}

    def close(self):
        for s in self.sims.values():
            s.close()


@pytest.fixture(scope="session")
def _mpsim_pool():
    pool = _Pool()
    yield pool
    pool.close()


@pytest.fixture
def mpsim_board(request, _mpsim_pool):
    marker = request.node.get_closest_marker("mpsim")
    if marker is not None:
        settings = dict(marker.kwargs)
    else:
        line = request.config.getini("mpsim_board") or ""
        settings = dict(part.split("=", 1) for part in shlex.split(line))
    if "type" not in settings and "project" not in settings:
        raise pytest.UsageError("mpsim_board: give the board with @pytest.mark.mpsim(type=…) or the mpsim_board ini option")
    table = _board_table(**settings)
    key = repr(sorted(table.items()))
    sim = _mpsim_pool.sims.get(key)
    if sim is not None:
        board = next(iter(sim.boards.values()))
        try:
            board.drain()
            board.reset()
            return board
        except MpsimError:
            sim.close()
    sim = Sim(_setup(request.config, [table]), request.config.getoption("--mpsim-bin"))
    _mpsim_pool.sims[key] = sim
    return next(iter(sim.boards.values()))


def pytest_collect_file(parent, file_path):
    if file_path.name.endswith(".scenario.toml"):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        name = self.path.name[: -len(".scenario.toml")]
        yield ScenarioItem.from_parent(self, name=name)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def runtest(self):
        binary = _binary(self.config.getoption("--mpsim-bin"))
        out = subprocess.run(
            [binary, "test", "-j", "1", str(self.path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        if out.returncode != 0:
            raise ScenarioFailed(out.stdout)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, "scenario: %s" % self.name
