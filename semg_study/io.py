"""Atomic file writes, and bounded reads of files a user hands us.

Every checkpoint, recording, corpus file and report goes through these helpers:
they write to a temporary file in the same folder, flush and fsync it, then
``os.replace`` it onto the target name (atomic on POSIX).

Reading goes through :func:`open_regular` / :func:`read_json`: a dataset may hold
a FIFO, a device or a folder under a data file's name, and opening one of those
the ordinary way hangs or fails with an unhelpful error. The file is opened
non-blocking and checked to be a regular file (on the open descriptor, so nothing
can swap it between check and read); JSON is read with a bound on its size and
its nesting depth (Python's parser recurses, so 100,000 nested brackets would
otherwise end in a ``RecursionError``). Problems are :class:`DataError` naming the file.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from semg_study.errors import DataError

# Bounds of what the study reads. An info JSON is < 10 kB and a testset a few
# hundred kB; the real ones nest 3 levels deep.
JSON_MAX_BYTES = 16 * 2 ** 20
JSON_MAX_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    ``suffix`` keeps the extension for writers that infer the format from it
    (soundfile, matplotlib).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix + ".tmp",
                               dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2) -> None:
    write_text(path, json.dumps(obj, indent=indent, sort_keys=False, default=_json_default) + "\n")


def save_npy(path: str | os.PathLike, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    write_bytes(path, buf.getvalue())


def save_audio(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> None:
    import soundfile as sf

    path = Path(path)
    with atomic_path(path, suffix=path.suffix) as tmp:
        sf.write(tmp, np.asarray(audio), sample_rate, format=path.suffix.lstrip(".").upper())


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# -- reading ---------------------------------------------------------------------------

def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | os.PathLike, what: str = "file"):
    """Open ``path`` for binary reading when it is a regular file (links followed); else DataError.

    Opened with ``O_NONBLOCK`` so that a FIFO cannot block the open, then checked
    with ``fstat`` on the descriptor itself. ``what`` names the file in messages
    ("missing EMG file").
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise DataError(path, f"missing {what}") from exc
    except OSError as exc:
        raise DataError(path, f"unreadable {what}: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataError(path, f"{what} is {_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_present(path: str | os.PathLike) -> bool:
    """True when anything (a file, folder, FIFO, dangling link) has this name: a name the
    study would use must not be skipped just because it is not a regular file."""
    return os.path.lexists(path)


def read_bytes(path: str | os.PathLike, what: str = "file", max_bytes: int | None = None) -> bytes:
    """The content of a regular file, refused (DataError) beyond ``max_bytes``."""
    with open_regular(path, what) as fh:
        if max_bytes is None:
            return fh.read()
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataError(path, f"{what} is larger than {max_bytes} bytes")
    return data


def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_json(path: str | os.PathLike, what: str = "JSON file", max_bytes: int = JSON_MAX_BYTES,
              max_depth: int = JSON_MAX_DEPTH) -> Any:
    """Parse a JSON file with bounds on size and depth; every problem is a DataError naming it."""
    raw = read_bytes(path, what, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"unreadable JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    depth = json_depth(text)
    if depth > max_depth:
        raise DataError(path, f"unreadable JSON: nested {depth} levels deep (at most {max_depth})")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DataError(path, f"unreadable JSON: {exc}") from exc


def read_lines(path: str | os.PathLike, what: str, missing: str, encoding: str = "utf-8") -> list[tuple[int, str]]:
    """The lines of a small hand-kept text file (a checksum manifest, the consent register), numbered from 1.

    ``missing`` is the whole message when the file does not exist (it says what the
    user should have given); any other failure to read it is "unreadable ``what``".
    """
    path = Path(path)
    try:
        text = path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise DataError(path, missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"unreadable {what}: {exc}") from None
    return list(enumerate(text.splitlines(), 1))
