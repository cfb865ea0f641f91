"""Hunspell itself (chunspell) against spylls (the pure-Python port used before) on the words the OCR score looks up.

    .venv/bin/python bench/ocr/dictionaries.py [--out bench/ocr/dictionaries]     (spylls: the `bench` extra)

The page score's `known` (samizdat.ocr.quality) asks a Hunspell dictionary whether each word of a reading is a word.
Both readers get the same words: every distinct word (two letters or more) of the truth texts of the OCR bench's
sets (augraphy dev and test, corpus, holdout-v1, the language set), the same words in lower case and the first 200 in
upper case, and each word with one letter replaced by another of its alphabet (seeded), as OCR garbles them.
Reported per dictionary: CPU seconds to load it, CPU seconds for all look-ups, the words each knows, and every word
where they disagree. Writes OUT.md and OUT.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hunspell

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402

FOLDER = "/usr/share/hunspell"
DICTIONARY_OF = {"en": "en_US", "ru": "ru_RU", "de": "de_DE", "fr": "fr_FR", "uk": "uk_UA", "he": "he_IL",
                 "yi": "he_IL"}
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {name: [] for name in dict.fromkeys(DICTIONARY_OF.values())}
    for page in sets.augraphy("dev") + sets.augraphy("test") + sets.corpus() + sets.holdout():
        if page.lang in DICTIONARY_OF:
            texts[DICTIONARY_OF[page.lang]].append(page.truth)
    languages = sets.CACHE / "languages-v1" / "truth.json"
    for name, spec in json.loads(languages.read_text(encoding="utf-8")).items():
        lang = spec.get("lang") or name.split("-")[0]
        if lang in DICTIONARY_OF:
            texts[DICTIONARY_OF[lang]].append(spec["text"])
    return texts


def _words(texts: list[str], rng: random.Random) -> list[str]:
    words = sorted({word for text in texts for word in WORD.findall(text) if len(word) >= 2})
    alphabet = sorted({c for word in words for c in word if c.isalpha()})
    garbled = []
    for word in words:
        i = rng.randrange(len(word))
        garbled.append(word[:i] + rng.choice(alphabet) + word[i + 1:])
    return words + garbled + [w.lower() for w in words] + [w.upper() for w in words[:200]]


def _timed(make: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    made = make()
    return made, time.process_time() - start


def compare(name: str, words: list[str]) -> dict[str, Any]:
    from spylls.hunspell import Dictionary

    port, port_load = _timed(lambda: Dictionary.from_files(f"{FOLDER}/{name}"))
    native, native_load = _timed(lambda: hunspell.Hunspell(name, hunspell_data_dir=FOLDER))

    def port_knows(word: str) -> bool:
        try:
            return bool(port.lookup(word))
        except Exception:  # noqa: BLE001 - as the score did: an odd token is not a word
            return False

    def native_knows(word: str) -> bool:
        try:
            return bool(native.spell(word))
        except UnicodeError:
            return False

    by_port, port_s = _timed(lambda: [port_knows(w) for w in words])
    by_native, native_s = _timed(lambda: [native_knows(w) for w in words])
    return {"dictionary": name, "words": len(words), "load_s": {"spylls": round(port_load, 3),
                                                                  "hunspell": round(native_load, 3)},
            "lookups_s": {"spylls": round(port_s, 3), "hunspell": round(native_s, 3)},
            "known": {"spylls": sum(by_port), "hunspell": sum(by_native)},
            "disagree": [{"word": w, "spylls": a, "hunspell": b}
                         for w, a, b in zip(words, by_port, by_native, strict=True) if a != b]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "dictionaries"))
    args = parser.parse_args()
    rng = random.Random(1)
    rows = [compare(name, _words(texts, rng)) for name, texts in _texts().items()]
    out = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows}
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    lines = ["# Hunspell (chunspell) against spylls on the OCR score's words (bench/ocr/dictionaries.py)", "",
             f"{out['when']}, CPU seconds (independent of the machine's load).", "",
             "| dictionary | words | load spylls | load Hunspell | look-ups spylls | look-ups Hunspell | known spylls |"
             " known Hunspell | disagree |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        disagree = ", ".join(f"{d['word']} (spylls {d['spylls']}, Hunspell {d['hunspell']})" for d in row["disagree"])
        lines.append(f"| {row['dictionary']} | {row['words']} | {row['load_s']['spylls']} | {row['load_s']['hunspell']}"
                     f" | {row['lookups_s']['spylls']} | {row['lookups_s']['hunspell']} | {row['known']['spylls']} |"
                     f" {row['known']['hunspell']} | {disagree or 'none'} |")
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
