"""How long finance's reports take over a big tenant, next to the plain SQL aggregate of
the same rows (what the database cannot do faster): P&L by month, P&L by SKU and unit
economics, through the report service functions (`finance.report.service`, as the routes
call them, minus HTTP and the auth call for tenant settings).

Run: `.venv/bin/python bench/finance_reports.py [--lines 1000000] [--cards 2000]
[--others 100000] [--repeat 5] [--no-fsync] [--data-dir DIR] [--reuse]`.

It creates a database `bench_finance_reports` on TEST_DATABASE_URL's server when that is
set, else on its own embedded PostgreSQL (in a temporary folder, or in `--data-dir`, kept
between runs), applies finance's migrations, and loads with
`INSERT … SELECT generate_series` the accruals of `--lines` sale lines of one tenant over
2025 (a revenue row, commission and logistics fees and COGS per line: 4 rows a line) across
`--cards` cards, plus monthly rent and software expenses, plus `--others` lines of other
tenants (with `--reuse` and `--data-dir`, the database an earlier run built there is kept
as it is and only new migrations are applied: building takes about 2 minutes). Then
`VACUUM ANALYZE` (index-only scans need the visibility map) and, per report, one warm-up
and the median of `--repeat` runs beside the median of as many runs of the plain aggregate,
the two run alternately (a drift in the machine's load weighs on both alike):

- P&L by month   vs `SELECT kind, fee_type, sum(amount), sum(qty) … GROUP BY kind, fee_type`
- P&L by SKU     vs both (it runs the P&L statement and the per-card one: `GROUP BY
                   card_id, kind, fee_type`); the ratio to the per-card one alone is printed too
- unit economics vs the per-card aggregate (the report's statement is that aggregate with an
                   ORDER BY its plan gives for free; Python names ~8 000 rows into 2 000)

It prints the figures, the ratios and the plans of the report's main statements; it
asserts nothing (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from finance.report import queries, service
from finance.report.model import Period, group_bounds, resolve_period
from finance.tenant import TenantSettings
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_platform.db import Pool, create_pool
from mpflow_platform.http.identity import Identity
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir

TENANT = uuid.UUID("00000000-0000-7000-8000-00000000f1a0")
ZONE = "Europe/Moscow"
SETTINGS = TenantSettings("RUB", "usn_income", Decimal("6"), "allow", ZONE)
DB_NAME = "bench_finance_reports"
CHUNK = 250_000

#: One sale line -> 4 accruals; `i` is the line number, cards are numbered i % cards.
_LOAD = """
INSERT INTO finance.accruals (id, user_id, occurred_at, kind, fee_type, amount, qty, card_id,
                              source, source_key)
SELECT gen_random_uuid(), $1::uuid,
       timestamptz '2025-01-01 00:00+03' + (i::float8 * 31536000 / $4) * interval '1 second',
       k.kind, k.fee_type,
       CASE k.kind WHEN 'revenue' THEN (100 + i % 900)::numeric
                   WHEN 'cogs' THEN -(40 + i % 400)::numeric
                   ELSE -round((100 + i % 900) * k.rate, 2) END,
       CASE k.kind WHEN 'revenue' THEN 1 + i % 3 ELSE 0 END,
       ('00000000-0000-4000-8000-' || lpad(to_hex(i % $5), 12, '0'))::uuid,
       'sale', 'sale:' || i || ':' || k.kind || COALESCE(':' || k.fee_type, '')
FROM generate_series($2::bigint, $3::bigint) AS i
CROSS JOIN (VALUES ('revenue', NULL, 0), ('fee', 'commission', 0.15),
                   ('fee', 'logistics', 0.05), ('cogs', NULL, 0)) AS k(kind, fee_type, rate)
