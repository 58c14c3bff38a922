#!/usr/bin/env bash
# Runs every Go fuzz target in the module, one after another, for FUZZTIME
# each and stops at the first target that fails. FUZZTIME defaults to 30s
# and takes any value that go test -fuzztime accepts, such as 1m or 500x.
#
# go test -fuzz takes one target in one package per run, so the script
# lists the targets of each package first.
set -euo pipefail

fuzztime=${FUZZTIME:-30s}
count=0

# Only packages with test files can contain fuzz targets.
packages=$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)

for package in $packages; do
	# go test -list prints the matching names, then an "ok" line.
	listing=$(go test -list '^Fuzz' "$package")
	targets=$(grep -E '^Fuzz' <<<"$listing" || true)

	for target in $targets; do
		echo "==> $package $target (fuzztime $fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$package"
		count=$((count + 1))
	done
done

if ((count == 0)); then
	echo "fuzz: no fuzz targets found in the module"
else
	echo "fuzz: fuzz targets passed: $count"
fi
