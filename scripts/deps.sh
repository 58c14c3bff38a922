#!/usr/bin/env bash
# Checks the Go toolchain and installs the Debian packages that gcacard
# needs, skipping packages that are already installed.
#
# Installing needs root: the script uses sudo when it is not run as root.
set -euo pipefail

# pcscd and libpcsclite-dev are the PC/SC daemon and its client library,
# pkg-config finds that library for cgo, and vsmartcard-vpcd is the pcscd
# reader driver that the vpcd bridge connects to. pcsc-tools (pcsc_scan)
# and opensc (opensc-tool) are PC/SC clients that the tests run against
# the served card. chromium and chromium-driver run the browser test of the
# gca web page, and fonts-noto-cjk gives headless Chromium a font for the
# page's Chinese texts, which its screenshots would otherwise show as boxes.
packages=(pcscd libpcsclite-dev pkg-config vsmartcard-vpcd pcsc-tools opensc chromium chromium-driver fonts-noto-cjk)
min_go_major=1
min_go_minor=26

check_go() {
	if ! command -v go >/dev/null 2>&1; then
		echo "deps: go command not found in PATH. Install Go ${min_go_major}.${min_go_minor} or later (https://go.dev/doc/install) and add its bin directory to PATH." >&2
		exit 1
	fi

	# GOTOOLCHAIN=local stops an older go from trying to download the
	# toolchain version that go.mod requires.
	local version
	version=$(GOTOOLCHAIN=local go env GOVERSION)
	if [[ ! $version =~ ^go([0-9]+)\.([0-9]+) ]]; then
		echo "deps: failed to parse the Go version \"$version\" from go env GOVERSION, so the version is not checked" >&2
		return
	fi

	local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
	if ((major < min_go_major || (major == min_go_major && minor < min_go_minor))); then
		echo "deps: $(command -v go) is $version, but gcacard needs go${min_go_major}.${min_go_minor} or later. Install a newer Go (https://go.dev/doc/install) and put it first in PATH." >&2
		exit 1
	fi
	echo "deps: $version found"
}

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

install_packages() {
	local missing=()
	local package
	for package in "${packages[@]}"; do
		if ! is_installed "$package"; then
			missing+=("$package")
		fi
	done

	if ((${#missing[@]} == 0)); then
		echo "deps: Debian packages already installed: ${packages[*]}"
		return
	fi

	local sudo=()
	if ((EUID != 0)); then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "deps: missing Debian packages ${missing[*]}, and installing them needs root. Run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
			exit 1
		fi
		sudo=(sudo)
	fi

	echo "deps: installing ${missing[*]}"
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

check_go
install_packages
