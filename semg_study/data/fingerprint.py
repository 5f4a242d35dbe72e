"""Content digests of data files, cached by (path, size, mtime) in a user cache folder.

Hashing the 6.3 GB dataset on every run is slow, so each file's sha256 is kept
in a small JSON sidecar in ``$SEMG_STUDY_CACHE`` (default
``~/.cache/semg_study/``) keyed by its absolute path and invalidated when the
size or modification time changes. Nothing is ever written inside a dataset.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from semg_study import io


def cache_dir() -> Path:
    """``$SEMG_STUDY_CACHE`` or ``~/.cache/semg_study``."""
    env = os.environ.get("SEMG_STUDY_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "semg_study"


def feature_cache_dir(corpus_root: str | os.PathLike) -> Path:
    """Where the feature cache of one corpus lives: under :func:`cache_dir`, never inside the dataset.

    The real dataset may be read-only or shared, and files added inside a
    generated corpus would change its fingerprint; so caches go to the user's
    cache folder, one sub-folder per corpus location. Cache entries are keyed
    by the source files' digests and the FeatureConfig, so a stale entry is
    never used.
    """
    key = hashlib.sha256(str(Path(corpus_root).resolve()).encode()).hexdigest()[:16]
    return cache_dir() / "features" / key


def file_sha256(path: str | os.PathLike, block: int = 1 << 20) -> str:
    from semg_study.io import open_regular

    h = hashlib.sha256()
    with open_regular(path) as fh:  # a FIFO under a data file's name must not hang the digest
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


class DigestCache:
    """sha256 of files, remembered by (absolute path, size, mtime_ns)."""

    def __init__(self, sidecar: str | os.PathLike | None = None):
        self.sidecar = Path(sidecar) if sidecar else cache_dir() / "file_digests.json"
        self._entries: dict[str, list] = {}
        self._dirty = False
        self._lock = threading.Lock()
        # path as given -> its resolved string: ``Path.resolve`` (realpath) costs more than the
        # stat below, and the feature cache asks for the same few files on every item of every epoch
        self._resolved: dict[str, str] = {}
        try:
            loaded = json.loads(self.sidecar.read_text())
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass  # no cache yet, or a corrupt one: start afresh (it is only a cache)

    def digest(self, path: str | os.PathLike) -> str:
        given = os.fspath(path)
        key = self._resolved.get(given)
        if key is None:
            key = self._resolved[given] = str(Path(given).resolve())
        st = os.stat(key)
        entry = self._entries.get(key)
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            return entry[2]
        value = file_sha256(key)
        with self._lock:
            self._entries[key] = [st.st_size, st.st_mtime_ns, value]
            self._dirty = True
        return value

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            io.write_json(self.sidecar, self._entries, indent=None)
            self._dirty = False
        except OSError:
            pass  # an unwritable cache folder costs speed, never correctness


_SHARED: DigestCache | None = None


def shared_digest_cache() -> DigestCache:
    """One cache per process (re-created when ``$SEMG_STUDY_CACHE`` changes)."""
    global _SHARED
    if _SHARED is None or _SHARED.sidecar != cache_dir() / "file_digests.json":
        _SHARED = DigestCache()
    return _SHARED


def fingerprint_files(files: list[tuple[str, Path]], params: dict, cache: DigestCache | None = None) -> str:
    """sha256 over (name, size, content digest) of each file, then the JSON of ``params``."""
    cache = cache or shared_digest_cache()
    h = hashlib.sha256()
    for name, path in sorted(files, key=lambda x: x[0]):
        h.update(f"{name}\0{path.stat().st_size}\0{cache.digest(path)}\n".encode())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    cache.save()
    return h.hexdigest()
