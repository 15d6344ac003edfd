#!/bin/sh
# Reads an image (any format ImageMagick knows) on stdin and writes a PNG thumbnail that fits
# in THUMB_SIZE (default 128x128) to stdout. A non-image payload fails the attempt (exit 1).
set -e
exec /usr/bin/convert - -auto-orient -thumbnail "${THUMB_SIZE:-128x128}" png:-
