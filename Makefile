# The README's two commands: `make study` (the quick study on the embedded
# synthetic corpus) and `make test` (the test suite). Both set everything up on
# a fresh machine with Python 3.11: a .venv, torch==2.13.0 first (a CPU build),
# then requirements.txt (runtime) and requirements-dev.txt (test and notebook tools),
# the one source of versions, then this package.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROFILE ?= quick

.PHONY: study test install clean-reports bench latency retrain verify release-runs lab notebook-filter

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (semg-study)" >/dev/null
	touch $@

install: $(STAMP)

study: $(STAMP)
	$(BIN)/semg-study study --profile $(PROFILE)

test: $(STAMP)
	$(BIN)/python -m pytest

# deepspeech2, gaddy2022 and MyoStream trained and compared on equal terms, then their response latency
# (end of utterance to final transcript) side by side at the study and the paper sizes (benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --profile $(PROFILE)
	$(if $(filter full,$(PROFILE)),,$(BIN)/python benchmarks/response_latency.py --profile $(PROFILE))
	$(if $(filter full,$(PROFILE)),,$(BIN)/python benchmarks/headline_report.py --profile $(PROFILE))

# the inference latency, real-time factor and size of every trained run under runs/, each in its own
# process (benchmarks/README.md): reports/benchmarks/latency.json and latency.md
latency: $(STAMP)
	$(BIN)/semg-study latency --runs-root runs --out-dir reports/benchmarks

# every run of the study trained from scratch, once (ignores the released runs and the local cache)
retrain: $(STAMP)
	$(BIN)/python benchmarks/headline_queue.py --profile $(PROFILE) --workers 2 --retrain --runs-root runs/retrain
	$(BIN)/semg-study study --profile $(PROFILE) --retrain --runs-root runs/retrain

# slow, not part of CI: retrain the released closed-vocabulary MyoStream and check its test WER
# falls inside the released run's 95 % CI (benchmarks/verify_release.py)
verify: $(STAMP)
	$(BIN)/python benchmarks/verify_release.py --profile $(PROFILE)

# maintainers: train every run the tables and the benchmark cite and pack them into released/runs
release-runs: $(STAMP)
	$(BIN)/python benchmarks/train_released.py --profile $(PROFILE)

# JupyterLab on notebooks/ with the project's kernel ("Python 3 (semg-study)", installed
# into the .venv above), after the same set-up as `make study` / `make test`. A notebook run here
# writes its tables and figures to .scratch/reports (git-ignored; notebooks/README.md), and the
# notebooks are saved without outputs (a pre-save hook), and the output-stripping git filter keeps
# outputs that another editor saves out of commits.
lab: $(STAMP) notebook-filter
	$(BIN)/jupyter lab --notebook-dir=notebooks \
	  --FileContentsManager.pre_save_hook=semg_study.report.notebook_outputs.jupyter_pre_save

# registers the clean filter that .gitattributes names for notebooks/*.ipynb
# (semg_study/report/notebook_outputs.py); outside a git checkout there is nothing to register
notebook-filter: $(STAMP)
	if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.notebook-outputs.clean '"$(abspath $(BIN))/python" -m semg_study.report.notebook_outputs'; fi

clean-reports:
	rm -rf reports/executed
