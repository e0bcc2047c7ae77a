# Belfry entry points. `make run` and `make test` set everything up from a fresh clone.
SHELL := /bin/bash
BELFRY_ROOT ?= $(CURDIR)/.dev-root
export BELFRY_ROOT

.PHONY: run start deps build test bench check units docs clean

## make run: install what is missing, build, start one simulated device and print its URLs
run: deps build start

## make start: start a device from the current build without installing anything
start:
	node dist/launcher.mjs --root "$(BELFRY_ROOT)" $(ARGS)

deps:
	@scripts/deps.sh

build:
	@node scripts/build.mjs

## make test: the same set-up, then every test; ends with "N passed, N failed"
test: deps build
	@node scripts/test.mjs

## make bench: benchmarks, JSON figures on stdout (also written to bench/results.json); set-up and
## build messages go to stderr so that stdout stays one JSON document
bench:
	@scripts/deps.sh >&2
	@node scripts/build.mjs >&2
	@node bench/run.mjs

## make check: typecheck and lint
check: deps
	@npx tsc -b && node scripts/lint.mjs

## make units: regenerate rootfs-overlay's systemd units from daemons/core/src/services.ts
units:
	@npx tsx scripts/gen-units.ts

## make docs: regenerate docs/api/ (parameters, endpoints) from the code
docs:
	@npx tsx scripts/gen-docs.ts

clean:
	rm -rf dist .tsbuild .dev-root
