# Go fuzzing time per fuzz target, in go test -fuzztime syntax (30s, 2m, 1000x).
FUZZTIME ?= 30s

.PHONY: all deps build test fuzz fixtures clean

all: build

# Installs the Debian packages (pcscd, libpcsclite-dev, pkg-config,
# vsmartcard-vpcd) when missing, and checks for Go 1.26 or later.
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

test: deps
	go vet ./...
	go test -count=1 ./...

fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Regenerates the test CA and keys with cmd/gcafixtures.
fixtures:
	go run ./cmd/gcafixtures

clean:
	rm -rf bin/ reports/ coverage.out coverage.html
