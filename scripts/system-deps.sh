#!/usr/bin/env bash
# Install what a fresh machine lacks for the test suite (Debian packages and uv).
# Idempotent: installs only what is missing. Needs root for apt-get.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)

if [ "${#need[@]}" -gt 0 ]; then
  echo "Paquets Debian manquants : ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Installez-les (sudo apt-get install ${need[*]}) puis relancez." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
