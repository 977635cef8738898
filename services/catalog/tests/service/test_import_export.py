"""Importing master cards from CSV/XLSX (a report per row, upsert by SKU, dry run) and
exporting them as CSV, through the running app."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import openpyxl
import pytest

from mpflow_testing.identity import ALICE, BOB

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"
IMPORT = f"{CARDS}/import"
EXPORT = f"{CARDS}/export"
HEADER = (
    "sku,title,brand,status,barcodes,length_mm,width_mm,height_mm,weight_g,purchase_price,"
    "purchase_currency,ozon_offer_id,attributes,notes\n"
)
MIXED = HEADER + (
    'NEW-1,Чайник,Polaris,,4601234567890;4601234567891,220,180,250,1150,"58,50",cny,NEW-1,'
    '"{""color"": ""black""}",x\n'  # 2 created
    "NEW-2,Кружка,,draft,,,,,300,,,,,\n"  # 3 created
    'UPD-1,,Bosch,,,,,,,,,,"{""size"": ""L"", ""old"": null}",\n'  # 4 updated
    "NEW-1,Другой чайник,,,,,,,,,,,,\n"  # 5 duplicate of row 2
    "BAD-1,,,,,,,,heavy,,,,,\n"  # 6 no title, weight not a number
    "BAD 2,t,,sold,,10,,,,5,,,,\n"  # 7 sku, status, dimensions, currency
    ",no sku,,,,,,,,,,,,\n"  # 8 no sku
    "NEW-3,t,,,,,,,,,,TAKEN,,\n"  # 9 offer id linked to OLD-1
    "OLD-1,Old card,,,,,,,,,,,,\n"  # 10 unchanged
    'NEW-4,t,,,,,,,,,,,"[1]",\n'  # 11 attributes not an object
)
EXPECTED = [
    (2, "NEW-1", "created", []),
    (3, "NEW-2", "created", []),
    (4, "UPD-1", "updated", []),
    (5, "NEW-1", "error", ["sku"]),
    (6, "BAD-1", "error", ["weight_g", "title"]),
    (7, "BAD 2", "error", ["width_mm", "purchase_currency", "sku", "status"]),
    (8, None, "error", ["sku"]),
    (9, "NEW-3", "error", ["ozon_offer_id"]),
    (10, "OLD-1", "unchanged", []),
    (11, "NEW-4", "error", ["attributes"]),
]


def _import(
    client: httpx.Client,
    data: bytes | str,
    *,
    name: str = "cards.csv",
    mime: str = "text/csv",
    dry_run: bool = False,
) -> httpx.Response:
    content = data.encode() if isinstance(data, str) else data
    return client.post(
        IMPORT,
        params={"dry_run": "true"} if dry_run else None,
        files={"file": (name, content, mime)},
    )


def _report(client: httpx.Client, data: bytes | str, **kwargs: Any) -> dict[str, Any]:
    response = _import(client, data, **kwargs)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _summary(report: dict[str, Any]) -> list[tuple[int, str | None, str, list[str]]]:
    return [
        (r["row"], r["sku"], r["result"], [e["field"] for e in r["errors"]]) for r in report["rows"]
    ]


def _outbox(db: Db) -> int:
    return int(db("SELECT count(*) AS n FROM catalog.outbox")[0]["n"])


def _card(client: httpx.Client, sku: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = client.get(CARDS, params={"q": sku}).json()["items"]
    (card,) = [c for c in items if c["sku"] == sku]
    return card


def _export(client: httpx.Client, **params: Any) -> str:
    response = client.get(EXPORT, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="master-cards.csv"'
    return response.text


def _arrange(client: httpx.Client) -> None:
    for body in (
        {"sku": "OLD-1", "title": "Old card", "links": [{"offer_id": "TAKEN"}]},
        {"sku": "UPD-1", "title": "To update", "attributes": {"old": 1, "keep": True}},
    ):
        assert client.post(CARDS, json=body).status_code == 201


def test_a_mixed_file_gives_the_exact_report_per_row(alice: httpx.Client, db: Db) -> None:
    _arrange(alice)

    report = _report(alice, MIXED)

    assert report["dry_run"] is False
    assert report["totals"] == {"created": 2, "updated": 1, "unchanged": 1, "error": 6}
    assert report["ignored_columns"] == ["notes"]
    assert _summary(report) == EXPECTED
    errors = {r["row"]: r["errors"] for r in report["rows"]}
    assert errors[5] == [
        {"field": "sku", "message": "SKU 'NEW-1' is also on row 2; a file may hold each SKU once"}
    ]
    assert errors[6] == [
        {"field": "weight_g", "message": "'heavy' is not a whole number"},
        {"field": "title", "message": "required for a new card"},
    ]
    assert errors[9][0]["message"].startswith("another card is already linked")

    kettle = _card(alice, "NEW-1")
    assert kettle["title"] == "Чайник" and kettle["brand"] == "Polaris"
    assert kettle["barcodes"] == ["4601234567890", "4601234567891"]
    assert kettle["dimensions"] == {"length_mm": 220, "width_mm": 180, "height_mm": 250}
    assert kettle["purchase_price"] == {"amount": "58.5000", "currency": "CNY"}
    assert kettle["attributes"] == {"color": "black"}
    assert kettle["links"] == [
        {"marketplace": "ozon", "offer_id": "NEW-1", "product_id": None, "sku": None}
    ]
    assert _card(alice, "NEW-2")["status"] == "draft"
    updated = _card(alice, "UPD-1")
    assert updated["title"] == "To update" and updated["brand"] == "Bosch"  # blank kept
    assert updated["attributes"] == {"keep": True, "size": "L"}  # merged, null removed
    assert _card(alice, "OLD-1")["version"] == 1
    skus = {r["sku"] for r in db("SELECT sku FROM catalog.master_cards")}
    assert skus == {"OLD-1", "UPD-1", "NEW-1", "NEW-2"}


def test_reimporting_the_same_file_changes_nothing(alice: httpx.Client, db: Db) -> None:
    _arrange(alice)
    _report(alice, MIXED)
    events = _outbox(db)
    versions = db("SELECT sku, version FROM catalog.master_cards ORDER BY sku")

    again = _report(alice, MIXED)

    assert _summary(again) == [
        (row, sku, "unchanged" if result != "error" else "error", fields)
        for row, sku, result, fields in EXPECTED
    ]
    assert _outbox(db) == events
    assert db("SELECT sku, version FROM catalog.master_cards ORDER BY sku") == versions


def test_a_dry_run_reports_the_same_and_writes_nothing(alice: httpx.Client, db: Db) -> None:
    _arrange(alice)
    events = _outbox(db)
    cards = db("SELECT sku, version, brand FROM catalog.master_cards ORDER BY sku")

    dry = _report(alice, MIXED, dry_run=True)

    assert dry["dry_run"] is True
    assert _outbox(db) == events
    assert db("SELECT sku, version, brand FROM catalog.master_cards ORDER BY sku") == cards
    assert db("SELECT count(*) AS n FROM catalog.marketplace_links") == [{"n": 1}]
    real = _report(alice, MIXED)
    assert {**dry, "dry_run": False} == real


def test_imported_cards_publish_the_same_events_as_created_ones(
    alice: httpx.Client, db: Db
) -> None:
    single = alice.post(
        CARDS,
        json={"sku": "API-1", "title": "t", "barcodes": ["1"], "links": [{"offer_id": "API-1"}]},
    )
    assert single.status_code == 201
    report = _report(
        alice,
        "sku,title,barcodes,ozon_offer_id,ozon_product_id,status\n"
        "IMP-1,t,1,IMP-1,77,\nIMP-2,t,,,,archived\n",
    )
    assert [r["result"] for r in report["rows"]] == ["created", "created"]

    rows = db("SELECT subject, payload FROM catalog.outbox ORDER BY seq")
    subjects = [(r["subject"], r["payload"]["data"]["sku"]) for r in rows]
    assert subjects == [
        ("mpflow.catalog.card.created", "API-1"),
        ("mpflow.catalog.card.created", "IMP-1"),
        ("mpflow.catalog.card.created", "IMP-2"),
        ("mpflow.catalog.card.archived", "IMP-2"),
    ]
    api, imported = rows[0]["payload"], rows[1]["payload"]
    assert set(api) == set(imported) and set(api["data"]) == set(imported["data"])
    card = _card(alice, "IMP-1")
    assert imported["data"]["card_id"] == card["id"]
    assert (
        imported["data"]["links"]
        == card["links"]
        == [{"marketplace": "ozon", "offer_id": "IMP-1", "product_id": 77, "sku": None}]
    )
    assert imported["data"]["version"] == 1 and imported["source"] == "catalog"
    assert _card(alice, "IMP-2")["status"] == "archived"


FULL_CARDS = [
    {
        "sku": "K-1",
        "title": "Чайник, 1,7 л",
        "description": 'Стекло.\nПодсветка; "синяя"',
        "brand": "Polaris",
        "barcodes": ["4601234567890", "SKU-BOX-1"],
        "dimensions": {"length_mm": 220, "width_mm": 180, "height_mm": 250},
        "weight_g": 1150,
        "attributes": {"color": "black", "power_w": 2200, "kit": ["base", "manual"]},
        "purchase_price": {"amount": "58.5", "currency": "CNY"},
        "links": [
            {"offer_id": "K-1", "product_id": 123456789, "sku": 987654321},
            {"offer_id": "K-1-B", "sku": 5},
        ],
    },
    {"sku": "=K-2", "title": "-minus", "brand": "Polaris", "status": "draft"},
    {"sku": "M-1", "title": "Mug", "brand": "Other"},
]


def _seed(client: httpx.Client) -> None:
    for body in FULL_CARDS:
        assert client.post(CARDS, json=body).status_code == 201, body
    card = _card(client, "M-1")
    assert client.delete(f"{CARDS}/{card['id']}").status_code == 200


def _comparable(client: httpx.Client) -> list[dict[str, Any]]:
    skip = {"id", "version", "created_at", "updated_at", "archived_at"}
    items = client.get(CARDS, params={"sort": "sku:asc", "limit": 500}).json()["items"]
    return [{k: v for k, v in card.items() if k not in skip} for card in items]


def test_export_imports_into_another_tenant_as_the_same_cards(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    _seed(alice)
    exported = _export(alice, brand="polaris")

    assert exported.startswith("\ufeffsku,title,description,brand,status,barcodes,")
    assert len(exported.strip().splitlines()) >= 3 and "M-1" not in exported
    report = _report(bob, exported.encode())

    assert report["totals"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    assert _comparable(bob) == [c for c in _comparable(alice) if c["brand"] == "Polaris"]
    assert _export(bob) == exported


def test_export_reimported_into_the_same_tenant_changes_nothing(
    alice: httpx.Client, db: Db
) -> None:
    _seed(alice)
    events = _outbox(db)

    report = _report(alice, _export(alice).encode())

    assert report["totals"] == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert _outbox(db) == events


def test_export_follows_the_list_filters_and_the_tenant(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    _seed(alice)

    def skus(text: str) -> list[str]:
        return [row["sku"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]

    assert skus(_export(alice)) == ["'=K-2", "K-1", "M-1"]
    assert skus(_export(alice, status="archived")) == ["M-1"]
    assert skus(_export(alice, has_link="true")) == ["K-1"]
    assert skus(_export(alice, q="mug", sort="title:desc")) == ["M-1"]
    assert skus(_export(bob)) == []
    semicolons = _export(alice, delimiter=";")
    assert semicolons.splitlines()[0].startswith("\ufeffsku;title;")
    bad = alice.get(EXPORT, params={"sort": "price"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "invalid_sort"


def test_an_xlsx_file_round_trips(alice: httpx.Client, bob: httpx.Client) -> None:
    _seed(alice)
    rows = list(csv.reader(io.StringIO(_export(alice).lstrip("\ufeff"))))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:  # numbers as Excel would hold them: a barcode too
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    report = _report(bob, buffer.getvalue(), name="cards.xlsx", mime=xlsx)

    assert report["totals"]["created"] == 3 and report["totals"]["error"] == 0
    assert _comparable(bob) == _comparable(alice)
    raw = bob.post(IMPORT, content=buffer.getvalue(), headers={"content-type": xlsx})
    assert raw.status_code == 200 and raw.json()["totals"]["unchanged"] == 3


def test_russian_excel_csv_in_windows_1251_imports(alice: httpx.Client) -> None:
    text = "Артикул;Название;Закупочная цена;Валюта закупки;Штрихкоды\nЧ-1;Чайник;58,50;RUB;46,47\n"

    report = _report(alice, text.encode("cp1251"))

    assert report["totals"]["created"] == 1, report
    card = _card(alice, "Ч-1")
    assert card["purchase_price"] == {"amount": "58.5000", "currency": "RUB"}
    assert card["barcodes"] == ["46", "47"]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"\x00\xff\xfe garbage \x01\x02" * 50, "binary data"),
        (b"", "empty"),
        (b"title,brand\nKettle,Polaris\n", "no sku column"),
        (b"PK\x03\x04" + b"\x00" * 200, "not a readable XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, ".xls"),
        (b"sku,title\n" + b"S,t\n" * 20_001, "more than 20000 data rows"),
        (b'sku,title\n"A,"unterminated\n' + b"x" * 200_000, "not valid CSV"),
    ],
)
def test_an_unreadable_file_is_a_422_problem(
    alice: httpx.Client, db: Db, content: bytes, detail: str
) -> None:
    response = _import(alice, content)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["error_code"] == "unreadable_file" and detail in body["detail"]
    assert db("SELECT count(*) AS n FROM catalog.master_cards") == [{"n": 0}]


def test_header_only_gives_an_empty_report(alice: httpx.Client) -> None:
    report = _report(alice, "sku;title\n")

    assert report["rows"] == [] and report["totals"]["created"] == 0


def test_an_oversize_file_is_a_413_problem(alice: httpx.Client) -> None:
    big = b"sku,title\n" + b"S,t\n" * (10 * 1024 * 1024 // 4)

    multipart = _import(alice, big)
    raw = alice.post(IMPORT, content=big, headers={"content-type": "text/csv"})

    for response in (multipart, raw):
        assert response.status_code == 413
        assert response.json()["error_code"] == "file_too_large"


def test_what_is_not_a_file_upload_is_refused(alice: httpx.Client) -> None:
    json_body = alice.post(IMPORT, json={"sku": "A"})
    no_file = alice.post(IMPORT, files={"other": ("a.csv", b"sku,title\nA,a\n", "text/csv")})
    raw_csv = alice.post(IMPORT, content=b"sku,title\nA,a\n", headers={"content-type": "text/csv"})

    assert (
        json_body.status_code == 415 and json_body.json()["error_code"] == "unsupported_media_type"
    )
    assert no_file.status_code == 422 and "field `file`" in no_file.json()["detail"]
    assert raw_csv.status_code == 200 and raw_csv.json()["totals"]["created"] == 1
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=xyz"):
        broken = alice.post(
            IMPORT, content=b"--abc\r\n\x00\xff", headers={"content-type": content_type}
        )
        assert broken.status_code == 400, broken.text
        assert broken.headers["content-type"] == "application/problem+json"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    not_a_workbook = _import(alice, docx.getvalue(), name="cards.xlsx")
    assert not_a_workbook.status_code == 422
    assert not_a_workbook.json()["error_code"] == "unreadable_file"


def test_import_needs_a_signed_in_caller(anonymous: httpx.Client) -> None:
    assert _import(anonymous, "sku,title\nA,a\n").status_code == 401
    assert anonymous.get(EXPORT).status_code == 401


def test_imported_updates_equal_the_same_patches(
    alice: httpx.Client, bob: httpx.Client, db: Db
) -> None:
    kettle = {
        "sku": "U-1",
        "title": "Kettle",
        "attributes": {"a": 1, "b": 2},
        "dimensions": {"length_mm": 1, "width_mm": 2, "height_mm": 3},
        "purchase_price": {"amount": "5", "currency": "CNY"},
        "links": [{"offer_id": "U-1", "product_id": 5}],
    }
    mug = {"sku": "U-2", "title": "Mug", "status": "draft"}
    for client in (alice, bob):
        for body in (kettle, mug):
            assert client.post(CARDS, json=body).status_code == 201
    patches = {
        "U-1": {
            "title": "Kettle 2",
            "dimensions": {"length_mm": 1, "width_mm": 20, "height_mm": 3},
            "purchase_price": {"amount": "6", "currency": "CNY"},
            "attributes": {"b": None, "c": 3},
        },
        "U-2": {"status": "archived"},
    }

    report = _report(
        alice,
        "sku,title,status,width_mm,purchase_price,attributes,ozon_offer_id\n"
        'U-1,Kettle 2,,20,6,"{""b"": null, ""c"": 3}",U-1\n'
        "U-2,,archived,,,,\n",
    )
    for sku, patch in patches.items():
        assert bob.patch(f"{CARDS}/{_card(bob, sku)['id']}", json=patch).status_code == 200

    assert [r["result"] for r in report["rows"]] == ["updated", "updated"]
    assert _comparable(alice) == _comparable(bob)
    assert _card(alice, "U-2")["archived_at"] is not None

    def events(user: UUID) -> list[tuple[str, dict[str, Any]]]:
        rows = db(
            "SELECT subject, payload FROM catalog.outbox WHERE user_id = $1 ORDER BY seq", user
        )
        skip = {"card_id", "updated_at"}
        return [
            (r["subject"], {k: v for k, v in r["payload"]["data"].items() if k not in skip})
            for r in rows[2:]
        ]

    assert events(ALICE.user_id) == events(BOB.user_id)
    assert [subject for subject, _ in events(ALICE.user_id)] == [
        "mpflow.catalog.card.updated",
        "mpflow.catalog.card.archived",
    ]
