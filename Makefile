# breakglass: `make help` lists the targets.
GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/breakglass
# Debian packages the test suite drives as independent implementations.
TEST_DEBS := xmlsec1 awscli

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/breakglass
	$(GO) build -o $(BIN) ./cmd/breakglass

.PHONY: deps
deps: ## install the Debian packages the tests need, when missing (needs root or sudo)
	@./.ci/install-deps $(TEST_DEBS)

.PHONY: test
test: deps ## run every test with the race detector (installs xmlsec1 and awscli when missing)
	$(GO) vet $(PKGS)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) test -race -count=1 $(PKGS)

.PHONY: bench
bench: ## benchmark the hot paths against the bare crypto/rsa limit
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -count=5 $(PKGS) | tee bench.out | $(GO) run ./internal/benchreport

.PHONY: lint
lint: ## gofmt, go vet, and golangci-lint when it is installed
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	@if command -v golangci-lint >/dev/null; then golangci-lint run; else echo "golangci-lint not installed; ran gofmt and go vet"; fi

.PHONY: clean
clean: ## remove build output
	rm -rf bin bench.out
