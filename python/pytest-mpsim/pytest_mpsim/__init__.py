"""Drive MicroPython boards simulated by mpsim from Python, in simulated time."""

from .client import Board, MpsimError, MpsimFailure, Sim

__all__ = ["Board", "MpsimError", "MpsimFailure", "Sim"]
