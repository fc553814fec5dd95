#!/usr/bin/env bash
# Builds the Linux peer of the benchmarks from Debian packages only: Debian's stock kernel
# (the package linux-image-amd64 points to) and an initramfs with busybox, the e1000 module,
# nginx configured as a performance-minded operator would (a worker per CPU, reuseport,
# sendfile, access log off), and Flotilla's own httpd built against glibc, all serving the
# same /www as Flotilla. Packages are fetched with apt-get download into OUT and unpacked
# there; nothing is installed on the host.
#
# usage: tools/linux_guest.sh OUT     (writes OUT/vmlinuz and OUT/initramfs.gz)
# The guest reads ip=ADDR/PREFIX from its command line, starts nginx on port 80 and
# Flotilla's httpd on port 8080, and prints "linux-guest: ready" on the serial console.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:?usage: tools/linux_guest.sh OUT}
BUILD=${BUILD:-build}
mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
[ -n "$kpkg" ] || { echo "linux_guest: cannot resolve linux-image-amd64" >&2; exit 1; }
(cd "$OUT/debs" && for p in "$kpkg" nginx nginx-common busybox-static; do
	ls "$p"_*.deb >/dev/null 2>&1 || apt-get download -qq "$p" 2>/dev/null
done)
rm -rf "$OUT/pkgroot" "$OUT/rootfs"
for d in "$OUT"/debs/*.deb; do dpkg-deb -x "$d" "$OUT/pkgroot"; done
kver=${kpkg#linux-image-}
cp "$OUT/pkgroot/boot/vmlinuz-$kver" "$OUT/vmlinuz"

r=$OUT/rootfs
mkdir -p "$r"/{bin,sbin,etc/nginx,proc,sys,dev,tmp,run,var/lib/nginx,var/log/nginx,lib/modules,www,usr/bin}
cp "$OUT/pkgroot/bin/busybox" "$r/bin/busybox"
for m in e1000/e1000.ko igb/igb.ko; do
	f=$(find "$OUT/pkgroot/lib/modules/$kver" -path "*intel/$m*" | head -1)
	[ -n "$f" ] && cp "$f" "$r/lib/modules/"
done
# igb needs dca and i2c-algo-bit first (the package has no modules.dep to say so).
for m in dca.ko i2c-algo-bit.ko; do
	f=$(find "$OUT/pkgroot/lib/modules/$kver" -name "$m*" | head -1)
	[ -n "$f" ] && cp "$f" "$r/lib/modules/"
done

# Programs and the shared libraries they need, as the host's loader resolves them.
copy_with_libs() {
	local bin=$1 dest=$2
	cp "$bin" "$r$dest"
	ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | while read -r lib; do
		[ -f "$lib" ] || continue
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
}
copy_with_libs "$OUT/pkgroot/usr/sbin/nginx" /sbin/nginx
gcc -std=gnu11 -O2 -D_GNU_SOURCE -I. -o "$OUT/httpd-glibc" user/httpd/*.c
copy_with_libs "$OUT/httpd-glibc" /usr/bin/flotilla-httpd
cp "$OUT/pkgroot/etc/nginx/mime.types" "$r/etc/nginx/"
cp -a "$BUILD/initrd/www/." "$r/www/"
echo "root:x:0:0::/:/bin/sh" >"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"
echo "nogroup:x:65534:" >>"$r/etc/group"

cat >"$r/etc/nginx/nginx.conf" <<'EOF'
user root;
worker_processes auto;
worker_rlimit_nofile 65536;
pid /run/nginx.pid;
error_log /dev/null crit;
events {
	worker_connections 16384;
	multi_accept on;
}
http {
	include mime.types;
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 10s;
	keepalive_requests 100000;
	server {
		listen 80 reuseport backlog=4096;
		root /www;
	}
}
EOF

cat >"$r/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts
for m in dca i2c-algo-bit e1000 igb; do [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko; done
ip=$(sed -n 's/.*ip=\([^ ]*\).*/\1/p' /proc/cmdline)
ifc=eth0
for _ in $(seq 50); do [ -e /sys/class/net/$ifc ] && break; sleep 0.1; done
ip link set lo up
ip addr add "$ip" brd + dev $ifc
ip link set $ifc up
sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096 \
	net.ipv4.ip_local_port_range="1024 65000" fs.file-max=200000
ulimit -n 65536
nginx
flotilla-httpd -q -p 8080 -r /www &
echo "linux-guest: ready: $(uname -r), $(nproc) CPUs, $ip"
exec sh
EOF
chmod +x "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 >"$OUT/initramfs.gz")
echo "linux_guest: $OUT/vmlinuz ($kver) and $OUT/initramfs.gz ($(du -h "$OUT/initramfs.gz" | cut -f1))"
