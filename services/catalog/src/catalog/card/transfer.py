"""Master cards as a table: the columns of import and export files, reading CSV and XLSX into
rows of text, turning a row into a CardCreate or CardUpdate with per-field errors, and
writing export lines.

Pure: it takes bytes and returns values (no database, no HTTP). A file that cannot be read
as a table at all raises FileError; everything wrong with one row is that row's errors.

Rules, shared by import and export so that export -> import round-trips:
- Headers match case-insensitively after trimming; spaces and hyphens count as `_`, `ё` as
  `е`, a byte-order mark is ignored. Each column has an English name (what export writes)
  and Russian aliases.
- Every cell is read as trimmed text; a blank cell means "not given" (a new card leaves the
  field empty, an existing card keeps its value).
- Lists (`barcodes`, and several Ozon links) are separated by `;` (or `,` for barcodes).
- A text starting with `=`, `+`, `-`, `@` or `'` is written with a leading `'` (so that a
  spreadsheet never runs it as a formula); import removes that one `'` again. A cell that
  still starts with `=` is refused as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from catalog.card.schemas import CardCreate, CardRead, CardUpdate

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An XLSX is a ZIP archive; its parts together may not unpack to more than this.
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
#: Cells longer than this make the file unreadable (descriptions hold 10 000 characters).
MAX_CELL_CHARS = 100_000
_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
_ESCAPED = frozenset("=+-@'")


class FileError(Exception):
    """The file is not a table this import can read (the message says why)."""


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("sku", ("артикул",), "the card's SKU (required; the key rows are matched by)"),
    Column("title", ("название", "наименование"), "name (required for a new card)"),
    Column("description", ("описание",), "free text"),
    Column("brand", ("бренд",), "brand"),
    Column("status", ("статус",), "draft, active or archived (a new card: active)"),
    Column("barcodes", ("штрихкоды", "штрихкод"), "barcodes separated by ; or ,"),
    Column("length_mm", ("длина_мм",), "package length, whole millimetres"),
    Column("width_mm", ("ширина_мм",), "package width, whole millimetres"),
    Column("height_mm", ("высота_мм",), "package height, whole millimetres"),
    Column("weight_g", ("вес_г",), "weight, whole grams"),
    Column("purchase_price", ("закупочная_цена", "цена_закупки"), "58.50 or 58,50"),
    Column("purchase_currency", ("валюта_закупки",), "ISO code: CNY, RUB, USD…"),
    Column("ozon_offer_id", ("ozon_артикул",), "Ozon offer_id (several: separated by ;)"),
    Column("ozon_product_id", (), "Ozon product_id, in the order of ozon_offer_id"),
    Column("ozon_sku", (), "Ozon SKU, in the order of ozon_offer_id"),
    Column("attributes", ("атрибуты",), 'a JSON object, e.g. {"color": "black"} (merged)'),
)
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
REQUIRED_HEADERS = ("sku", "title")


def normalise_header(text: str) -> str:
    """`" Длина-мм "` -> `длина_мм`: how a header cell is compared with the column names."""
    text = text.replace("\ufeff", "").strip().lower().replace("ё", "е")
    return re.sub(r"[\s\-]+", "_", text)


_ALIASES: dict[str, str] = {
    normalise_header(name): column.key
    for column in COLUMNS
    for name in (column.key, *column.aliases)
}


@dataclass(frozen=True)
class Row:
    """One data row of a file: its 1-based line (CSV) or row (XLSX) number, counting the
    header as 1, and its cells by column key (trimmed text; blank cells left out)."""

    number: int
    cells: dict[str, str]
    #: Problems with the row's shape (more cells than headers).
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    #: Header cells that name no known column (their cells are not imported).
    ignored_columns: tuple[str, ...]
    rows: list[Row]


# --- reading -------------------------------------------------------------------------------


def read_table(
    data: bytes, *, filename: str | None = None, content_type: str | None = None, max_rows: int
) -> Table:
    """The rows of a CSV or XLSX file (told apart by content, not by name). Raises FileError
    when the file is no table, has no sku and title headers, or has more than `max_rows`
    data rows."""
    if not data.strip():
        raise FileError("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, max_rows=max_rows)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError("an old Excel (.xls) file: save it as .xlsx or as CSV UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError("UTF-16 text: save the file as CSV UTF-8")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or (content_type or "").startswith(XLSX_MIME):
        raise FileError("the file is named as XLSX but is not a valid XLSX workbook")
    return read_csv(data, max_rows=max_rows)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1251 (Russian Excel's "CSV")."""
    if b"\x00" in data[:8192]:
        raise FileError("binary data, not a CSV or XLSX file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise FileError("not text in UTF-8 or Windows-1251: save the file as CSV UTF-8") from exc


def sniff_delimiter(header_line: str) -> str:
    """`;` (Russian Excel), `,` or a tab: whichever the header line has most of."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, *, max_rows: int) -> Table:
    text = decode_text(data)
    if "\x00" in text:
        raise FileError("the file contains NUL characters: it is not a CSV text")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))

    def records() -> Iterator[tuple[int, list[str]]]:
        line = 0
        try:
            while True:
                start = line + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                line = reader.line_num
                yield start, record
        except csv.Error as exc:
            raise FileError(f"line {line + 1}: not valid CSV ({exc})") from exc

    return _table(records(), max_rows=max_rows)


def read_xlsx(data: bytes, *, max_rows: int) -> Table:
    """The first worksheet. Formulas give the value Excel computed and saved with the file;
    a formula never computed reads as blank."""
    import openpyxl  # imported here: only XLSX imports pay for loading it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise FileError(f"the workbook unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MB")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not book.worksheets:
                    raise FileError("the workbook has no worksheet")
                sheet = book.worksheets[0]
                sheet.reset_dimensions()
                rows = (
                    (number, [xlsx_text(v) for v in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                )
                return _table(rows, max_rows=max_rows)
            finally:
                book.close()
    except FileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any damage in the archive or its XML
        raise FileError(f"not a readable XLSX workbook ({type(exc).__name__})") from exc


def xlsx_text(value: Any) -> str:
    """A cell's value as the text a CSV would hold: whole numbers without a fraction or an
    exponent (a barcode 4601234567890 stays that), other numbers in their shortest form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 2**63:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _table(records: Iterable[tuple[int, list[str]]], *, max_rows: int) -> Table:
    iterator = iter(records)
    header: list[str] | None = None
    for _, record in iterator:
        if any(cell.strip() for cell in record):
            header = record
            break
    if header is None:
        raise FileError("the file has no header row")
    keys, ignored = map_header(header)
    rows: list[Row] = []
    for seen, (number, record) in enumerate(iterator, start=1):
        if seen > max_rows * 10:
            raise FileError(f"more than {max_rows * 10} rows, most of them blank")
        row = _row(number, record, keys)
        if row is None:
            continue
        if len(rows) == max_rows:
            raise FileError(f"more than {max_rows} data rows: split the file")
        rows.append(row)
    return Table(
        columns=tuple(k for k in keys if k is not None), ignored_columns=ignored, rows=rows
    )


def map_header(header: Sequence[str]) -> tuple[list[str | None], tuple[str, ...]]:
    """The column key of each header cell (None: not imported) and the unknown headers."""
    keys: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for cell in header:
        if len(cell) > 200:
            raise FileError("a header cell is longer than 200 characters: is this the header?")
        key = _ALIASES.get(normalise_header(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
        elif key in seen:
            raise FileError(f"columns {seen[key]!r} and {cell.strip()!r} both mean {key}")
        else:
            seen[key] = cell.strip()
        keys.append(key)
    missing = [k for k in REQUIRED_HEADERS if k not in seen]
    if missing:
        raise FileError(
            f"no {' and no '.join(missing)} column in the header row; the first row must "
            f"name the columns ({', '.join(KEYS)}; Russian names are accepted too)"
        )
    return keys, tuple(ignored)


def _row(number: int, record: list[str], keys: list[str | None]) -> Row | None:
    if not any(cell.strip() for cell in record):
        return None
    cells: dict[str, str] = {}
    for key, cell in zip(keys, record, strict=False):
        text = cell.strip()
        if key is not None and text:
            if len(text) > MAX_CELL_CHARS:
                raise FileError(f"row {number}: a cell longer than {MAX_CELL_CHARS} characters")
            cells[key] = text
    extra = [cell for cell in record[len(keys) :] if cell.strip()]
    problems = (f"{len(record)} cells but only {len(keys)} headers",) if extra else ()
    return Row(number=number, cells=cells, problems=problems)


# --- a row as a card -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class RowValues:
    """A row's cells parsed to Python values; a key is present only when its cell was."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))


def unescape(text: str) -> str:
    """The text a cell stands for: `'=x` -> `=x` (see escape)."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in _ESCAPED else text


def escape(text: str) -> str:
    """A text safe from spreadsheets' formula evaluation: `=x` -> `'=x`."""
    return "'" + text if text and text[0] in _ESCAPED else text


_INT_RE = re.compile(r"^\d+(?:[.,]0+)?$")
_DECIMAL_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
_SPACES_RE = re.compile(r"[\s\u00a0\u202f]+")
_INT_COLUMNS = ("length_mm", "width_mm", "height_mm", "weight_g")


def _int(text: str) -> int | None:
    compact = _SPACES_RE.sub("", text)
    if not _INT_RE.match(compact):
        return None
    return int(re.split(r"[.,]", compact)[0])


def _decimal(text: str) -> Decimal | None:
    compact = _SPACES_RE.sub("", text)
    if not _DECIMAL_RE.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None


_SEPARATORS = {";,": re.compile(r"[;,]"), ";": re.compile(r";")}


def _split(text: str, separators: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS[separators].split(text)]


def parse_row(row: Row) -> RowValues:
    """The row's cells as typed values, with an error for each cell that is not one."""
    out = RowValues()
    for problem in row.problems:
        out.error("row", problem)
    for key, raw in row.cells.items():
        text = unescape(raw)
        if raw.startswith("="):
            out.error(key, "a formula, not a value: enter the value (or start the text with ')")
        elif raw in _EXCEL_ERRORS:
            out.error(key, f"a spreadsheet error value ({raw}), not a value")
        elif key in _INT_COLUMNS:
            number = _int(text)
            if number is None:
                out.error(key, f"{text[:40]!r} is not a whole number")
            else:
                out.values[key] = number
        elif key == "purchase_price":
            amount = _decimal(text)
            if amount is None:
                out.error(key, f"{text[:40]!r} is not an amount (write 58.50 or 58,50)")
            else:
                out.values[key] = amount
        elif key == "barcodes":
            out.values[key] = [b for b in _split(text, ";,") if b]
        elif key == "attributes":
            _parse_attributes(out, text)
        elif key in ("ozon_offer_id", "ozon_product_id", "ozon_sku"):
            out.values[key] = _split(text, ";")
        elif key == "status":
            out.values[key] = text.lower()
        else:
            out.values[key] = text
    _parse_links(out)
    return out


def _parse_attributes(out: RowValues, text: str) -> None:
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        out.error("attributes", 'not JSON: write an object such as {"color": "black"}')
        return
    if not isinstance(value, dict):
        out.error("attributes", 'must be a JSON object such as {"color": "black"}')
        return
    out.values["attributes"] = value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_links(out: RowValues) -> None:
    offers = out.values.pop("ozon_offer_id", None)
    ids: dict[str, list[int | None]] = {}
    for key in ("ozon_product_id", "ozon_sku"):
        parts = out.values.pop(key, None)
        if parts is None:
            continue
        numbers: list[int | None] = []
        for part in parts:
            number = int(part) if part.isdigit() and part.isascii() else None
            if part and number is None:
                out.error(key, f"{part[:40]!r} is not a whole number")
            numbers.append(number)
        ids[key] = numbers
        if offers is None:
            out.error(key, "give ozon_offer_id too: links are matched by offer id")
        elif len(parts) != len(offers):
            out.error(key, f"{len(parts)} values for {len(offers)} ozon_offer_id values")
    if offers is None or any(e.field.startswith("ozon_") for e in out.errors):
        return
    if any(not offer for offer in offers):
        out.error("ozon_offer_id", "an empty offer id between the ; separators")
        return
    product_ids = ids.get("ozon_product_id", [None] * len(offers))
    skus = ids.get("ozon_sku", [None] * len(offers))
    out.values["links"] = [
        {"marketplace": "ozon", "offer_id": offer, "product_id": pid, "sku": sku}
        for offer, pid, sku in zip(offers, product_ids, skus, strict=True)
    ]


def _body(values: dict[str, Any], current: CardRead | None, out: RowValues) -> dict[str, Any]:
    """The request body the row stands for; for an existing card only what the row gives,
    completed from the card where a group of columns belongs together."""
    body: dict[str, Any] = {
        k: values[k]
        for k in ("sku", "title", "description", "brand", "status", "barcodes", "weight_g")
        if k in values
    }
    if "attributes" in values:
        body["attributes"] = values["attributes"]
    dims = {k: values[k] for k in ("length_mm", "width_mm", "height_mm") if k in values}
    if dims:
        if current is not None and current.dimensions is not None:
            dims = {**current.dimensions.model_dump(), **dims}
        if len(dims) == 3:
            body["dimensions"] = dims
        else:
            missing = [k for k in ("length_mm", "width_mm", "height_mm") if k not in dims]
            out.error(missing[0], "give length_mm, width_mm and height_mm together")
    amount = values.get("purchase_price")
    currency = values.get("purchase_currency")
    if amount is not None or currency is not None:
        price = current.purchase_price if current is not None else None
        amount = price.amount if amount is None and price else amount
        currency = price.currency if currency is None and price else currency
        if amount is None:
            out.error("purchase_price", "give purchase_price with purchase_currency")
        elif currency is None:
            out.error("purchase_currency", "give purchase_currency with purchase_price")
        else:
            body["purchase_price"] = {"amount": amount, "currency": currency}
    if "links" in values:
        body["links"] = _completed_links(values["links"], current)
    return body


def _completed_links(links: list[dict[str, Any]], current: CardRead | None) -> list[dict[str, Any]]:
    """Blank product id or SKU of a link the card already has keep the card's."""
    known = {link.offer_id: link for link in (current.links if current else [])}
    completed = []
    for link in links:
        before = known.get(link["offer_id"])
        if before is not None:
            link = {
                **link,
                "product_id": link["product_id"] or before.product_id,
                "sku": link["sku"] or before.sku,
            }
        completed.append(link)
    return completed


#: Which column a validation error of a body field belongs to.
_LOC_COLUMN: dict[tuple[int | str, ...], str] = {
    ("dimensions", "length_mm"): "length_mm",
    ("dimensions", "width_mm"): "width_mm",
    ("dimensions", "height_mm"): "height_mm",
    ("purchase_price", "amount"): "purchase_price",
    ("purchase_price", "currency"): "purchase_currency",
}
_LINK_COLUMN = {"offer_id": "ozon_offer_id", "product_id": "ozon_product_id", "sku": "ozon_sku"}
_PATTERN_HINT = {
    "sku": "1-64 characters without spaces or control characters",
    "barcodes": "letters, digits and hyphens only (at most 64 each)",
    "purchase_currency": "a three-letter currency code such as CNY",
    "ozon_offer_id": "no control characters (at most 100)",
}


def _column_of(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "row"
    if loc[:2] in _LOC_COLUMN:
        return _LOC_COLUMN[loc[:2]]
    if loc[0] == "links":
        last = next((p for p in reversed(loc) if isinstance(p, str) and p in _LINK_COLUMN), None)
        return _LINK_COLUMN[last] if last else "ozon_offer_id"
    return str(loc[0])


def _validation_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        column = _column_of(tuple(err["loc"]))
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "string_pattern_mismatch":
            message = _PATTERN_HINT.get(column, "contains characters that are not allowed")
        elif err["type"] == "literal_error" and column == "status":
            message = "must be draft, active or archived" + (
                "" if "archived" in message else " (a new card: draft or active)"
            )
        errors.append(FieldError(column, message))
    return errors


def to_create(row: Row) -> tuple[CardCreate | None, str, list[FieldError]]:
    """The card a row creates, its requested status (it may be `archived`), and its errors.
    Null values in `attributes` are dropped (as a merge would remove them)."""
    parsed = parse_row(row)
    body = _body(parsed.values, None, parsed)
    status = str(body.get("status", "active"))
    if status == "archived":
        body["status"] = "active"
    if "attributes" in body:
        body["attributes"] = {k: v for k, v in body["attributes"].items() if v is not None}
    errors = list(parsed.errors)
    if "title" not in body and "title" not in {e.field for e in errors}:
        errors.append(FieldError("title", "required for a new card"))
    if "sku" not in body:
        if "sku" not in {e.field for e in errors}:
            errors.insert(0, FieldError("sku", "required"))
        return None, status, errors
    try:
        card = CardCreate.model_validate(body)
    except ValidationError as exc:
        return None, status, _merge(errors, _validation_errors(exc))
    return (None if errors else card), status, errors


def to_update(row: Row, current: CardRead) -> tuple[CardUpdate | None, list[FieldError]]:
    """The change a row asks of an existing card: the non-blank cells (the SKU is the key,
    so it is not part of the change), and its errors."""
    parsed = parse_row(row)
    body = _body(parsed.values, current, parsed)
    body.pop("sku", None)
    errors = list(parsed.errors)
    try:
        update = CardUpdate.model_validate(body)
    except ValidationError as exc:
        return None, _merge(errors, _validation_errors(exc))
    return (None if errors else update), errors


def _merge(first: list[FieldError], more: list[FieldError]) -> list[FieldError]:
    """`first` then those of `more` on columns `first` does not already fault."""
    faulted = {e.field for e in first}
    return first + [e for e in more if e.field not in faulted]


def row_sku(row: Row) -> str | None:
    """The row's SKU as matched against cards (trimmed), or None when blank."""
    raw = row.cells.get("sku")
    return unescape(raw) if raw else None


def would_change(current: CardRead, update: CardUpdate) -> bool:
    """Whether applying `update` changes the card (what `service.change_card` decides, done
    here without the database so unchanged rows cost nothing)."""
    given = update.model_fields_set
    for name in ("title", "description", "brand", "status", "barcodes", "weight_g"):
        if name in given and getattr(update, name) != getattr(current, name):
            return True
    if "dimensions" in given and update.dimensions != current.dimensions:
        return True
    if "purchase_price" in given:
        price, before = update.purchase_price, current.purchase_price
        if (price is None) != (before is None) or (
            price is not None
            and before is not None
            and (price.amount != before.amount or price.currency != before.currency)
        ):
            return True
    if update.attributes is not None:
        merged = {**current.attributes, **update.attributes}
        if {k: v for k, v in merged.items() if v is not None} != current.attributes:
            return True
    return changes_links(current, update)


def changes_links(current: CardRead, update: CardUpdate) -> bool:
    """Whether `update` gives links other than the card's (compared as `change_card` does)."""
    if update.links is None:
        return False
    after = sorted(
        (link.model_dump() for link in update.links),
        key=lambda x: (x["marketplace"], x["offer_id"]),
    )
    return [link.model_dump() for link in current.links] != after


# --- writing -------------------------------------------------------------------------------


def card_cells(card: CardRead) -> list[str]:
    """The cells of a card in COLUMNS order (what import reads back to the same card)."""
    dims = card.dimensions
    price = card.purchase_price
    links = card.links

    def joined(values: Iterable[int | None]) -> str:
        parts = ["" if v is None else str(v) for v in values]
        return ";".join(parts) if any(parts) else ""

    return [
        escape(card.sku),
        escape(card.title),
        escape(card.description or ""),
        escape(card.brand or ""),
        card.status,
        escape(";".join(card.barcodes)),
        str(dims.length_mm) if dims else "",
        str(dims.width_mm) if dims else "",
        str(dims.height_mm) if dims else "",
        "" if card.weight_g is None else str(card.weight_g),
        "" if price is None else format(price.amount.normalize(), "f"),
        "" if price is None else price.currency,
        escape(";".join(link.offer_id for link in links)),
        joined(link.product_id for link in links),
        joined(link.sku for link in links),
        json.dumps(card.attributes, ensure_ascii=False) if card.attributes else "",
    ]


def csv_lines(rows: Iterable[Sequence[str]], *, delimiter: str = ",") -> str:
    """CSV text of `rows` (CRLF line ends, quoted where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def csv_header(*, delimiter: str = ",") -> str:
    return csv_lines([KEYS], delimiter=delimiter)