"""


async def build(url: str, *, lines: int, cards: int, others: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO finance.cards (card_id, user_id, sku, title) "
            "SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, $1, "
            "'SKU-' || c, 'Card ' || c FROM generate_series(0, $2 - 1) AS c",
            TENANT,
            cards,
        )
        for first in range(0, lines, CHUNK):
            last = min(first + CHUNK, lines) - 1
            await conn.execute(_LOAD, TENANT, first, last, lines, cards)
        for n in range(others // CHUNK + 1):  # other tenants, same year
            count = min(CHUNK, others - n * CHUNK)
            if count > 0:
                await conn.execute(_LOAD, uuid.uuid4(), 0, count - 1, count, cards)
        await conn.execute(
            "INSERT INTO finance.accruals (id, user_id, occurred_at, kind, amount, category, "
            "source, source_key) "
            "SELECT gen_random_uuid(), $1, timestamptz '2025-01-05 12:00+03' + m * interval "
            "'1 month', 'expense', -c.amount, c.code, 'manual', 'txn:' || c.code || m "
            "FROM generate_series(0, 11) AS m "
            "CROSS JOIN (VALUES ('rent', 50000.00), ('software', 1234.56)) AS c(code, amount)",
            TENANT,
        )
        await conn.execute("VACUUM ANALYZE finance.accruals")
        await conn.execute("VACUUM ANALYZE finance.cards")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    await fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


async def paired(
    report: Callable[[], Awaitable[Any]], plain: Callable[[], Awaitable[Any]], repeat: int
) -> tuple[float, float]:
    """Median seconds of `report` and of `plain` over `repeat` rounds (after one warm-up of
    each), the two run alternately, the first of a round alternating too: a change in the
    machine's load while measuring weighs on both alike, not on the ratio."""
    await report()
    await plain()
    runs: tuple[list[float], list[float]] = ([], [])
    for n in range(repeat):
        for which in (0, 1) if n % 2 == 0 else (1, 0):
            started = time.perf_counter()
            await (report, plain)[which]()
            runs[which].append(time.perf_counter() - started)
    return statistics.median(runs[0]), statistics.median(runs[1])


PLAIN_KIND = (
    "SELECT kind, fee_type, sum(amount), sum(qty) FROM finance.accruals "
    "WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY kind, fee_type"
)
PLAIN_CARD = (
    "SELECT card_id, kind, fee_type, sum(amount), sum(qty) FROM finance.accruals "
    "WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3 "
    "GROUP BY card_id, kind, fee_type"
)


async def measure(pool: Pool, period: Period, repeat: int) -> None:
    identity = Identity(user_id=TENANT, credential="bench")
    bounds = (TENANT, period.start, period.end)

    async def plain(sql: str) -> None:
        async with pool.acquire() as conn:
            await conn.fetch(sql, *bounds)

    async def pnl(by_sku: bool) -> None:
        await service.pnl(
            pool=pool, identity=identity, settings=SETTINGS, period=period, group_by="month",
            by_sku=by_sku,
        )  # fmt: skip

    async def unit() -> None:
        await service.unit_economics(
            pool=pool, identity=identity, period=period, allocate_account_charges=True
        )

    async def plain_both() -> None:
        await plain(PLAIN_KIND)
        await plain(PLAIN_CARD)

    card = await timed(lambda: plain(PLAIN_CARD), repeat)
    for name, (seconds, base), base_name in (
        ("P&L group_by=month", await paired(lambda: pnl(False), lambda: plain(PLAIN_KIND), repeat),
         "by kind"),
        ("P&L month + by_sku", await paired(lambda: pnl(True), plain_both, repeat), "kind+card"),
        ("unit economics (allocated)", await paired(unit, lambda: plain(PLAIN_CARD), repeat),
         "per card"),
    ):  # fmt: skip
        print(
            f"{name:<28} {seconds * 1000:8.1f} ms | plain SQL {base_name:<8} "
            f"{base * 1000:8.1f} ms | ratio {seconds / base:5.2f}x"
            + (
                f" ({seconds / card:4.2f}x the per-card one alone)"
                if base_name == "kind+card"
                else ""
            )
        )
    report = await service.pnl(
        pool=pool, identity=identity, settings=SETTINGS, period=period, group_by="month",
        by_sku=True,
    )  # fmt: skip
    print(
        f"check: revenue {report.totals.revenue}, net profit {report.totals.net_profit}, "
        f"{len(report.groups)} months, {len(report.skus or [])} cards"
    )


