"""The generated dissertation: ``reports/dissertation.md``, ``.html`` and ``.pdf``.

It follows the skeleton of the original dissertation (abstract, introduction,
literature review, approaches with the baseline ASR tests, EMG results, the
proposed model, ablations, inference latency, the live demonstration,
discussion and conclusion, appendices) and is assembled only from what the
notebooks wrote: figure captions (``figures/captions.json``), table sidecars
(``tables/*.json``), manifests and the study run record (``study_run.json``).
The results prose is :mod:`semg_study.report.narrative`'s findings, the same
sentences each notebook ends with; the only numbers typed in this package are
the literature's published results (:mod:`semg_study.report.literature`).

Each figure and table sits in the chapter of the notebook that made it,
numbered per chapter (Figure 3.1, Table 4.2) with its caption; everything made
from synthetic data says so. The document is built once as a list of blocks and
rendered to Markdown, to a self-contained HTML page and, through Typst (the
``typst`` package: no TeX), to a PDF with the figures as vector PDFs.
"""
from __future__ import annotations

import html
import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path, write_text
from semg_study.report import literature as lit
from semg_study.report import narrative
from semg_study.report.figures import SYNTHETIC_LABEL, read_captions
from semg_study.report.tables import display_table, is_fraction_column, markdown_escape, markdown_table, read_tables

TITLE = "Novel Transformer Architecture for sEMG Silent Speech Recognition"
AUTHOR = "Tada Makepeace"
SUBTITLE = "School of Computing Final Year Research Project"
SYNTHETIC_BANNER = ("Synthetic data: the figures and tables below were produced from the embedded synthetic "
                    "corpus made by semg_study.synth, not from recordings of people. They show that the "
                    "pipeline runs end to end; they are not findings about silent speech.")

ABSTRACT_WORDS = 300
# slot -> (chapter, section number or None, title, what the section is about)
CHAPTERS: dict[str, tuple[int, str | None, str, str]] = {
    "01": (3, "3.1", "Dataset",
           "The Digital Voicing dataset (Gaddy and Klein, 2020) was chosen because it is the largest open "
           "sEMG silent-speech corpus: eight facial and neck electrodes at 1000 Hz, silent and voiced "
           "recordings of the same sentences, a closed vocabulary of dates and times and an open vocabulary "
           "of book sentences. Notebook 01 describes the corpus the study read: conditions, splits, "
           "durations, vocabulary, the effect of the mains notch and high-pass filters, and silent against "
           "voiced amplitude."),
    "02": (3, "3.2", "Feature Selection",
           "Two ways of giving EMG to a model are compared: the hand-crafted time-domain and spectral "
           "features of Jou et al. (2006), as in the dataset authors' code, and features learned end to end "
           "by convolutions over the raw stream. Notebook 02 shows both and asks how much phonetic "
           "structure the hand-crafted features carry before any training."),
    "03": (3, "3.4", "Baseline ASR Testing",
           "To bound what the EMG models can reach, DeepSpeech2 (Amodei et al., 2015) was trained on audio "
           "only: LJSpeech (Ito and Johnson, 2017) and the voiced audio of the dataset's closed-vocabulary "
           "and full recordings (ASR-LJSpeech, ASR-SilentSpeechVocal-Closed, ASR-SilentSpeechVocal-Full). "
           "The original Table 3.1 came from code with six defects (punctuation fed to the model, the hyphen "
           "used as the CTC blank, a decoder that dropped the character 0, different spectrogram settings in "
           "training and validation, WER averaged per sentence, silent dev utterances in the training set); "
           "here it is regenerated with each defect fixed and tested, beside the original's numbers."),
    "04": (4, None, "EMG Results",
           "Two baselines read EMG: DeepSpeech2 on the 112 hand-crafted features, and a reproduction of the "
           "dataset authors' 2022 direct EMG-to-text model (residual convolutions on the raw stream, a "
           "Transformer encoder with relative positions, CTC). Each is trained per condition and evaluated "
           "on silent EMG (the task) and voiced EMG (the easier case); WER and CER are corpus-level."),
    "05": (5, None, "The Proposed Model: MyoStream",
           "MyoStream is a streaming, electrode-aware Conformer (Gulati et al., 2020) over the raw EMG "
           "stream: per-electrode causal convolutions with electrode embeddings and learned channel "
           "mixing, a per-session adaptation of the eight channels, attention restricted to chunks with "
           "limited left context and a few frames of look-ahead (so it decodes live, chunk by chunk), an "
           "auxiliary phoneme CTC head and EMG augmentation. It is decoded greedily and with beam search "
           "and a word 3-gram language model built from the training transcripts."),
    "06": (6, None, "Ablations",
           "Each MyoStream component is switched off in turn with everything else equal (configuration, "
           "epochs, data and seeds), on the closed vocabulary to keep the budget. A component matters only "
           "if switching it off changes the error rate by more than the variation between seeds."),
    "07": (7, None, "Inference Latency",
           "What each trained model costs at inference on the study machine's CPU, one thread and batch 1: "
           "parameters, latency per utterance, real-time factor, and for the streaming MyoStream the "
           "response latency a live user waits for (chunk and look-ahead plus the compute per chunk), "
           "against the project's target of a response within 300 ms."),
    "08": (8, None, "Live OpenBCI Demonstration",
           "New EMG enters the study through an OpenBCI board and brainflow: prompts are shown one at a "
           "time, each utterance is written in the dataset's layout, the raw board data are replayed through "
           "brainflow's playback board to check the recording, and a session is decoded live by the "
           "streaming MyoStream with the same causal preprocessing."),
}


