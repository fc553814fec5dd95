#!/usr/bin/env bash
# Builds the network-boot tree a PXE machine boots from (docs/HARDWARE.md): GRUB's BIOS and
# UEFI network images (grub-mknetdir), the kernel, the initrd, grub.cfg from
# boot/grub.cfg.in with the given command line, and dnsmasq.conf, which serves DHCP and
# this tree over TFTP, handing each client the image for its architecture.
# Usage: tools/mkpxe.sh KERNEL.elf INITRD OUTDIR "CMDLINE"
# The tree's layout (paths relative to OUTDIR, which is the TFTP root):
#   boot/grub/i386-pc/core.0        BIOS PXE image (client architecture 0)
#   boot/grub/x86_64-efi/core.efi   UEFI x86-64 image (client architecture 7 or 9)
#   boot/grub/grub.cfg              read by both; boot/grub/mac/MAC.cfg, if present, first
#   boot/kernel.elf, boot/initrd    what grub.cfg loads
#   dnsmasq.conf                    DHCP and TFTP for the lab's network
set -euo pipefail
kernel=$1 initrd=$2 out=$3 cmdline=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)

# The command line goes into grub.cfg verbatim: refuse what would break out of it.
if printf '%s' "$cmdline" | grep -q '[];{}$`\\"'"'"'|&[]'; then
	echo "mkpxe: unsafe character in command line: $cmdline" >&2
	exit 1
fi
[ -f "$initrd" ] || { echo "mkpxe: $initrd missing (make images builds it)" >&2; exit 1; }

rm -rf "$out.tmp"
mkdir -p "$out.tmp/boot/grub/mac"
for platform in i386-pc x86_64-efi; do
	[ -d "/usr/lib/grub/$platform" ] ||
		{ echo "mkpxe: /usr/lib/grub/$platform missing (tools/setup.sh installs it)" >&2; exit 1; }
	grub-mknetdir --net-directory="$out.tmp" --subdir=boot/grub \
		-d "/usr/lib/grub/$platform" >/dev/null 2>"$out.tmp/mknetdir.log" ||
		{ cat "$out.tmp/mknetdir.log" >&2; exit 1; }
done
rm -f "$out.tmp/mknetdir.log"
cp "$kernel" "$out.tmp/boot/kernel.elf"
cp "$initrd" "$out.tmp/boot/initrd"

# grub.cfg: a per-MAC file (boot/grub/mac/52:54:00:12:34:56.cfg, the same shape as this
# one) replaces it for that machine; otherwise the entry of boot/grub.cfg.in.
{
	echo '# Network boot (tools/mkpxe.sh): a machine with a file of its own in mac/ boots that.'
	echo 'if [ -s "$prefix/mac/$net_default_mac.cfg" ]; then'
	echo '	source "$prefix/mac/$net_default_mac.cfg"'
	echo 'fi'
	sed "s|@CMDLINE@|$cmdline|" "$here/boot/grub.cfg.in"
} >"$out.tmp/boot/grub/grub.cfg"

# Client architectures are RFC 4578 section 2.1's option 93: 0 is a BIOS PC, 7 and 9 are
# x86-64 UEFI. The range is the benchmarking network tools/run-pxe.sh makes; a lab edits
# interface= and dhcp-range= (docs/HARDWARE.md).
cat >"$out.tmp/dnsmasq.conf" <<EOF
# dnsmasq for booting Flotilla by PXE (tools/mkpxe.sh made it; docs/HARDWARE.md).
# No DNS: DHCP and TFTP only.
port=0
interface=flt-pxe0
bind-interfaces
dhcp-range=198.18.0.2,198.18.0.99,255.255.255.0,1h
dhcp-authoritative
dhcp-match=set:efi64,option:client-arch,7
dhcp-match=set:efi64,option:client-arch,9
dhcp-boot=tag:efi64,boot/grub/x86_64-efi/core.efi
dhcp-boot=tag:!efi64,boot/grub/i386-pc/core.0
enable-tftp
tftp-root=$(cd "$out.tmp" && pwd | sed 's|\.tmp$||')
log-dhcp
EOF
chmod -R a+rX "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
