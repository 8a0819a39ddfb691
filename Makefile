# Berth — the two commands a user needs are `make up` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := build
DOTNET ?= dotnet
RID ?= linux-x64
BIN := $(CURDIR)/bin
OUT := $(CURDIR)/out
PUBLISH := $(DOTNET) publish -c Release -r $(RID) --nologo -v:q -clp:NoSummary

.PHONY: build deps up down test unit e2e format bench clean

## build: berthd, berth and berth-runtime (NativeAOT) and berth-init, berth-nsexec (static C) into bin/
build:
	@scripts/check-toolchain.sh
	$(PUBLISH) src/Berth.Runtime.Cli -o $(OUT)/berth-runtime
	$(PUBLISH) src/Berth.Cli -o $(OUT)/berth
	$(PUBLISH) src/Berth.Host -o $(OUT)/berthd
	@mkdir -p $(BIN) $(OUT)/berth-init
	musl-gcc -static -Os -Wall -Wextra -Werror -o $(OUT)/berth-init/berth-init src/berth-init/init.c
	musl-gcc -static -Os -Wall -Wextra -Werror -o $(OUT)/berth-init/berth-nsexec src/berth-init/nsexec.c
	@install -m 0755 $(OUT)/berthd/berthd $(OUT)/berth/berth $(OUT)/berth-runtime/berth-runtime $(OUT)/berth-init/berth-init $(OUT)/berth-init/berth-nsexec $(BIN)/
	@install -m 0644 $(OUT)/berthd/libe_sqlite3.so $(BIN)/
	@echo "built: $(BIN)/berthd $(BIN)/berth $(BIN)/berth-runtime $(BIN)/berth-init $(BIN)/berth-nsexec"

## deps: the Debian packages Berth and its tests use, installed only where missing
deps:
	@scripts/install-deps.sh

## up: build, start berthd on its defaults, seed the local images, say how to point docker at it
up: deps build
	@scripts/up.sh

## down: stop the berthd that `make up` started (running containers keep running)
down:
	@scripts/down.sh

## test: the whole suite (style, unit and kernel tests, end-to-end with the real docker CLI)
test: deps build
	$(DOTNET) format Berth.slnx --verify-no-changes -v:q
	@mkdir -p $(OUT)
	@# The failing tests are printed again at the end, where a CI log's tail shows them.
	$(DOTNET) test Berth.slnx -c Release --nologo -v:q --logger "console;verbosity=minimal" -- RunConfiguration.TestSessionTimeout=2400000 2>&1 | tee $(OUT)/test.log; \
	status=$${PIPESTATUS[0]}; if [ $$status -ne 0 ]; then echo "failed tests:"; grep -E -A6 '^  Failed ' $(OUT)/test.log | cut -c1-300; grep 'Failed!' $(OUT)/test.log; fi; exit $$status

## bench: Berth against the real Docker (Debian's docker.io) side by side
bench: deps build
	@bench/run.sh
	@bench/exec.sh
	@bench/stats.sh
	@bench/network.sh
	@bench/storage.sh
	@bench/build.sh
	@bench/registry.sh
	@bench/security.sh

clean:
	rm -rf $(BIN) $(OUT)
	find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
