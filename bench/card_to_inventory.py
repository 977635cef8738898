"""How long a card takes from `POST /v1/admin/master-cards` at the gateway to being listed
by inventory (outbox -> relay -> JetStream -> consumer -> read copy), and what the gateway
adds to a request compared with calling the service directly.

Run: `.venv/bin/python bench/card_to_inventory.py [--cards 200]`. Starts its own embedded
PostgreSQL, NATS and the six services on free ports; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from mpflow_devstack.nats import EmbeddedNats
from mpflow_devstack.ports import free_port
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_devstack.stack import SERVICES, Stack
from mpflow_platform.http.identity import Identity, sign_identity
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(name: str, ms: list[float]) -> str:
    return (
        f"{name:<44} n={len(ms):<5} p50={percentile(ms, 50):7.2f} ms  "
        f"p95={percentile(ms, 95):7.2f} ms  mean={statistics.fmean(ms):7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--reads", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mpflow-bench-"))
    pg = EmbeddedPostgres(root / "pg")
    nats = EmbeddedNats(root / "nats")
    database_url = pg.start()
    nats.start()
    asyncio.run(apply_migrations(database_url, find_migrations_dir()))
    signing_key = secrets.token_urlsafe(32)
    password = secrets.token_urlsafe(16)
    stack = Stack(
        database_url=database_url,
        nats_url=nats.url,
        log_dir=root / "logs",
        ports={s: free_port() for s in SERVICES},
        env={
            "GATEWAY_SIGNING_KEY": signing_key,
            "HMAC_SECRET": secrets.token_urlsafe(32),
            "ADMIN_BOOTSTRAP_PASSWORD": password,
            "LOG_LEVEL": "WARNING",
        },
    )
    try:
        stack.start()
        with httpx.Client(base_url=stack.url(), timeout=30) as gw:
            login = gw.post(
                "/v1/admin/auth/login", json={"username": "admin", "password": password}
            )
            me = login.json()["user"]
            gw.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

            latencies: list[float] = []
            for i in range(args.cards):
                sku = f"B-{i:05d}"
                started = time.perf_counter()
                assert (
                    gw.post("/v1/admin/master-cards", json={"sku": sku, "title": "b"}).status_code
                    == 201
                )
                while gw.get("/v1/admin/inventory", params={"q": sku}).json()["total"] != 1:
                    time.sleep(0.002)
                latencies.append((time.perf_counter() - started) * 1000)

            via_gateway: list[float] = []
            for _ in range(args.reads):
                started = time.perf_counter()
                gw.get("/v1/admin/inventory", params={"limit": 50})
                via_gateway.append((time.perf_counter() - started) * 1000)

        identity = Identity(
            user_id=me["user_id"],
            account_id=me["id"],
            username="admin",
            role="owner",
            is_platform_admin=True,
            scopes=("*",),
            credential="session",
        )
        direct: list[float] = []
        with httpx.Client(base_url=stack.url("inventory"), timeout=30) as svc:
            for _ in range(args.reads):
                headers = {
                    "x-mpflow-identity": sign_identity(
                        identity,
                        key=signing_key,
                        method="GET",
                        path="/v1/admin/inventory",
                        query="limit=50",
                    )
                }
                started = time.perf_counter()
                svc.get("/v1/admin/inventory", params={"limit": 50}, headers=headers)
                direct.append((time.perf_counter() - started) * 1000)

        print(line("card created -> listed by inventory", latencies))
        print(line("GET /v1/admin/inventory via gateway", via_gateway))
        print(line("GET /v1/admin/inventory direct to service", direct))
        print(
            f"{'gateway / direct (p50)':<44} "
            f"{percentile(via_gateway, 50) / percentile(direct, 50):.2f}x"
        )
    finally:
        stack.stop()
        nats.stop()
        pg.stop()


if __name__ == "__main__":
    main()
