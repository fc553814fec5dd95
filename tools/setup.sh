#!/usr/bin/env bash
# Installs what Flotilla needs to build, boot, test and debug. Idempotent, and quick when
# nothing is missing: it only calls apt-get for packages dpkg does not already have.
set -euo pipefail

# Packages from bookworm itself. clang with libclang-rt-14-dev (libFuzzer and the
# sanitizers' runtimes, not pulled in without recommends) builds tests/fuzz;
# python3-matplotlib draws lbsim's plots (make lbsim-report); Chromium loads httpd's live
# page headless in the network suite (tests/net/status_page.py).
base_pkgs=(gcc make nasm binutils grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
           ovmf ipxe-qemu bochs bochsbios vgabios gdb python3 cpio iproute2 iputils-ping
           curl python3-scapy wrk dnsmasq-base clang libclang-rt-14-dev python3-matplotlib
           chromium)
# QEMU >= 8.0 (igb NIC, x2APIC under TCG) comes from bookworm-backports.
qemu_pkgs=(qemu-system-x86 qemu-utils)
qemu_min_major=8

log() { echo "setup: $*" >&2; }

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$p"
	done
}

qemu_major() {
	command -v qemu-system-x86_64 >/dev/null || { echo 0; return; }
	qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -n1
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Adds bookworm-backports to the machine's existing Debian entry, whichever format it uses,
# so the archive (or mirror) already configured here is the one used.
enable_backports() {
	local f=/etc/apt/sources.list.d/debian.sources
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 1
	fi
	if [ -f "$f" ] && grep -q '^Suites:.*\bbookworm\b' "$f"; then
		log "adding bookworm-backports to $f"
		as_root sed -i -E '/^Suites:.*\bbookworm\b/{/security/!s/$/ bookworm-backports/}' "$f"
		return 0
	fi
	if [ -f /etc/apt/sources.list ]; then
		local line
		line=$(grep -E '^deb\s+\S+\s+bookworm\s' /etc/apt/sources.list | head -n1 || true)
		if [ -n "$line" ]; then
			log "adding bookworm-backports beside the bookworm line of /etc/apt/sources.list"
			echo "$line" | sed -E 's/\sbookworm\s/ bookworm-backports /' |
				as_root tee -a /etc/apt/sources.list >/dev/null
			return 0
		fi
	fi
	log "no Debian bookworm apt entry found; cannot enable bookworm-backports"
	return 1
}

main() {
	local need_base need_qemu=0
	need_base=$(missing_pkgs "${base_pkgs[@]}")
	if [ "$(qemu_major)" -lt "$qemu_min_major" ] || [ -n "$(missing_pkgs "${qemu_pkgs[@]}")" ]; then
		need_qemu=1
	fi
	[ -z "$need_base" ] && [ "$need_qemu" -eq 0 ] && return 0

	export DEBIAN_FRONTEND=noninteractive
	if [ "$need_qemu" -eq 1 ]; then
		enable_backports || true
	fi
	log "installing: ${need_base//$'\n'/ } $([ "$need_qemu" -eq 1 ] && echo "${qemu_pkgs[*]} (backports)")"
	as_root apt-get update -qq
	if [ -n "$need_base" ]; then
		# shellcheck disable=SC2086
		as_root apt-get install -y -qq --no-install-recommends $need_base >/dev/null
	fi
	if [ "$need_qemu" -eq 1 ]; then
		as_root apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			"${qemu_pkgs[@]}" >/dev/null
	fi
	if [ "$(qemu_major)" -lt "$qemu_min_major" ]; then
		log "QEMU $(qemu_major) is older than $qemu_min_major after install"
		exit 1
	fi
	log "done"
}

main "$@"
