# Go fuzzing time per fuzz target, in go test -fuzztime syntax (30s, 2m, 1000x).
FUZZTIME ?= 30s

.PHONY: all deps build test conformance bench fuzz fixtures clean

all: build

# Installs the Debian packages (pcscd, libpcsclite-dev, pkg-config,
# vsmartcard-vpcd, pcsc-tools, opensc) when missing, and checks for Go 1.26
# or later.
deps:
	bash scripts/deps.sh

# Builds every package, and the commands under cmd/ into bin/.
build:
	go build ./...
	@if [ -n "$$(go list ./cmd/... 2>/dev/null)" ]; then \
		echo "go build -o bin/ ./cmd/..."; \
		go build -o bin/ ./cmd/...; \
	else \
		echo "build: no commands under cmd/ yet, so bin/ stays empty"; \
	fi

# Vets every package, then runs the tests with pcscd running: the stack
# tests serve cards into its vpcd readers. scripts/with-pcscd.sh starts
# pcscd when it is not running, which needs root.
test: deps
	go vet ./...
	bash scripts/with-pcscd.sh go test -count=1 ./...

# Runs the Ginkgo conformance suite with pcscd running and writes
# reports/junit.xml, reports/report.json and reports/summary.md. Without
# GCA_READER it tests virtual cards with every spec, two at a time; with
# GCA_READER="reader name" it runs the physical-safe specs on that reader's
# card, and the destructive ones too when GCA_ALLOW_DESTRUCTIVE is the
# card's number. LABEL_FILTER=expr narrows the run, such as
# LABEL_FILTER=state. See scripts/conformance.sh.
conformance: deps build
	bash scripts/conformance.sh

# Measures APDU throughput and latency through pcscd (gcacard, vicc and a
# reply-only ceiling card), scaling over 1 to 8 cards, the conformance
# suite's wall time and the emulator's Go benchmarks. Writes
# reports/bench/results.md and results.json and the generated section of
# docs/benchmarks.md. BENCH_ARGS passes options to gcabench run, such as
# BENCH_ARGS="-rounds 3". Run as root, as CI does: vicc's packages and the
# pcscd instances for cards 3 to 8 need it. See scripts/bench.sh.
bench: deps
	bash scripts/bench.sh $(BENCH_ARGS)

fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Regenerates the test CA and keys with cmd/gcafixtures.
fixtures:
	go run ./cmd/gcafixtures

clean:
	rm -rf bin/ reports/ coverage.out coverage.html
