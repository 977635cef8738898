"""Gateway settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import Settings, find_admin_ui_dir


def test_service_urls_default_to_the_local_ports_and_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_INVENTORY_URL", "http://inventory:8003/")

    urls = Settings().service_urls()

    assert urls == {
        "auth": "http://127.0.0.1:8001",
        "catalog": "http://127.0.0.1:8002",
        "inventory": "http://inventory:8003",
        "finance": "http://127.0.0.1:8004",
        "ozon": "http://127.0.0.1:8005",
    }


def test_empty_admin_ui_dir_turns_the_admin_ui_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_ADMIN_UI_DIR", "")

    assert Settings().admin_ui_dir is None


def test_admin_ui_dir_is_found_by_walking_up(tmp_path: Path) -> None:
    (tmp_path / "admin-ui").mkdir()
    package = tmp_path / "services" / "gateway" / "src" / "gateway"
    package.mkdir(parents=True)

    assert find_admin_ui_dir(package / "settings.py") == tmp_path / "admin-ui"
