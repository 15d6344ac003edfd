#!/usr/bin/env bash
# Builds fjord_<version>_<arch>.deb with dpkg-deb (packaging/ holds what goes in):
#   scripts/package-deb.sh [--binary PATH] [--arch amd64|arm64] [--out DIR]
# Without --binary it runs scripts/publish.sh first (the self-contained single-file build). The
# version is what the binary's --version prints. Prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="" arch=amd64 out=artifacts/deb
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--arch amd64|arm64] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$binary" ]; then
  rid=linux-x64; [ "$arch" = arm64 ] && rid=linux-arm64
  binary=$(bash scripts/publish.sh "$rid")
fi
version=$("$binary" --version | awk '{ print $2 }')
case "$version" in [0-9]*) ;; *) echo "cannot read the version from $binary --version" >&2; exit 1 ;; esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
install -D -m 0755 "$binary" "$stage/usr/bin/fjord"
install -D -m 0644 packaging/etc/fjord.yml "$stage/etc/fjord/fjord.yml"
# 0640 root:root here; postinst gives it to group fjord once the user exists.
install -D -m 0640 packaging/etc/fjord.env "$stage/etc/fjord/fjord.env"
for unit in packaging/systemd/*.service; do
  install -D -m 0644 "$unit" "$stage/lib/systemd/system/$(basename "$unit")"
done
install -d -m 0700 "$stage/var/lib/fjord"
install -d -m 0755 "$stage/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
done
printf '/etc/fjord/fjord.yml\n/etc/fjord/fjord.env\n' > "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian/control.in > "$stage/DEBIAN/control"

mkdir -p "$out"
deb="$out/fjord_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$deb" >&2
echo "$deb"
