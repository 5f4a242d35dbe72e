"""Content digests of data files, and where the caches keyed on them live.

Every cache of the study is keyed on content: a corpus's fingerprint is the
sha256 of its files' bytes (:func:`fingerprint_files`), a feature-cache entry's
key the digests of its source files and the feature config
(``data.feature_cache.FeatureCache``), a trained run's the corpus fingerprint, the
resolved config and the code (``training.fingerprint``). No cache trusts a
file's modification time. Caches go under :func:`semg_study.locations.cache_root`
(``$SEMG_STUDY_CACHE``, default ``~/.cache/semg_study/``); nothing is ever written
inside a dataset.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from semg_study import io
from semg_study.locations import cache_root


def cache_dir() -> Path:
    """The study's cache folder: :func:`semg_study.locations.cache_root` (``$SEMG_STUDY_CACHE``
    or ``~/.cache/semg_study``)."""
    return cache_root()


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
    h = hashlib.sha256()
    with io.open_regular(path) as fh:  # a FIFO under a data file's name must not hang the digest
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


class ContentDigests:
    """sha256 of files, computed from their bytes; remembered only inside this process.

    Nothing is stored between processes: a digest kept on disk would have to be
    trusted on a file's size and modification time, and those survive a
    same-size rewrite (``cp -p``, ``rsync -t``, an archive extracted with its
    times). So every process reads each data file it fingerprints once (the
    quick corpus, 0.95 GB: 1.8 s measured on this project's 2-core machine;
    the real 6.3 GB dataset, at the same rate, about 12 s: small beside any
    training). Within the process
    a digest is reused while the file's stat is unchanged (the feature cache
    asks for the same files on every item of every epoch), and re-hashed if the
    file is replaced meanwhile.
    """

    def __init__(self):
        self._entries: dict[str, tuple[tuple, str]] = {}
        self._lock = threading.Lock()
        # path as given -> its resolved string: ``Path.resolve`` (realpath) costs more than the
        # stat below
        self._resolved: dict[str, str] = {}

    def digest(self, path: str | os.PathLike) -> str:
        given = os.fspath(path)
        key = self._resolved.get(given)
        if key is None:
            key = self._resolved[given] = str(Path(given).resolve())
        st = os.stat(key)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        entry = self._entries.get(key)
        if entry and entry[0] == stamp:
            return entry[1]
        value = file_sha256(key)
        with self._lock:
            self._entries[key] = (stamp, value)
        return value


_DIGESTS = ContentDigests()


def file_digest(path: str | os.PathLike) -> str:
    """sha256 of ``path``'s bytes (read once per process, see :class:`ContentDigests`)."""
    return _DIGESTS.digest(path)


def files_hasher(files: list[tuple[str, Path]]):
    """The sha256 state after (name, size, content digest) of each file: the part of
    :func:`fingerprint_files` that does not depend on its parameters."""
    h = hashlib.sha256()
    for name, path in sorted(files, key=lambda x: x[0]):
        h.update(f"{name}\0{path.stat().st_size}\0{file_digest(path)}\n".encode())
    return h


def fingerprint_files(files: list[tuple[str, Path]], params: dict, hasher=None) -> str:
    """sha256 over (name, size, content digest) of each file, then the JSON of ``params``.
    ``hasher``: :func:`files_hasher` of the same files, computed before (it is copied, not changed)."""
    h = (hasher or files_hasher(files)).copy()
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    return h.hexdigest()
