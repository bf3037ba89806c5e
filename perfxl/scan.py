"""Find input files, decide what they are by content, and guard them before any parser runs.

calamine aborts the whole process on a sheet whose used range is absurd (one cell at
XFD1048576 makes it allocate hundreds of GiB), and zip bombs inflate without bound; so every
zip member is inflated here as a stream with a cap, and sheet XML is scanned for its extent.
calamine then opens an .xlsx rebuilt from the members as inflated here (``calamine_package``):
it parses exactly what was scanned, and each member is inflated once.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import describe_os_error
from .findings import finding
from .model import Finding, column_number
from .output import file_id

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100  # inflated / compressed, for members above RATIO_FROM_BYTES inflated
RATIO_FROM_BYTES = 20 * 1024 * 1024  # smaller members cost little memory whatever their ratio
MAX_CELLS = 5_000_000  # rows × columns of one sheet's used range
MAX_ROWS = 200_000
WHOLE_BYTES = 4 * 1024 * 1024  # a member up to this size (inflated) is inflated in one call, not streamed
PACKAGE_BYTES = 64 * 1024 * 1024  # members kept for calamine's package, at most; beyond, it opens the file as read
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xltx", ".xltm", ".ett", ".xlsb"}

# calamine takes cell references in either case (r="xfd1048576" is as far as r="XFD1048576").
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,4})([0-9]{1,8})""")  # the r attribute of a <c>
# Any attribute value that could be a reference beyond column ZZ or row 999. Anchored on "=", so
# it scans at memchr speed; a sheet without one cannot reach MAX_CELLS (999 × 702 cells).
_FAR_REF = re.compile(rb"""=\s*["'](?:[A-Za-z]{3,4}[0-9]|[A-Za-z]{1,2}[0-9]{4})""")
# _FAR_REF's candidates, found at memchr speed instead of a match tried at every "=": with letters read
# as "a", digits as "0" and quotes as '"', a far reference reads '"aaa0' or '"aaaa0', or holds 'a0000'.
_SHAPES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'", b"a" * 52 + b"0" * 10 + b'"')
_FAR_SHAPE = re.compile(rb'"aaaa?0')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Za-z]{1,4})?([0-9]{1,8})?(?::([A-Za-z]{1,4})([0-9]{1,8}))?"')
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# A cell showing an Excel error (t="e"), which python-calamine hands over as a blank: its
# reference and the error text, so a broken formula is reported as such, not as “not filled in”.
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*? t="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>(#[^<]{1,15})</v>')
# A formula cell with its formula text and cached value (absent when a script wrote the formula).
_FORMULA_OPEN = re.compile(rb"<f[ >]")  # a cell's formula element (not <formula1> of a validation)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*>(?:<f>|<f [^>]*[^/]>)([^<]{1,200})</f>(?:<v>([^<]*)</v>)?')
# Formula text that is a value typed after “=”, not a calculation: “100%”, “3席”, “是”.
_TYPED_VALUE = re.compile(r"""^[+-]?[0-9][0-9,]*(?:\.[0-9]+)?[^0-9\s()+\-*/^&=<>:!$,"'A-Za-z_.]{1,8}$|^[\u4e00-\u9fff]+$""")
# Percent number formats: built in 9 (0%) and 10 (0.00%), or a custom format with an unquoted %.
_NUM_FMT = re.compile(rb'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF_FMT = re.compile(rb"<xf\b([^>]*)")
_FMT_ID = re.compile(rb'numFmtId="([0-9]+)"')
STYLES = "xl/styles.xml"


CUSTOM_PROPERTIES = "docProps/custom.xml"
_PROFILE_PROPERTY = re.compile(rb'name="perfxl_profile"><vt:lpwstr>([^<]{1,64})</vt:lpwstr>')


class Rejected(Exception):
    """The file must not be parsed; ``code`` (and ``fields``) become a finding."""

    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code, self.fields = code, fields


def read_regular(path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, read once, only from a regular file and at most ``limit`` of them.

    Checked before opening (a FIFO would block the open, /dev/zero never ends) and again on the
    open file (O_NONBLOCK, so a FIFO swapped in meanwhile cannot block either). Read with
    os.read sized from fstat: asking a buffered file for ``limit`` bytes allocates them first.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise Rejected("not-regular-file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Rejected("not-regular-file")
        if st.st_size > limit:
            raise Rejected("file-too-large", mb=st.st_size // 1048576)
        chunks, size, want = [], 0, st.st_size + 1
        while size <= limit and (chunk := os.read(fd, min(want, limit + 1 - size))):  # to the end, as it may grow
            chunks.append(chunk)
            size += len(chunk)
            want = 1 << 20
    finally:
        os.close(fd)
    if size > limit:
        raise Rejected("file-too-large", mb=size // 1048576)
    return b"".join(chunks)  # one chunk: join returns it, no copy


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)  # spreadsheets to read, and every file named
    skipped: list[Path] = field(default_factory=list)  # non-spreadsheets found in folders
    missing: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # folders that could not be searched
    ids: set[tuple[int, int]] = field(default_factory=set)  # (device, inode) of every file in files


def is_scratch(path: Path) -> bool:
    """Lock, temp and metadata files of Excel, WPS, LibreOffice and macOS."""
    name = path.name
    return (name.startswith(("~$", ".~lock.", "._", ".")) or name.endswith("#") or name.endswith(".tmp")
            or "__MACOSX" in path.parts or name in ("Thumbs.db", "desktop.ini"))


def sniff(head: bytes) -> str:
    """'zip', 'ole' or 'other', from a file's first bytes."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head[:8] == OLE_MAGIC:
        return "ole"
    return "other"


def collect(paths, exclude=()) -> Inputs:
    """Expand folders (recursively, in sorted order); skip scratch files silently.

    Files are compared as real files (device and inode), so a file reached twice, through a
    symlink or a hard link, is read once, and ``exclude`` (the output) is never read. Symlinked
    folders are followed, each real folder searched once: a loop ends there. A folder that cannot
    be searched (no permission, name too long, a loop) is a finding, never a silent gap.
    """
    out = Inputs()
    excluded = {i for i in map(file_id, exclude) if i}
    seen_dirs: set[tuple[int, int]] = set()

    def add(path: Path, explicit: bool):
        ident = file_id(path)
        if ident is not None and (ident in out.ids or ident in excluded):
            return
        if explicit:  # named by the user: read_file says what it is, even if no spreadsheet
            pass
        elif is_scratch(path):
            return
        # In a folder the name says what is meant as a spreadsheet (a Word .doc is OLE too);
        # read_file then decides by content and reports a file that is not what its name says.
        elif path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            out.skipped.append(path)
            return
        if ident is not None:
            out.ids.add(ident)
        out.files.append(path)  # one that cannot be looked at (name too long …): read_file says why

    def walk(folder: Path):
        ident = file_id(folder)
        if ident in seen_dirs:
            out.problems.append(finding("folder-loop", file=str(folder)))
            return
        seen_dirs.add(ident)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.problems.append(finding("folder-unreadable", file=str(folder), reason=describe_os_error(exc)))
            return
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows a symlink
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith(".") and entry.name != "__MACOSX":
                    subfolders.append(path)
            else:
                add(path, explicit=False)
        for path in subfolders:
            walk(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            walk(path)
        elif os.path.lexists(path):
            add(path, explicit=True)
        else:
            try:
                os.stat(path)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR):  # e.g. name too long: read_file says so
                    add(path, explicit=True)
                    continue
            out.missing.append(str(raw))
    return out


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the lengths of the name and the extra field
_UNUSUAL_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched, strongly encrypted: zipfile says what is wrong
# End of central directory: signature, disk numbers, entry counts, directory size and offset, comment length.
_END_RECORD = struct.Struct("<4s4H2LH")
# A central directory record: signature, version needed, flags, method, CRC, compressed and inflated
# size, lengths of name, extra field and comment, local header offset.
_DIRECTORY_RECORD = struct.Struct("<4s2x3H4x3L3H8xL")


class Member(NamedTuple):
    """A zip member as the central directory declares it: the fields of zipfile.ZipInfo the guard uses."""

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int


def _plain_extra(extra: bytes) -> bool:
    """Extra fields whose lengths add up, as zipfile requires (else "Corrupt extra field")."""
    at = 0
    while len(extra) - at >= 4:
        at += 4 + int.from_bytes(extra[at + 2:at + 4], "little")
        if at > len(extra):
            return False
    return True


def _plain_directory(data: bytes) -> list[Member] | None:
    """The members of a package whose central directory is plain, read with struct; None for any
    other (a comment, ZIP64, data before the directory, an odd record), which zipfile then reads
    and judges. zipfile.ZipFile builds its directory in Python at about a third of a form's guard."""
    end = len(data) - _END_RECORD.size
    if end < 0:
        return None
    signature, disk, start_disk, count, total, size, offset, comment = _END_RECORD.unpack_from(data, end)
    if (signature != b"PK\x05\x06" or comment or disk or start_disk or count != total or offset + size != end
            or data[end - 20:end - 16] == b"PK\x06\x07"):  # a ZIP64 locator
        return None
    members = []
    at = offset
    while at < end:
        if at + _DIRECTORY_RECORD.size > end:
            return None
        (signature, version, flags, method, crc, compress_size, file_size, name_length, extra_length,
         comment_length, header_offset) = _DIRECTORY_RECORD.unpack_from(data, at)
        name_at = at + _DIRECTORY_RECORD.size
        extra_at = name_at + name_length
        at = extra_at + extra_length + comment_length
        if (signature != b"PK\x01\x02" or version > zipfile.MAX_EXTRACT_VERSION or at > end
                or 0xFFFFFFFF in (compress_size, file_size, header_offset)
                or extra_length and not _plain_extra(data[extra_at:extra_at + extra_length])):
            return None
        raw_name = data[name_at:extra_at]
        try:  # an ASCII name reads the same in cp437, and faster as UTF-8
            name = raw_name.decode("utf-8" if flags & 0x800 or raw_name.isascii() else "cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name:  # zipfile cuts the name there
            return None
        members.append(Member(name, flags, method, crc, compress_size, file_size, header_offset))
    return members if len(members) == count else None


def _inflate_whole(data: bytes, info: zipfile.ZipInfo | Member) -> bytes | None:
    """A small member inflated in one zlib call, straight from the package bytes.

    zipfile's streaming reader costs more Python than the inflating itself on a form's few KB;
    anything unusual (a size or checksum that does not match, another method) returns None
    and goes the streaming way, which reports it.
    """
    if (info.file_size > WHOLE_BYTES or info.flag_bits & _UNUSUAL_FLAGS
            or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.header_offset + _LOCAL_HEADER.size > len(data)):
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if signature != ZIP_MAGIC:
        return None
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            out = bytes(raw)
        else:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    except zlib.error:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


class _Package:
    """A zip package's members: from its central directory read with struct when plain, else
    from zipfile, which is also what streams a member too large or odd to inflate whole."""

    def __init__(self, data: bytes):
        self.data = data
        self.zf = None
        self.infos = _plain_directory(data)
        if self.infos is None:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.zf.infolist()

    def stream(self, info):
        """The member's inflated bytes as zipfile streams them (it reports what is wrong)."""
        if self.zf is None:
            self.zf = zipfile.ZipFile(io.BytesIO(self.data))
        if isinstance(info, Member):  # the same record as zipfile reads it from the same directory
            info = next((i for i in self.zf.infolist()
                         if i.header_offset == info.header_offset and i.filename == info.filename), None)
            if info is None:
                raise zipfile.BadZipFile("member not in zipfile's directory")
        with self.zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    def read(self, info) -> bytes:
        whole = _inflate_whole(self.data, info)
        return whole if whole is not None else b"".join(self.stream(info))


@dataclass
class SheetCells:
    """What a sheet's cells show that python-calamine does not hand over; (row, column) 0-based.

    errors: “#DIV/0!” where calamine gives a blank. formulas: “=100%” typed as a formula
    (calamine gives Excel's result, 1) or a formula with no cached value (calamine: blank) →
    (the formula as typed, "typed" or "uncached"). percent: number cells shown as percent; None
    when the file's styles were not looked at.
    """

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    percent: set[tuple[int, int]] | None = None

    def __bool__(self) -> bool:
        return bool(self.errors or self.formulas or self.percent)


def percent_styles(styles: bytes) -> set[bytes]:
    """The cell style indexes (s="…") whose number format shows a percent."""
    if b"%" not in styles and b'numFmtId="9"' not in styles and b'numFmtId="10"' not in styles:
        return set()  # most files: no percent format at all, said without parsing
    percent_fmts = {b"9", b"10"}
    for fmt_id, code in _NUM_FMT.findall(styles):
        if b"%" in re.sub(rb'"[^"]*"|\\.', b"", code.replace(b"&quot;", b'"')):
            percent_fmts.add(fmt_id)
    xfs = _CELL_XFS.search(styles)
    if not xfs:
        return set()
    out = set()
    for n, attrs in enumerate(_XF_FMT.findall(xfs.group(1))):
        m = _FMT_ID.search(attrs)
        if m and m.group(1) in percent_fmts:
            out.add(str(n).encode())
    return out


def _unescape(text: str) -> str:
    """XML's five escapes undone, &amp; last (as xml.sax.saxutils.unescape, whose import pulls in
    urllib and http: 15–30 ms in each worker)."""
    if "&" not in text:
        return text
    for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(escaped, plain)
    return text


def _formula_cells(window: bytes, cells: SheetCells, first: re.Match) -> None:
    """Note the formulas typed as values or saved without a result. Found from each formula
    element (``first`` is the first), so a sheet's few formulas cost a few matches, not a pass
    of the pattern over every cell."""
    opened = first
    while opened:
        m = _FORMULA_CELL.match(window, max(0, window.rfind(b"<c ", 0, opened.start())))
        opened = _FORMULA_OPEN.search(window, opened.end())
        if not m:
            continue
        letters, row, formula, cached = m.groups()
        text = _unescape(formula.decode("utf-8", "replace"))
        if _TYPED_VALUE.match(text):
            cells.formulas[int(row) - 1, column_number(letters) - 1] = ("=" + text, "typed")
        elif not cached:
            cells.formulas[int(row) - 1, column_number(letters) - 1] = ("=" + text, "uncached")


def _maybe_far(window: bytes) -> bool:
    """Whether _FAR_REF could match in ``window`` (a quick test that never misses one)."""
    shapes = window.translate(_SHAPES)
    return b"a0000" in shapes or _FAR_SHAPE.search(shapes) is not None


def _scan_member(chunks, budget: int, scan_cells: bool, percent: set[bytes] | None = None):
    """Scan one member's inflated bytes (one piece when small, else as streamed) under a byte
    budget; return (bytes inflated, extent, SheetCells).

    extent is (rows, columns, dimension area) of the cells' bounding box, which is what
    calamine allocates for; (0, 0, area) when no reference is far enough to matter. The exact
    box is only worked out once a far reference turns up: from then on every chunk is scanned,
    and the chunks before it count as reaching back to A1. ``percent``: the styles that show
    numbers as percent, whose cells are noted.
    """
    cells = SheetCells(percent=set() if percent is not None else None)
    percent_cell = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})" s="(?:%s)"' % b"|".join(percent)) if percent and scan_cells else None
    low_row = low_col = 1 << 30
    high_row = high_col = 0
    dim_area = 0
    total = 0
    tail = b""
    exact = False
    for chunk in chunks:
        total += len(chunk)
        if total > budget:
            raise Rejected("zip-bomb")
        window = tail + chunk
        if b"!" in window and _DOCTYPE.search(window):  # "!": one memchr clears most members
            raise Rejected("xml-entities")
        if not scan_cells:  # the workbook, shared strings: held to the budget, entities refused
            tail = window[-64:]
            continue
        if not exact and _maybe_far(window) and _FAR_REF.search(window):
            exact = True
            if total > len(chunk):  # earlier chunks were not scanned: assume they start at A1
                low_row = low_col = 1
        if exact:
            refs = _CELL_REF.findall(window)
            if refs:
                rows = {int(d) for d in {d for _, d in refs}}
                cols = {column_number(c) for c in {c for c, _ in refs}}
                low_row, high_row = min(low_row, *rows), max(high_row, *rows)
                low_col, high_col = min(low_col, *cols), max(high_col, *cols)
        if b"#" in window and b' t="e"' in window:  # "#": one memchr clears sheets without an error value
            for letters, row, text in _ERROR_CELL.findall(window):
                cells.errors[int(row) - 1, column_number(letters) - 1] = text.decode("ascii", "replace")
        if first := _FORMULA_OPEN.search(window):
            _formula_cells(window, cells, first)
        if percent_cell is not None:
            cells.percent.update((int(row) - 1, column_number(letters) - 1) for letters, row in percent_cell.findall(window))
        if not dim_area:
            dim = _DIMENSION.search(window)
            if dim and dim.group(3):
                rows = int(dim.group(4)) - int(dim.group(2) or 1) + 1
                cols = column_number(dim.group(3)) - column_number(dim.group(1) or b"A") + 1
                dim_area = max(1, rows * cols)
        tail = window[-64:]
    if not high_row:
        return total, (0, 0, dim_area), cells
    return total, (high_row - low_row + 1, high_col - low_col + 1, dim_area), cells


def _parsed_member(name: str) -> bool:
    """The members whose content calamine keeps: sheets, shared strings, the workbook (ODS: content).

    Others (styles, relationships) are not scanned, only held to their declared sizes: calamine
    keeps nothing of them that grows with their size.
    """
    return _is_sheet(name) or name in ("xl/workbook.xml", "xl/sharedStrings.xml", "content.xml")


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


# What calamine reads of an .xlsx besides its sheets: the package's and the workbook's relationships,
# the workbook, shared strings and styles.
CALAMINE_READS = ("_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml", STYLES)


@dataclass
class ZipCheck:
    """What guard_zip learnt of a package besides “safe to open”."""

    names: set[str]  # member names
    too_large: set[str] = field(default_factory=set)  # sheet members whose extent is too large to read
    cells: dict[str, SheetCells] = field(default_factory=dict)  # sheet member → what calamine does not show
    formats_known: bool = False  # styles.xml was read: SheetCells.percent says every percent cell
    profile: str = ""  # the framework perfxl's template recorded in the custom property perfxl_profile
    # The members calamine reads, as the guard inflated (and, sheets and the like, scanned) them: name →
    # (bytes, CRC); whole: each such member is here, under a name no other member has (else none is).
    members: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    whole: bool = False


def guard_zip(data: bytes, parsed=_parsed_member, budget: int = MAX_TOTAL_BYTES) -> ZipCheck:
    """Check an OOXML/ODS package (or a .docx: ``parsed`` names the members its reader keeps)
    before a parser opens it.

    Raises Rejected for a file that must not be opened at all.
    """
    try:
        package = _Package(data)
        by_name = {info.filename: info for info in package.infos}  # the last of a name, as zipfile's getinfo
        check = ZipCheck(names=set(by_name), whole=len(by_name) == len(package.infos))
        manifest = by_name.get("META-INF/manifest.xml")
        if manifest is not None and manifest.file_size < (1 << 20) and b"encryption-data" in package.read(manifest):
            raise Rejected("encrypted")  # a password-protected .ods
        percent = None  # the styles showing percent, once styles.xml (small, read first) is known
        if STYLES in by_name and (info := by_name[STYLES]).file_size < WHOLE_BYTES:
            styles = _inflate_whole(data, info)
            percent = percent_styles(styles) if styles is not None else None
            check.formats_known = percent is not None
            if styles is not None and check.whole:
                check.members[STYLES] = styles, info.CRC
        total = 0
        kept = len(check.members[STYLES][0]) if STYLES in check.members else 0
        for info in package.infos:
            name = info.filename
            if info.file_size > MAX_MEMBER_BYTES or (
                    info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size)):
                raise Rejected("zip-bomb")
            if name == CUSTOM_PROPERTIES:
                custom = _inflate_whole(data, info) if info.file_size < 65536 else None
                if custom and (m := _PROFILE_PROPERTY.search(custom)):
                    check.profile = m.group(1).decode("utf-8", "replace")
            is_sheet = _is_sheet(name)
            if parsed(name):
                body = _inflate_whole(data, info)
                inflated, (rows, cols, dim_area), cells = _scan_member(
                    (body,) if body is not None else package.stream(info), budget - total, is_sheet, percent)
                total += inflated
                if is_sheet and (rows > MAX_ROWS or rows * cols > MAX_CELLS or dim_area > MAX_CELLS):
                    check.too_large.add(name)
                if is_sheet and cells:
                    check.cells[name] = cells
                if not check.whole or not is_sheet and name not in CALAMINE_READS:
                    continue
            elif check.whole and name in CALAMINE_READS and name not in check.members:  # for calamine only
                body = _inflate_whole(data, info)
            else:
                continue
            if body is None or kept + len(body) > PACKAGE_BYTES:  # calamine opens the file as read
                check.whole = False
                check.members.clear()
            else:
                check.members[name] = body, info.CRC
                kept += len(body)
    except Rejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise Rejected("broken-file") from None
    return check


# A worksheet's root start tag, first in its XML. python-calamine reads every sheet twice: for its cells,
# then again to its end for the merged ranges (which perfxl never asks for); an empty <mergeCells/>
# put right after this tag ends that second pass there (≈ a third of calamine's time on a form).
_SHEET_ROOT = re.compile(rb"""(?:<\?xml[^>]*\?>)?\s*<(?:\w+:)?worksheet(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>""")
_NO_MERGES = b"<mergeCells/>"
# What that second pass reads after the cells: up to the end of <mergeCells>, else to the end. It is cut
# short only where this part is plain XML the pass reads without error (a sheet damaged there stays
# unreadable as before): self-closing elements, then the end or <mergeCells> of plain ranges.
_PLAIN_ATTRIBUTES = rb'(?:[ \t\r\n]+[\w:.-]+="[^"<&]*")*[ \t\r\n]*'
_PLAIN_TAIL = re.compile(rb'(?:[ \t\r\n]*<[A-Za-z][\w.-]*%s/>)*[ \t\r\n]*(?:(<mergeCells%s>)|</worksheet>[ \t\r\n]*\Z)'
                         % (_PLAIN_ATTRIBUTES, _PLAIN_ATTRIBUTES))
_MERGE_REF = rb"[A-Z]{1,3}[1-9][0-9]{0,6}"
_MERGE_LIST = re.compile(rb'(?:<mergeCell ref="%s(?::%s)?"/>)*</mergeCells>' % (_MERGE_REF, _MERGE_REF))


_LOCAL_STORED = struct.Struct("<4s5H3L2H")  # a local header: signature, version, flags, method, time, date, CRC, sizes, name and extra lengths
_DIRECTORY_STORED = struct.Struct("<4s6H3L5H2L")  # a central directory record, fields in the file's order


def _plain_tail(body: bytes, at: int) -> bool:
    """Whether what follows </sheetData> (from ``at``) is a _PLAIN_TAIL whose ranges are plain."""
    if not (tail := _PLAIN_TAIL.match(body, at)):
        return False
    return not tail.group(1) or _MERGE_LIST.match(body, tail.end()) is not None  # no "</" in a range: this ends at the first </mergeCells>


_TAIL_KEPT = 1 << 14  # longer tails are checked in place, not kept: the cache holds at most 64 × 16 KB


@functools.lru_cache(maxsize=64)
def _kept_plain_tail(tail: bytes) -> bool:
    """_plain_tail, kept for the last tails seen: the sheets of a batch from one template mostly end
    alike, and a tail seen before costs a hash instead of the patterns (≈ 4 µs a form; a new one ≈ 1 µs more)."""
    return _plain_tail(tail, 0)


def _merges_cut_short(body: bytes) -> int:
    """Where _NO_MERGES goes into this sheet (after its root tag), or -1 where it may not: the cells
    must be one <sheetData> … </sheetData> (the first two mentions of the name, with no <mergeCells>
    before the end, where the pass would stop) followed by a plain tail (_plain_tail)."""
    first = body.find(b"sheetData")
    if first < 1 or not body.startswith(b"<sheetData>", first - 1):
        return -1
    end = body.find(b"sheetData", first + 9)
    if end < 2 or not body.startswith(b"</sheetData>", end - 2) or body.find(b"mergeCells", 0, end) >= 0:
        return -1
    if not (_kept_plain_tail(body[end + 10:]) if len(body) - end < _TAIL_KEPT else _plain_tail(body, end + 10)):
        return -1
    root = _SHEET_ROOT.match(body)
    return root.end() if root else -1


def calamine_package(check: ZipCheck) -> bytes | None:
    """The .xlsx calamine is to open, rebuilt from the members as the guard inflated and scanned them,
    stored: calamine parses exactly what was checked, copies instead of inflating again, and never
    sees a member the guard did not read (another case of a name, a sheet found too large). A sheet
    gets an empty <mergeCells/> first where _merges_cut_short allows, which changes none of its cells.

    None when the package is no plain .xlsx whose members calamine reads were all inflated whole;
    calamine then opens the file as read.
    """
    members = {name: body for name, body in check.members.items() if name not in check.too_large}
    if (not check.whole or "xl/workbook.xml" not in members or len(members) > 0xFFFF  # the count is 16 bits
            or len({name.lower() for name in members}) != len(members)):  # calamine finds names in any case
        return None
    parts, directory, offset = [], [], 0
    for name, (body, crc) in members.items():
        pieces = (body,)
        if _is_sheet(name) and (at := _merges_cut_short(body)) >= 0:
            pieces = (body[:at] + _NO_MERGES, memoryview(body)[at:])  # a view: join copies the sheet once
            crc = zlib.crc32(pieces[1], zlib.crc32(pieces[0]))
        size = sum(map(len, pieces))
        raw = name.encode()
        flags = 0 if raw.isascii() else 0x800  # a UTF-8 name
        header = _LOCAL_STORED.pack(ZIP_MAGIC, 20, flags, 0, 0, 0x21, crc, size, size, len(raw), 0)
        parts += (header, raw, *pieces)
        directory += (_DIRECTORY_STORED.pack(b"PK\x01\x02", 20, 20, flags, 0, 0, 0x21, crc, size, size,
                                             len(raw), 0, 0, 0, 0, 0, offset), raw)
        offset += len(header) + len(raw) + size
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(members), len(members), sum(map(len, directory)), offset, 0)
    return b"".join(parts + directory + [end])


def sheet_members(data: bytes, check: ZipCheck | None = None) -> dict[str, str]:
    """Sheet name → worksheet XML member, from workbook.xml and its relationships (as the guard
    inflated them, when it did)."""
    import defusedxml.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book_xml, rels_xml = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
    try:
        if check is not None and check.whole and book_xml in check.members:
            book = ET.fromstring(check.members[book_xml][0])
            rels = ET.fromstring(check.members[rels_xml][0]) if rels_xml in check.members else None
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if book_xml not in names:
                    return {}
                book = ET.fromstring(zf.read(book_xml))
                rels = ET.fromstring(zf.read(rels_xml)) if rels_xml in names else None
    except Exception as exc:  # defusedxml raises its own family on entity tricks
        if type(exc).__module__.startswith("defusedxml"):
            raise Rejected("xml-entities") from None
        raise Rejected("broken-file") from None
    targets = {}
    if rels is not None:
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = target
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        out[sheet.get("name", "")] = targets.get(sheet.get(f"{ns_rel}id"), "")
    return out


def is_ods(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet")
    except (KeyError, zipfile.BadZipFile, OSError):
        return False


def ole_is_encrypted(data: bytes) -> bool:
    """An OLE file holding an encrypted OOXML package (a password-protected .xlsx)."""
    head = data[:4 << 20]
    return "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head


def biff_is_encrypted(data: bytes) -> bool:
    """An .xls/.et whose workbook stream starts with a FILEPASS record (RC4 or XOR password).

    The record follows the globals' BOF directly; BIFF8 and BIFF5 BOF headers are both looked for.
    """
    for bof in (b"\x09\x08\x10\x00", b"\x09\x08\x08\x00"):
        pos = data.find(bof)
        if pos >= 0:
            after = pos + 4 + bof[2]
            return data[after:after + 2] == b"\x2f\x00"
    return False

