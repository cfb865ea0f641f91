"""An engine is chosen by its options type (Docling's way), for OCR and ASR alike.

Each engine declares an options type: the section's options (`OcrOptions`, `AsrOptions`) with `engine` narrowed to
the engine's name as a `Literal`. The settings name an engine; the name picks the options type, and the registry
(`ocr.registry`, `asr.registry`) keys each engine by that type. A name nobody registered is a `SetupError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from samizdat.errors import SetupError

Options = TypeVar("Options", bound=BaseModel)


def engine_name(options_type: type[BaseModel]) -> str:
    """The engine name an options type stands for: the default of its `engine` field."""
    return str(options_type.model_fields["engine"].default)


def typed_options(options: Options, types: Sequence[type[Options]], *, what: str, setting: str) -> Options:
    """`options` as the registered type its `engine` names; `SetupError` listing the known names otherwise.

    `what` names the section in the message ("OCR", "ASR"), `setting` the variable that chooses the engine.
    """
    if type(options) in types:
        return options
    name = getattr(options, "engine", None)
    for options_type in types:
        if engine_name(options_type) == name:
            return options_type.model_validate(options.model_dump())
    known = ", ".join(engine_name(options_type) for options_type in types)
    raise SetupError(f"unknown {what} engine {name!r}; known engines: {known}", f"Set {setting} to one of them.")
