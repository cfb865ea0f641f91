"""Check the installation once, before a pass touches any file: a set-up problem is not a bad file.

Without this, a missing Tesseract or model fails inside every file's processing and sends each one to quarantine.
"""

from __future__ import annotations

import shutil

import pytesseract

from samizdat.errors import EngineError, SetupError
from samizdat.settings import Settings

INSTALL_HINT = "Run `bash scripts/install.sh` from the project folder (as root on Debian), then run the pass again."


def check_setup(settings: Settings) -> None:
    """Raise `SetupError` naming the fix when an engine, a model, a language or the catalogue is missing."""
    _check_tesseract(settings)
    _check_asr(settings)
    _check_catalogue(settings)


def _check_tesseract(settings: Settings) -> None:
    command = pytesseract.pytesseract.tesseract_cmd
    if shutil.which(command) is None:
        raise SetupError(f"Tesseract ({command!r}) is not installed or not on PATH",
                         f"Install the Debian package tesseract-ocr. {INSTALL_HINT}")
    from samizdat.ocr.tesseract import installed_languages

    missing = sorted(set(settings.ocr.langs.split("+")) - installed_languages())
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise SetupError(f"Tesseract has no model for {', '.join(missing)} (SAMIZDAT_OCR_LANGS={settings.ocr.langs})",
                         f"Install {packages}, or change SAMIZDAT_OCR_LANGS. {INSTALL_HINT}")


def _check_asr(settings: Settings) -> None:
    from samizdat.asr.engine import ENGINE_NAMES

    options = settings.asr
    if options.engine not in ENGINE_NAMES:
        raise SetupError(f"unknown ASR engine {options.engine!r}; known engines: {', '.join(ENGINE_NAMES)}",
                         "Set SAMIZDAT_ASR_ENGINE to one of them.")
    if options.engine == "faster-whisper":
        from samizdat.asr.model_store import ensure_model

        try:
            ensure_model(options, settings.model_dir)
        except (EngineError, OSError) as error:
            raise SetupError(f"the Whisper model is not usable: {error}",
                             f"Run `.venv/bin/samizdat setup`, or set SAMIZDAT_ASR_MODEL. {INSTALL_HINT}") from error


def _check_catalogue(settings: Settings) -> None:
    """The archive's catalogue folder (made on first use) must load: a broken entry stops the pass, naming it."""
    from samizdat.catalogue import CatalogueError, archive_catalogue

    try:
        archive_catalogue(settings.processed, settings.catalogue_dir)
    except CatalogueError as error:
        raise SetupError(f"the archive's catalogue cannot be read: {error}",
                         "Fix the catalogue entry named above (or point SAMIZDAT_CATALOGUE_DIR at a writable "
                         "folder if it could not be made), then run the pass again.") from error
