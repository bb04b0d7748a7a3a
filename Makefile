# Two commands matter: `make demo` and `make test`. Each creates its own virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: help venv test lint unit integration e2e demo local invoke bench bench-smoke fuzz validate build clean
.PHONY: chaos chaos-smoke

help:
	@echo "make demo        run the end-to-end scenario on the local stack, print what happened, stop"
	@echo "make test        lint (ruff, cfn-lint) + every test + benchmark smoke run"
	@echo "make local       start the local stack in the foreground (Ctrl-C stops everything)"
	@echo "make invoke FN=WebhookFunction EVENT=events/WebhookFunction/type-01-order-status.json"
	@echo "                 one function, one event (the running stack, or a stack started for it)"
	@echo "make bench       run the benchmarks at full size"
	@echo "make fuzz        fuzz every HTTP route at full size and print the figures (make test runs a smoke size)"
	@echo "make chaos       the chaos + leaks suite at full size (1,000 orders, 10,000 stock changes), prints figures"
	@echo "make validate    sam validate --lint (needs the SAM CLI, see README)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -p no:cacheprovider
	$(MAKE) --no-print-directory chaos-smoke
	$(MAKE) --no-print-directory bench-smoke

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

demo: $(STAMP)
	$(BIN)/python -m local.demo

local: $(STAMP)
	$(BIN)/python -m local.stack

invoke: $(STAMP)
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<Function> EVENT=<event.json>"; exit 2; }
	$(BIN)/python -m local.runtime invoke $(FN) -e $(EVENT)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Chaos + leaks (local/chaos, free ports). The smoke size is tests/chaos (`make chaos-smoke`, ~30-90 s), which
# `make test` runs in its own pytest process: in the same process as tests/unit/platform/test_settings.py a
# whole local stack leaves AWS settings behind that those tests then see (open: isolate the stack's env).
chaos: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider \
		"tests/integration/auth/test_auth_tokens.py::test_fifty_concurrent_callers_with_an_expired_token_cause_one_refresh"
	$(BIN)/python -m local.chaos --size full

chaos-smoke: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -s tests/chaos

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --smoke

# tests/fuzz also runs inside `make test` at its default smoke size (FUZZ_EXAMPLES=25 per route).
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -s -p no:cacheprovider -p no:logging tests/fuzz

validate:
	SAM_CLI_TELEMETRY=0 sam validate --lint --template template.yaml

build:
	SAM_CLI_TELEMETRY=0 sam build --template template.yaml

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache .hypothesis
