#!/usr/bin/env bash
# Install the Debian packages Safeguarding needs, only those missing.
#   scripts/install-system-deps.sh build   what `pip install` needs: FFmpeg's libraries and a
#                                          C++ compiler to build vpdq (it has no wheel), and
#                                          ffprobe, which reads a video's headers before hashing
#   scripts/install-system-deps.sh         that, plus the servers and browser the tests use:
#                                          PostgreSQL, nats-server and Chromium
set -euo pipefail
need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(
  os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null || need+=(python3-dev)
pkg-config --exists libavcodec libavdevice libavfilter libavformat libavutil libswresample \
  libswscale 2>/dev/null || need+=(libavcodec-dev libavdevice-dev libavfilter-dev \
  libavformat-dev libavutil-dev libswresample-dev libswscale-dev)
if [ "${1:-all}" != build ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v runuser >/dev/null 2>&1 || need+=(util-linux)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Run as root, or install: ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
