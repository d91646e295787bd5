"""Errors and warnings raised by geozones.

Every error geozones raises on purpose derives from :class:`GeozonesError`, and each
also derives from the built-in exception a caller would expect, so existing
``except ValueError`` blocks keep working::

    Exception
    └── GeozonesError
        ├── InputError (ValueError)        a file, table or argument cannot be used
        │   └── GeometryError               a geometry is of the wrong kind or invalid
        ├── OutputError (OSError)          a file cannot be written; the old one is kept
        └── DatasetError (KeyError)        an unknown bundled layer

    UserWarning
    └── GeozonesWarning                     input was used, but changed or assumed
"""

from __future__ import annotations

__all__ = [
    "DatasetError",
    "GeometryError",
    "GeozonesError",
    "GeozonesWarning",
    "InputError",
    "OutputError",
    "first_line",
]


class GeozonesError(Exception):
    """Base class for errors raised by geozones."""


class InputError(GeozonesError, ValueError):
    """A file, table or argument cannot be used: names the source, row and column."""


class GeometryError(InputError):
    """A geometry is of the wrong type, empty or has invalid coordinates."""


class OutputError(GeozonesError, OSError):
    """A file cannot be written (disk full, read-only, no folder); the old file is kept."""


class DatasetError(GeozonesError, KeyError):
    """A bundled layer that does not exist was asked for."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class GeozonesWarning(UserWarning):
    """Input was used, but geozones changed or assumed something about it."""


def first_line(exc: BaseException) -> str:
    r"""The first line of an exception's message, or its type's name when it has none.

    Used to quote a library's error (GDAL, arrow, pandas) inside a geozones message.

    Examples
    --------
    >>> first_line(ValueError("bad value\nin detail")), first_line(KeyError())
    ('bad value', 'KeyError')
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
