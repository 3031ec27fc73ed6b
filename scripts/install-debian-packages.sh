#!/usr/bin/env bash
# Installs the given Debian packages when some are missing: one `apt-get update`, then
# `apt-get install` of the missing ones only. Needs root (or sudo); otherwise it only warns.
# usage: bash scripts/install-debian-packages.sh pkg...   (or: -f file-with-one-package-per-line)
set -euo pipefail

packages=()
while (($#)); do
  if [ "$1" = -f ]; then
    while read -r line; do
      line=${line%%#*}; line=${line//[[:space:]]/}
      [ -n "$line" ] && packages+=("$line")
    done < "$2"
    shift 2
  else
    packages+=("$1"); shift
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: not a Debian system; please install: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "warning: missing Debian packages (run as root to install them): ${missing[*]}" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