# ----------------------------------------------------------------------------- blocks
@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    emphasis: bool = False


@dataclass
class Banner:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Code:
    text: str


@dataclass
class Figure:
    label: str  # "Figure 3.1"
    caption: str
    src: str  # PNG, relative to the report
    pdf: str | None = None
    aspect: float | None = None  # width / height of the PNG


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    note: str | None = None
    label: str | None = None  # "Table 3.1"


@dataclass
class PageBreak:
    pass


@dataclass
class Document:
    blocks: list[Any] = field(default_factory=list)
    figures: int = 0
    tables: int = 0
    cited_manifests: list[str] = field(default_factory=list)
    synthetic: bool = False
    sections: list[str] = field(default_factory=list)
    _counters: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, block: Any) -> None:
        self.blocks.append(block)
        if isinstance(block, Heading) and block.level == 2:
            self.sections.append(block.text)

    def label(self, kind: str, chapter: int | str) -> str:
        key = (kind, chapter)
        self._counters[key] = self._counters.get(key, 0) + 1
        if kind == "Figure":
            self.figures += 1
        else:
            self.tables += 1
        return f"{kind} {chapter}.{self._counters[key]}"


# ----------------------------------------------------------------------------- inputs
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def slot_of(name: str) -> str:
    m = re.match(r"(\d\d)_", name)
    return m.group(1) if m else "99"


