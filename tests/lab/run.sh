#!/usr/bin/env bash
# What a lab machine does that the other suites' boots do not: boot by PXE off the tree
# `make pxe` builds (BIOS and UEFI, each to an HTTP 200 from httpd over the tap, with
# tools/run-pxe.sh), and show the boot on its screen when it has no serial port (the
# multiboot2 framebuffer console, read back from QEMU's screendump by tests/lab/screen.py).
# The PXE boots need root (a network namespace); without it they are skipped by name, loudly
# (LAB_TEST_AS_USER=1 takes that path as root too, to see it).
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
OUT=$BUILD/test/lab
TREE=$BUILD/pxe
MAC_CFG=boot/grub/mac/52:54:00:f1:07:02.cfg     # tools/run-pxe.sh's guest
PY=/usr/bin/python3
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

# served_from_tree FIRMWARE [FILE...]: everything that boot needed (and the FILEs) came over
# TFTP from the tree, and the kernel's own DHCP client, after GRUB's, got its lease from the
# same dnsmasq.
served_from_tree() {
	local fw=$1 image f log=$OUT/$1/dnsmasq.log missing=
	shift
	[ "$fw" = bios ] && image=boot/grub/i386-pc/core.0 || image=boot/grub/x86_64-efi/core.efi
	for f in "$image" boot/grub/grub.cfg boot/kernel.elf boot/initrd "$@"; do
		grep -qF "sent $(cd "$TREE" && pwd)/$f to " "$log" 2>/dev/null || missing+=" $f"
	done
	[ -z "$missing" ] || { echo "lab: $fw: not served from $TREE:$missing" >&2; return 1; }
	tr -d '\r' <"$OUT/$fw/serial.log" | grep -q "net: DHCP lease of .*: 198.18.0.2/24"
}

pxe_checks() {
	if [ "$(id -u)" -ne 0 ] || [ "${LAB_TEST_AS_USER:-0}" = 1 ]; then
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
	# The UEFI boot's machine has a configuration of its own (boot/grub/mac/), with a
	# command line of its own; it is taken out again after, leaving the tree as built.
	printf 'menuentry "Flotilla, this machine" {\n\tmultiboot2 /boot/kernel.elf %s\n\tmodule2 /boot/kernel.elf kernel.elf\n\tmodule2 /boot/initrd initrd\n\tboot\n}\n' \
		"loglevel=info ip=dhcp from=mac-file" >"$TREE/$MAC_CFG"
	check lab.pxe_uefi_httpd_answers_200 "no 200 within 180 s; see $OUT/uefi/" pxe_boot uefi 180
	check lab.pxe_uefi_booted_from_the_tree "files not from $TREE or no kernel DHCP lease; see $OUT/uefi/" \
		served_from_tree uefi "$MAC_CFG"
	check lab.pxe_per_mac_grub_cfg_gives_the_command_line "no 'cmdline: ... from=mac-file' in $OUT/uefi/serial.log" \
		grep -q 'cmdline: loglevel=info ip=dhcp from=mac-file' "$OUT/uefi/serial.log"
	rm -f "$TREE/$MAC_CFG"
}

# screen_shows FIRMWARE: a boot of two kernels with no serial port at all; within 120 s the
# text read off its screen (tests/lab/screen.py: every cell must match a glyph of the
# kernel's font pixel for pixel) holds both kernels' tagged lines.
screen_shows() {
	local fw=$1 dir=$OUT/screen-$1 qpid shown=0
	mkdir -p "$dir" && rm -f "$dir/qmp.sock" "$dir/screen.txt"
	tools/qemu.sh --firmware "$fw" --cpus 2 --serial none --timeout 150 "$OUT/screen.iso" \
		-- -qmp "unix:$dir/qmp.sock,server=on,wait=off" >"$dir/qemu.out" 2>&1 &
	qpid=$!
	for _ in $(seq 40); do
		sleep 3
		kill -0 "$qpid" 2>/dev/null || break
		$PY tests/lab/screen.py --qmp "$dir/qmp.sock" --dump "$dir/screen.ppm" >"$dir/screen.txt" 2>>"$dir/qemu.out" || continue
		if grep -qE '^\[k0\] flotilla: kernel up, [0-9]+ symbols' "$dir/screen.txt" &&
			grep -qxF '[k0] hello from kernel 0 of 2, pid 1, booted by the boot table' "$dir/screen.txt" &&
			grep -qxF '[k1] hello from kernel 1 of 2, pid 1, booted by the boot table' "$dir/screen.txt"; then
			shown=1
			break
		fi
	done
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	[ "$shown" -eq 1 ] || echo "lab: $fw: the screen did not show the boot lines; it read: $(grep -c . "$dir/screen.txt" 2>/dev/null) lines, in $dir/screen.txt" >&2
	[ "$shown" -eq 1 ]
}

# decodes_itself: the reader finds a line drawn with the kernel's font, and nothing in a
# blank picture (so an empty screen cannot pass the checks above).
decodes_itself() {
	local line='[k1] pci: 00:02.0 8086:10d3 ~{|}` !@#$%^&*()_+-=;:,.<>/?' dir=$OUT/screen-self
	mkdir -p "$dir"
	$PY tests/lab/screen.py --render "$line" --ppm-out "$dir/line.ppm" &&
		[ "$($PY tests/lab/screen.py --ppm "$dir/line.ppm")" = "$line" ] &&
		printf 'P6\n64 32\n255\n' >"$dir/blank.ppm" && head -c $((64 * 32 * 3)) /dev/zero >>"$dir/blank.ppm" &&
		[ -z "$($PY tests/lab/screen.py --ppm "$dir/blank.ppm" | tr -d '\n')" ]
}

screen_checks() {
	check lab.screen_reader_decodes_the_kernel_font "screen.py did not read back its own line" decodes_itself
	if ! tools/mkiso.sh "$BUILD/kernel.elf" "$OUT/screen.iso" "loglevel=info" >/dev/null; then
		fail lab.screen_iso "mkiso failed"
		return
	fi
	check lab.screen_shows_boot_lines_bios "no boot lines on the screen; see $OUT/screen-bios/" screen_shows bios
	check lab.screen_shows_boot_lines_uefi "no boot lines on the screen; see $OUT/screen-uefi/" screen_shows uefi
}

pxe_checks
screen_checks
