#!/usr/bin/env bash
# Installs the Debian packages the project needs. Idempotent: packages already present are skipped,
# so a second run costs one dpkg query. Run as root (or with sudo available).
set -euo pipefail

# ffmpeg: decode any upload; espeak-ng: German TTS fallback and piper's phonemizer data;
# sox: audio checks in tests; baresip, kamailio, sip-tester: real SIP peers for tests and the
# multi-worker dispatcher; chromium(-driver): end-to-end tests of the review page.
PACKAGES=(ffmpeg espeak-ng sox baresip kamailio kamailio-extra-modules sip-tester chromium chromium-driver fonts-dejavu-core)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "rathaus: missing system packages: ${missing[*]}" >&2
    echo "rathaus: run as root or install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rathaus: this is not a Debian/Ubuntu system; please install: ${missing[*]}" >&2
  exit 1
fi
echo "rathaus: installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
