#!/usr/bin/env bash
# Builds a hybrid BIOS/UEFI ISO of the kernel with the given kernel command line, and the
# initrd that sits beside the kernel (initrd.cpio, built by make), both without debug sections.
# Usage: tools/mkiso.sh KERNEL.elf OUT.iso "CMDLINE"
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/flotilla-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/boot/grub"
initrd=$(dirname "$kernel")/initrd.cpio
[ -f "$initrd" ] || { echo "mkiso: $initrd missing (make images builds it)" >&2; exit 1; }
# The ISO's kernel and programs go without their debug sections (the build's files keep
# them, for gdb): GRUB reads the kernel twice (multiboot2 loads its sections too) and the
# initrd once, and kernel 0 copies both into every other kernel's partition, so each
# megabyte here is time on every boot. Symbols (.ksyms, .symtab) stay.
objcopy --strip-debug "$kernel" "$stage/boot/kernel.elf"
mkdir "$stage/initrd"
(cd "$stage/initrd" && cpio -id --quiet) <"$initrd"
find "$stage/initrd" -type f | while read -r f; do
	if cmp -s -n 4 "$f" <(printf '\177ELF'); then strip --strip-debug "$f"; fi
done
(cd "$stage/initrd" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$stage/boot/initrd"
rm -rf "$stage/initrd"
# The command line goes into grub.cfg verbatim: refuse what would break out of it.
if printf '%s' "$cmdline" | grep -q '[];{}$`\\"'"'"'|&[]'; then
	echo "mkiso: unsafe character in command line: $cmdline" >&2
	exit 1
fi
sed "s|@CMDLINE@|$cmdline|" "$here/boot/grub.cfg.in" >"$stage/boot/grub/grub.cfg"
grub-mkrescue -o "$out.tmp" "$stage" >/dev/null 2>"$stage.log" || { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
mv "$out.tmp" "$out"