def png_aspect(path: Path) -> float | None:
    """Width / height from a PNG's header (no image library needed)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        width, height = struct.unpack(">II", head[16:24])
        return width / height if height else None
    except OSError:
        return None


def _manifest_summary(data: dict[str, Any]) -> dict[str, str]:
    git = data.get("git") if isinstance(data.get("git"), dict) else {}
    commit = git.get("commit") or data.get("git_commit") or data.get("commit")
    dirty = git.get("dirty", data.get("dirty"))
    config = data.get("config_name") or data.get("notebook") or ""
    return {
        "commit": (str(commit)[:12] + (" (dirty)" if dirty else "")) if commit else "unknown",
        "profile": str(data.get("profile", "") or (data.get("config") or {}).get("profile", "")
                       if isinstance(data.get("config"), dict) else data.get("profile", "")),
        "config": str(config),
        "seed": str(data.get("seed", "")),
        "data": str(data.get("data_fingerprint") or data.get("fingerprint") or "")[:16],
    }


def commit_text(study_run: Any) -> str:
    git = study_run.get("git") if isinstance(study_run, dict) else None
    if not isinstance(git, dict) or not git.get("commit"):
        return "an unrecorded commit"
    state = {True: "with uncommitted changes (dirty tree)", False: "clean tree"}.get(git.get("dirty"), "tree state unknown")
    return f"commit {str(git['commit'])[:12]} ({state})"


def deepspeech2_printout() -> tuple[str, int]:
    """The Appendix C model as the code builds it (meta device: no memory, no weights)."""
    import torch

    from semg_study.models.deepspeech2 import DeepSpeech2

    with torch.device("meta"):
        model = DeepSpeech2(n_feats=128, n_class=29)
    return str(model), sum(p.numel() for p in model.parameters())


def model_sizes(profile: str | None) -> list[list[str]]:
    """Parameters of each model's paper-size config and of the run's profile (built on the meta device)."""
    import torch

    from semg_study.models.registry import build_model, count_parameters
    from semg_study.recipes import available_configs, load_config

    configs = set(available_configs())
    rows = []
    for model, label in (("ds2audio_full", "DeepSpeech2 (Appendix C), audio"), ("ds2emg", "DeepSpeech2, EMG features"),
                         ("gaddy2022", "Gaddy (2022) reproduction"), ("myostream", "MyoStream")):
        cells = [label]
        for size in ("paper", profile or "quick"):
            name = f"{model}-{size}"
            if name not in configs:
                cells.append("")
                continue
            cfg = load_config(name)
            with torch.device("meta"):
                cells.append(f"{count_parameters(build_model(cfg.model.name, **cfg.model.kwargs)):,}")
        rows.append(cells)
    return rows


# ----------------------------------------------------------------------------- build
def build_document(out: str | os.PathLike) -> Document:
    out = Path(out)
    captions = read_captions(out / "figures")
    tables = read_tables(out / "tables")
    by_name = {t["name"]: t for t in tables}
    study_run = _read_json(out / "study_run.json")
    profile = study_run.get("profile") if isinstance(study_run, dict) else None
    doc = Document()
    doc.synthetic = (any(c.get("synthetic") for c in captions.values()) or any(t.get("synthetic") for t in tables)
                     or (isinstance(study_run, dict) and study_run.get("corpus") == "synthetic"))
    found = {slot: narrative.findings(by_name, slot) for slot in CHAPTERS}

    # title page
    doc.add(Heading(1, TITLE))
    doc.add(Para(f"{AUTHOR}. {SUBTITLE}.", emphasis=True))
    finished = study_run.get("finished") if isinstance(study_run, dict) else None
    doc.add(Para(f"Generated by semg-study from {commit_text(study_run)}"
                 + (f", profile {profile}" if profile else "")
                 + (f", study run finished {finished}" if finished else "") + "."))
    if doc.synthetic:
        doc.add(Banner(SYNTHETIC_BANNER))

    # abstract: the headline findings, computed
    doc.add(Heading(2, "Abstract"))
    headlines = [f.text for slot in ("03", "04", "05", "06", "07") for f in found[slot] if f.headline][:7]
    abstract = ("This study asks whether a streaming Transformer can transcribe silent speech from surface EMG "
                "of the face and neck, and at what latency. It regenerates the original dissertation's audio "
                "baselines with the defects of its code fixed, trains two EMG baselines from the literature "
                "and the proposed streaming model MyoStream on the Digital Voicing dataset's layout, ablates "
                "MyoStream's components, measures inference latency and demonstrates live decoding from an "
                "OpenBCI board.")
    if headlines:
        # at most ABSTRACT_WORDS words: the last headlines give way
        kept = list(headlines)
        while kept and len((abstract + " " + " ".join(kept) + " " + narrative.SYNTHETIC_NOTE).split()) > ABSTRACT_WORDS:
            kept.pop()
        abstract += " " + " ".join(kept or headlines[:1])
    else:
        abstract += " No results have been written yet."
    if doc.synthetic:
        abstract += " " + narrative.SYNTHETIC_NOTE
    doc.add(Para(abstract))
    doc.add(PageBreak())

    # 1 introduction
    doc.add(Heading(2, "1 Introduction"))
    doc.add(Para("People who cannot voice speech (after a laryngectomy, or where speaking aloud is not possible) "
                 "still move the muscles of articulation. Surface electromyography (sEMG) records those "
                 "movements, and a silent speech interface turns them into text. The original dissertation "
                 "set out to build such an interface around a Transformer; this study completes it as a "
                 "reproducible pipeline: every figure, table and number below is produced by the notebooks "
                 "from the data, and every table row names the run manifests it came from."))
    doc.add(Para("The questions are: how well do established models transcribe silent EMG; whether MyoStream, "
                 "a streaming, electrode-aware model, does better; which of its components matter; and whether "
                 "it answers fast enough for live use."))

    # 2 literature review
    doc.add(Heading(2, "2 Literature Review"))
    doc.add(Heading(3, "2.1 Silent speech interfaces on the Digital Voicing dataset"))
    doc.add(Para("Gaddy and Klein (2020) released the largest open sEMG silent-speech dataset and converted "
                 "silent EMG to audio features (digital voicing), then to text by ASR. Their improved voicing "
                 f"model {lit.cite('gaddy2021')} and a direct EMG-to-text model with CTC and a language model "
                 f"{lit.cite('gaddy2022')} lowered the open-vocabulary error substantially; cross-modal training "
                 f"with LLM rescoring {lit.cite('benster2024')} and a frozen large language model with an EMG "
                 f"adaptor {lit.cite('mohapatra2025')} are the most recent. No work on this dataset reports "
                 "inference latency."))
    doc.add(Table("Published word error rates on the Digital Voicing dataset, as reported by their authors "
                  "(quoted, not reproduced here)", ["work", "source", "condition", "WER (reported)"],
                  [[w, lit.REFERENCES[k][0], c, v] for w, k, c, v in lit.PUBLISHED_RESULTS],
                  label=doc.label("Table", 2)))
    doc.add(Heading(3, "2.2 Connectionist Temporal Classification"))
    doc.add(Para("A transcription model must align its input with the text, and people speak at varying rates. "
                 f"CTC {lit.cite('graves2006')} trains without alignments by summing over every alignment of "
                 "the characters (and a blank symbol) to the input frames; every model in this study is "
                 "trained with it and decoded greedily or by beam search with a language model."))

    # 3 approaches (01, 02, models, 03), 4-8 results
    chapter_titles = {3: "3 Approaches"}
    current_chapter = None
    for slot, (chapter, section, title, intro) in CHAPTERS.items():
        if chapter != current_chapter:
            current_chapter = chapter
            if chapter in chapter_titles:
                doc.add(Heading(2, chapter_titles[chapter]))
                doc.add(Para("The dataset, the features and the models, then the audio baselines that bound what "
                             "the EMG models can reach."))
        if slot == "03":
            _models_section(doc, profile)
        doc.add(Heading(3 if section else 2, f"{section or chapter} {title}"))
        doc.add(Para(intro))
        _slot_results(doc, out, slot, chapter, captions, by_name)
        doc.add(Heading(4, "What this shows"))
        if found[slot]:
            doc.add(Bullets([("Limitation: " if f.caveat else "") + f.text for f in found[slot]]))
        else:
            doc.add(Para(f"Notebook {slot} has written no table yet, so there is nothing to report."))

    # 9 discussion and conclusion
    doc.add(Heading(2, "9 Discussion and Conclusion"))
    doc.add(Heading(3, "9.1 Discussion"))
    caveats = [f"Chapter {CHAPTERS[slot][0]}: {f.text}" for slot in CHAPTERS for f in found[slot] if f.caveat]
    comparisons = [f.text for slot in CHAPTERS for t in by_name.values()
                   if t["name"].startswith(f"{slot}_") and narrative.is_comparison(t)
                   for f in narrative.comparison_findings(t)]
    if comparisons:
        doc.add(Para("The comparisons, with their 95% confidence intervals:"))
        doc.add(Bullets(comparisons))
    else:
        doc.add(Para("No comparison table with confidence intervals has been written, so no difference between "
                     "models below can be called significant; the chapters give the plain numbers."))
    if caveats:
        doc.add(Para("What limits these results:"))
        doc.add(Bullets(caveats))
    doc.add(Heading(3, "9.2 Conclusion"))
    if headlines:
        doc.add(Para("On the data this study ran on: " + " ".join(headlines[:4])))
    if doc.synthetic:
        doc.add(Para("The data were synthetic, so the conclusion is about the pipeline, not about silent speech: "
                     "every stage runs end to end, every number is traceable to a run and a commit, and the same "
                     "notebooks will report the real dataset's results when pointed at it (--data-root)."))

    # appendices
    doc.add(PageBreak())
    doc.add(Heading(2, "Appendix A: DeepSpeech2 ASR model"))
    try:
        printout, n_params = deepspeech2_printout()
        doc.add(Para(f"The original dissertation's Appendix C model as the code builds it "
                     f"(semg_study.models.deepspeech2, n_feats 128, 29 outputs): {n_params:,} parameters."))
        doc.add(Code(printout))
    except Exception as exc:  # pragma: no cover - torch is a dependency
        doc.add(Para(f"(The model could not be built here: {type(exc).__name__}: {exc}.)"))
    _provenance(doc, out, tables, study_run)
    _environment(doc, out, study_run)
    doc.add(Heading(2, "References"))
    doc.add(Bullets([ref for _, ref in sorted(lit.REFERENCES.values(), key=lambda r: r[1])]))
    return doc


def _models_section(doc: Document, profile: str | None) -> None:
    doc.add(Heading(3, "3.3 Models"))
    doc.add(Para("DeepSpeech2 (the original's Appendix C, Appendix A here) is a convolutional front end and five "
                 "bidirectional GRU layers; it reads audio log-mels or the hand-crafted EMG features. The "
                 "reproduction of Gaddy (2022) reads the raw EMG stream through residual convolutions and a "
                 "six-layer Transformer with relative positions. MyoStream (Chapter 5) is the proposed "
                 "streaming model. All three end in a CTC layer over 38 symbols (blank, space, a-z, 0-9)."))
    try:
        rows = model_sizes(profile)
    except Exception as exc:  # a config of another shape: say so rather than fail the report
        doc.add(Para(f"(Model sizes could not be computed: {type(exc).__name__}: {exc}.)"))
        return
    doc.add(Table("Parameters of each model: the paper-size configuration and the configuration of this "
                  f"run's profile ({profile or 'quick'}), counted from the code", ["model", "paper size",
                                                                                    f"{profile or 'quick'} profile"],
                  rows, label=doc.label("Table", 3)))


def _slot_results(doc: Document, out: Path, slot: str, chapter: int, captions: dict[str, dict],
                  tables: dict[str, dict]) -> None:
    items = [("figure", name, entry.get("written_at", 0)) for name, entry in captions.items() if slot_of(name) == slot]
    items += [("table", name, t.get("written_at", 0)) for name, t in tables.items() if slot_of(name) == slot]
    for kind, name, _ in sorted(items, key=lambda i: (i[2], i[1])):
        if kind == "figure":
            entry = captions[name]
            files = entry.get("files", {})
            caption = entry.get("caption", name)
            if doc.synthetic and "synthetic" not in caption.lower():
                caption = f"{caption.rstrip('.')}. ({SYNTHETIC_LABEL.capitalize()}.)"
            png = files.get("png", name + ".png")
            doc.add(Figure(doc.label("Figure", chapter), caption, f"figures/{png}",
                           f"figures/{files['pdf']}" if "pdf" in files else None,
                           png_aspect(out / "figures" / png)))
        else:
            table = tables[name]
            columns, rows = display_table(table)
            caption = table["caption"]
            if doc.synthetic and "synthetic" not in caption.lower():
                caption = f"{caption.rstrip('.')} ({SYNTHETIC_LABEL})."
            note = f"Profile {table.get('profile')}; files tables/{name}.csv, .md, .tex, .json."
            if any(is_fraction_column(c) for c in table.get("columns", [])):
                # the report shows every error rate in %; the sidecar keeps the fractions it was given
                caption = re.sub(r"\s*\(fractions\)", "", caption)
                note += " Error rates shown in %, converted from the table's fractions."
            doc.add(Table(caption, columns, rows, note=note, label=doc.label("Table", chapter)))


def _provenance(doc: Document, out: Path, tables: list[dict], study_run: Any) -> None:
    doc.add(Heading(2, "Appendix B: Provenance"))
    doc.add(Para(f"These results were generated from {commit_text(study_run)}. Every table row names the "
                 "manifest(s) it came from in its JSON sidecar; run manifests are copied under "
                 "manifests/runs/ and committed with the report. Paths are relative to the repository."))
    cited: dict[str, None] = {}
    for table in tables:
        for r in table.get("rows", []):
            for m in r.get("manifests", []):
                cited.setdefault(m, None)
    doc.cited_manifests = list(cited)
    rows = []
    for ref in doc.cited_manifests:
        data = None if os.path.isabs(ref) else _read_json(out / ref)
        if not isinstance(data, dict):
            rows.append([ref, "(manifest missing from this folder)", "", "", ""])
            continue
        info = _manifest_summary(data)
        rows.append([ref, info["commit"], info["config"], info["seed"], info["data"]])
    for path in sorted((out / "manifests").glob("*.json")) if (out / "manifests").is_dir() else []:
        ref = path.relative_to(out).as_posix()
        if ref not in cited:
            info = _manifest_summary(_read_json(path) or {})
            rows.append([ref, info["commit"], info["config"], info["seed"], info["data"]])
    if rows:
        doc.add(Table("Manifests of this report: the run manifests the tables cite and the notebooks' study "
                      "manifests", ["manifest", "git commit", "config or notebook", "seed", "data fingerprint"],
                      rows, label=doc.label("Table", "B")))
    else:
        doc.add(Para("No manifests yet."))


def _environment(doc: Document, out: Path, study_run: Any) -> None:
    doc.add(Heading(2, "Appendix C: Environment and study run"))
    if not isinstance(study_run, dict):
        doc.add(Para("No study run is recorded in this folder (study_run.json is written by `semg-study study`)."))
        return
    machine, total = study_run.get("machine") or {}, study_run.get("total") or {}
    facts = [f"profile {study_run.get('profile')}, corpus {study_run.get('corpus')}, device "
             f"{study_run.get('device')}, seed {study_run.get('seed')}",
             f"{commit_text(study_run)}",
             f"machine: {machine.get('cpu_count')} CPU cores, {machine.get('memory_gb')} GB RAM, Python "
             f"{machine.get('python')}",
             f"started {study_run.get('started')}, finished {study_run.get('finished') or '(still running)'}, "
             f"status {study_run.get('status')}"]
    if total.get("wall_s") is not None:
        facts.append(f"total wall time: {total['wall_s']:.1f} s; peak RSS of a notebook kernel's process tree: "
                     f"{total.get('peak_rss_mb') or 0:.1f} MB")
    doc.add(Bullets(facts))
    rows = [[nb.get("name", ""), nb.get("status", "") + (" (earlier run)" if nb.get("previous_run") else ""),
             "" if nb.get("wall_s") is None else f"{nb['wall_s']:.1f}",
             "" if nb.get("peak_rss_mb") is None else f"{nb['peak_rss_mb']:.0f}"]
            for nb in study_run.get("notebooks", [])]
    doc.add(Table("Wall time and peak memory of each notebook of the study run", ["notebook", "status",
                                                                                    "wall time (s)", "peak RSS (MB)"],
                  rows, label=doc.label("Table", "C")))
    packages = next((m.get("packages") for m in (_read_json(p) for p in sorted((out / "manifests").glob("*.json")))
                     if isinstance(m, dict) and isinstance(m.get("packages"), dict)), None) \
        if (out / "manifests").is_dir() else None
    if packages:
        doc.add(Table("Package versions recorded in the study manifests", ["package", "version"],
                      [[k, str(v)] for k, v in packages.items()], label=doc.label("Table", "C")))


# ----------------------------------------------------------------------------- Markdown
def to_markdown(doc: Document) -> str:
    parts: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            parts.append(f"*{b.text}*" if b.emphasis else b.text)
        elif isinstance(b, Banner):
            parts.append(f"> **{b.text}**")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Code):
            parts.append("```\n" + b.text + "\n```")
        elif isinstance(b, Figure):
            link = f" ([PDF]({b.pdf}))" if b.pdf else ""
            parts.append(f"![{b.label}]({b.src})\n\n**{b.label}:** {b.caption}{link}")
        elif isinstance(b, Table):
            head = f"**{b.label}:** {b.caption}" if b.label else f"**{b.caption}**"
            lines = [head, ""]
            if b.columns:
                lines += markdown_table(b.columns, b.rows)
            if b.note:
                lines += ["", f"*{b.note}*"]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- HTML
_CSS = """body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
h1,h2,h3,h4{font-family:Helvetica,Arial,sans-serif}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #bbb;padding:.25em .6em;font-size:.85em}th{background:#f0f0f0}caption{text-align:left;padding:.3em 0}
figure{margin:1em 0 2em}figure img{max-width:100%}figcaption{font-size:.9em}pre{font-size:.75em;background:#f7f7f7;padding:.6em}
.banner{background:#fff3f3;border-left:5px solid #b00020;padding:.6em 1em;font-weight:bold}
.note{font-size:.85em;color:#555}"""


def _anchor(label: str) -> str:
    return label.lower().replace(" ", "-").replace(".", "-")


def to_html(doc: Document) -> str:
    e = html.escape
    body: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f"<p><em>{e(b.text)}</em></p>" if b.emphasis else f"<p>{e(b.text)}</p>")
        elif isinstance(b, Banner):
            body.append(f'<p class="banner">{e(b.text)}</p>')
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Code):
            body.append(f"<pre>{e(b.text)}</pre>")
        elif isinstance(b, Figure):
            pdf = f' (<a href="{e(b.pdf)}">PDF</a>)' if b.pdf else ""
            body.append(f'<figure id="{_anchor(b.label)}"><img src="{e(b.src)}" alt="{e(b.label)}">'
                        f"<figcaption><strong>{e(b.label)}:</strong> {e(b.caption)}{pdf}</figcaption></figure>")
        elif isinstance(b, Table):
            cap = f"<strong>{e(b.label)}:</strong> {e(b.caption)}" if b.label else e(b.caption)
            head = "".join(f"<th>{e(c)}</th>" for c in b.columns)
            rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in b.rows)
            note = f'<p class="note">{e(b.note)}</p>' if b.note else ""
            ident = f' id="{_anchor(b.label)}"' if b.label else ""
            body.append(f"<table{ident}><caption>{cap}</caption><thead><tr>{head}</tr></thead>"
                        f"<tbody>{rows}</tbody></table>{note}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(TITLE)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


# ----------------------------------------------------------------------------- Typst (the PDF)
TEXT_WIDTH_CM = 16.0
FIGURE_MAX_HEIGHT_CM = 10.5


WIDE_TABLE_COLUMNS = 10


def breakable(text: str) -> str:
    """Long identifiers (run names, config names, paths) may break after ``_``, ``-`` and ``/``."""
    text = re.sub(r"([_/\-])(?=\w)", "\\1\u200b", str(text))
    return re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "\u200b", text)  # and inside CamelCase names


