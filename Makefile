# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF := tools/node/node_modules/.bin/buf

.PHONY: run test browser lint typecheck protos check-protos bench soak soak-long clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(BUF): tools/node/package.json
	cd tools/node && npm install --no-audit --no-fund --loglevel=error
	@touch $(BUF)

## run: migrate the embedded SQLite store and serve gRPC on 127.0.0.1:50051 (Ctrl-C stops it)
run: $(STAMP)
	$(BIN)/claims migrate
	CLAIMS_METRICS_LISTEN=$${CLAIMS_METRICS_LISTEN-127.0.0.1:9464} exec $(BIN)/claims serve

## browser: Debian's chromium and a Chinese font for the console's browser tests and screenshots (skipped when there)
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@test -x /usr/bin/chromium -a -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || \
	  (apt-get install -y $(BROWSER_PACKAGES) || (apt-get update && apt-get install -y $(BROWSER_PACKAGES)))

## test: lint, type-check, and the whole test suite (PostgreSQL tests need CLAIMS_TEST_POSTGRES_DSN)
test: lint typecheck browser
	$(BIN)/pytest -n 2 --dist loadfile

## lint: ruff, import-linter (layering), buf lint (protos)
lint: $(STAMP) $(BUF)
	$(BIN)/ruff check src tests scripts bench soak
	$(BIN)/ruff format --check src tests scripts bench soak
	$(BIN)/lint-imports
	$(BUF) lint

typecheck: $(STAMP)
	$(BIN)/mypy

## protos: regenerate src/claims/api/v1 from protos/
protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

## bench: the benchmark suite, every figure beside its baseline (BENCH_ARGS=--quick for a smoke run), then the
## cost of TLS and authorization, of read models as of a position, and the console's queue on 100,000 claims
bench: $(STAMP) $(BUF)
	$(BIN)/python -m bench.suite $(BENCH_ARGS)
	$(BIN)/python -m bench.auth_cost
	$(BIN)/python -m bench.authorization
	$(BIN)/python -m bench.read_model_at
	$(BIN)/python -m bench.console

## soak: kill -9 rounds (SQLite, PostgreSQL, projection worker), fuzz every RPC (>= 4,000 cases each), race 50
## clients; loopback; < 10 min. Exit 3 when a target is missed, 1 on a finding.
soak: $(STAMP)
	$(BIN)/python -m soak

## soak-long: the same within 30 min, with 10,000 fuzz cases per RPC (outside CI)
soak-long: $(STAMP)
	$(BIN)/python -m soak --total-seconds 1780 --cases-per-rpc 10000

clean:
	rm -rf $(VENV) tools/node/node_modules var .mypy_cache .ruff_cache .pytest_cache
