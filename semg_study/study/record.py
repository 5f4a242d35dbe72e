"""The study run's record: ``<out>/study_run.json`` (portable paths) and ``<out>/tables/study_run.md``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from semg_study.io import write_json, write_text


def study_run_markdown(record: dict[str, Any]) -> str:
    from semg_study.markdown import markdown_escape, markdown_table
    from semg_study.report.tables import provenance_line

    synthetic = record.get("corpus") == "synthetic"
    lines = ["**Study run: wall time and peak memory per notebook**", "",
             f"*{markdown_escape(provenance_line(record['profile'], 'semg-study study', synthetic))}; "
             f"commit {record['git'].get('commit') or 'unknown'}"
             f"{' (dirty)' if record['git'].get('dirty') else ''}; "
             f"{record['machine'].get('cpu_count')} cores, {record['machine'].get('memory_gb')} GB RAM*", ""]
    rows = []
    for nb in record["notebooks"]:
        wall = "" if nb.get("wall_s") is None else f"{nb['wall_s']:.1f}"
        peak = "" if nb.get("peak_rss_mb") is None else f"{nb['peak_rss_mb']:.0f}"
        status = nb["status"] + (" (earlier run)" if nb.get("previous_run") else "")
        rows.append([nb["name"], status, wall, peak])
    total = record["total"]
    wall = "" if total.get("wall_s") is None else f"{total['wall_s']:.1f}"
    peak = "" if total.get("peak_rss_mb") is None else f"{total['peak_rss_mb']:.0f}"
    rows.append(["**total**", record["status"], wall, peak])
    lines += markdown_table(["notebook", "status", "wall time (s)", "peak RSS, kernel tree (MB)"], rows)
    return "\n".join(lines) + "\n"


def write_record(out: Path, record: dict[str, Any]) -> None:
    from semg_study.provenance import keeps_tmp, portable

    write_json(out / "study_run.json", portable(record, keep_tmp=keeps_tmp(out)))
    write_text(out / "tables" / "study_run.md", study_run_markdown(record))


def previous_entries(out: Path) -> dict[str, dict[str, Any]]:
    """Slot -> entry of the last study_run.json in ``out`` for notebooks that ran there."""
    import json

    try:
        record = json.loads((out / "study_run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["slot"]: e for e in record.get("notebooks", [])
            if isinstance(e, dict) and e.get("slot") and e.get("status") in ("ok", "failed")}
