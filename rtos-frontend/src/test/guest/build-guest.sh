#!/usr/bin/env bash
# Builds a tiny Linux guest whose own virtio_net driver reports its carrier on the serial console.
#
#   build-guest.sh CACHE_DIR
#
# Downloads (never installs) Debian's linux-image-6.1.0-<N>-amd64 into CACHE_DIR, extracts an
# uncompressed vmlinux for QEMU's PVH entry (falls back to vmlinuz), and packs an initramfs with
# static busybox, the virtio-net modules and an /init that prints "CARRIER <0|1>" whenever
# /sys/class/net/eth0/carrier changes, plus "GUEST READY" once. Idempotent: a complete cache is
# reused as is. On success the last two lines of stdout are "KERNEL=<path>" and "INITRD=<path>".
# Needs: apt-get/apt-cache, dpkg-deb, python3 (lzma), cpio, gzip, busybox-static.
set -euo pipefail

CACHE_DIR="${1:?usage: build-guest.sh CACHE_DIR}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)
# bump when the initramfs layout or /init changes, so stale caches are rebuilt
IMAGE_VERSION=4

fail() { echo "build-guest: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "missing tool '$1' ($2)"; }

mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"
STAMP="$CACHE_DIR/guest.env"
# several test JVMs may build the same cache at once: one at a time
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_DIR/.lock"
  flock -w 600 9 || fail "timed out waiting for the lock on $CACHE_DIR"
fi

if [ -f "$STAMP" ]; then
  # shellcheck disable=SC1090
  . "$STAMP"
  if [ "${VERSION:-}" = "$IMAGE_VERSION" ] && [ -s "${KERNEL:-/nonexistent}" ] && [ -s "${INITRD:-/nonexistent}" ]; then
    echo "KERNEL=$KERNEL"
    echo "INITRD=$INITRD"
    exit 0
  fi
fi

need cpio "apt-get install cpio"
need gzip "apt-get install gzip"
need python3 "for the vmlinux extraction"

BUSYBOX=""
for b in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
  if [ -n "$b" ] && [ -x "$b" ] && ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then BUSYBOX="$b"; break; fi
done
[ -n "$BUSYBOX" ] || fail "no static busybox found (apt-get install busybox-static)"

# (a) the guest kernel package, downloaded and unpacked into the cache
ROOTFS_DIR="$CACHE_DIR/kernel-root"
if ! ls "$ROOTFS_DIR"/boot/vmlinuz-* >/dev/null 2>&1; then
  need apt-cache "Debian's apt"
  need dpkg-deb "Debian's dpkg"
  find_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
  PKG="$(find_pkg || true)"
  if [ -z "$PKG" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >&2 || true
    PKG="$(find_pkg || true)"
  fi
  [ -n "$PKG" ] || fail "apt-cache depends linux-image-amd64 names no linux-image-<version>-amd64 (run apt-get update)"
  echo "build-guest: downloading $PKG" >&2
  DL_DIR="$CACHE_DIR/deb"
  mkdir -p "$DL_DIR"
  chmod 0777 "$DL_DIR" 2>/dev/null || true   # apt's _apt sandbox user must be able to write here
  (cd "$DL_DIR" && apt-get download -q "$PKG" >&2) || fail "apt-get download $PKG failed"
  DEB="$(ls -t "$DL_DIR"/"$PKG"_*.deb 2>/dev/null | head -1)"
  [ -n "$DEB" ] || fail "apt-get download $PKG produced no .deb"
  rm -rf "$ROOTFS_DIR.tmp"
  mkdir -p "$ROOTFS_DIR.tmp"
  dpkg-deb -x "$DEB" "$ROOTFS_DIR.tmp"
  # keep only what the guest needs (the package unpacks to ~400 MB)
  find "$ROOTFS_DIR.tmp/lib/modules" -type f -name '*.ko*' \
    | grep -Ev '/kernel/(drivers/virtio|net/core|drivers/net)/[^/]+$' | xargs -r rm -f
  rm -rf "$ROOTFS_DIR.tmp/usr"
  rm -rf "$ROOTFS_DIR"
  mv "$ROOTFS_DIR.tmp" "$ROOTFS_DIR"
  rm -f "$DEB"
fi
VMLINUZ="$(ls "$ROOTFS_DIR"/boot/vmlinuz-* | head -1)"
KVER="${VMLINUZ##*/vmlinuz-}"
MODDIR="$ROOTFS_DIR/lib/modules/$KVER"
[ -d "$MODDIR" ] || fail "no modules for $KVER in the kernel package"

# (b) an uncompressed ELF vmlinux: QEMU boots it through its PVH entry, skipping ~2.5 s of
# decompression under TCG. The kernel's XZ stream starts at FD 37 7A 58 5A 00.
KERNEL="$VMLINUZ"
VMLINUX="$CACHE_DIR/vmlinux-$KVER"
if [ ! -s "$VMLINUX" ]; then
  if python3 - "$VMLINUZ" "$VMLINUX.tmp" >&2 <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
magic = b"\xfd7zXZ\x00"
pos = data.find(magic)
while pos >= 0:
    try:
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[pos:])
        if out[:4] == b"\x7fELF":
            open(sys.argv[2], "wb").write(out)
            sys.exit(0)
    except lzma.LZMAError:
        pass
    pos = data.find(magic, pos + 1)
print("build-guest: no XZ-compressed ELF inside " + sys.argv[1] + "; booting vmlinuz", file=sys.stderr)
sys.exit(1)
EOF
  then
    mv "$VMLINUX.tmp" "$VMLINUX"
  else
    rm -f "$VMLINUX.tmp"
  fi
fi
[ -s "$VMLINUX" ] && KERNEL="$VMLINUX"

# (c) the initramfs: busybox, the virtio-net modules in load order, and /init
WORK="$CACHE_DIR/initramfs.d"
rm -rf "$WORK"
mkdir -p "$WORK"/{bin,dev,proc,sys,lib/modules}
cp "$BUSYBOX" "$WORK/bin/busybox"
for m in "${MODULES[@]}"; do
  ko="$(find "$MODDIR/kernel/drivers/virtio" "$MODDIR/kernel/net/core" "$MODDIR/kernel/drivers/net" \
        -maxdepth 1 \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) 2>/dev/null | head -1)"
  [ -n "$ko" ] || fail "module $m not found under $MODDIR"
  case "$ko" in
    *.ko.xz) python3 -c 'import lzma,sys; open(sys.argv[2],"wb").write(lzma.open(sys.argv[1]).read())' "$ko" "$WORK/lib/modules/$m.ko" ;;
    *.ko.zst) need zstd "for $ko"; zstd -q -d -o "$WORK/lib/modules/$m.ko" "$ko" ;;
    *) cp "$ko" "$WORK/lib/modules/$m.ko" ;;
  esac