def typst_string(text: str) -> str:
    """A Typst string literal: inserted as plain text, so no character is read as markup."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_TYPST_PREAMBLE = """#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", margin: (x: 2.5cm, y: 2.4cm), numbering: "1")
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en")
#set par(justify: true)
#show heading: set block(above: 1.3em, below: 0.7em)
#show heading.where(level: 1): it => [#pagebreak(weak: true)#it]
#show figure.where(kind: table): set figure.caption(position: top)
#show figure: set block(breakable: true)
#set table(stroke: 0.4pt + rgb("#999999"), inset: 3.5pt)
#show raw: set text(size: 7pt)
"""


def to_typst(doc: Document) -> str:
    s = typst_string
    parts = [_TYPST_PREAMBLE.format(title=s(TITLE), author=s(AUTHOR))]
    outline_done = False
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.level == 1:
                parts.append(f"#align(center)[#v(3cm)#text(size: 20pt, weight: \"bold\")[#{s(b.text)}]]")
                continue
            if b.level == 2 and not outline_done and b.text == "1 Introduction":
                parts.append("#outline(title: \"Contents\", depth: 2)\n#pagebreak()")
                outline_done = True
            # the numbers are part of the text (chapter 3, section 3.1): no automatic numbering
            parts.append("=" * (b.level - 1) + f" #{s(b.text)}")
        elif isinstance(b, Para):
            parts.append(f"#align(center)[#emph({s(b.text)})]" if b.emphasis else f"#{s(b.text)}")
        elif isinstance(b, Banner):
            parts.append(f'#block(fill: rgb("#fff3f3"), stroke: (left: 3pt + rgb("#b00020")), inset: 8pt, '
                         f"width: 100%)[#strong({s(b.text)})]")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- #{s(item)}" for item in b.items))
        elif isinstance(b, Code):
            parts.append(f"#raw({s(b.text)}, block: true)")
        elif isinstance(b, PageBreak):
            parts.append("#pagebreak(weak: true)")
        elif isinstance(b, Figure):
            src = b.pdf or b.src
            width = TEXT_WIDTH_CM if not b.aspect else min(TEXT_WIDTH_CM, FIGURE_MAX_HEIGHT_CM * b.aspect)
            parts.append(f"#figure(image({s(src)}, width: {width:.2f}cm), numbering: none, "
                         f"caption: [#strong({s(b.label + ':')}) #{s(b.caption)}])")
        elif isinstance(b, Table):
            n = max(len(b.columns), 1)
            wide = n > WIDE_TABLE_COLUMNS  # on a landscape page of its own
            size = "8.5pt" if n <= 5 else "7pt" if n <= 9 or wide else "5.8pt"
            cells = ", ".join(f"[#strong({s(breakable(c))})]" for c in b.columns)
            body = ", ".join(s(breakable(v)) for row in b.rows for v in (row + [""] * (n - len(row)))[:n])
            note = f"\n#text(size: 7.5pt, fill: rgb(\"#555555\"))[#{s(b.note)}]" if b.note else ""
            caption = f"[#strong({s((b.label or 'Table') + ':')}) #{s(b.caption)}]"
            # more than a few columns: shares of the text width, so long cells wrap inside the page
            # (auto-width columns let a wide table run past the right margin and be cut off)
            columns = n if n <= 5 else "(" + ", ".join(["1fr"] * n) + ")"
            table = (f"#figure(kind: table, numbering: none, caption: {caption})[#set text(size: {size})\n#set par(justify: false)\n"
                     f"#table(columns: {columns}, align: left, table.header({cells}), {body})]{note}")
            parts.append(f"#page(flipped: true)[{table}]" if wide else table)
    parts.append("#context [#metadata(counter(page).final().first()) <page-count>]")
    return "\n\n".join(parts) + "\n"


def write_pdf(out: Path, source: str) -> dict[str, Any]:
    """Compile the Typst source into ``<out>/dissertation.pdf`` (the figures are read from ``out``)."""
    import typst

    typ = out / "dissertation.typ"
    write_text(typ, source)
    # only the fonts shipped inside the typst package, and no date: the same PDF on every machine
    options = {"root": str(out), "ignore_system_fonts": True}
    with atomic_path(out / "dissertation.pdf", suffix=".pdf") as tmp:
        typst.compile(str(typ), output=str(tmp), **options)
    pages = typst.query(str(typ), "<page-count>", field="value", one=True, **options)
    pages = json.loads(pages) if isinstance(pages, (str, bytes)) else pages
    return {"pdf": out / "dissertation.pdf", "typst": typ, "pages": int(pages)}


def write_report(out: str | os.PathLike = "reports", pdf: bool = True) -> dict[str, Any]:
    """Write ``<out>/dissertation.md``, ``.html`` and (``pdf``) ``.typ`` + ``.pdf``; return what went in."""
    out = Path(out)
    doc = build_document(out)
    write_text(out / "dissertation.md", to_markdown(doc))
    write_text(out / "dissertation.html", to_html(doc))
    info = {"markdown": out / "dissertation.md", "html": out / "dissertation.html", "figures": doc.figures,
            "tables": doc.tables, "manifests": doc.cited_manifests, "synthetic": doc.synthetic,
            "sections": doc.sections}
    if pdf:
        info.update(write_pdf(out, to_typst(doc)))
    return info
