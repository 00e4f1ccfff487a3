# Project tasks. `make check` and `make test` are what CI (.ci/run) runs.
PYTHON ?= python3
PIP_FLAGS ?= -q
MYPY_CONFIG ?= $(CURDIR)/pyproject.toml
export PIP_ROOT_USER_ACTION ?= ignore
export PIP_DISABLE_PIP_VERSION_CHECK ?= 1

.PHONY: toil-tests help install check lint typecheck layers check-typecheck-catches check-layers-catch-cycles test test-gridengine test-server test-containers containers-suite demo clean conformance conformance-cwl conformance-wdl conformance-containers chaos

help:
	@echo "make install                  install the package (editable) with the test/lint tools"
	@echo "make check                    ruff + mypy + import layers + proofs that mypy and the layer check catch errors"
	@echo "make test                     install, then run the test suite"
	@echo "make demo                     install, then run the example workflows"
	@echo "make clean                    remove caches, build output and demo job stores"

# An editable install leaves no bytecode, and where PYTHONDONTWRITEBYTECODE is set nothing writes
# it later: every run would compile the whole package again (about 0.1 s a start). compileall
# writes it whatever that variable says.
install:
	$(PYTHON) -m pip install $(PIP_FLAGS) -e '.[test]'
	$(PYTHON) -m compileall -q toil > /dev/null

check: lint typecheck layers check-typecheck-catches check-layers-catch-cycles

lint:
	$(PYTHON) -m ruff check toil tests

typecheck:
	$(PYTHON) -m mypy toil

layers:
	lint-imports

# Prove the type checker is really running, with the strict settings, on the strict packages:
# plant modules with deliberate errors in a throw-away mirror of toil/{core,stores,batch}
# (never in the work tree) and require mypy, using this project's config, to report
#   - the plain type error `x: int = "s"`            ([assignment], caught in any mode), and
#   - an unannotated function in each strict package ([no-untyped-def], caught only by the strict override).
check-typecheck-catches:
	@set -u; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir -p "$$tmp/toil/core" "$$tmp/toil/stores" "$$tmp/toil/batch"; \
	for d in toil toil/core toil/stores toil/batch; do : > "$$tmp/$$d/__init__.py"; done; \
	printf 'def planted_untyped(x):\n    return x\n' > "$$tmp/toil/stores/_planted_error_check.py"; \
	cp "$$tmp/toil/stores/_planted_error_check.py" "$$tmp/toil/batch/_planted_error_check.py"; \
	printf 'def planted_untyped(x):\n    return x\n\n\nplanted: int = "s"\n' > "$$tmp/toil/core/_planted_error_check.py"; \
	out=$$(cd "$$tmp" && $(PYTHON) -m mypy --config-file "$(MYPY_CONFIG)" --cache-dir=/dev/null \
		toil/core/_planted_error_check.py toil/stores/_planted_error_check.py toil/batch/_planted_error_check.py 2>&1); \
	rc=$$?; \
	echo "$$out" | sed 's/^/    mypy: /'; \
	fail=0; \
	if [ "$$rc" -eq 0 ]; then echo "check-typecheck-catches: mypy exited 0 on planted type errors" >&2; fail=1; fi; \
	echo "$$out" | grep -q 'toil/core/_planted_error_check.py:5: error:.*\[assignment\]' \
		|| { echo "check-typecheck-catches: mypy did not report the planted [assignment] error" >&2; fail=1; }; \
	for pkg in core stores batch; do \
		echo "$$out" | grep -q "toil/$$pkg/_planted_error_check.py:1: error:.*\[no-untyped-def\]" \
			|| { echo "check-typecheck-catches: strict checking is not applied to toil.$$pkg" >&2; fail=1; }; \
	done; \
	if [ "$$fail" -ne 0 ]; then exit 1; fi; \
	echo "check-typecheck-catches: OK (mypy rejects planted errors; strict applies to toil.core, toil.stores, toil.batch)"

# Prove the layer check really rejects import cycles, imports inside functions included: in a
# throw-away copy of toil/ (never in the work tree) plant
#   - toil.core._planted_cycle (imports toil.core.job) and, inside a function of toil.core.job, an
#     import of it back, and
#   - toil.cwl._planted_cycle (imports toil.cwl.run) imported back at the top of toil.cwl.run,
# then require lint-imports, with this project's contracts, to break the "acyclic" contract in
# both packages, naming the planted module.
check-layers-catch-cycles:
	@set -u; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -R toil pyproject.toml "$$tmp/"; \
	find "$$tmp/toil" -name __pycache__ -prune -exec rm -rf {} +; \
	printf 'from toil.core import job\n' > "$$tmp/toil/core/_planted_cycle.py"; \
	printf '\n\ndef _planted() -> None:\n    from toil.core import _planted_cycle  # noqa: F401\n' >> "$$tmp/toil/core/job.py"; \
	printf 'from toil.cwl import run\n' > "$$tmp/toil/cwl/_planted_cycle.py"; \
	printf '\nfrom toil.cwl import _planted_cycle  # noqa: E402,F401\n' >> "$$tmp/toil/cwl/run.py"; \
	out=$$(cd "$$tmp" && PYTHONPATH="$$tmp" lint-imports --no-cache --contract acyclic 2>&1); \
	rc=$$?; \
	echo "$$out" | grep -E 'cycles|_planted|KEPT|BROKEN' | sed 's/^/    lint-imports: /'; \
	fail=0; \
	if [ "$$rc" -eq 0 ]; then echo "check-layers-catch-cycles: lint-imports exited 0 on planted cycles" >&2; fail=1; fi; \
	for pkg in core cwl; do \
		echo "$$out" | grep -A3 "No cycles are allowed in toil.$$pkg\." | grep -q '_planted_cycle' \
			|| { echo "check-layers-catch-cycles: the planted cycle in toil.$$pkg was not reported" >&2; fail=1; }; \
	done; \
	if [ "$$fail" -ne 0 ]; then exit 1; fi; \
	echo "check-layers-catch-cycles: OK (lint-imports rejects planted cycles, through an import inside a function too)"

