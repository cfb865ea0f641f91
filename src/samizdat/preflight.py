"""Check the installation once, before a pass touches any file: a set-up problem is not a bad file.

Without this, a missing Tesseract or model fails inside every file's processing and sends each one to quarantine.
"""

from __future__ import annotations

from samizdat.errors import SetupError
from samizdat.settings import Settings

INSTALL_HINT = "Run `bash scripts/install.sh` from the project folder (as root on Debian), then run the pass again."


def check_setup(settings: Settings) -> None:
    """Raise `SetupError` naming the fix when an engine, a model, a language or the catalogue is missing."""
    _check_ocr(settings)
    _check_asr(settings)
    _check_catalogue(settings)


def _check_ocr(settings: Settings) -> None:
    from samizdat.ocr.registry import check_engine

    check_engine(settings.ocr)


def _check_asr(settings: Settings) -> None:
    from samizdat.asr.registry import check_engine

    check_engine(settings.asr, settings.model_dir)


def _check_catalogue(settings: Settings) -> None:
    """The archive's catalogue folder (made on first use) must load: a broken entry stops the pass, naming it."""
    from samizdat.catalogue import CatalogueError, archive_catalogue

    try:
        archive_catalogue(settings.processed, settings.catalogue_dir)
    except CatalogueError as error:
        raise SetupError(f"the archive's catalogue cannot be read: {error}",
                         "Fix the catalogue entry named above (or point SAMIZDAT_CATALOGUE_DIR at a writable "
                         "folder if it could not be made), then run the pass again.") from error
