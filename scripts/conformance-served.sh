#!/usr/bin/env bash
# Runs the conformance suite on its physical target against a fixture card
# that bin/gcacard serve serves in a vpcd slot, the way a lab runs it
# against a physical card in a reader. It runs make conformance with
# GCA_READER set, so only the physical-safe specs run, in one process.
#
# Usage: scripts/conformance-served.sh [PROFILE [SLOT]]
#   PROFILE  fixture card profile, activated by default
#   SLOT     vpcd slot, 1 by default; its reader is "Virtual PCD 00 0N"
#
# The card's state lives in a new temporary folder, deleted at the end, and
# the daemon's log goes to gcacard-serve.log in GCA_REPORT_DIR (reports/
# by default), next to the suite's reports. While the daemon
# runs the script holds the slot's lock file, which the harness and the
# stack tests take before they use a slot. Run it after make build, as
# root when pcscd is not running yet (scripts/with-pcscd.sh starts it). It
# exits with the status of make conformance.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

profile=${1:-activated}
slot=${2:-1}
if [[ ! $slot =~ ^[0-9]+$ ]] || ((slot > 15)); then
	echo "conformance-served: invalid slot \"$slot\": want a vpcd slot from 0 to 15" >&2
	exit 2
fi
reader=$(printf 'Virtual PCD 00 %02X' "$slot")
card_wait_seconds=20

# The daemon needs pcscd before it starts, so the whole script runs under
# scripts/with-pcscd.sh.
if [[ -z ${GCACARD_SERVED_UNDER_PCSCD:-} ]]; then
	export GCACARD_SERVED_UNDER_PCSCD=1
	exec bash scripts/with-pcscd.sh bash "$0" "$profile" "$slot"
fi

if [[ ! -x bin/gcacard ]]; then
	echo "conformance-served: bin/gcacard not found: run make build first" >&2
	exit 1
fi

# card_present succeeds when pcscd shows a card in the reader. opensc-tool
# prints one line per reader: its number, "Yes" when a card is in it, its
# features and its name.
card_present() {
	opensc-tool --list-readers 2>/dev/null | grep -Eq "^[0-9]+ +Yes .*${reader}\$"
}

lock_file=/tmp/gcacard-vpcd-slot-$slot.lock
exec {lock_fd}<>"$lock_file"
echo "conformance-served: waiting for the lock of vpcd slot $slot ($lock_file)"
flock --wait 300 "$lock_fd"

state_dir=$(mktemp -d)
report_dir=${GCA_REPORT_DIR:-reports}
mkdir -p "$report_dir"
serve_log=$(cd "$report_dir" && pwd)/gcacard-serve.log
serve_pid=

stop_daemon() {
	if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
		echo "conformance-served: stopping gcacard serve (pid $serve_pid)"
		kill -TERM "$serve_pid"
		wait "$serve_pid" || true
	fi
	rm -rf "$state_dir"
}
trap stop_daemon EXIT

echo "conformance-served: serving the $profile card in \"$reader\", state in $state_dir, log in $serve_log"
# This script holds the slot lock, so serve must not take it.
GCACARD_SLOT_LOCK_HELD=1 bin/gcacard serve --profile "$profile" --slot "$slot" --state "$state_dir" >"$serve_log" 2>&1 {lock_fd}>&- &
serve_pid=$!

for ((tenths = 0; tenths < card_wait_seconds * 10; tenths++)); do
	if card_present; then
		break
	fi
	if ! kill -0 "$serve_pid" 2>/dev/null; then
		echo "conformance-served: gcacard serve exited before the card showed. Last lines of $serve_log:" >&2
		tail -n 20 "$serve_log" >&2
		exit 1
	fi
	sleep 0.1
done
if ! card_present; then
	echo "conformance-served: no card in \"$reader\" ${card_wait_seconds}s after gcacard serve started. Last lines of $serve_log:" >&2
	tail -n 20 "$serve_log" >&2
	exit 1
fi

status=0
make conformance GCA_READER="$reader" || status=$?
exit "$status"
