# breakglass: `make help` lists the targets.
GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/breakglass
# Debian packages the test suite drives: xmlsec1 and awscli as independent
# implementations, chromium as the browser of the end-to-end tests.
TEST_DEBS := xmlsec1 awscli chromium

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
test: deps ## run every test with the race detector (installs xmlsec1, awscli and chromium when missing)
	$(GO) vet $(PKGS)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on: $$unformatted"; exit 1; fi
	$(GO) test -race -count=1 $(PKGS)
	@$(MAKE) --no-print-directory fuzz

# Fuzz targets run briefly in `make test`; `make fuzz FUZZTIME=5m` digs deeper.
FUZZTIME ?= 3s
FUZZ_TARGETS := \
	./sp/samlcheck:FuzzVerify \
	./sp/samlcheck:FuzzParseMetadata \
	./sp/internal/policy:FuzzParse \
	./landscape:FuzzParse \
	./certs:FuzzReadCertificates \
	./idp:FuzzParseAuthnRequest \
	./capture:FuzzDecode \
	./eventpattern:FuzzMatch

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME (default 3s) on its seed corpus and new inputs
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg >/tmp/breakglass-fuzz.log 2>&1 || { cat /tmp/breakglass-fuzz.log; exit 1; }; \
	done

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
