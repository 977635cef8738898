"""How long `POST /v1/admin/master-cards/import` takes for a large file, CSV and XLSX: new
cards, a re-import that changes nothing, a dry run, a re-import that changes every card,
and new cards created one by one (the path without the bulk INSERT) for comparison.

Run: `.venv/bin/python bench/catalog_import.py [--rows 10000]`. Starts its own embedded
PostgreSQL and NATS and the catalog service on a free port (migrations applied at its
start-up), uploads files as the admin UI does (multipart, signed as the gateway would);
prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import openpyxl

from catalog.card import importing, transfer
from catalog.main import create_app
from mpflow_devstack.nats import EmbeddedNats
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_platform.http.identity import Identity
from mpflow_testing.identity import GatewayAuth
from mpflow_testing.servers import run_app

IMPORT = "/v1/admin/master-cards/import"
XLSX = transfer.XLSX_MIME
HEADER = [
    "артикул",
    "название",
    "бренд",
    "штрихкоды",
    "длина_мм",
    "ширина_мм",
    "высота_мм",
    "вес_г",
    "закупочная_цена",
    "валюта_закупки",
    "ozon_offer_id",
    "ozon_product_id",
    "атрибуты",
]


def rows(count: int, title: str = "Чайник электрический") -> list[list[Any]]:
    return [
        [
            f"BENCH-{i:06d}",
            f"{title} {i}",
            "Polaris",
            4600000000000 + i,
            220,
            180,
            250,
            1150 + i % 100,
            f"{58 + i % 7},50",
            "CNY",
            f"BENCH-{i:06d}",
            100000000 + i,
            json.dumps({"color": "black", "n": i}, ensure_ascii=False),
        ]
        for i in range(count)
    ]


def csv_file(data: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_file(data: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tenant() -> httpx.Client:
    identity = Identity(user_id=uuid4(), username="bench", role="owner", credential="session")
    return httpx.Client(base_url=BASE, auth=GatewayAuth(identity), timeout=600, trust_env=False)


BASE = ""


def measure(
    name: str, client: httpx.Client, data: bytes, mime: str, *, dry_run: bool = False
) -> None:
    started = time.perf_counter()
    response = client.post(
        IMPORT,
        params={"dry_run": "true"} if dry_run else None,
        files={"file": ("cards", data, mime)},
    )
    seconds = time.perf_counter() - started
    report = response.json()
    count = len(report.get("rows", []))
    totals = " ".join(f"{k}={v}" for k, v in report.get("totals", {}).items() if v)
    print(
        f"{name:<36} {response.status_code} rows={count:<6} {seconds:7.2f} s "
        f"{count / seconds:8.0f} rows/s  {len(data) / 2**20:5.2f} MB  {totals}"
    )


def parse_only(name: str, data: bytes, reader: Callable[..., transfer.Table]) -> None:
    started = time.perf_counter()
    table = reader(data, max_rows=importing.MAX_ROWS)
    seconds = time.perf_counter() - started
    print(f"{name:<36}     rows={len(table.rows):<6} {seconds:7.2f} s")


def main() -> None:
    global BASE
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mpflow-bench-"))
    pg = EmbeddedPostgres(root / "pg")
    nats = EmbeddedNats(root / "nats")
    database_url = pg.start()
    nats.start()
    os.environ.update(
        {
            "MPFLOW_ENV": "test",
            "DATABASE_URL": database_url,
            "NATS_URL": nats.url,
            "LOG_LEVEL": "WARNING",
        }
    )
    new = rows(args.rows)
    changed = rows(args.rows, title="Чайник стеклянный")
    csv_new, csv_changed, xlsx_new = csv_file(new), csv_file(changed), xlsx_file(new)
    try:
        with run_app(create_app()) as base:
            BASE = base
            parse_only("parse only: CSV", csv_new, transfer.read_csv)
            parse_only("parse only: XLSX", xlsx_new, transfer.read_xlsx)

            dry, seller = tenant(), tenant()
            measure("CSV dry run (new cards)", dry, csv_new, "text/csv", dry_run=True)
            measure("CSV new cards", seller, csv_new, "text/csv")
            measure("CSV re-import (unchanged)", seller, csv_new, "text/csv")
            measure("CSV dry run (unchanged)", seller, csv_new, "text/csv", dry_run=True)
            measure("CSV every card changed", seller, csv_changed, "text/csv")

            other = tenant()
            measure("XLSX new cards", other, xlsx_new, XLSX)
            measure("XLSX re-import (unchanged)", other, xlsx_new, XLSX)

            importing.BULK_WRITE = False
            slow = tenant()
            measure("CSV new cards, one by one", slow, csv_new, "text/csv")
            measure("CSV every card changed, one by one", slow, csv_changed, "text/csv")
            importing.BULK_WRITE = True
    finally:
        nats.stop()
        pg.stop()


if __name__ == "__main__":
    main()
