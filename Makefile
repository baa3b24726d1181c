# ParkLink — two commands on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

# (Re)build the virtual environment when it is missing or pyproject.toml is newer than it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The main job: a level-II hazardous-chemical-leak drill end to end, on ParkLink's local Prefect server
# (started and left running, so its UI shows the run), with the drill gateway playing the liaisons.
demo: $(STAMP)
	$(BIN)/parklink init
	$(BIN)/parklink summary
	$(BIN)/parklink respond hazmat-leak --level II --enterprise qy-ha --chemical UN1005 --injured 3 \
		--description "演练：合成氨装置区液氨管线法兰泄漏，3 人吸入中毒" --drill --time-scale 120 --seed 1

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .parklink .pytest_cache
