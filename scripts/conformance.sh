#!/usr/bin/env bash
# Runs the Ginkgo conformance suite in specs/ with the ginkgo CLI that
# go.mod pins as a tool, while pcscd runs (scripts/with-pcscd.sh).
#
# Targets, chosen by the environment as the harness chooses them:
#   virtual (GCA_READER unset): every spec, each on a fresh virtual card,
#     in GCA_VPCD_SLOTS parallel processes (2 by default, one per vpcd
#     slot).
#   physical (GCA_READER set): the physical-safe specs, plus the
#     destructive ones when GCA_ALLOW_DESTRUCTIVE is set, in one process.
# LABEL_FILTER, when set, narrows either target further with a Ginkgo
# label expression, such as LABEL_FILTER=state.
#
# Reports go to GCA_REPORT_DIR (reports/ by default): junit.xml,
# report.json, the suite's summary.md and apdu/, one APDU record per spec.
# The script deletes those files of a previous run first. It exits with
# ginkgo's status, non-zero when any spec fails.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# The suite runs inside specs/, so the report folder it gets must be
# absolute.
report_dir=${GCA_REPORT_DIR:-reports}
mkdir -p "$report_dir"
report_dir=$(cd "$report_dir" && pwd)
export GCA_REPORT_DIR=$report_dir

# Only the files a run writes are deleted, so other files in
# GCA_REPORT_DIR stay.
rm -rf "$report_dir/apdu" "$report_dir/summary.md" "$report_dir/junit.xml" "$report_dir/report.json"

args=(--output-dir "$report_dir" --junit-report junit.xml --json-report report.json)
if [[ -n ${GCA_READER:-} ]]; then
	target="physical, reader \"$GCA_READER\""
	filter=physical-safe
	if [[ -n ${GCA_ALLOW_DESTRUCTIVE:-} ]]; then
		filter="physical-safe || destructive"
	fi
else
	# Every spec runs: those labelled physical-safe also run on a virtual
	# card. Each parallel process uses one vpcd slot at a time.
	target=virtual
	filter=
	args+=(--procs "${GCA_VPCD_SLOTS:-2}")
fi
if [[ -n ${LABEL_FILTER:-} && -n $filter ]]; then
	filter="($filter) && ($LABEL_FILTER)"
elif [[ -n ${LABEL_FILTER:-} ]]; then
	filter=$LABEL_FILTER
fi
if [[ -n $filter ]]; then
	args+=(--label-filter "$filter")
fi

# One line per spec on a terminal; in CI only failures and the summary.
if [[ ${CI:-} == true ]]; then
	args+=(--no-color --succinct)
elif [[ -t 1 ]]; then
	args+=(-v)
else
	args+=(--no-color)
fi

echo "conformance: target $target, label filter \"${filter:-none}\", reports in $report_dir"
status=0
bash scripts/with-pcscd.sh go tool ginkgo "${args[@]}" ./specs || status=$?

if [[ -f $report_dir/summary.md ]]; then
	echo "conformance: summary in $report_dir/summary.md"
fi
if ((status != 0)); then
	echo "conformance: FAILED (ginkgo exit status $status)" >&2
fi
exit "$status"
