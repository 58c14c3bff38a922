#!/usr/bin/env bash
# Runs a command while pcscd is running, for tests that use the real PC/SC
# stack.
#
# Usage: scripts/with-pcscd.sh COMMAND [ARG...]
#
# When a pcscd already listens on /run/pcscd/pcscd.comm (started by hand,
# by systemd or by socket activation), the script uses it and leaves it
# running. Otherwise it starts `pcscd --foreground` as root, with its log in
# reports/pcscd.log, and stops it after COMMAND. Without root and without a
# running pcscd it prints what to do and exits with status 1.
#
# When it starts pcscd itself, it exports GCACARD_TEST_RESTART_PCSCD=1
# (unless already set), because restarting a pcscd that only this run uses
# harms no one, and GCACARD_PCSCD_LOG, the log that a pcscd restarted by a
# test appends to. It exits with COMMAND's exit status.
set -euo pipefail

if (($# == 0)); then
	echo "usage: scripts/with-pcscd.sh COMMAND [ARG...]" >&2
	exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
pcscd_socket=/run/pcscd/pcscd.comm
pcscd_pid_file=/run/pcscd/pcscd.pid
pcscd_log=$repo/reports/pcscd.log
pcscd_wait_seconds=10
started_pid=

# A pcscd socket is live when a process listens on it. /proc/net/unix lists
# the path of every bound Unix socket, so a stale socket file is not listed.
socket_is_live() {
	[[ -S $pcscd_socket ]] && grep -q " ${pcscd_socket}\$" /proc/net/unix
}

# pid_file_pid prints the pid in pcscd's pid file, without the NUL byte that
# pcscd 1.9.9 writes after it.
pid_file_pid() {
	if [[ -r $pcscd_pid_file ]]; then
		tr -cd '0-9' <"$pcscd_pid_file"
	fi
}

is_pcscd() {
	[[ -n $1 && $(cat "/proc/$1/comm" 2>/dev/null) == pcscd ]]
}

# stop_pcscd stops the pcscd that this script started. A test may have
# restarted pcscd meanwhile (GCACARD_TEST_RESTART_PCSCD), so it also stops
# the pcscd that the pid file names then.
stop_pcscd() {
	if [[ -z $started_pid ]]; then
		return
	fi
	local pids=("$started_pid")
	local current
	current=$(pid_file_pid)
	if [[ -n $current && $current != "$started_pid" ]]; then
		pids+=("$current")
	fi

	local pid
	for pid in "${pids[@]}"; do
		if is_pcscd "$pid"; then
			echo "with-pcscd: stopping pcscd (pid $pid)"
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done

	# Only the first pcscd is this shell's child. A restarted one is
	# waited for through /proc, where an exited process that its parent
	# has not reaped yet shows state Z.
	wait "$started_pid" 2>/dev/null || true
	local tenths
	for pid in "${pids[@]}"; do
		for ((tenths = 0; tenths < pcscd_wait_seconds * 10; tenths++)); do
			if ! is_pcscd "$pid" || [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
				break
			fi
			sleep 0.1
		done
		if is_pcscd "$pid" && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
			echo "with-pcscd: pcscd (pid $pid) still running ${pcscd_wait_seconds}s after SIGTERM" >&2
		fi
	done
}

start_pcscd() {
	if socket_is_live; then
		if pgrep -x pcscd >/dev/null; then
			echo "with-pcscd: pcscd is already running (pid $(pgrep -d ' ' -x pcscd)), using it and leaving it running"
			return
		fi
		# systemd listens on the socket for pcscd.socket and starts pcscd
		# at the first connection.
		if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet pcscd.socket 2>/dev/null; then
			echo "with-pcscd: using systemd's pcscd.socket"
			return
		fi
		echo "with-pcscd: a process other than pcscd listens on $pcscd_socket. Stop it and run again." >&2
		exit 1
	fi

	if ((EUID != 0)); then
		echo "with-pcscd: pcscd is not running and only root can start it: run \`sudo systemctl start pcscd\` (or, as root, \`pcscd --foreground &\`) and run again." >&2
		exit 1
	fi

	# pcscd refuses to start while a socket file from a killed pcscd
	# remains and its old pid still exists (a zombie, for example).
	if [[ -e $pcscd_socket ]]; then
		echo "with-pcscd: removing stale $pcscd_socket and $pcscd_pid_file, because no process listens on the socket"
		rm -f "$pcscd_socket" "$pcscd_pid_file"
	fi

	mkdir -p "$(dirname "$pcscd_log")"
	echo "with-pcscd: starting pcscd --foreground, log in $pcscd_log"
	pcscd --foreground >>"$pcscd_log" 2>&1 &
	started_pid=$!
	trap stop_pcscd EXIT

	local tenths
	for ((tenths = 0; tenths < pcscd_wait_seconds * 10; tenths++)); do
		if socket_is_live; then
			echo "with-pcscd: pcscd is listening on $pcscd_socket"
			export GCACARD_TEST_RESTART_PCSCD=${GCACARD_TEST_RESTART_PCSCD:-1}
			export GCACARD_PCSCD_LOG=$pcscd_log
			return
		fi
		if ! kill -0 "$started_pid" 2>/dev/null; then
			echo "with-pcscd: pcscd exited before it opened $pcscd_socket. Last lines of $pcscd_log:" >&2
			tail -n 20 "$pcscd_log" >&2
			exit 1
		fi
		sleep 0.1
	done

	echo "with-pcscd: pcscd did not open $pcscd_socket within ${pcscd_wait_seconds}s. Last lines of $pcscd_log:" >&2
	tail -n 20 "$pcscd_log" >&2
	exit 1
}

# Exit through the EXIT trap on an interrupt too, so that a pcscd started
# here is stopped.
trap 'exit 130' INT
trap 'exit 143' TERM
start_pcscd

status=0
"$@" || status=$?
exit "$status"
