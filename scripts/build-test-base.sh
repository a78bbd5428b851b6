#!/usr/bin/env bash
# Build berth-test/python:3.11-slim, a local stand-in for python:3.11-slim
# (no base image can be pulled on the test machines): Debian bookworm from
# Debian's own mirror with debootstrap, plus Debian's python3 (3.11) and venv,
# imported with `docker import`. Labelled berth-test.fixture=1 so later test
# runs reuse it instead of building it again.
#
# Differences from the official image, none of which Berth's Dockerfile
# relies on: Python is Debian's 3.11 package in /usr/bin (python3, with a
# `python` link in /usr/local/bin) rather than a source build in /usr/local,
# and system pip is absent (the Dockerfile installs into a venv anyway).
source "$(dirname "$0")/lib.sh"

TAG="${1:-berth-test/python:3.11-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  say "$TAG already exists"
  exit 0
fi
apt_install debootstrap
ROOTFS="$(mktemp -d "$VAR/base-rootfs.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT
say "debootstrap bookworm into $ROOTFS (about a minute)"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$ROOTFS" "$MIRROR" >"$VAR/debootstrap.log" 2>&1 \
  || die "debootstrap failed; see $VAR/debootstrap.log"
ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*
say "importing it as $TAG"
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'LABEL berth-test.fixture=1' \
  --change 'CMD ["python3"]' \
  - "$TAG" >/dev/null
