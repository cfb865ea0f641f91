"""Errors the pipeline tells apart: bad input (quarantine, never retry) vs transient (retry)."""

from __future__ import annotations


class SamizdatError(Exception):
    """Base of every error the pipeline raises on purpose."""


class BadInputError(SamizdatError):
    """The file itself cannot be processed; retrying will not help.

    `hint` is a sentence an archivist can act on; it ends up in `.error.json` and the Prefect UI.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class TransientError(SamizdatError):
    """Something outside the file failed (a locked database, a lost worker); a retry may succeed."""


class EngineError(SamizdatError):
    """An engine (Tesseract, Whisper) failed or timed out on input it should handle."""


class SetupError(SamizdatError):
    """The installation or the settings are wrong (a missing Tesseract, an unknown engine, a broken catalogue).

    Checked before any file is touched: it stops the pass with a non-zero exit and moves nothing. `hint` says which
    package or command fixes it.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class OperationalError(SamizdatError):
    """The machine failed, not the file: a full disk, a read-only or missing `processed/`.

    It stops the pass with a non-zero exit; the file stays in the inbox and nothing is quarantined.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint
