# CurlDynamics: `make run` installs what is missing and runs the main job; `make test` runs the tests.
SWIFT        ?= swift
OUT          ?= out
APT_PACKAGES := libgsl-dev libopenblas-dev liblapacke-dev gnuplot-nox
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CURLDYN      := .build/release/curldyn

FIGS         := $(OUT)/figures

.PHONY: deps build run test check-notebooks bench figures clean

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

## test: the whole test suite
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## check-notebooks: re-run every notebooks-md page's commands with the release build and compare the numbers
## the pages print (tolerances on each page; see Sources/notebook-check). CI runs it after the tests.
check-notebooks: build
	$(SWIFT) build -c release --product notebook-check
	.build/release/notebook-check --curldyn $(CURLDYN) notebooks-md/*.md

## figures: the paper's theory figures (Fig. 2 phase diagrams, Fig. 7 spectra) and the Fig. 5 comparison
## (tanh 100-10-1, one flipped readout neuron, P = 1000, 10 seeds, t = 1000: about a minute)
figures: build
	$(CURLDYN) phase-diagram --layer hidden --empirical 220 --out $(FIGS) --name fig2_hidden
	$(CURLDYN) phase-diagram --layer readout --empirical 220 --out $(FIGS) --name fig2_readout
	$(CURLDYN) spectrum --layer readout --c 10 --alpha 0.5 --sample-hidden 400 --out $(FIGS) --name fig7_readout
	$(CURLDYN) spectrum --layer hidden --c 0.1 --alpha 0.7 --sample-hidden 10000 --out $(FIGS) --name fig7_hidden
	$(CURLDYN) compare -M 100 -N 10 --activation tanh --init-scale 2 --flip-hidden 1 --norm-constraint \
		--train-size 1000 --t-final 1000 --seeds 10 --out $(FIGS) --name fig5_P1000

## bench: kernel throughput (dgemm, flow RHS, eigensolvers)
bench: build
	$(CURLDYN) bench

clean:
	rm -rf .build $(OUT)
