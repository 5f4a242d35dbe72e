"""When two versions of the model code compute the same thing although their bytes differ.

A run's fingerprint covers the exact bytes of the model code (``fingerprint.MODEL_CODE``), so a
refactor that only moves a module the model code imports (``from semg_study.training.config
import Config`` becoming ``from semg_study.recipes.config import Config``) or edits a comment
or a docstring makes every released run stale, although no weight could change. This module
gives the model code a second digest that such edits leave alone: the digest of each file's
syntax tree with docstrings dropped and imports reduced to the names they import and bind
(where a name is imported from is forgotten). Comments are not part of a syntax tree anyway.

Forgetting where an imported name comes from is safe for the weights because everything the
model code imports that decides them is checked elsewhere: the models, the text tables and
the loop are the model code itself (this digest), what turns a corpus into inputs and targets
is the input code (a restamp recomputes the inputs and compares their digest), and the
resolved config is part of the run's spec key. What remains (errors, atomic file writes,
manifests) does not touch a weight.

Older manifests record only the byte digest; :func:`sources_at` finds the model code of such a
run in the repository's history (the commit whose files have that byte digest).
"""
from __future__ import annotations

import ast
import functools
import hashlib
import subprocess
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_ROOT.parent


class _Normalise(ast.NodeTransformer):
    """Drop docstrings; keep of an import the names it imports and binds, not where from."""

    def _strip_docstring(self, node):
        body = getattr(node, "body", None)
        if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_Module(self, node):
        return self._strip_docstring(self.generic_visit(node))

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = visit_Module

    def visit_ImportFrom(self, node):
        # `from a.b import c as d`: the module it came from is forgotten, the name imported (c) and
        # the name bound (d) are kept
        return ast.Import(names=[ast.alias(name=a.name, asname=a.asname) for a in node.names])

    def visit_Import(self, node):
        # `import a.b.c as d` keeps c and d; `import a.b` binds a
        return ast.Import(names=[ast.alias(name=a.name.split(".")[-1], asname=a.asname) if a.asname
                                 else ast.alias(name=a.name.split(".")[0]) for a in node.names])


def normalised_source(text: str) -> str:
    """The syntax tree of a Python source without docstrings and import origins, as text."""
    return ast.dump(_Normalise().visit(ast.parse(text)), include_attributes=False)


def _in_order(sources: dict[str, bytes], entries) -> list[str]:
    """The files in ``fingerprint.code_version``'s order: entry by entry, sorted within a folder."""
    ordered = []
    for entry in entries:
        ordered += sorted(r for r in sources if r == entry or r.startswith(entry.rstrip("/") + "/"))
    return ordered


def byte_digest(sources: dict[str, bytes], entries) -> str:
    """The same digest as ``fingerprint.code_version(entries)``: sha256 over (package-relative path, bytes)."""
    h = hashlib.sha256()
    for rel in _in_order(sources, entries):
        h.update(rel.encode() + b"\0")
        h.update(sources[rel] + b"\0")
    return h.hexdigest()


def semantic_digest(sources: dict[str, bytes], entries) -> str:
    """sha256 over (package-relative path, normalised syntax tree) of every file of ``entries``."""
    h = hashlib.sha256()
    for rel in _in_order(sources, entries):
        h.update(rel.encode() + b"\0")
        h.update(normalised_source(sources[rel].decode("utf-8")).encode() + b"\0")
    return h.hexdigest()


def training_code_files(entries) -> list[Path]:
    """The Python files of ``entries`` (package-relative files or folders), in digest order."""
    files = []
    for entry in entries:
        path = PACKAGE_ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in files if "__pycache__" not in p.parts]


def current_sources(entries) -> dict[str, bytes]:
    """The package's files under ``entries``, by package-relative path."""
    return {str(p.relative_to(PACKAGE_ROOT)): p.read_bytes() for p in training_code_files(entries)}


def _git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=True).stdout


def _sources_in_commit(repo: Path, commit: str, entries) -> dict[str, bytes]:
    paths = [f"{PACKAGE_ROOT.name}/{e}" for e in entries]
    names = [n for n in _git(repo, "ls-tree", "-r", "--name-only", commit, "--", *paths).decode().splitlines()
             if n.endswith(".py") and "__pycache__" not in n]
    batch = _git(repo, "cat-file", "--batch", input="".join(f"{commit}:{n}\n" for n in names).encode())
    out, pos = {}, 0
    for name in names:  # `git cat-file --batch`: "<sha> blob <size>\n<bytes>\n" per file, in order
        header_end = batch.index(b"\n", pos)
        size = int(batch[pos:header_end].split()[2])
        out[name[len(PACKAGE_ROOT.name) + 1:]] = batch[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return out


def _module_name(rel: str) -> str:
    return f"{PACKAGE_ROOT.name}." + rel[:-len(".py")].replace("/", ".").removesuffix(".__init__")


def _mentions(text: str, module: str) -> bool:
    """Whether a source imports ``module`` or names it in a string (a registry's module list)."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == module or any(
                f"{node.module}.{a.name}" == module for a in node.names)):
            return True
        if isinstance(node, ast.Import) and any(a.name == module for a in node.names):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == module:
            return True
    return False


def differences(old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Why the model code ``new`` may compute something else than ``old`` (empty: it cannot).

    A file in both must have the same normalised syntax tree. A file added may be imported by the
    loop: not allowed. A file removed is allowed when no remaining file imports it or names it
    (a command-line front end that moved out of ``models/``) and it registers no model."""
    reasons = []
    for rel in sorted(set(old) | set(new)):
        if rel in old and rel in new:
            if normalised_source(old[rel].decode("utf-8")) != normalised_source(new[rel].decode("utf-8")):
                reasons.append(f"{rel}: code changed")
        elif rel in new:
            reasons.append(f"{rel}: added")
        else:
            text, module = old[rel].decode("utf-8"), _module_name(rel)
            users = [r for r in new if _mentions(new[r].decode("utf-8"), module)]
            if users or "register_model" in text:
                reasons.append(f"{rel}: removed, but {'registers a model' if not users else 'used by ' + users[0]}")
    return reasons


@functools.lru_cache(maxsize=None)
def sources_at(byte_digest_wanted: str, entries: tuple, repo: Path = REPO_ROOT) -> dict[str, bytes] | None:
    """The files of ``entries`` as they were when their byte digest was ``byte_digest_wanted``:
    searched in the commits that changed them (newest first); None if no commit matches (a run
    trained from uncommitted code, or no git history here)."""
    paths = [f"{PACKAGE_ROOT.name}/{e}" for e in entries]
    try:
        commits = _git(repo, "log", "--format=%H", "HEAD", "--", *paths).decode().split()
    except (OSError, subprocess.CalledProcessError):
        return None
    for commit in commits:
        sources = _sources_in_commit(repo, commit, entries)
        if byte_digest(sources, entries) == byte_digest_wanted:
            return sources
    return None
