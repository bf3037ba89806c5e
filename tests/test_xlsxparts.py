"""The XML comparison of committed workbooks ignores what xlsxwriter versions vary in, and nothing else."""

import re
import zipfile
from pathlib import Path

import pytest

from xlsxparts import assert_same_parts

SHIPPED = Path(__file__).resolve().parent.parent / "workbook_templates" / "本级预算项目绩效目标表_2015.xlsx"
GUIDE = "xl/worksheets/sheet2.xml"  # 填表说明: its rows have set heights


def _copy(tmp_path, name: str, change) -> Path:
    """SHIPPED with part ``name`` passed through ``change`` (text in, text out)."""
    out = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(SHIPPED) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == name:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), "the change must change something"
                data = new.encode("utf-8")
            dst.writestr(info.filename, data)
    return out


def _swap_first_two(tag: str):
    """A change that puts the second <tag .../> entry of a part before the first."""
    def change(xml: str) -> str:
        first = xml.index(f"<{tag} ")
        second = xml.index(f"<{tag} ", first + 1)
        end = xml.index("/>", second) + 2
        return xml[:first] + xml[second:end] + xml[first:second] + xml[end:]
    return change


@pytest.mark.parametrize("name, change", [
    (GUIDE, lambda x: x.replace('ht="15.75"', 'ht="16"')),  # how xlsxwriter 3.1 and 3.2 write set_row(16)
    (GUIDE, lambda x: x.replace('<row r="2" spans="1:2"', '<row spans="1:2"  r="2"')),  # attribute order
    (GUIDE, lambda x: x.replace("><", ">\n  <")),  # whitespace between tags
    ("[Content_Types].xml", _swap_first_two("Override")),
    ("xl/_rels/workbook.xml.rels", _swap_first_two("Relationship")),
])
def test_differences_of_form_pass(tmp_path, name, change):
    assert_same_parts(_copy(tmp_path, name, change), SHIPPED)


@pytest.mark.parametrize("name, change, shown", [
    (GUIDE, lambda x: x.replace('ht="15.75"', 'ht="17.25"', 1), 'ht="23px"'),  # 23 px, not 21
    ("xl/sharedStrings.xml", lambda x: x.replace("项目名称", "项目名", 1), "项目名<"),
    ("xl/sharedStrings.xml", lambda x: x.replace("</t>", " </t>", 1), " </t>"),  # whitespace inside a text counts
    ("docProps/core.xml", lambda x: x.replace("2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 1), "2024-01-01"),
    ("xl/workbook.xml", lambda x: x.replace("</workbook>", "<extra/></workbook>"), "<extra>"),
])
def test_differences_of_content_fail_naming_the_part(tmp_path, name, change, shown):
    with pytest.raises(AssertionError, match=rf"changed\.xlsx {re.escape(name)}, tag \d+: .*{re.escape(shown)}"):
        assert_same_parts(_copy(tmp_path, name, change), SHIPPED)


def test_a_missing_part_fails(tmp_path):
    out = tmp_path / "short.xlsx"
    with zipfile.ZipFile(SHIPPED) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "docProps/app.xml":
                dst.writestr(info.filename, src.read(info))
    with pytest.raises(AssertionError, match="short.xlsx: parts"):
        assert_same_parts(out, SHIPPED)
