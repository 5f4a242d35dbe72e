"""SHA-256 checksum manifests of released folders, and ``semg-study verify-release DIR``.

Every release (a dataset from ``semg-study release-data``, a model from
``semg-study release-model``) ends with ``SHA256SUMS``: one line per file,
``<sha256 hex>  <path relative to the folder>``, sorted by path, covering every
file but itself. It is the format of GNU ``sha256sum``, so ``sha256sum -c
SHA256SUMS`` inside the folder checks it too.

:func:`verify_release` reports every missing, extra and altered file, not
only the first.
"""
from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from semg_study import io
from semg_study.data.fingerprint import file_sha256
from semg_study.errors import DataError, StudyError

CHECKSUM_FILE = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def release_files(folder: str | os.PathLike) -> list[str]:
    """Every file under ``folder`` (POSIX paths relative to it, sorted), except the checksum manifest."""
    folder = Path(folder)
    names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()]
    return sorted(n for n in names if n != CHECKSUM_FILE)


def write_checksums(folder: str | os.PathLike) -> Path:
    """Write ``folder/SHA256SUMS`` over every file in it; returns its path."""
    folder = Path(folder)
    lines = [f"{file_sha256(folder / name)}  {name}\n" for name in release_files(folder)]
    io.write_text(folder / CHECKSUM_FILE, "".join(lines))
    return folder / CHECKSUM_FILE


def read_checksums(path: Path) -> dict[str, str]:
    lines = io.read_lines(path, "checksum manifest",
                          missing="no checksum manifest: not a folder written by release-data or release-model")
    out: dict[str, str] = {}
    for n, line in lines:
        match = _LINE.match(line)
        if not match:
            raise DataError(path, f"line {n}: expected '<sha256>  <path>', got {line[:60]!r}")
        digest, name = match.groups()
        if name in out:
            raise DataError(path, f"line {n}: {name} is listed twice")
        out[name] = digest
    return out


@dataclass
class Verification:
    folder: Path
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.altered)

    def lines(self) -> list[str]:
        return ([f"missing: {n}" for n in self.missing] + [f"extra: {n}" for n in self.extra]
                + [f"altered: {n}" for n in self.altered])


def verify_release(folder: str | os.PathLike) -> Verification:
    """Compare ``folder`` with its ``SHA256SUMS``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "not a folder")
    expected = read_checksums(folder / CHECKSUM_FILE)
    present = set(release_files(folder))
    result = Verification(folder)
    for name in sorted(expected):
        if name not in present:
            result.missing.append(name)
        elif file_sha256(folder / name) != expected[name]:
            result.altered.append(name)
        result.checked += 1
    result.extra = sorted(present - set(expected))
    return result


# ------------------------------------------------------------------ CLI: verify-release
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="a released dataset or model folder (holds SHA256SUMS)")


def run(args: argparse.Namespace) -> int:
    result = verify_release(args.folder)
    for line in result.lines():
        print(line)
    if not result.ok:
        raise StudyError(f"{result.folder}: does not match {CHECKSUM_FILE}: {len(result.missing)} missing, "
                         f"{len(result.extra)} extra, {len(result.altered)} altered file(s)")
    print(f"{result.folder}: all {result.checked} files match {CHECKSUM_FILE}")
    return 0


__all__ = ["CHECKSUM_FILE", "Verification", "release_files", "write_checksums", "read_checksums", "verify_release"]
