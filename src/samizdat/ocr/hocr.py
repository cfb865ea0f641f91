"""What Samizdat reads out of Tesseract's hOCR: the text, word confidences, and the same page as ALTO.

Tesseract can write ALTO and TSV itself, but each extra renderer walks the page again: asking for
hOCR alone and deriving the rest here made every OCR'd page about 8% faster (bench/ocr).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (-?\d+(?:\.\d+)?)")
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v3#"


@dataclass(frozen=True)
class Box:
    """An hOCR bounding box in pixels."""

    left: int
    top: int
    right: int
    bottom: int

    def alto(self) -> dict[str, str]:
        return {"HPOS": str(self.left), "VPOS": str(self.top), "WIDTH": str(self.right - self.left),
                "HEIGHT": str(self.bottom - self.top)}


def _box(element: ET.Element) -> Box | None:
    found = _BBOX.search(element.get("title", ""))
    return Box(*(int(v) for v in found.groups())) if found else None


def _class(element: ET.Element) -> str:
    return element.get("class", "")


def _parse(hocr: str) -> ET.Element:
    # Tesseract's hOCR is well-formed XHTML; its DOCTYPE names an external DTD that ElementTree ignores.
    return ET.fromstring(hocr.encode("utf-8"))


def _words(element: ET.Element) -> list[ET.Element]:
    return [e for e in element.iter() if _class(e) == "ocrx_word" and "".join(e.itertext()).strip()]


def plain_text(hocr: str) -> str:
    """The page's text as Tesseract's own text renderer writes it: a line a line, a blank line after each paragraph.

    Words are joined by single spaces in reading order. Asking Tesseract for this as well (`txt`) cost 3-4 % more
    Tesseract time on dense pages (corpus 8087_054.3B.tif: hOCR 1.73-1.78 CPU s, hOCR and text 1.81-1.84); the
    text derived here was Tesseract's on all 122 pages of the OCR and language benches, the whitespace around the
    whole text aside (a page's text is stripped).
    """
    paragraphs = []
    for paragraph in _parse(hocr).iter():
        if _class(paragraph) != "ocr_par":
            continue
        lines = [" ".join("".join(word.itertext()) for word in line.iter() if _class(word) == "ocrx_word")
                 for line in paragraph.iter() if _class(line) in _LINE_CLASSES]
        if lines:
            paragraphs.append("".join(f"{line}\n" for line in lines) + "\n")
    return "".join(paragraphs)


def word_confidences(hocr: str) -> list[float]:
    """Confidence 0-100 of each recognised word (`x_wconf`), in reading order."""
    confidences = []
    for word in _words(_parse(hocr)):
        found = _WCONF.search(word.get("title", ""))
        if found and float(found.group(1)) >= 0:
            confidences.append(float(found.group(1)))
    return confidences


def hocr_to_alto(hocr: str, *, software: str = "tesseract") -> str:
    """The page as ALTO v3: text blocks (hOCR paragraphs), lines, words with confidence (WC 0-1) and spaces."""
    root = _parse(hocr)
    ET.register_namespace("", ALTO_NS)

    def q(name: str) -> str:
        return f"{{{ALTO_NS}}}{name}"

    alto = ET.Element(q("alto"))
    description = ET.SubElement(alto, q("Description"))
    ET.SubElement(description, q("MeasurementUnit")).text = "pixel"
    processing = ET.SubElement(ET.SubElement(description, q("OCRProcessing"), ID="OCR_0"), q("ocrProcessingStep"))
    ET.SubElement(ET.SubElement(processing, q("processingSoftware")), q("softwareName")).text = software
    layout = ET.SubElement(alto, q("Layout"))
    page_element = next((e for e in root.iter() if _class(e) == "ocr_page"), None)
    page_box = _box(page_element) if page_element is not None else None
    page_size = {"WIDTH": str(page_box.right), "HEIGHT": str(page_box.bottom)} if page_box else {}
    page = ET.SubElement(layout, q("Page"), {"ID": "page_0", "PHYSICAL_IMG_NR": "0", **page_size})
    space = ET.SubElement(page, q("PrintSpace"), {"HPOS": "0", "VPOS": "0", **page_size})
    counters = {"block": 0, "line": 0, "string": 0}

    def next_id(kind: str) -> str:
        counters[kind] += 1
        return f"{kind}_{counters[kind] - 1}"

    for paragraph in (e for e in root.iter() if _class(e) == "ocr_par"):
        lines = [(e, words) for e in paragraph.iter() if _class(e) in _LINE_CLASSES and (words := _words(e))]
        if not lines:
            continue
        block = ET.SubElement(space, q("TextBlock"), {"ID": next_id("block"), **_alto_box(paragraph)})
        language = paragraph.get("lang")
        if language:
            block.set("LANG", language)
        for line, words in lines:
            text_line = ET.SubElement(block, q("TextLine"), {"ID": next_id("line"), **_alto_box(line)})
            previous: Box | None = None
            for word in words:
                box = _box(word)
                if previous is not None and box is not None:
                    ET.SubElement(text_line, q("SP"), HPOS=str(previous.right), VPOS=str(previous.top),
                                  WIDTH=str(max(0, box.left - previous.right)))
                attributes = {"ID": next_id("string"), **(box.alto() if box else {}),
                              "CONTENT": "".join(word.itertext()).strip()}
                found = _WCONF.search(word.get("title", ""))
                if found:
                    attributes["WC"] = f"{float(found.group(1)) / 100:.2f}"
                ET.SubElement(text_line, q("String"), attributes)
                previous = box
    ET.indent(alto, space="\t")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alto, encoding="unicode") + "\n"


def _alto_box(element: ET.Element) -> dict[str, str]:
    box = _box(element)
    return box.alto() if box else {}


def words(hocr: str) -> list[tuple[str, float]]:
    """Each recognised word with its confidence 0-100, in reading order (words without one are left out)."""
    out = []
    for word in _words(_parse(hocr)):
        found = _WCONF.search(word.get("title", ""))
        if found and float(found.group(1)) >= 0:
            out.append(("".join(word.itertext()).strip(), float(found.group(1))))
    return out
