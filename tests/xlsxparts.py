"""Workbooks compared part by part as parsed XML, the way XlsxWriter's own tests compare files.

The committed workbooks (workbook_templates/, data/2023/) must match what the code writes with
every xlsxwriter version pyproject.toml allows, and versions differ in bytes that mean nothing,
so they are not compared byte for byte. Each XML part is parsed and written out canonically
(C14N 2.0: attribute order, quotes, empty-element form and the XML declaration no longer
count), split into its tags with the whitespace between tags dropped, and compared tag by tag;
the entries of [Content_Types].xml and of .rels parts are compared in any order. Other parts
(images) are compared as bytes.

One real difference between versions is normalised: a row height (<row ht="…">) is compared
in whole pixels, which is what Excel shows. xlsxwriter 3.3 stores set_row(16) as 21 px and
writes ht="15.75"; 3.1 and 3.2 write ht="16".

Unlike XlsxWriter's helper this keeps the dates of docProps/core.xml: perfxl's are
deterministic (1 January of the form's year, or SOURCE_DATE_EPOCH), and the tests check them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import canonicalize

_XML_PARTS = (".xml", ".rels", ".vml")
_BETWEEN_TAGS = re.compile(r"(?<=>)\s*(?=<)")
_ROW_HEIGHT = re.compile(r'^(<row\b[^>]*\bht=")([^"]*)"')


def parts(path: Path | str) -> dict[str, list[str] | bytes]:
    """Every part of the package: XML parts as their normalised tags, other parts as bytes."""
    with zipfile.ZipFile(path) as zf:
        return {name: _normalised(name, zf.read(name)) for name in zf.namelist()}


def _normalised(name: str, data: bytes) -> list[str] | bytes:
    if not name.endswith(_XML_PARTS):
        return data
    tags = _BETWEEN_TAGS.split(canonicalize(data.decode("utf-8")).strip())
    tags = [_ROW_HEIGHT.sub(lambda m: f'{m[1]}{round(float(m[2]) * 4 / 3)}px"', tag) for tag in tags]
    if name == "[Content_Types].xml" or name.endswith(".rels"):
        tags[1:-1] = sorted(tags[1:-1])  # one entry per tag between the root's opening and closing tags
    return tags


def assert_same_parts(got: Path | str, expected: Path | str) -> None:
    """Fail naming the part and the first tag where workbook ``got`` differs from ``expected``."""
    mine, theirs = parts(got), parts(expected)
    assert sorted(mine) == sorted(theirs), f"{Path(got).name}: parts {sorted(mine)} != {sorted(theirs)}"
    for name, want in theirs.items():
        have = mine[name]
        if have == want:
            continue
        if isinstance(want, bytes):
            raise AssertionError(f"{Path(got).name} {name}: the bytes differ")
        i = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
        raise AssertionError(f"{Path(got).name} {name}, tag {i + 1}: {have[i:i + 1]} != {want[i:i + 1]} "
                             f"({len(have)} and {len(want)} tags)")