done

cat >"$WORK/init" <<EOF
#!/bin/busybox sh
# a fresh line: firmware output on the console has no trailing newline
echo
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${MODULES[*]}; do
  insmod /lib/modules/\$m.ko || echo "GUEST INSMOD FAILED \$m"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 500 ]; do usleep 10000; i=\$((i + 1)); done
[ -e /sys/class/net/eth0 ] || echo "GUEST NO ETH0"
ip link set eth0 up
last=x
ready=0
# the carrier as virtio_net's config-change handler set it (netif_carrier_on/off), polled every 10 ms
while true; do
  c=x
  read -r c < /sys/class/net/eth0/carrier 2>/dev/null
  if [ "\$c" != "\$last" ] && [ "\$c" != x ]; then
    echo "CARRIER \$c"
    last=\$c
  fi
  if [ \$ready = 0 ] && [ "\$last" != x ]; then echo "GUEST READY"; ready=1; fi
  usleep 10000
done
EOF
chmod 0755 "$WORK/init"

INITRD="$CACHE_DIR/initramfs-$KVER.cpio.gz"
(cd "$WORK" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner 0:0 | gzip -1 >"$INITRD.tmp")
mv "$INITRD.tmp" "$INITRD"
rm -rf "$WORK"

cat >"$STAMP" <<EOF
VERSION=$IMAGE_VERSION
KERNEL=$KERNEL
INITRD=$INITRD
EOF
echo "KERNEL=$KERNEL"
echo "INITRD=$INITRD"
