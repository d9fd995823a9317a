# audioarchive: two commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
HOURS ?= 1
TRANSCRIBE_MINUTES ?= 10

.PHONY: fuzz demo test lint bench bench-scale chaos screenshots serve clean help setup setup-test

help:
	@echo "make demo    set everything up, build the sample sessions, print where the feed is"
	@echo "make test    set everything up with the test tools, run the whole suite"
	@echo "make lint    ruff check, ruff format --check, mypy"
	@echo "make fuzz    the property tests only, random, with many more examples (FUZZ_EXAMPLES=2000)"
	@echo "make bench   loudness and speed benchmark on a generated one-hour meeting (HOURS=3: memory check)"
	@echo "make bench-scale  every command on 50 and 500 generated sessions (SESSIONS=50,500 SCALE_ARGS=--seed-above=50), also run by make bench"
	@echo "make chaos   kill builds and publishes at random moments (ROUNDS=20), check nothing is lost"
	@echo "make serve   serve the built feed on http://127.0.0.1:8000/"
	@echo "make screenshots  build the samples, screenshot the pages (desktop, phone) into screenshots/"

setup:
	@scripts/system-deps.sh required:ffmpeg required:ffprobe optional:espeak-ng
	@scripts/venv.sh $(VENV) $(PYTHON)

setup-test:
	@scripts/system-deps.sh required:ffmpeg required:ffprobe optional:espeak-ng optional:chromium optional:mediainfo
	@scripts/venv.sh $(VENV) $(PYTHON) test,dev

demo: setup
	@$(BIN)/python scripts/make_samples.py .
	@$(BIN)/audioarchive publish
	@echo
	@echo "Feed:  $(CURDIR)/feed/feed.xml"
	@echo "Pages: $(CURDIR)/feed/index.html"
	@echo "Listen or subscribe: '$(BIN)/audioarchive serve' then open http://127.0.0.1:8000/"
	@echo "  (from a phone on the same network: '$(BIN)/audioarchive serve --host 0.0.0.0')"

test: setup-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: setup-test
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-2000} $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench:
	@scripts/system-deps.sh required:ffmpeg required:ffprobe optional:espeak-ng
	@scripts/venv.sh $(VENV) $(PYTHON) bench
	@$(BIN)/python benchmarks/bench.py --hours $(HOURS)
	@$(BIN)/python benchmarks/stats_bench.py --lines $${STATS_LINES:-1000000}
	@$(BIN)/python benchmarks/transcribe.py --minutes $(TRANSCRIBE_MINUTES)
	@$(MAKE) --no-print-directory bench-scale

bench-scale:
	@scripts/system-deps.sh required:ffmpeg required:ffprobe
	@scripts/venv.sh $(VENV) $(PYTHON) test,bench
	@$(BIN)/python benchmarks/scale.py --sessions $${SESSIONS:-50,500} $(SCALE_ARGS)

lint: setup-test
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

chaos: setup-test
	$(BIN)/python scripts/chaos.py --rounds $${ROUNDS:-20}

screenshots: setup-test
	@$(BIN)/python scripts/make_samples.py .
	@$(BIN)/audioarchive build
	@$(BIN)/python scripts/screenshots.py . --out screenshots

serve: demo
	$(BIN)/audioarchive serve

clean:
	rm -rf feed archive .audioarchive .pytest_cache .mypy_cache .ruff_cache
