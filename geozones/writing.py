"""Atomic saves: a file is replaced whole, or not at all.

Every writer in geozones (positions, zones, maps, figures, Dask results) writes through
:func:`atomic_output`: the new file is written to a temporary file beside the target,
flushed to the disk, and only then renamed over the target. A save that is killed, runs out
of disk or fails half way leaves the old file as it was (or no file, if there was none) and
no partial file under the target's name. Failures are :class:`~geozones.errors.OutputError`
naming the path and the cause (disk full, read-only, missing folder, permission denied).

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_output(target) as tmp:
...     _ = pathlib.Path(tmp).write_text("complete")
>>> target.read_text()
'complete'
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from geozones.errors import OutputError, first_line

__all__ = ["atomic_output", "output_error", "write_text_atomic", "write_vector"]

_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "the path is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EFBIG: "the file is too large for this file system",
}
# Text in messages of libraries (GDAL, SQLite, arrow) that do not carry an errno.
_MESSAGE_CAUSES = (
    ("no space left", "the disk is full"),
    ("disk is full", "the disk is full"),
    ("database or disk is full", "the disk is full"),
    ("read-only", "the file system is read-only"),
    ("readonly", "the file system is read-only"),
    ("permission denied", "permission denied"),
    ("no such file or directory", "the folder does not exist"),
)


def output_error(
    path: str | os.PathLike, exc: BaseException, *, folder: str | os.PathLike | None = None
) -> OutputError:
    """Describe why writing `path` failed, as an :class:`OutputError` to raise.

    Parameters
    ----------
    path
        The file that was being written.
    exc
        What the writer raised: an :class:`OSError` with an errno, or a library's error
        whose message says the cause.
    folder
        The folder written to: when the error itself does not say why, a folder with
        almost no free space left means the disk is full (GDAL drivers report a full disk
        as "Cannot write feature").

    Returns
    -------
    OutputError
        With a message ``"<path>: cannot be written: <cause> (<detail>)"``.

    Examples
    --------
    >>> import errno
    >>> str(output_error("out.csv", OSError(errno.ENOSPC, "No space left on device")))
    'out.csv: cannot be written: the disk is full (No space left on device)'
    """
    strerror = exc.strerror if isinstance(exc, OSError) else None
    detail = strerror or first_line(exc)
    cause = _CAUSES.get(getattr(exc, "errno", None) or -1)
    if cause is None:
        lowered = str(exc).lower()
        cause = next((c for text, c in _MESSAGE_CAUSES if text in lowered), None)
    if cause is None and folder is not None and _free_bytes(folder) < _NEARLY_FULL:
        cause = "the disk is full"
    cause = cause or "the write failed"
    return OutputError(f"{os.fspath(path)}: cannot be written: {cause} ({detail})")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, copy_existing: bool = False) -> Iterator[str]:
    """Give a temporary path beside `path`, and put it in place of `path` when complete.

    The caller writes the whole new file to the temporary path inside the ``with`` block.
    When the block ends without an error, the file is flushed to the disk and renamed over
    `path` in one step (the rename is atomic on POSIX and Windows file systems). When it
    raises, the temporary file is removed, `path` is untouched and the error becomes an
    :class:`OutputError` (a :class:`~geozones.errors.GeozonesError` raised by the writer
    passes through as it is).

    Parameters
    ----------
    path
        The file to create or replace.
    copy_existing
        Start the temporary file as a copy of an existing `path`, for writers that change
        a file rather than replace it (one layer of a GeoPackage).

    Yields
    ------
    str
        The temporary path: in the same folder, with the same extension (drivers choose
        by it), hidden (its name starts with a dot).

    Raises
    ------
    OutputError
        The folder does not exist, is read-only or full, or the writer failed; the message
        names `path` and the cause.
    """
    target = Path(os.fspath(path))
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise output_error(target, IsADirectoryError(errno.EISDIR, "is a directory"))
    if not folder.is_dir():
        raise output_error(target, FileNotFoundError(errno.ENOENT, f"no folder {folder}"))
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.stem[:80]}.", suffix=f".tmp{target.suffix}", dir=folder
        )
        os.close(fd)
        if copy_existing and target.exists():
            shutil.copyfile(target, tmp)
        else:
            os.remove(tmp)  # writers such as GDAL want to create the file themselves
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        yield tmp
        if not os.path.exists(tmp):
            raise OutputError(f"{target}: cannot be written: the writer produced no file")
        _flush_to_disk(tmp)
        _set_mode(tmp, target)
        os.replace(tmp, target)
        _flush_folder(folder)
    except OutputError:
        _remove(tmp)
        raise
    except Exception as exc:
        _remove(tmp)
        if isinstance(exc, OSError) or _looks_like_io(exc):
            raise output_error(target, exc, folder=folder) from exc
        raise
    except BaseException:  # KeyboardInterrupt and the like: clean up, then go on
        _remove(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically (see :func:`atomic_output`).

    Parameters
    ----------
    path
        The file to create or replace.
    text
        Its whole content.
    encoding
        The text encoding.

    Returns
    -------
    pathlib.Path
        `path`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_text_atomic(pathlib.Path(tempfile.mkdtemp()) / "a.html", "<p>hi</p>")
    >>> out.read_text()
    '<p>hi</p>'
    """
    with atomic_output(path) as tmp, open(tmp, "w", encoding=encoding, newline="") as f:
        f.write(text)
    return Path(path)


