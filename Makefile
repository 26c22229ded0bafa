# tocsin: `make demo` runs the main job on the seed corpus; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEEDS  ?= ../shared/seeds
GOLD   ?= ../shared/gold
DB     ?= tocsin.db
OUT    ?= out
SERVE  ?= 1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: demo test eval install clean stress browser bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Ingest the seed digests, process them, store them, print the summary, export, write the briefing.
demo: $(STAMP)
	$(BIN)/tocsin run $(SEEDS) --db $(DB)
	$(BIN)/tocsin export $(OUT) --db $(DB) --format jsonl --format csv --format parquet
	$(BIN)/tocsin briefing $(OUT)/briefing.html --db $(DB)
ifeq ($(SERVE),1)
	$(BIN)/tocsin serve --db $(DB) --port $(PORT)
endif

## Install and run the test suite (browser tests use Debian's chromium, installed here when missing).
test: $(STAMP) browser
	$(BIN)/python -m pytest

## Headless Chromium for the browser tests; without root or apt the browser tests skip.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "chromium could not be installed: browser tests will be skipped"

## Score the demo's export against the gold annotations.
eval:
	$(MAKE) demo SERVE=0
	$(BIN)/tocsin eval $(OUT) $(GOLD)

## Long reliability runs (10,000 fuzz cases, 20 kill -9 trials, load and web security); writes stress/report.md.
stress: $(STAMP)
	$(BIN)/python -m stress.run --seeds $(SEEDS)

clean:
	rm -rf $(OUT) $(DB) $(DB)-wal $(DB)-shm

## Benchmarks (bench/report.md and bench/report.json); e.g. BENCH_ARGS="--sizes 10000,100000".
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
