"""Errors a user can cause when choosing, configuring or loading a method (one clear line each)."""

from __future__ import annotations


class MethodError(Exception):
    """Base class: the message is one line saying what is wrong and what to do."""


class UnknownMethodError(MethodError, KeyError):
    """A method name that no registered method has."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SpecError(MethodError, ValueError):
    """A spec string or parameter value that cannot be parsed or is out of range."""


class WeightsError(MethodError):
    """A weights file that is missing, unsafe, unreadable or for another architecture."""


class UnsafeWeightsError(WeightsError):
    """A checkpoint that needs full unpickling (arbitrary code) and was not trusted."""


class InitError(MethodError):
    """A training start (`--init`, `--compare-init`) that this method cannot give."""
