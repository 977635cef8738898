"""`make run`'s launcher: everything up, credentials printed, data kept across restarts,
and every process it started gone after it stops."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mpflow_devstack.ports import free_port
from mpflow_testing.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
CREDENTIALS = re.compile(r"sign in as:\s+(\S+) / (\S+)")


@contextmanager
def make_run(data_dir: Path, port: int) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "NATS_URL", "ADMIN_BOOTSTRAP_PASSWORD")
    }
    env["GATEWAY_PORT"] = str(port)
    process = subprocess.Popen(
        [sys.executable, "-m", "mpflow_devstack.run", "--data-dir", str(data_dir), "--free-ports"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while not any("Press Ctrl-C" in line for line in output):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("make run exited early:\n" + "".join(output))
            output.append(line)
            if time.monotonic() > deadline:
                pytest.fail("make run did not come up:\n" + "".join(output))
        match = CREDENTIALS.search("".join(output))
        assert match, "".join(output)
        yield process, match.group(1), match.group(2)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends
            process.wait(timeout=60)


def children_of_data_dir(data_dir: Path) -> list[str]:
    result = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if str(data_dir) in line]


def test_make_run_serves_everything_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sku = f"RUN-{uuid.uuid4().hex[:8]}"

    with make_run(data_dir, port) as (_, username, password):
        ready = httpx.get(f"{base}/ready", timeout=10)
        token = httpx.post(
            f"{base}/v1/admin/auth/login", json={"username": username, "password": password}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            f"{base}/v1/admin/master-cards", headers=auth, json={"sku": sku, "title": "kept"}
        )
        wait_until(lambda: httpx.get(f"{base}/v1/admin/inventory", headers=auth).json()["total"])
        page = httpx.get(f"{base}/", timeout=10)

    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert username == "admin" and password != "admin"
    assert created.status_code == 201
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert children_of_data_dir(data_dir) == []

    with make_run(data_dir, port) as (_, _, password_again):
        token = httpx.post(
            f"{base}/v1/admin/auth/login", json={"username": username, "password": password_again}
        ).json()
        cards = httpx.get(
            f"{base}/v1/admin/master-cards",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()

    assert password_again == password
    assert [c["sku"] for c in cards["items"]] == [sku]
    assert children_of_data_dir(data_dir) == []
