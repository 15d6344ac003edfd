#!/usr/bin/env bash
# Installs the host packages Fjord and its tests use, when missing: bubblewrap (the function
# sandbox), libseccomp2 (its seccomp filter), slirp4netns and iproute2 (the network of
# `network: true` functions), util-linux (setpriv, setsid, nsenter), ImageMagick (the thumbnail
# example), Python/Node/PHP (function runtimes; php-cli is Debian's), npm (the dashboard's front-end libraries, installed
# from their lockfile at build time), Chromium (the dashboard's browser tests) and busybox-static (the
# static binary the image tests pack into a layer) and redis-server (the Redis backend's tests). Safe to run
# again; does nothing when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ -x /usr/bin/convert ] || need+=(imagemagick)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/bin/node ] || command -v node >/dev/null 2>&1 || need+=(nodejs)
[ -x /usr/bin/php ] || need+=(php-cli)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/bin/setpriv ] || need+=(util-linux)
command -v slirp4netns >/dev/null 2>&1 || need+=(slirp4netns)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || need+=(libseccomp2)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)

if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
