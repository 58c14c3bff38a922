# Go fuzzing time per fuzz target, in go test -fuzztime syntax (30s, 2m, 1000x).
FUZZTIME ?= 30s
# Fuzzing time per target of make fuzz-smoke.
FUZZ_SMOKE_TIME ?= 5s

# Parallel Ginkgo processes per fault suite: one per vpcd slot.
FAULTS_PROCS ?= 2

.PHONY: all deps build test conformance faults bench fuzz fuzz-smoke fixtures clean

all: build

# Installs the Debian packages (pcscd, libpcsclite-dev, pkg-config,
# vsmartcard-vpcd, pcsc-tools, opensc, chromium, chromium-driver,
# fonts-noto-cjk) when missing, and checks for Go 1.26 or later.
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

# Ginkgo fault suites: make faults runs them, make test leaves them out.
FAULT_SUITES = gcacard/faults/crash gcacard/faults/stack gcacard/faults/peer

# Vets every package, then runs the tests with pcscd running: the stack
# tests serve cards into its vpcd readers. scripts/with-pcscd.sh starts
# pcscd when it is not running, which needs root. The fault suites take
# minutes, so they run in make faults instead.
test: deps
	go vet ./...
	bash scripts/with-pcscd.sh go test -count=1 $$(go list ./... | grep -vxF $(addprefix -e ,$(FAULT_SUITES)))

# Runs the Ginkgo conformance suite with pcscd running and writes
# reports/junit.xml, reports/report.json and reports/summary.md. Without
# GCA_READER it tests virtual cards with every spec, two at a time; with
# GCA_READER="reader name" it runs the physical-safe specs on that reader's
# card, and the destructive ones too when GCA_ALLOW_DESTRUCTIVE is the
# card's number. LABEL_FILTER=expr narrows the run, such as
# LABEL_FILTER=state. See scripts/conformance.sh.
conformance: deps build
	bash scripts/conformance.sh

# Runs every Ginkgo fault suite under faults/ (specs labelled "faults")
# with pcscd running, in FAULTS_PROCS processes each. Writes
# reports/faults/junit.xml and the suites' counts, such as
# reports/faults/crash-counts.json. Specs that mount tmpfs need root and
# skip without it.
faults: deps
	rm -rf reports/faults
	mkdir -p reports/faults
	GCA_FAULTS_REPORT_DIR="$(CURDIR)/reports/faults" bash scripts/with-pcscd.sh \
		go tool ginkgo --label-filter faults --procs $(FAULTS_PROCS) --no-color \
		--output-dir reports/faults --junit-report junit.xml ./faults/...

# Measures APDU throughput and latency through pcscd (gcacard, vicc and a
# reply-only ceiling card), scaling over 1 to 8 cards, the conformance
# suite's wall time and the emulator's Go benchmarks. Writes
# reports/bench/results.md and results.json and, with the default
# settings only, the generated section of docs/benchmarks.md. BENCH_ARGS
# passes options to gcabench run, such as BENCH_ARGS="-rounds 3"; such a
# run updates docs/benchmarks.md only when BENCH_ARGS also holds
# -doc docs/benchmarks.md. Run as root, as CI does: vicc's packages and the
# pcscd instances for cards 3 to 8 need it. See scripts/bench.sh.
bench: deps
	bash scripts/bench.sh $(BENCH_ARGS)

fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Runs every fuzz target briefly, FUZZ_SMOKE_TIME each, as CI does.
fuzz-smoke:
	FUZZTIME=$(FUZZ_SMOKE_TIME) bash scripts/fuzz.sh

# Regenerates the test CA and keys with cmd/gcafixtures.
fixtures:
	go run ./cmd/gcafixtures

clean:
	rm -rf bin/ reports/ coverage.out coverage.html
