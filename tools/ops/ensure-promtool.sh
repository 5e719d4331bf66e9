#!/usr/bin/env bash
# Makes promtool and the prometheus server available for the ops tests (tools/ops, apps/ops-e2e):
# installs Debian's `prometheus` package when missing, without starting its system service.
# Idempotent; safe to call from .ci/run on every run. Needs root (or sudo) only when installing.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Keep the package's postinst from starting a Prometheus on :9090 (the tests start their own).
# Only add a policy-rc.d when the machine has none, and remove only the one we added.
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  ADDED_POLICY=1
fi
cleanup() { if [ -n "$ADDED_POLICY" ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null
fi

# With systemd as init the unit may still have been enabled and started: stop and disable it.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

promtool --version 2>&1 | head -1
