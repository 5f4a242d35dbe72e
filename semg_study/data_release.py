"""``semg-study release-data OUT --register FILE [--data-root ROOT]``: the consented recordings, packed.

From a corpus root written by ``semg-study capture`` (the Digital Voicing
layout) and the consent register (:mod:`semg_study.consent`), OUT receives

* ``emg_data/<condition folder>/<session>/``: every file of each session whose
  participant consented to data release, byte for byte (and
  ``text_alignments/<session>/`` when the corpus has alignments for it);
* ``corpus.json`` when the corpus is labelled synthetic (so everything done
  with the release stays labelled synthetic), and ``testset.json``, the
  open-vocabulary dev/test sentences the study used;
* ``split.json``: the study's split of every released utterance (condition ->
  split -> mode -> ids ``<folder>/<session>/<index>``), computed on the whole
  corpus (a closed-vocabulary split recomputed on the release alone may differ);
* ``DATASHEET.md``: participants by code with consent dates, sessions,
  conditions, modes, hours, board, sampling rate, electrode sites; no names,
  no register notes;
* ``CITATION.cff`` and ``zenodo.json``: citation and deposit metadata for a
  long-term repository; the user uploads the folder (nothing is uploaded here);
* ``SHA256SUMS`` last, over every other file (:mod:`semg_study.checksums`).

It refuses, naming the session, when a session's participant is not in the
register (or a session has no capture metadata); sessions of participants
who did not consent are left out and listed in the result. Files are written
in a fixed order and the JSON with sorted keys; nothing written carries a
time except the register's consent dates, so the same input gives the same
bytes. OUT is built in a hidden sibling folder and renamed into place at the
end, and it must not exist already (or be empty).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semg_study import io
from semg_study.checksums import CHECKSUM_FILE, write_checksums
from semg_study.consent import Register, read_register
from semg_study.data.participants import session_participant
from semg_study.errors import DataError, StudyError
from semg_study.markdown import markdown_table

DEFAULT_LICENSE = "CC-BY-4.0"


@dataclass
class SessionEntry:
    folder: str              # condition folder relative to emg_data
    name: str
    path: Path
    participant: str
    meta: dict
    n_utterances: int = 0
    emg_seconds: float = 0.0

    @property
    def condition_mode(self) -> tuple[str, str]:
        from semg_study.data.dv_folders import CONDITION_FOLDERS

        condition, mode, _ = CONDITION_FOLDERS[self.folder]
        return condition, mode


@dataclass
class DataRelease:
    out: Path
    released: list[SessionEntry] = field(default_factory=list)
    withheld: list[SessionEntry] = field(default_factory=list)
    n_files: int = 0

    def summary_lines(self) -> list[str]:
        codes = sorted({s.participant for s in self.released})
        seconds = sum(s.emg_seconds for s in self.released)
        lines = [f"released {len(self.released)} session(s) of participant(s) {', '.join(codes) or 'none'} "
                 f"({sum(s.n_utterances for s in self.released)} utterances, {seconds / 3600:.4f} h = {seconds:.1f} s "
                 f"of EMG) into {self.out}"]
        withheld: dict[str, list[str]] = {}
        for s in self.withheld:
            withheld.setdefault(s.participant, []).append(s.name)
        for code, sessions in sorted(withheld.items()):
            lines.append(f"left out: participant {code} (no consent to data release): {', '.join(sessions)}")
        lines.append(f"{CHECKSUM_FILE}: {self.n_files} files; upload {self.out} to a repository yourself "
                     "(nothing was uploaded)")
        return lines


def capture_sessions(root: Path) -> list[SessionEntry]:
    """Every session folder of a Digital Voicing root, with its participant from ``session.json``."""
    from semg_study.capture.session import saved_indices
    from semg_study.data.dv_folders import CONDITION_FOLDERS, locate_emg_data

    _, emg_data = locate_emg_data(root)
    sessions = []
    for folder in CONDITION_FOLDERS:
        fdir = emg_data / folder
        if not fdir.is_dir():
            continue
        for path in sorted(p for p in fdir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            code = session_participant(path)
            if code is None:
                raise DataError(path, "session has no capture metadata (session.json with the participant code); "
                                      "only sessions recorded with semg-study capture can be released")
            meta = json.loads((path / "session.json").read_text(encoding="utf-8"))
            entry = SessionEntry(folder, path.name, path, code, meta)
            entry.n_utterances = len(saved_indices(path))
            entry.emg_seconds = sum(np.load(p, mmap_mode="r", allow_pickle=False).shape[0]
                                    for p in sorted(path.glob("*_emg.npy"))) / session_emg_rate(meta)
            sessions.append(entry)
    return sessions


def session_emg_rate(meta: dict) -> float:
    """The EMG rate a capture session states (its board's own; 1000 Hz in sessions of older captures, which
    resampled every board to it)."""
    return float(meta.get("emg_rate_hz", 1000.0))


def _rates_text(released) -> str:
    rates = sorted({session_emg_rate(s.meta) for s in released})
    return ", ".join(f"{r:g}" for r in rates) + " Hz" if rates else "1000 Hz"


def _json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _session_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(path).parts))


def release_data(out: str | os.PathLike, register: str | os.PathLike | Register,
                 data_root: str | os.PathLike | None = None, license: str = DEFAULT_LICENSE) -> DataRelease:
    """Pack the consented sessions of ``data_root`` into ``out`` (see the module doc)."""
    from semg_study.data.dv_folders import alignment_dirs, locate_emg_data
    from semg_study.data.layouts import open_corpus

    register = register if isinstance(register, Register) else read_register(register)
    root = Path(data_root) if data_root is not None else register.path.parent
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise StudyError(f"{out}: already exists and is not empty; release into a new folder")
    corpus = open_corpus(root)  # refuses broken data before anything is written
    if corpus.kind != "digital_voicing":
        raise DataError(root, "release-data packs Digital Voicing-layout captures; this is an LJSpeech corpus")
    base, emg_data = locate_emg_data(root)
    sessions = capture_sessions(root)
    if not sessions:
        raise DataError(root, "no sessions to release")
    for s in sessions:
        if register.get(s.participant) is None:
            raise DataError(s.path, f"participant {s.participant} is not in the consent register {register.path}; "
                                    "add a line for them (yes or no) before releasing")
    result = DataRelease(out)
    for s in sessions:
        (result.released if register.get(s.participant).data_release else result.withheld).append(s)
    if not result.released:
        raise StudyError(f"{register.path}: no participant of {root} consented to data release; nothing to release")

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        align = alignment_dirs(root, base, emg_data)
        for s in result.released:
            for f in _session_files(s.path):
                io.write_bytes(staging / "emg_data" / s.folder / s.name / f.relative_to(s.path), f.read_bytes())
            for d in align:
                adir = d / s.name
                if adir.is_dir():
                    for f in _session_files(adir):
                        io.write_bytes(staging / "text_alignments" / s.name / f.relative_to(adir), f.read_bytes())
        if corpus.synthetic and (base / "corpus.json").is_file():
            io.write_bytes(staging / "corpus.json", (base / "corpus.json").read_bytes())
        if corpus.testset_path is not None:
            io.write_bytes(staging / "testset.json", Path(corpus.testset_path).read_bytes())
        io.write_text(staging / "split.json", _json_text(study_split(corpus, result.released)))
        io.write_text(staging / "DATASHEET.md", datasheet(result, register, corpus.synthetic, license))
        io.write_text(staging / "CITATION.cff", citation_cff(result, corpus.synthetic, license))
        io.write_text(staging / "zenodo.json", _json_text(zenodo_metadata(result, corpus.synthetic, license)))
        write_checksums(staging)
        result.n_files = len((staging / CHECKSUM_FILE).read_text().splitlines())
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def study_split(corpus, released: list[SessionEntry]) -> dict:
    """condition -> split -> mode -> sorted utterance ids, for the released sessions only."""
    from semg_study.data.corpus import CONDITIONS, MODES, SPLITS

    keep = {(s.folder, s.name) for s in released}
    out: dict = {}
    for condition in CONDITIONS:
        for split in SPLITS:
            for mode in MODES:
                ids = sorted(u.id for u in corpus.utterances(condition=condition, split=split, mode=mode)
                             if (u.folder, u.session) in keep)
                if ids:
                    out.setdefault(condition, {}).setdefault(split, {})[mode] = ids
    return {"splits": out, "skipped": "reference clips (sentence_index -1) are in the files but in no split",
            "note": "the study's split, computed on the whole corpus before release"}


def _project_authors() -> list[dict]:
    """The study's authors from the repository's CITATION.cff (the dataset's creators)."""
    import yaml

    from semg_study.provenance import repo_root

    try:
        cff = yaml.safe_load((repo_root() / "CITATION.cff").read_text(encoding="utf-8"))
        authors = [a for a in cff.get("authors", []) if isinstance(a, dict)]
    except (OSError, yaml.YAMLError, AttributeError):
        authors = []
    return authors or [{"name": "the semg-study authors"}]


def _title(synthetic: bool) -> str:
    return ("semg-study silent-speech sEMG recordings" + (" (synthetic board)" if synthetic else "")
            + ", consented participants")


def _description(result: DataRelease, synthetic: bool) -> str:
    hours = sum(s.emg_seconds for s in result.released) / 3600
    text = (f"Facial surface EMG (8 channels, {_rates_text(result.released)}, microvolts) of prompted silent and voiced speech in the "
            f"Digital Voicing layout (Gaddy & Klein 2020), recorded with an OpenBCI board through brainflow: "
            f"{len(result.released)} session(s) of {len({s.participant for s in result.released})} participant(s) "
            f"who consented to release, {hours:.4f} h of EMG. Participants are known by pseudonymous codes only.")
    if synthetic:
        text += " SYNTHETIC: the signal was generated by brainflow's synthetic board, not recorded from a person."
    return text


def citation_cff(result: DataRelease, synthetic: bool, license: str) -> str:
    import yaml

    cff = {"cff-version": "1.2.0", "message": "If you use this dataset, please cite it as below.",
           "type": "dataset", "title": _title(synthetic), "abstract": _description(result, synthetic),
           "authors": _project_authors(), "license": license, "version": "1.0",
           "keywords": ["electromyography", "silent speech", "sEMG", "OpenBCI"],
           "references": [{"type": "conference-paper", "title": "Digital Voicing of Silent Speech",
                           "authors": [{"family-names": "Gaddy", "given-names": "David"},
                                       {"family-names": "Klein", "given-names": "Dan"}], "year": 2020}]}
    return yaml.safe_dump(cff, sort_keys=True, allow_unicode=True, width=100)


def zenodo_metadata(result: DataRelease, synthetic: bool, license: str) -> dict:
    """Deposit metadata in Zenodo's format (upload it with the folder; publication date set on upload)."""
    creators = []
    for a in _project_authors():
        name = a.get("name") or ", ".join(x for x in (a.get("family-names"), a.get("given-names")) if x)
        creators.append({"name": name})
    return {"metadata": {"upload_type": "dataset", "title": _title(synthetic),
                         "description": _description(result, synthetic), "creators": creators,
                         "license": license.lower(), "access_right": "open", "version": "1.0",
                         "keywords": ["electromyography", "silent speech", "sEMG", "OpenBCI"]}}


def datasheet(result: DataRelease, register: Register, synthetic: bool, license: str) -> str:
    released = result.released
    participants = sorted({s.participant for s in released})
    boards = sorted({(s.meta.get("board", {}).get("board"), s.meta.get("board", {}).get("sampling_rate"),
                      session_emg_rate(s.meta)) for s in released}, key=str)
    electrodes: dict[str, str] = {}
    for s in released:
        electrodes.update({str(k): str(v) for k, v in (s.meta.get("electrodes") or {}).items()})
    references = sorted({str(s.meta.get("electrode_reference")) for s in released if s.meta.get("electrode_reference")})
    by_cm: Counter = Counter()
    for s in released:
        by_cm[s.condition_mode] += s.emg_seconds
    lines = [f"# Datasheet: {_title(synthetic)}", ""]
    if synthetic:
        lines += ["**Synthetic data**: every signal here was generated by brainflow's synthetic board, not "
                  "recorded from a person. Results computed on it must be labelled synthetic.", ""]
    lines += [
        "## Composition", "",
        f"- Participants: {len(participants)} (pseudonymous codes; no names are held in this release)",
        f"- Sessions: {len(released)}; utterances (incl. reference clips): {sum(s.n_utterances for s in released)}",
        f"- EMG: {sum(s.emg_seconds for s in released) / 3600:.4f} h, 8 channels, {_rates_text(released)}, "
        "microvolts (`{i}_emg.npy`, shape (T, 8) float32, at the rate each info file states as `emg_rate`)",
        "- Boards: " + "; ".join((f"{b} at {r:g} Hz" + ("" if e == r else f" (resampled to {e:g} Hz by an older "
                                                               "capture)")) if isinstance(r, (int, float))
                                 else f"{b}" for b, r, e in boards),
        f"- Layout: Digital Voicing (Gaddy & Klein 2020); split in `split.json`; checksums in `{CHECKSUM_FILE}`",
        f"- Licence: {license}",
        "",
    ]
    lines += markdown_table(["condition", "mode", "hours"],
                            [[c, m, f"{sec / 3600:.4f}"] for (c, m), sec in sorted(by_cm.items())])
    lines += ["", "## Participants and consent", ""]
    rows = []
    for code in participants:
        mine = [s for s in released if s.participant == code]
        rows.append([code, len(mine), sum(s.n_utterances for s in mine),
                     f"{sum(s.emg_seconds for s in mine) / 3600:.4f}", register.get(code).consent_date])
    lines += markdown_table(["participant", "sessions", "utterances", "hours", "consent date"], rows)
    lines += ["", f"Sessions of participants who did not consent to data release are not included "
                  f"({len(result.withheld)} session(s) withheld).", "", "## Sessions", ""]
    rows = []
    for s in released:
        c, m = s.condition_mode
        board = s.meta.get("board", {})
        rows.append([f"{s.folder}/{s.name}", s.participant, c, m, s.n_utterances, f"{s.emg_seconds:.3f}",
                     board.get("board"), board.get("sampling_rate")])
    lines += markdown_table(["session", "participant", "condition", "mode", "utterances", "seconds", "board",
                             "board rate (Hz)"], rows)
    lines += ["", "## Electrode sites", ""]
    by_channel = sorted(electrodes.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else kv[0])
    lines += markdown_table(["channel", "site"], by_channel)
    if references:
        lines += ["", "Reference: " + "; ".join(references)]
    lines += ["", "## Collection", "",
              "Prompted utterances recorded with `semg-study capture` (OpenBCI through brainflow); each session's "
              "`session.json` holds the board, connection, resampling and software versions, each `{i}_info.json` "
              "the prompt and timing. Index 0 of a session is a reference clip (relaxed face).", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ CLI: release-data
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="new folder for the released dataset")
    parser.add_argument("--register", required=True, metavar="FILE", help="consent register (participants.csv)")
    parser.add_argument("--data-root", metavar="ROOT",
                        help="corpus root written by semg-study capture (default: the register's folder)")
    parser.add_argument("--license", default=DEFAULT_LICENSE, help=f"licence of the dataset (default {DEFAULT_LICENSE})")


def run(args: argparse.Namespace) -> int:
    result = release_data(args.out, args.register, args.data_root, license=args.license)
    for line in result.summary_lines():
        print(line)
    return 0


__all__ = ["DataRelease", "release_data", "capture_sessions", "study_split", "datasheet"]
