# CurlDynamics: `make run` installs what is missing and runs the main job; `make test` runs the tests.
SWIFT        ?= swift
OUT          ?= out
APT_PACKAGES := libgsl-dev libopenblas-dev liblapacke-dev gnuplot-nox
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CURLDYN      := .build/release/curldyn

FIGS         := $(OUT)/figures

.PHONY: deps build run test slurm-test check-notebooks bench figures clean

## deps: install the Debian packages that are missing (apt-get update runs first, once, only if needed)
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## build: release build of the curldyn tool
build: deps
	$(SWIFT) build -c release --product curldyn

## run: the main job: GD vs curl descent on the linear flow, from a random start and from the teacher
run: build
	$(CURLDYN) integrate --out $(OUT) --name from_random
	$(CURLDYN) integrate --out $(OUT) --name from_teacher --start teacher --perturbation 1e-6

## test: the whole test suite, then the SLURM test
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) slurm-test

## slurm-test: a one-node SLURM cluster on this machine (slurmd, slurmctld, munge from Debian's packages, installed
## if missing; private key, ports and state in a temporary directory) runs a quick figure as an array job and
## its collect job, cancels and resubmits a task, compares with the unsharded run, and stops what it started.
## Needs root (it uses sudo otherwise) and the release build; about two minutes.
slurm-test: build
	.ci/slurm-test $(CURLDYN)

## check-notebooks: re-run every notebooks-md page's commands with the release build and compare the numbers
## the pages print (tolerances on each page; see Sources/notebook-check). CI runs it after the tests.
check-notebooks: build
	$(SWIFT) build -c release --product notebook-check
	.build/release/notebook-check --curldyn $(CURLDYN) notebooks-md/*.md

## figures: every paper figure `curldyn figure list` names, at quick scale (README "Paper figures"; each about a
## minute or less on one core), into $(FIGS)/NAME.png with its tables; `curldyn figure NAME --scale full` for the paper's
figures: build
	@set -e; for f in $$($(CURLDYN) figure list | awk '/^[^ ]/ {print $$1}'); do \
		echo "== curldyn figure $$f (quick)"; \
		$(CURLDYN) figure $$f --scale quick --out $(FIGS); \
	done

## bench: the machine's BLAS bound and the figure workloads beside it (README "Performance")
bench: build
	$(CURLDYN) bench

clean:
	rm -rf .build $(OUT)
