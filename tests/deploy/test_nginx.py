"""deploy/nginx.conf: the admin UI and the reverse proxy to the gateway.

The routing is checked on the text (nginx need not be installed); when an `nginx` binary is
on PATH, the same file is also started for real in front of a stub gateway.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mpflow_devstack.ports import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]
NGINX_CONF = REPO / "deploy" / "nginx.conf"

#: Request paths that must reach the gateway.
PROXIED = [
    "/v1/admin/cards",
    "/v1/tools",
    "/v1/tools/invoke",
    "/mcp",
    "/oauth/authorize",
    "/oauth/token",
    "/oauth/register",
    "/.well-known/oauth-authorization-server",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp",
    "/docs",
    "/openapi.json",
    "/health",
    "/ready",
    "/metrics",
]
#: Request paths that are the admin UI (static files or the SPA fallback).
UI = ["/", "/index.html", "/cards/123", "/settings"]


# --- a small reading of the config ---------------------------------------------------------


@dataclass
class Location:
    modifier: str  # "" (prefix) or "=" (exact)
    path: str
    body: str
    directives: dict[str, list[str]] = field(default_factory=dict)


def strip_comments(text: str) -> str:
    return "\n".join(
        line.split("#", 1)[0] if not line.strip().startswith("#") else ""
        for line in text.splitlines()
    )


def directives(body: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for statement in body.split(";"):
        words = statement.split(None, 1)
        if words:
            found.setdefault(words[0], []).append(words[1].strip() if len(words) > 1 else "")
    return found


def locations(text: str) -> list[Location]:
    found = []
    for match in re.finditer(r"location\s+(=\s*)?(\S+)\s*\{([^{}]*)\}", strip_comments(text)):
        body = match.group(3)
        found.append(
            Location((match.group(1) or "").strip(), match.group(2), body, directives(body))
        )
    assert not re.search(r"location\s+~", text), "regex locations: extend this matcher"
    return found


def server_level(text: str) -> dict[str, list[str]]:
    """Directives of the server block outside its locations."""
    server = strip_comments(text).split("server {", 1)[1]
    return directives(re.sub(r"location\s+[^{]*\{[^{}]*\}", "", server))


def match_location(locs: list[Location], path: str) -> Location:
    """nginx's choice for prefix and exact locations: exact first, else the longest prefix."""
    for loc in locs:
        if loc.modifier == "=" and loc.path == path:
            return loc
    prefixes = [loc for loc in locs if loc.modifier == "" and path.startswith(loc.path)]
    assert prefixes, f"no location matches {path}"
    return max(prefixes, key=lambda loc: len(loc.path))


@pytest.fixture(scope="module")
def conf() -> str:
    return NGINX_CONF.read_text()


def test_upstream_is_the_gateway(conf: str) -> None:
    upstream = re.search(r"upstream\s+gateway\s*\{([^}]*)\}", conf)
    assert upstream, "no `upstream gateway` block"
    assert directives(upstream.group(1))["server"] == ["gateway:8000"]


@pytest.mark.parametrize("path", PROXIED)
def test_api_paths_are_proxied_to_the_gateway(conf: str, path: str) -> None:
    loc = match_location(locations(conf), path)
    assert loc.directives.get("proxy_pass") == ["http://gateway"], f"{path} -> {loc.path}"


@pytest.mark.parametrize("path", UI)
def test_ui_paths_are_served_from_the_admin_ui(conf: str, path: str) -> None:
    loc = match_location(locations(conf), path)
    assert "proxy_pass" not in loc.directives, f"{path} is proxied by {loc.path}"
    root = match_location(locations(conf), "/")
    assert root.directives["try_files"] == ["$uri $uri/ /index.html"]


def test_proxy_headers_keep_host_with_port_and_forwarded_info(conf: str) -> None:
    headers = {v.split()[0]: v.split(None, 1)[1] for v in server_level(conf)["proxy_set_header"]}
    assert headers["Host"] == "$http_host"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert "X-Forwarded-Proto" in headers
    assert headers["Connection"] == '""'
    assert server_level(conf)["proxy_http_version"] == ["1.1"]
    # No proxied location drops them by setting headers of its own.
    for loc in locations(conf):
        if "proxy_pass" in loc.directives:
            assert "proxy_set_header" not in loc.directives, loc.path


def test_mcp_streams_without_buffering(conf: str) -> None:
    mcp = match_location(locations(conf), "/mcp")
    assert mcp.directives["proxy_buffering"] == ["off"]
    assert mcp.directives["proxy_read_timeout"] == ["1h"]


