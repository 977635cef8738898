"""No event is lost while NATS is down: the outbox keeps them until it is back."""

from __future__ import annotations

import time
import uuid

from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem


def test_cards_created_while_nats_is_down_for_10_s_all_reach_inventory(
    own_system: RunningSystem,
) -> None:
    token = own_system.admin_token()
    skus = [f"OUT-{uuid.uuid4().hex[:8]}" for _ in range(10)]
    with own_system.client(token) as client:
        own_system.nats.kill()
        outage_started = time.monotonic()
        for sku in skus:
            response = client.post("/v1/admin/master-cards", json={"sku": sku, "title": "t"})
            assert response.status_code == 201, response.text
            time.sleep(0.5)
        time.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
        assert client.get("/v1/admin/inventory").json()["total"] == 0

        own_system.nats.start()  # same port and JetStream store, as after a crash

        def arrived() -> bool:
            rows = client.get("/v1/admin/inventory", params={"limit": 500}).json()["items"]
            return {r["sku"] for r in rows} == set(skus)

        wait_until(arrived, timeout=60)
