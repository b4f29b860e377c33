#!/usr/bin/env bash
# Installs the Debian packages the project needs. Idempotent: packages already present are skipped,
# so a second run costs one dpkg query. Run as root (or with sudo available).
set -euo pipefail

# ffmpeg: decode any upload; espeak-ng: German TTS fallback and piper's phonemizer data;
# sox: audio checks in tests; baresip, kamailio, sip-tester: real SIP peers for tests and the
# multi-worker dispatcher; chromium(-driver): end-to-end tests of the review page.
# libttspico-utils: SVOX Pico, the default German voice (Debian non-free, enabled below);
# mbrola + mbrola-de7: the second German voice, used through espeak-ng as mb-de7 (mbrola in
# contrib, the voice in non-free).
# libreoffice-writer-nogui: the minutes' tagged PDF/A (DOCX -> PDF) and the DOCX checks in tests;
# fonts-liberation2: the documents' font (metric-compatible with Arial); poppler-utils: pdfinfo/pdffonts in tests.
# wngerman: Debian's German word list, which reads softly spoken dialect words ("kosd", "Dogumende")
# as the German words they stand for (rathaus/catalog/dialect.py).
# npm: installs axe-core (tests/e2e/package.json) for the chat's accessibility test; skipped where
# an npm is already on the PATH (NodeSource's nodejs carries its own and conflicts with Debian's).
PACKAGES=(ffmpeg espeak-ng sox baresip kamailio kamailio-extra-modules sip-tester chromium chromium-driver fonts-dejavu-core
          libttspico-utils mbrola mbrola-de7 libreoffice-writer-nogui fonts-liberation2 poppler-utils wngerman)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
NONFREE=(libttspico-utils mbrola mbrola-de7)

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

# The German voices live in Debian's non-free (Pico, MBROLA voices) and contrib (mbrola)
# components. Enable them once, in a sources file of our own next to the distribution's, so the
# operator's own sources stay untouched.
needs_nonfree=0
for p in "${missing[@]}"; do
  for n in "${NONFREE[@]}"; do [ "$p" = "$n" ] && needs_nonfree=1; done
done
NONFREE_LIST=/etc/apt/sources.list.d/rathaus-non-free.sources
if [ "$needs_nonfree" -eq 1 ] && [ ! -e "$NONFREE_LIST" ] \
   && ! { apt-cache policy | grep -q 'c=non-free' && apt-cache policy | grep -q 'c=contrib'; }; then
  . /etc/os-release
  if [ "${ID:-}" = "debian" ] && [ -n "${VERSION_CODENAME:-}" ]; then
    echo "rathaus: enabling Debian's contrib and non-free components for the German voices ($NONFREE_LIST)"
    $SUDO tee "$NONFREE_LIST" >/dev/null <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME $VERSION_CODENAME-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  else
    # Ubuntu carries the same packages in multiverse; anything else installs them by hand.
    echo "rathaus: enable the component that carries ${NONFREE[*]} (Debian: non-free, Ubuntu: multiverse)" >&2
  fi
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
