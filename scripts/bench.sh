#!/usr/bin/env bash
# Runs the benchmarks of docs/benchmarks.md. As root it installs the Debian
# packages of vsmartcard's vicc when they are missing; otherwise it skips
# vicc with a message. Then it builds bin/ and runs bin/gcabench while
# pcscd runs (scripts/with-pcscd.sh). Results go to reports/bench/results.md
# and results.json (or the -out folder).
#
# Extra arguments go to gcabench run, for example
#   bash scripts/bench.sh -rounds 3 -scale 1,2
# (see bin/gcabench help). Only a run without arguments, which has the
# default settings, writes its results into the generated section of
# docs/benchmarks.md. A run with arguments leaves the document alone
# unless they include -doc docs/benchmarks.md. More than two cards in the
# scale measurement needs root, because further pcscd instances run under
# unshare --mount.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# vicc (vsmartcard-vpicc) with the Python packages it imports: Debian's
# python3-virtualsmartcard, pycryptodome (as Cryptodome) and pyscard.
vicc_packages=(vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome python3-pyscard)

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

install_vicc() {
	local missing=() package
	for package in "${vicc_packages[@]}"; do
		if ! is_installed "$package"; then
			missing+=("$package")
		fi
	done
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	if ((EUID != 0)); then
		echo "bench: vicc is skipped: the Debian packages ${missing[*]} are missing and installing them needs root (apt-get install -y ${missing[*]})" >&2
		return 1
	fi
	echo "bench: installing ${missing[*]} for vicc"
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; }; then
		echo "bench: vicc is skipped: installing ${missing[*]} failed" >&2
		return 1
	fi
}

vicc_flag=-vicc=true
if ! install_vicc; then
	vicc_flag=-vicc=false
fi

doc_args=()
if (($# == 0)); then
	doc_args=(-doc docs/benchmarks.md)
	echo "bench: default settings, so the results also go into docs/benchmarks.md"
else
	echo "bench: options given, so docs/benchmarks.md is updated only if they include -doc docs/benchmarks.md"
fi

mkdir -p bin
go build -o bin/ ./cmd/gcacard ./cmd/gcabench
bash scripts/with-pcscd.sh bin/gcabench run "$vicc_flag" "${doc_args[@]}" "$@"
