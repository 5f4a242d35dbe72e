"""Table writer: CSV, Markdown, LaTeX and a JSON sidecar, written atomically.

:func:`markdown_table` is the one place a Markdown table is laid out; every
report that prints one (data and model cards, the study's timings, the
dissertation) calls it.

Every file states the profile and config that produced it (and "synthetic data"
when so). The JSON sidecar keeps the caption, profile, config and, for every
row, the manifests it came from: run manifests are copied into
``<reports>/manifests/runs/<run-name>.json`` so committed reports carry them.
No pandas: rows are plain dicts.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

from semg_study.io import write_bytes, write_json, write_text
from semg_study.markdown import markdown_escape, markdown_table
from semg_study.run_folder import MANIFEST

SYNTHETIC_LABEL = "synthetic data"

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: Any) -> str:
    """Escape every LaTeX special character of ``str(text)`` (one pass, so no double escaping)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text)).replace("\n", " ")


def format_value(value: Any) -> str:
    """Human formatting for Markdown/LaTeX cells (CSV keeps full precision)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"
    return str(value)


def config_text(config: Any) -> str:
    if config is None:
        return "none"
    if isinstance(config, str):
        return config
    return json.dumps(config, sort_keys=True, default=str)


def columns_of(rows: Sequence[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(str(key))
    return columns


def provenance_line(profile: str, config: Any, synthetic: bool) -> str:
    text = f"profile: {profile}; config: {config_text(config)}"
    return f"{text}; {SYNTHETIC_LABEL}" if synthetic else text


def _row_manifests(rows: Sequence[dict], manifests: Sequence[str | os.PathLike | Sequence]) -> list[list[Path]]:
    manifests = list(manifests or [])
    if rows and not manifests:
        raise ValueError("every table row must trace to a manifest: pass manifests=[...]")
    if len(manifests) == 1 and len(rows) != 1:
        manifests = manifests * len(rows)
    if len(manifests) != len(rows):
        raise ValueError(f"{len(manifests)} manifest entries for {len(rows)} rows: give one per row or one for all")
    out = []
    for entry in manifests:
        paths = [entry] if isinstance(entry, (str, os.PathLike)) else list(entry)
        if not paths:
            raise ValueError("a row with no manifest")
        out.append([Path(p) for p in paths])
    return out


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def archive_manifest(path: str | os.PathLike, manifests_dir: str | os.PathLike) -> Path:
    """Copy a run's ``manifest.json`` to ``<manifests_dir>/runs/<run-name>.json``.

    A manifest already inside ``manifests_dir`` (a study manifest) is used as is.
    Returns the path the report should cite.
    """
    src = Path(path)
    if not src.is_file():
        raise FileNotFoundError(f"manifest not found: {src}")
    mdir = Path(manifests_dir)
    try:
        src.resolve().relative_to(mdir.resolve())
        return src
    except ValueError:
        pass
    run_name = src.parent.name if src.name == MANIFEST else src.stem
    dest = mdir / "runs" / f"{run_name}.json"
    from semg_study.provenance import keeps_tmp, portable_text

    # the copy is committed with the report: this machine's folders become repo-relative
    data = portable_text(src.read_text(encoding="utf-8"), keep_tmp=keeps_tmp(mdir)).encode("utf-8")
    json.loads(data)  # a manifest must be JSON
    if not dest.exists() or dest.read_bytes() != data:
        write_bytes(dest, data)
    return dest


def to_csv(rows: Sequence[dict], columns: Sequence[str], header: str) -> str:
    buf = io.StringIO()
    buf.write(f"# {header}\n")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buf.getvalue()


def to_markdown(rows: Sequence[dict], columns: Sequence[str], caption: str, header: str) -> str:
    lines = [f"**{markdown_escape(caption)}**", "", f"*{markdown_escape(header)}*", ""]
    lines += markdown_table(columns, ([format_value(row.get(c)) for c in columns] for row in rows))
    return "\n".join(lines) + "\n"


def to_latex(rows: Sequence[dict], columns: Sequence[str], caption: str, header: str, label: str) -> str:
    spec = "l" * len(columns)
    lines = [
        f"% {latex_escape(header)}",
        r"\begin{table}[ht]",
        r"\centering",
        rf"\caption{{{latex_escape(caption)}}}",
        rf"\label{{tab:{latex_escape(label)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\hline",
        " & ".join(latex_escape(c) for c in columns) + r" \\",
        r"\hline",
    ]
    for row in rows:
        lines.append(" & ".join(latex_escape(format_value(row.get(c))) for c in columns) + r" \\")
    lines += [r"\hline", r"\end{tabular}", "",
              rf"\par\footnotesize {latex_escape(header)}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    if isinstance(value, Path):
        return str(value)
    return value


def save_table(rows: list[dict], name: str, out_dir: str | os.PathLike = "reports/tables", *,
               caption: str, profile: str, config: Any, manifests: Sequence[str | os.PathLike | Sequence],
               synthetic: bool = True, notebook: str | None = None,
               manifests_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Write ``<out_dir>/<name>.{csv,md,tex,json}`` and return the sidecar dict.

    ``manifests``: the manifest(s) each row came from, one entry per row (a path
    or a list of paths) or a single entry for all rows. Run manifests
    (``<run>/manifest.json``) are copied to ``<manifests_dir>/runs/<run>.json``
    (default ``manifests_dir``: ``<out_dir>/../manifests``) and cited there.
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid table name {name!r}")
    out = Path(out_dir)
    report_root = out.parent
    mdir = Path(manifests_dir) if manifests_dir is not None else report_root / "manifests"
    rows = [dict(r) for r in rows]
    per_row = _row_manifests(rows, manifests)
    cited = [[_relative(archive_manifest(p, mdir), report_root) for p in paths] for paths in per_row]
    columns = columns_of(rows)
    caption_text = caption.strip()
    if synthetic and "synthetic" not in caption_text.lower():
        caption_text = f"{caption_text.rstrip('.')} ({SYNTHETIC_LABEL})."
    header = provenance_line(profile, config, synthetic)
    write_text(out / f"{name}.csv", to_csv(rows, columns, header))
    write_text(out / f"{name}.md", to_markdown(rows, columns, caption_text, header))
    write_text(out / f"{name}.tex", to_latex(rows, columns, caption_text, header, name))
    sidecar = {
        "name": name,
        "caption": caption_text,
        "profile": profile,
        "config": config,
        "synthetic": bool(synthetic),
        "notebook": notebook,
        "columns": columns,
        "rows": [{"values": {k: _jsonable(v) for k, v in row.items()}, "manifests": refs}
                 for row, refs in zip(rows, cited)],
        "files": {ext: f"{name}.{ext}" for ext in ("csv", "md", "tex")},
        "written_at": time.time(),
    }
    write_json(out / f"{name}.json", sidecar)
    return sidecar


def read_tables(out_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Every table sidecar in ``out_dir``, sorted by name."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    tables = []
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "rows" in data and "caption" in data:
            tables.append(data)
    return tables


# ----------------------------------------------------------------------------- tables as the report shows them
# snake_case names some notebooks write, as a reader wants them (units in brackets)
HUMAN_NAMES = {
    "duration_min": "duration (min)", "mean_duration_s": "mean duration (s)",
    "words_per_utterance": "words per utterance", "rms_uv_mean": "mean RMS (µV)",
    "rms_uv_median": "median RMS (µV)", "rms_uv_sd": "SD of RMS (µV)",
    "band_20_450_share": "power in 20-450 Hz %", "recorded_samples": "recorded samples",
    "replayed_samples": "replayed samples", "max_abs_difference_uv": "largest difference (µV)",
    "share": "share %",
}
_UNIT_SUFFIXES = (("_min", "(min)"), ("_ms", "(ms)"), ("_s", "(s)"), ("_db", "(dB)"), ("_uv", "(µV)"),
                  ("_mb", "(MB)"), ("_hz", "(Hz)"))
CI_SUFFIXES = (" CI low", " CI high")


def human_column(name: str) -> str:
    """``rms_ch3`` -> ``RMS ch 3 (µV)``, ``mains_60hz_peak_db`` -> ``mains 60 Hz peak (dB)``, ``WER (greedy)``
    (a fraction) -> ``WER % (greedy)``; names that already read well are kept."""
    import re

    if name in HUMAN_NAMES:
        return HUMAN_NAMES[name]
    m = re.fullmatch(r"rms_ch(\d+)", name)
    if m:
        return f"RMS ch {m.group(1)} (µV)"
    if is_fraction_column(name):
        return re.sub(r"^(WER|CER)\b", r"\1 %", name, count=1) if re.match(r"^(WER|CER)\b", name) \
            else re.sub(r"\b(WER|CER)\b", r"\1 %", name, count=1)
    if "_" not in name:
        return name
    text, unit = name, ""
    for suffix, label in _UNIT_SUFFIXES:
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], " " + label
            break
    text = re.sub(r"(\d+)hz", r"\1 Hz", text.replace("_", " "))
    return text + unit


def is_fraction_column(name: str) -> bool:
    """WER/CER columns without a % in the name are fractions (the dissertation's Table 3.1 keeps them so)."""
    import re

    return bool(re.search(r"\b(WER|CER)\b", name)) and "%" not in name and "Δ" not in name \
        and not name.endswith(CI_SUFFIXES) and "points" not in name


def _scale(name: str) -> float:
    return 100.0 if is_fraction_column(name) or name in ("band_20_450_share", "share") else 1.0


def report_number(value: Any, percent: bool = False) -> str:
    """The report's one number format: percentages and points to 1 decimal; other numbers to 3
    significant figures (1 decimal from 100 up); integers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "n/a"
        if percent:
            return f"{value:.1f}"
        if value.is_integer() and abs(value) < 1e6:
            return str(int(value))
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.3g}"
    return str(value)


def display_table(table: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """A sidecar as the report prints it: human column names, fractions as %, a metric's 95% CI
    (``<col> CI low`` / ``<col> CI high``) folded into its cell as ``41.3 [38.0, 44.9]``."""
    columns = list(table.get("columns", []))
    ci_of = {c: (c + CI_SUFFIXES[0], c + CI_SUFFIXES[1]) for c in columns
             if c + CI_SUFFIXES[0] in columns and c + CI_SUFFIXES[1] in columns}
    if "difference (points)" in columns and {"difference CI low", "difference CI high"} <= set(columns):
        ci_of["difference (points)"] = ("difference CI low", "difference CI high")
    hidden = {c for pair in ci_of.values() for c in pair}
    shown = [c for c in columns if c not in hidden]
    head = []
    for c in shown:
        name = human_column(c)
        head.append(f"{name} [95% CI]" if c in ci_of else name)
    rows = []
    for r in table.get("rows", []):
        values = r["values"]
        cells = []
        for c in shown:
            scale = _scale(c)
            percent = scale == 100.0 or "%" in c or "points" in c
            v = values.get(c)
            v = v * scale if isinstance(v, (int, float)) and not isinstance(v, bool) and scale != 1.0 else v
            cell = report_number(float(v) if isinstance(v, int) and scale != 1.0 else v, percent=percent)
            if c in ci_of:
                lo, hi = (values.get(k) for k in ci_of[c])
                if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                    cell += f" [{report_number(float(lo) * scale, True)}, {report_number(float(hi) * scale, True)}]"
            cells.append(cell)
        rows.append(cells)
    return head, rows
