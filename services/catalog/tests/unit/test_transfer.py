"""Reading import files and writing export lines (pure: no database, no HTTP)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.card import transfer
from catalog.card.schemas import CardRead
from catalog.card.transfer import FileError, Row, read_table

MAX = 100


def _csv(text: str, encoding: str = "utf-8") -> transfer.Table:
    return read_table(text.encode(encoding), max_rows=MAX)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _card(**fields: Any) -> CardRead:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": uuid4(),
        "sku": "A-1",
        "title": "Kettle",
        "description": None,
        "brand": None,
        "status": "active",
        "barcodes": [],
        "dimensions": None,
        "weight_g": None,
        "attributes": {},
        "purchase_price": None,
        "links": [],
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    return CardRead.model_validate({**base, **fields})


# --- headers -------------------------------------------------------------------------------


def test_english_and_russian_headers_name_the_same_columns() -> None:
    english = _csv("sku,title,brand,weight_g,purchase_price\nA-1,Kettle,Polaris,1150,58.50\n")
    russian = _csv(
        "\ufeff Артикул ;НАЗВАНИЕ;Бренд;Вес-г;Закупочная цена\nA-1;Kettle;Polaris;1150;58,50\n"
    )

    assert english.columns == russian.columns
    assert english.rows[0].cells == {
        "sku": "A-1",
        "title": "Kettle",
        "brand": "Polaris",
        "weight_g": "1150",
        "purchase_price": "58.50",
    }
    assert russian.rows[0].cells["purchase_price"] == "58,50"


def test_unknown_headers_are_reported_and_their_cells_ignored() -> None:
    table = _csv("sku,title,colour,,notes\nA-1,Kettle,red,,x\n")

    assert table.ignored_columns == ("colour", "notes")
    assert table.rows[0].cells == {"sku": "A-1", "title": "Kettle"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("title,brand\nKettle,Polaris\n", "no sku column"),
        ("sku,brand\nA-1,Polaris\n", "no title column"),
        ("sku,артикул,title\nA,B,C\n", "both mean sku"),
        ("\n\n\n", "empty"),
        ("", "empty"),
    ],
)
def test_a_file_without_usable_headers_is_unreadable(text: str, reason: str) -> None:
    with pytest.raises(FileError, match=reason):
        _csv(text)


def test_header_only_gives_no_rows() -> None:
    assert _csv("sku;title\n").rows == []


# --- CSV -----------------------------------------------------------------------------------


def test_delimiter_is_sniffed_from_the_header_line() -> None:
    semicolon = _csv('sku;title;description\nA-1;"Чайник, 1,7 л";"a; b"\n')
    comma = _csv('sku,title,description\nA-1,"Чайник; 1,7 л","a, b"\n')
    tab = _csv("sku\ttitle\nA-1\tKettle, black\n")

    assert semicolon.rows[0].cells["title"] == "Чайник, 1,7 л"
    assert comma.rows[0].cells["description"] == "a, b"
    assert tab.rows[0].cells["title"] == "Kettle, black"


def test_windows_1251_is_read_when_the_file_is_not_utf8() -> None:
    table = _csv("артикул;название\nЧ-1;Чайник электрический\n", encoding="cp1251")

    assert table.rows[0].cells == {"sku": "Ч-1", "title": "Чайник электрический"}


def test_row_numbers_are_file_lines_with_the_header_as_one() -> None:
    table = _csv('sku,title,description\nA,a,"two\nlines"\n\nB,b,\n,,\nC,c,\n')

    assert [(r.cells["sku"], r.number) for r in table.rows] == [("A", 2), ("B", 5), ("C", 7)]


def test_extra_cells_beyond_the_header_are_a_row_problem() -> None:
    (row,) = _csv("sku,title\nA,a,surprise\n").rows

    assert row.problems and transfer.parse_row(row).errors[0].field == "row"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01\x02garbage\xff" * 10, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        ("sku,title\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04not really a zip", "XLSX"),
        (b"sku,title\n" + b"\x98" * 10, "UTF-8 or Windows-1251"),
    ],
)
def test_garbage_is_unreadable_not_a_crash(data: bytes, reason: str) -> None:
    with pytest.raises(FileError, match=reason):
        read_table(data, max_rows=MAX)


def test_too_many_rows_is_unreadable() -> None:
    text = "sku,title\n" + "".join(f"S{i},t\n" for i in range(MAX + 1))

    with pytest.raises(FileError, match=f"more than {MAX} data rows"):
        _csv(text)
    assert len(_csv("sku,title\n" + "".join(f"S{i},t\n" for i in range(MAX))).rows) == MAX


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_numbers_become_exact_text() -> None:
    data = _xlsx(
        [
            ["SKU", "Название", "штрихкоды", "purchase_price", "weight_g", "ozon_sku"],
            ["A-1", "Kettle", 4601234567890, 58.5, 1150, 987654321],
            ["A-2", "Mug", 4.60123456789e12, 12.0, 300.0, None],
            [],
            ["A-3", None, "4601234567890;4601234567891", "58,50", None, None],
        ]
    )

    table = read_table(data, max_rows=MAX)

    assert [r.number for r in table.rows] == [2, 3, 5]
    assert table.rows[0].cells == {
        "sku": "A-1",
        "title": "Kettle",
        "barcodes": "4601234567890",
        "purchase_price": "58.5",
        "weight_g": "1150",
        "ozon_sku": "987654321",
    }
    assert table.rows[1].cells["barcodes"] == "4601234567890"
    assert table.rows[1].cells["weight_g"] == "300"
    assert "title" not in table.rows[2].cells  # a blank cell is not given


def test_xlsx_formula_without_a_saved_value_reads_blank_and_text_formula_is_refused() -> None:
    data = _xlsx([["sku", "title", "weight_g"], ["A-1", "=1+1", "=2*3"]])

    (row,) = read_table(data, max_rows=MAX).rows
    assert row.cells == {"sku": "A-1"}  # openpyxl writes formulas without a computed value

    parsed = transfer.parse_row(Row(2, {"sku": "A", "title": "=HYPERLINK(1)"}))
    assert [e.field for e in parsed.errors] == ["title"] and "formula" in parsed.errors[0].message


def test_spreadsheet_error_values_are_refused() -> None:
    parsed = transfer.parse_row(Row(2, {"sku": "A", "title": "t", "weight_g": "#DIV/0!"}))

    assert [(e.field, "error value" in e.message) for e in parsed.errors] == [("weight_g", True)]


# --- values --------------------------------------------------------------------------------


def test_cells_map_to_a_new_card() -> None:
    row = Row(
        2,
        {
            "sku": "A-1",
            "title": "Чайник",
            "barcodes": "4601234567890; 4601234567891,4601234567890",
            "length_mm": "220",
            "width_mm": "180,0",
            "height_mm": "250",
            "weight_g": "1 150",
            "purchase_price": "58,50",
            "purchase_currency": "cny",
            "ozon_offer_id": "A-1;A-1-B",
            "ozon_product_id": "123;",
            "ozon_sku": ";456",
            "attributes": '{"color": "black", "gone": null}',
            "status": "draft",
        },
    )

    card, status, errors = transfer.to_create(row)

    assert errors == [] and card is not None and status == "draft"
    assert card.barcodes == ["4601234567890", "4601234567891"]
    assert card.dimensions is not None and card.dimensions.width_mm == 180
    assert card.weight_g == 1150
    assert card.purchase_price is not None
    assert (card.purchase_price.amount, card.purchase_price.currency) == (Decimal("58.50"), "CNY")
    assert [(x.offer_id, x.product_id, x.sku) for x in card.links] == [
        ("A-1", 123, None),
        ("A-1-B", None, 456),
    ]
    assert card.attributes == {"color": "black"}


def test_every_bad_cell_of_a_row_is_reported() -> None:
    row = Row(
        7,
        {
            "sku": "has space",
            "status": "gone",
            "barcodes": "46012/34",
            "length_mm": "22.5",
            "width_mm": "-3",
            "weight_g": "heavy",
            "purchase_price": "1,234.50",
            "ozon_product_id": "12",
            "attributes": "[1, 2]",
        },
    )

    card, _, errors = transfer.to_create(row)

    assert card is None
    assert {e.field for e in errors} == {
        "sku",
        "title",
        "status",
        "barcodes",
        "length_mm",
        "width_mm",
        "weight_g",
        "purchase_price",
        "ozon_product_id",
        "attributes",
    }


def test_groups_of_columns_must_be_complete_for_a_new_card() -> None:
    _, _, errors = transfer.to_create(
        Row(2, {"sku": "A", "title": "t", "length_mm": "1", "purchase_price": "5"})
    )

    assert {(e.field, e.message) for e in errors} == {
        ("width_mm", "give length_mm, width_mm and height_mm together"),
        ("purchase_currency", "give purchase_currency with purchase_price"),
    }


def test_an_update_keeps_blank_cells_and_completes_groups_from_the_card() -> None:
    current = _card(
        dimensions={"length_mm": 1, "width_mm": 2, "height_mm": 3},
        purchase_price={"amount": "5", "currency": "CNY"},
        links=[{"marketplace": "ozon", "offer_id": "A-1", "product_id": 11, "sku": 22}],
        attributes={"a": 1, "b": 2},
    )
    row = Row(
        2,
        {
            "sku": "A-1",
            "width_mm": "20",
            "purchase_price": "6",
            "ozon_offer_id": "A-1",
            "attributes": '{"b": null}',
        },
    )

    update, errors = transfer.to_update(row, current)

    assert errors == [] and update is not None
    assert update.model_fields_set == {"dimensions", "purchase_price", "links", "attributes"}
    assert update.dimensions is not None and update.dimensions.model_dump() == {
        "length_mm": 1,
        "width_mm": 20,
        "height_mm": 3,
    }
    assert update.purchase_price is not None and update.purchase_price.currency == "CNY"
    assert update.links is not None and (update.links[0].product_id, update.links[0].sku) == (
        11,
        22,
    )
    assert transfer.would_change(current, update)


def test_a_row_repeating_the_card_changes_nothing() -> None:
    current = _card(
        barcodes=["1", "2"],
        purchase_price={"amount": "58.5000", "currency": "CNY"},
        attributes={"a": [1, {"b": 2}]},
        status="archived",
    )
    cells = dict(zip(transfer.KEYS, transfer.card_cells(current), strict=True))

    update, errors = transfer.to_update(Row(2, {k: v for k, v in cells.items() if v}), current)

    assert errors == [] and update is not None
    assert not transfer.would_change(current, update)


# --- export --------------------------------------------------------------------------------


def test_export_cells_read_back_to_the_same_card() -> None:
    card = _card(
        sku="-5",
        title="=SUM(A1)",
        description='Line one\nline two, "quoted"; semi',
        brand="'Quoted",
        barcodes=["4601234567890", "X-1"],
        dimensions={"length_mm": 220, "width_mm": 180, "height_mm": 250},
        weight_g=1150,
        purchase_price={"amount": "58.5000", "currency": "CNY"},
        links=[{"marketplace": "ozon", "offer_id": "@A", "product_id": 1, "sku": None}],
        attributes={"color": "чёрный", "n": 1.5},
        status="draft",
    )
    text = transfer.csv_header(delimiter=";") + transfer.csv_lines(
        [transfer.card_cells(card)], delimiter=";"
    )

    (row,) = read_table(text.encode(), max_rows=MAX).rows
    created, status, errors = transfer.to_create(row)

    assert errors == [] and created is not None and status == "draft"
    assert row.cells["title"] == "'=SUM(A1)"  # never a live formula in a spreadsheet
    expected = card.model_dump(include=set(type(created).model_fields) - {"sources"})
    assert created.model_dump(exclude={"sources"}) == expected


def test_escape_and_unescape_are_inverse() -> None:
    for text in ["=1", "+1", "-1", "@x", "'", "''", "'=x", "plain", "'plain", ""]:
        assert transfer.unescape(transfer.escape(text)) == text


# --- robustness ----------------------------------------------------------------------------

_HEAD = b"sku;title;barcodes;length_mm;purchase_price;ozon_offer_id;ozon_sku;attributes\n"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=400).map(lambda b: _HEAD + b),
        st.text(max_size=200).map(lambda t: _HEAD + t.encode("utf-8", "surrogatepass")),
    )
)
def test_any_bytes_are_rows_or_a_file_error(data: bytes) -> None:
    try:
        table = read_table(data, max_rows=MAX)
    except FileError:
        return
    for row in table.rows:
        transfer.to_create(row)
        transfer.to_update(row, _card())
