# One command per task. `make demo` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-memory faults lint bench self-harm-figures grooming-figures grooming-second-figures system-deps build-deps clean

demo: $(STAMP)  ## Run the service with demo data on embedded SQLite (make demo PORT=8001 HOST=...)
	$(BIN)/safeguarding demo $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

test: $(STAMP) system-deps  ## Lint, type-check and run the whole test suite (SQLite and PostgreSQL)
	bash scripts/test.sh

test-memory: $(STAMP)  ## Only the services on the in-memory store (SQLite; no PostgreSQL needed)
	bash scripts/test-memory.sh

lint: $(STAMP)
	bash scripts/lint.sh

faults: $(STAMP) system-deps  ## Only the fault tests: nats-server, PostgreSQL and the disk fail underneath
	$(BIN)/pytest -n 0 -s tests/faults

bench: $(STAMP) system-deps  ## Benchmarks (not run in CI)
	bash scripts/with-postgres.sh $(BIN)/python bench/ingest.py
	$(BIN)/python bench/pdq_match.py --bank-size 1000000
	bash scripts/with-postgres.sh bash scripts/with-nats.sh $(BIN)/python bench/scale.py

self-harm-figures: $(STAMP)  ## The tables of docs/self_harm.md: leave one source out, then the test split
	$(BIN)/safeguarding eval self-harm --by-source
	$(BIN)/safeguarding eval self-harm --texts datasets/self_harm/test.texts.jsonl \
	  --labels datasets/self_harm/test.labels.jsonl

grooming-figures: $(STAMP)  ## docs/grooming.md's figures: leave-one-author-out, held-out test, speed
	$(BIN)/safeguarding eval grooming --by-source
	$(BIN)/safeguarding eval grooming --conversations datasets/grooming/test.conversations.jsonl \
		--labels datasets/grooming/test.labels.jsonl
	$(BIN)/python bench/grooming.py

grooming-second-figures: $(STAMP)  ## docs/grooming.md's second-stage table: LOAO with and without it
	$(BIN)/safeguarding eval grooming --by-source --second-stage

system-deps:
	bash scripts/install-system-deps.sh

build-deps:  ## what pip needs to build vpdq (FFmpeg's libraries, a C++ compiler)
	bash scripts/install-system-deps.sh build

$(STAMP): pyproject.toml | build-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .safeguarding .safeguarding-keys test-artifacts .pytest_cache .ruff_cache .mypy_cache
