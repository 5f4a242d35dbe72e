"""Chapter: the open release (what is released, the consent rule, checksums, what is not released)."""
from __future__ import annotations

from semg_study.report.thesis.values import Q, Source, code, derived

CHAPTER_NAME = "release"  # the chapter's name in labels ({ref.chapter_release})
KIND = "chapter"
TEXT = """
# Open Release

The initiation document's last objective was to release the final model and the recorded data openly, with
everything needed to reproduce them, and to respect each participant's choice. This chapter describes what the
study releases and the rules it applies.

## What is released

- The code: the whole study (data readers, features, models, training, decoding, evaluation, capture, release
  and this document's generator) as one Python package with its notebooks, its tests and a fixed set of package
  versions.
- The trained runs: every run the study reports is released with the repository, with its manifest (the
  resolved configuration, the fingerprints of its data and code, the commit, the seed, the package versions),
  its training curves and its best checkpoint, so that the study reproduces its tables without retraining.
[[if models]]
- Packed models: the runs behind the results chapters are also packed into {models:noun(model folder)}, each
  with a model card that states what the model was trained on and how it scored, and a checksum file.
[[end]]
- Recorded data, when there are consenting participants: a data release packs every session of every
  participant who agreed to data release, byte for byte, with a datasheet (participants by code with their
  consent dates, sessions, conditions, hours, board, rate and electrode sites), citation and deposit metadata
  for a long-term repository and a checksum file, under an open licence (Creative Commons Attribution by
  default).

[[if models]]
[[model_table]]
[[end]]

## The consent rule

Consent is read from the register of Chapter {ref.chapter_participants}, never assumed. A session of a
participant who did not agree to data release stays out of the data release (and is listed as left out). A
model is refused for release if any recording it was trained on belongs to a participant who did not agree to
model release, because the weights of a trained model implicitly contain its training data, which is the
concern the initiation document raised. A model's training participants come from the session information of
every training utterance and are recorded in the run's manifest, so the rule is applied to what the model was
trained on, not to what someone remembers. Data without participants (the synthetic corpus, the public
dataset) may always be released.

## Checksums

Every released folder carries a checksum file (SHA256SUMS) with the digest of each of its files, written last; a verification
command recomputes every digest and reports any file that is missing, changed or unexpected. The committed
model folders of this study pass it.

## What is not released

[[if synthetic]]
No recorded data are released with this version: no participant was recorded (Chapter
{ref.chapter_participants}), and the synthetic corpus is not released as data, because the generator makes it
again, identically, from its fingerprint.
[[end]]
The released models are the study's small models trained on the synthetic corpus; they demonstrate the
release path and can be decoded live, but they are not models of real silent speech.
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {}
    t = r.tables.get("07_released_models")
    if t and t.get("rows"):
        ns["models"] = r.q(len(t["rows"]), "int", derived("count", *[Source("tables/07_released_models.json", (
            "rows", i, "values", "folder")) for i in range(len(t["rows"]))]))
    return ns


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def model_table():
        t = r.tables.get("07_released_models")
        rows = []
        for i, row in enumerate(t["rows"]):
            v = row["values"]
            src = lambda c: Source("tables/07_released_models.json", ("rows", i, "values", c))  # noqa: E731
            rows.append([Q(v["model"], "text", src("model")), Q(v["folder"], "text", src("folder")),
                         Q(v["parameters"], "count", src("parameters")), Q(v["checkpoint MB"], "real", src("checkpoint MB"))])
        caption = "The packed models, each with its folder under the report, parameters and checkpoint size."
        return [ctx.table("model_table", caption, ns, ["model", "folder", "parameters", "checkpoint (MB)"], rows,
                          widths=[2.8, 2.6, 1.1, 1])]
    return {"model_table": model_table}
