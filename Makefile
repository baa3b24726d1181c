# ParkLink — two commands on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench messages clean

# (Re)build the virtual environment when it is missing or pyproject.toml is newer than it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The main job: a level-II hazardous-chemical-leak drill end to end, on ParkLink's local Prefect server
# (started and left running, so its UI shows the run), with the drill gateway playing the liaisons; the report
# is also written as files under .parklink/reports/ (PARKLINK_REPORTS_DIR; unset elsewhere: the database only).
demo: $(STAMP)
	$(BIN)/parklink init
	$(BIN)/parklink summary
	PARKLINK_REPORTS_DIR=$${PARKLINK_REPORTS_DIR:-$${PARKLINK_HOME:-.parklink}/reports} $(BIN)/parklink respond hazmat-leak --level II --enterprise qy-ha --chemical UN1005 --injured 3 \
		--description "演练：合成氨装置区液氨管线法兰泄漏，3 人吸入中毒" --drill --time-scale 120 --seed 1

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

# Texts people read: extract every msgid from the code (babel.cfg says where) and update the zh-CN catalogue;
# then translate the new entries (msgstr) in the .po. tests/test_texts.py fails while one lacks its translation.
LOCALES  := models/locale
POT      := $(VENV)/parklink.pot
KEYWORDS := -k tr:2 -k trc:2c,3 -k N_ -k NC_:1c,2 -k Msg -k both -k _
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-default-keywords $(KEYWORDS) --add-location=file --sort-output \
		--no-wrap --project=ParkLink -o $(POT) .
	$(BIN)/pybabel -q update -D parklink -l zh_CN -i $(POT) -d $(LOCALES) --no-wrap --no-fuzzy-matching \
		--ignore-obsolete --ignore-pot-creation-date

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .parklink .pytest_cache