async def explain(pool: Pool, period: Period) -> None:
    """The plans of the reports' statements (scan type and index used)."""
    bounds = (TENANT, period.start, period.end)
    march = resolve_period(
        date(2025, 3, 1), date(2025, 3, 31), timezone=ZONE, today=date(2026, 1, 1)
    )
    async with pool.acquire() as conn:
        for label, sql, args in (
            ("P&L by month", queries.PNL_SQL, (*bounds, group_bounds(period, "month")[1])),
            (
                "P&L March by day (a month of a year: the period index)",
                queries.PNL_SQL,
                (TENANT, march.start, march.end, group_bounds(march, "day")[1]),
            ),
            ("Per card (unit economics, P&L by_sku)", queries.CARD_SQL, bounds),
            (
                "P&L expenses by category",
                "SELECT kind, category, sum(amount) FROM finance.accruals WHERE user_id = $1 "
                "AND occurred_at >= $2 AND occurred_at < $3 AND kind IN ('expense', 'income') "
                "GROUP BY kind, category",
                bounds,
            ),
        ):
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *args)
            print(f"-- {label}")
            for row in plan:
                if any(w in row[0] for w in ("Scan", "Aggregate", "Sort (", "Execution")):
                    print(
                        "   ",
                        row[0].split("(actual")[0].rstrip(),
                        row[0].split("..")[-1][:40] if "Scan" in row[0] else "",
                    )


async def fresh_database(admin_url: str, reuse: bool) -> bool:
    """Create the bench database (dropping an old one) unless `reuse` finds one built;
    True when it must be built."""
    admin = await asyncpg.connect(admin_url)
    try:
        if reuse and await admin.fetchval(
            "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", DB_NAME
        ):
            url = admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
            conn = await asyncpg.connect(url)
            try:
                built = await conn.fetchval(
                    "SELECT to_regclass('finance.accruals') IS NOT NULL AND EXISTS "
                    "(SELECT FROM finance.accruals WHERE user_id = $1 AND kind = 'expense')",
                    TENANT,
                )
            finally:
                await conn.close()
            if built:
                return False
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        await admin.execute(f'CREATE DATABASE "{DB_NAME}"')
        return True
    finally:
        await admin.close()


async def scenario(admin_url: str, args: argparse.Namespace) -> None:
    must_build = await fresh_database(admin_url, args.reuse)
    url = admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    await apply_migrations(url, find_migrations_dir(), ["finance"])
    started = time.perf_counter()
    if must_build:
        await build(url, lines=args.lines, cards=args.cards, others=args.others)
    pool = await create_pool(url, application_name="bench", max_size=2)
    try:
        rows = await pool.fetchval(
            "SELECT count(*) FROM finance.accruals WHERE user_id = $1", TENANT
        )
        if must_build:
            print(
                f"tenant accruals {rows} ({args.lines} sale lines, {args.cards} cards), other "
                f"tenants' lines {args.others}; built in {time.perf_counter() - started:.0f} s"
            )
        else:
            print(f"tenant accruals {rows}, in the database an earlier run built (--reuse)")
        period = resolve_period(date(2025, 1, 1), date(2025, 12, 31), timezone=ZONE,
                                today=date(2026, 1, 1))  # fmt: skip
        await measure(pool, period, args.repeat)
        await explain(pool, period)
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--others", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-fsync", action="store_true", help="fsync off (faster load)")
    parser.add_argument(
        "--data-dir", type=Path, help="embedded PostgreSQL's folder, kept (default: temporary)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database an earlier run built there"
    )
    args = parser.parse_args()
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        asyncio.run(scenario(external, args))
        return
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="mpflow-bench-")) / "pg"
    pg = EmbeddedPostgres(folder.resolve())
    url = pg.start(fsync=not args.no_fsync)
    try:
        asyncio.run(scenario(url, args))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
