#!/usr/bin/env bash
# URPC between kernels inside QEMU: boots 2 kernels RUNS times (default 3) with the
# bench_urpc_between_kernels test and prints its figures from each boot.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
runs=${RUNS:-3}
iso=$BUILD/bench/urpc.iso
mkdir -p "$BUILD/bench"
tools/mkiso.sh "$BUILD/kernel.elf" "$iso" "ktest=bench_urpc_between_kernels heartbeat=0 loglevel=warn"
echo "URPC inside QEMU $(qemu-system-x86_64 --version | head -n1 | sed 's/.*version //'), TCG, q35, -smp 2, $runs boots:"
for i in $(seq "$runs"); do
	log=$BUILD/bench/urpc-$i.log
	status=0
	tools/qemu.sh --cpus 2 --timeout 120 --serial "$log" "$iso" >/dev/null 2>&1 || status=$?
	if [ "$status" -ne 33 ]; then
		echo "boot $i: failed (QEMU exit $status); see $log" >&2
		exit 1
	fi
	tr -d '\r' <"$log" | sed -n 's/^\[k0\] bench: urpc in QEMU, /  boot '"$i"': /p'
done