# The tests, then the conformance suites against their baselines (each fails on a regression).
# All parts run even when one fails, so one log shows everything; the target fails if any did.
test: install
	@status=0; \
	$(PYTHON) -m pytest -q -p no:cacheprovider tests $(CONTAINER_TESTS:%=--ignore=%); rc=$$?; \
	if [ "$$rc" -eq 5 ]; then echo "make test: pytest collected no tests; failing on purpose" >&2; rc=1; fi; \
	[ "$$rc" -eq 0 ] || status=$$rc; \
	$(MAKE) --no-print-directory toil-tests || status=1; \
	$(MAKE) --no-print-directory conformance || status=1; \
	$(MAKE) --no-print-directory containers-suite || status=1; \
	exit $$status

# Toil 9.6.0's own API tests (from its PyPI wheel, unpacked into a scratch directory) against
# toil_tests/baseline.yaml, and Toil's documented tutorial scripts; fails on a regression.
# Part of `make test`. The wheel is cached under TOIL_TESTS_CACHE (default ~/.cache/toil-tests).
toil-tests: install
	$(PYTHON) -m toil_tests.run

GRID_ENGINE_TESTS = tests/cluster/test_grid_engine_contract.py tests/cluster/test_grid_engine_workflows.py

test-gridengine: install
	$(PYTHON) -m pytest -q -p no:cacheprovider $(GRID_ENGINE_TESTS)

# toil server (WES) alone: starts its own Redis (tests/services/redis.sh) and Celery worker. Part of `make test`.
test-server: install
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/server

# Containers (issue 10), the last part of `make test`: start a real Docker engine
# (tests/services/docker.sh: Debian docker.io, images built locally with debootstrap), run
# tests/containers (which also set up podman), then both conformance suites with steps in
# containers; stop the engine.
CONTAINER_TESTS = tests/containers

test-containers: install
	@$(MAKE) --no-print-directory containers-suite

containers-suite:
	@status=0; \
	bash tests/services/docker.sh start || exit 1; \
	$(PYTHON) -m pytest -q -p no:cacheprovider $(CONTAINER_TESTS) || status=1; \
	$(MAKE) --no-print-directory conformance-containers || status=1; \
	bash tests/services/docker.sh stop; \
	exit $$status

conformance-containers:
	@status=0; \
	$(PYTHON) -m conformance.cwl.run -j 2 --container --baseline conformance/cwl/baseline-container.yaml \
		--name summary-container || status=1; \
	$(PYTHON) -m conformance.wdl.run -j 2 --runner "toil-wdl-runner --container docker" \
		--reports conformance/wdl/reports-container || status=1; \
	exit $$status

# The reliability campaigns alone (they also run in `make test`): kills, a full disk, restarts
# (tests/chaos, as root), the bad-input corpus and the fuzz pass. Longer runs:
# make chaos TOIL_CHAOS_RUNS=10 TOIL_FUZZ_EXAMPLES=5000 (TOIL_CHAOS_SEED=N replays a campaign).
chaos: install
	$(PYTHON) -m pytest -q -p no:cacheprovider -m "chaos or fuzz or corpus" tests

conformance: conformance-cwl conformance-wdl

conformance-cwl:
	$(PYTHON) -m conformance.cwl.run -j 2

# Tasks on the host even where a container engine is installed (containers-suite runs them in one).
conformance-wdl:
	$(PYTHON) -m conformance.wdl.run -j 2 --runner "toil-wdl-runner --container none"

demo: install
	toil-cwl-runner --outdir demo-out examples/hello.cwl examples/hello-job.yml
	toil-wdl-runner examples/hello.wdl examples/hello.json -o demo-out --container none
	$(PYTHON) examples/helloWorld.py ./demo-jobstore --clean=always
	$(PYTHON) examples/sort.py file:./demo-sort-store --numLines=5000 --clean=always

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .import_linter_cache .hypothesis
	rm -rf demo-jobstore demo-sort-store demo-out fileToSort.txt sortedFile.txt
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Benchmarks against Toil 9.6, cwltool and miniwdl: benchmarks/bench.py writes benchmarks/RESULTS.md.
# The peers' virtual environments are built once under BENCH_CACHE and reused. Runs are recorded as
# they finish, so an interrupted `make bench` resumes. Select with WORKLOADS=a,b SYSTEMS=x,y REPS=N;
# QUICK=1 is a smoke test at small N (writes benchmarks/RESULTS-quick.md); BENCH_ARGS passes more
# (--fresh, --retry-failed, --list, --report-only ...). The CWL conformance suite is long: opt-in.
BENCH_CACHE ?= $(HOME)/.cache/toil-bench
.PHONY: bench bench-conformance
bench:
	$(PYTHON) benchmarks/bench.py --cache "$(BENCH_CACHE)" $(if $(QUICK),--quick) \
		$(if $(WORKLOADS),--workloads $(WORKLOADS)) $(if $(SYSTEMS),--systems $(SYSTEMS)) \
		$(if $(REPS),--reps $(REPS)) $(BENCH_ARGS)

bench-conformance:
	$(MAKE) bench WORKLOADS=cwl-conformance