def test_security_headers(conf: str) -> None:
    server_headers = " ".join(server_level(conf)["add_header"])
    assert "X-Content-Type-Options" in server_headers and "nosniff" in server_headers
    assert "Referrer-Policy" in server_headers
    for path in ("/", "/index.html"):
        ui_headers = " ".join(match_location(locations(conf), path).directives["add_header"])
        # add_header in a location replaces the server's: each UI location repeats them all.
        assert "nosniff" in ui_headers and "Referrer-Policy" in ui_headers
        assert re.search(r"Content-Security-Policy \"[^\"]*frame-ancestors 'none'", ui_headers)


def test_gzip_for_text(conf: str) -> None:
    http = directives(re.sub(r"\{[^{}]*\}", "", strip_comments(conf).split("http {", 1)[1]))
    assert http["gzip"] == ["on"]
    types = http["gzip_types"][0].split()
    for mime in ("text/css", "application/javascript", "application/json", "image/svg+xml"):
        assert mime in types


# --- the real thing, when nginx is installed ------------------------------------------------


class StubGateway(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.dumps(
            {
                "path": self.path,
                "method": self.command,
                "headers": dict(self.headers),
                "body": self.rfile.read(length).decode(),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Running:
    base: str
    port: int


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Running]:
    binary = shutil.which("nginx")
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx): text checks only")
    stub = ThreadingHTTPServer(("127.0.0.1", 0), StubGateway)
    threading.Thread(target=stub.serve_forever, daemon=True).start()

    www = tmp_path / "www"
    (www / "assets").mkdir(parents=True)
    (www / "index.html").write_text("<!doctype html><title>OpenMPFlow</title>")
    (www / "assets" / "app.css").write_text("body { color: black; }\n" * 100)
    for sub in ("logs", "tmp"):
        (tmp_path / sub).mkdir()

    port = free_port()
    text = NGINX_CONF.read_text()
    # The same file, pointed at this test's stub gateway, port, folders and files.
    replacements = {
        # As root, nginx would run its workers as `nobody`, who cannot read pytest's tmp_path.
        r"^user\s+\S+;": "user root;" if os.geteuid() == 0 else "",
        r"^pid\s+\S+;": f"pid {tmp_path}/nginx.pid;",
        r"error_log\s+\S+": f"error_log {tmp_path}/logs/error.log",
        r"access_log\s+/var/log/nginx/access.log": f"access_log {tmp_path}/logs/access.log",
        r"server\s+gateway:8000;": f"server 127.0.0.1:{stub.server_address[1]};",
        r"listen\s+80\s+default_server;": f"listen 127.0.0.1:{port} default_server;",
        r"root\s+/usr/share/nginx/html;": f"root {www};",
        r"http\s*\{": "http {\n"
        + "".join(
            f"    {kind}_temp_path {tmp_path}/tmp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
    }
    for pattern, new in replacements.items():
        text, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
        assert count == 1, f"deploy/nginx.conf no longer has {pattern!r}"
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)

    check = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
        yield Running(f"http://127.0.0.1:{port}", port)
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stderr is not None:
            process.stderr.close()
        stub.shutdown()
        stub.server_close()


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def test_live_api_paths_reach_the_gateway_with_forwarded_headers(nginx: Running) -> None:
    for path in [*PROXIED, "/v1/admin/cards?limit=5"]:
        status, _, body = fetch(nginx.base + path)
        assert status == 200, path
        seen = json.loads(body)
        assert seen["path"] == path
        assert seen["headers"]["Host"] == f"127.0.0.1:{nginx.port}"
        assert seen["headers"]["X-Forwarded-Proto"] == "http"
        assert seen["headers"]["X-Forwarded-For"] == "127.0.0.1"


def test_live_forwarded_proto_from_a_tls_proxy_in_front_is_kept(nginx: Running) -> None:
    _, _, body = fetch(
        nginx.base + "/.well-known/oauth-authorization-server", **{"X-Forwarded-Proto": "https"}
    )
    assert json.loads(body)["headers"]["X-Forwarded-Proto"] == "https"


def test_live_spa_routes_fall_back_to_index_html(nginx: Running) -> None:
    for path in UI:
        status, headers, body = fetch(nginx.base + path)
        assert status == 200, path
        assert b"<title>OpenMPFlow</title>" in body
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"]
        assert headers["Cache-Control"] == "no-cache"


def test_live_static_text_is_gzipped(nginx: Running) -> None:
    status, headers, body = fetch(nginx.base + "/assets/app.css", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"body { color: black; }")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_live_healthz(nginx: Running) -> None:
    status, _, body = fetch(nginx.base + "/healthz")
    assert (status, body) == (200, b"ok\n")
