#!/usr/bin/env bash
# What a lab machine does that the other suites' boots do not: boot by PXE off the tree
# `make pxe` builds (BIOS and UEFI, each to an HTTP 200 from httpd over the tap, with
# tools/run-pxe.sh), and show the boot on its screen when it has no serial port (the
# multiboot2 framebuffer console, read back from QEMU's screendump by tests/lab/screen.py).
# The PXE boots need root (a network namespace); without it they are skipped by name, loudly.
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
OUT=$BUILD/test/lab
TREE=$BUILD/pxe
mkdir -p "$OUT"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# check NAME WHY COMMAND...: PASS if the command succeeds, else FAIL with WHY.
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# pxe_boot FIRMWARE SECONDS: one boot off the tree to httpd's 200.
pxe_boot() {
	tools/run-pxe.sh --firmware "$1" --check "$2" --logdir "$OUT/$1" "$TREE"
}

# served_from_tree FIRMWARE: everything that boot needed came over TFTP from the tree, and
# the kernel's own DHCP client, after GRUB's, got its lease from the same dnsmasq.
served_from_tree() {
	local fw=$1 image f log=$OUT/$1/dnsmasq.log missing=
	[ "$fw" = bios ] && image=boot/grub/i386-pc/core.0 || image=boot/grub/x86_64-efi/core.efi
	for f in "$image" boot/grub/grub.cfg boot/kernel.elf boot/initrd; do
		grep -qF "sent $(cd "$TREE" && pwd)/$f to " "$log" 2>/dev/null || missing+=" $f"
	done
	[ -z "$missing" ] || { echo "lab: $fw: not served from $TREE:$missing" >&2; return 1; }
	tr -d '\r' <"$OUT/$fw/serial.log" | grep -q "net: DHCP lease of .*: 198.18.0.2/24"
}

pxe_checks() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "******** PXE boots SKIPPED: they need root to create a network namespace ********" >&2
		tests/lib/expected.sh lab | grep '^lab\.pxe_' |
			sed 's/$/: not root, so no network namespace to boot in/; s/^/SKIP /'
		return
	fi
	# The tree is the one `make pxe` leaves, and holds this build's kernel and initrd.
	if make --no-print-directory BUILD="$BUILD" pxe >"$OUT/make-pxe.log" 2>&1 &&
		cmp -s "$TREE/boot/kernel.elf" "$BUILD/kernel.elf" &&
		cmp -s "$TREE/boot/initrd" "$BUILD/initrd.cpio"; then
		pass lab.pxe_tree_built
	else
		fail lab.pxe_tree_built "make pxe failed or its tree is not this build's; see $OUT/make-pxe.log"
		return
	fi
	# Under TCG a BIOS boot takes about 25 s here, a UEFI one about 40 s.
	check lab.pxe_bios_httpd_answers_200 "no 200 within 120 s; see $OUT/bios/" pxe_boot bios 120
	check lab.pxe_bios_booted_from_the_tree "files not from $TREE or no kernel DHCP lease; see $OUT/bios/" \
		served_from_tree bios
	check lab.pxe_uefi_httpd_answers_200 "no 200 within 180 s; see $OUT/uefi/" pxe_boot uefi 180
	check lab.pxe_uefi_booted_from_the_tree "files not from $TREE or no kernel DHCP lease; see $OUT/uefi/" \
		served_from_tree uefi
}

pxe_checks
