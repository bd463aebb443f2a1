#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages MovCon needs that are missing on this machine.
#   debian-deps.sh          what the tests and the package build need (Qt offscreen, fonts,
#                           Python venv, binutils for PyInstaller)
#   debian-deps.sh --gui    also what a real desktop window (X11/xcb) needs
# Uses sudo when not run as root. Does nothing when everything is present.
set -euo pipefail

pkgs=(python3-venv python3-pip libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3
      libxkbcommon0 fonts-dejavu-core binutils gdal-bin poppler-utils)
if [ "${1:-}" = "--gui" ]; then
  pkgs+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
         libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-xinerama0 libxcb-randr0)
fi

command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian/Ubuntu system: install the Qt 6 runtime libraries by hand" >&2; exit 0; }

missing=()
for p in "${pkgs[@]}"; do
  # A pyenv or distribution-less Python does not need python3-venv/pip from Debian.
  case "$p" in python3-venv|python3-pip)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