def write_vector(frame, path: str | os.PathLike, *, driver: str, layer: str | None = None) -> None:
    """Write a GeoDataFrame with pyogrio, atomically, and check that every row arrived.

    GDAL drivers do not all report a failed write (LIBKML on a full disk returns success
    with a truncated file), so the written file is read back for its feature count.

    Parameters
    ----------
    frame
        The GeoDataFrame.
    path
        The file to create or replace; with `layer`, the GeoPackage whose layer is replaced
        (the other layers are kept).
    driver
        The GDAL driver (``"GPKG"``, ``"GeoJSON"``, ``"LIBKML"``, ``"ESRI Shapefile"``...).
    layer
        One layer to write, or None for the file's only layer.

    Raises
    ------
    OutputError
        The file cannot be written, or holds fewer features than `frame` has rows.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.geojson"
    >>> write_vector(gpd.GeoDataFrame(geometry=[shapely.Point(35.8, 33.1)], crs=4326), out,
    ...              driver="GeoJSON")
    >>> out.exists()
    True
    """
    import pyogrio

    with atomic_output(path, copy_existing=layer is not None) as tmp:
        # the layer is named after the target, as GDAL names it, not the temporary file
        kwargs = {"layer": layer if layer is not None else Path(os.fspath(path)).stem}
        frame.to_file(tmp, driver=driver, engine="pyogrio", **kwargs)
        try:
            written = pyogrio.read_info(tmp, **kwargs)["features"]
        except Exception as exc:
            msg = f"{os.fspath(path)}: cannot be written: the file written cannot be read back"
            raise OutputError(f"{msg} ({first_line(exc)})") from None
        if written not in (-1, len(frame)):  # -1: the driver cannot count without a scan
            msg = (
                f"{os.fspath(path)}: cannot be written: {written:,} of {len(frame):,} features "
                "arrived (disk full?)"
            )
            raise OutputError(msg)


_NEARLY_FULL = 1 << 20  # bytes free in a folder that counts as a full disk


def _free_bytes(folder: str | os.PathLike) -> int:
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return _NEARLY_FULL
    return stat.f_bavail * stat.f_frsize


def _flush_to_disk(tmp: str) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _set_mode(tmp: str, target: Path) -> None:
    """Give the new file the old file's permissions, or the usual ones for a new file."""
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(tmp)


def _looks_like_io(exc: BaseException) -> bool:
    """GDAL (pyogrio), SQLite and arrow report I/O failures in their own exception types."""
    name = type(exc).__module__ + "." + type(exc).__name__
    lowered = str(exc).lower()
    known = any(t in lowered for t, _ in _MESSAGE_CAUSES)
    return name.startswith(("pyogrio.", "sqlite3.")) or known
