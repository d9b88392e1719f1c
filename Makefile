# Renkei — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/renkei
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X renkei/internal/cli.Version=$(VERSION)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: run demo build assets test test-deps test-sqlite test-postgres vet bench bench-full clean

## run: build and start Renkei on its embedded SQLite (./renkei-data), http://127.0.0.1:8080
run: build
	./$(BIN) serve $(ARGS)

## demo: like run, but a new workspace is filled with a demo business first (the owner's password is printed)
demo: build
	./$(BIN) serve --demo $(ARGS)

## build: the static binary in bin/renkei
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/renkei

## assets: front-end libraries from npm into internal/web/static/vendor
assets:
	bash scripts/assets.sh

## test: install what the tests need, then vet and the whole suite on SQLite and PostgreSQL (browser tests included)
test: test-deps assets vet test-sqlite test-postgres

test-deps:
	bash scripts/test-deps.sh

vet:
	$(GO) vet ./...

test-sqlite:
	@echo "== tests on SQLite =="
	$(GO) test -count=1 -timeout 30m ./...

test-postgres:
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	RENKEI_TEST_DATABASE_URL='$(PG_TEST_URL)' $(GO) test -count=1 -timeout 30m ./...

## bench: the quick benchmark run (SQLite); bench-full: both databases (both install what the tests
## install first: Q1 renders quote PDFs with the system's IPAex font)
bench: test-deps build
	$(GO) run ./cmd/renkei-bench -quick

bench-full: test-deps build
	$(GO) run ./cmd/renkei-bench -postgres '$(PG_TEST_URL)'

clean:
	rm -rf bin
