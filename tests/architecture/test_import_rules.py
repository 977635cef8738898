"""Import rules (STYLE.md §5, §7.1), checked with import-linter over the whole tree:

1. no service package imports another service package, directly or through a third module;
2. the shared libraries (`libs/*`) import no service;
3. the pure domain modules (`model.py`, `fifo.py`, `landed.py`) import no framework or I/O.

Services, libraries and domain modules are discovered from the folder layout, so a new one is
covered without touching this file. The contracts are written into a temporary `.importlinter`
file and checked by the `lint-imports` command, as a developer would run it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PURE_MODULE_FILES = ("model.py", "fifo.py", "landed.py")
#: What a pure domain module must not reach, even indirectly (STYLE.md §7.1: no FastAPI,
#: asyncpg, NATS or settings; HTTP clients and the platform's I/O modules likewise).
IO_MODULES = (
    "fastapi",
    "starlette",
    "asyncpg",
    "nats",
    "httpx",
    "pydantic_settings",
    "mpflow_platform.db",
    "mpflow_platform.settings",
    "mpflow_platform.service",
    "mpflow_platform.http",
    "mpflow_platform.events.bus",
    "mpflow_platform.events.consumer",
    "mpflow_platform.events.relay",
    "mpflow_platform.events.outbox",
)


@dataclass(frozen=True)
class Layout:
    """The Python packages of a repository tree, by role: package name -> its `src` folder."""

    services: dict[str, Path]
    libs: dict[str, Path]

    @classmethod
    def of(cls, root: Path) -> Layout:
        def packages(pattern: str) -> dict[str, Path]:
            return {init.parent.name: init.parent.parent for init in sorted(root.glob(pattern))}

        return cls(packages("services/*/src/*/__init__.py"), packages("libs/*/src/*/__init__.py"))

    @property
    def source_dirs(self) -> list[Path]:
        return sorted({*self.services.values(), *self.libs.values()})

    def has_module(self, dotted: str) -> bool:
        """Whether `dotted` is a module or package of one of this tree's packages."""
        package, *_ = dotted.split(".")
        src = self.services.get(package) or self.libs.get(package)
        if src is None:
            return False
        path = src.joinpath(*dotted.split("."))
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()

    def io_modules(self) -> list[str]:
        """IO_MODULES as import-linter takes them: external packages by their top-level name
        only, and this tree's modules only when they exist."""
        internal = {*self.services, *self.libs}
        return [
            m
            for m in IO_MODULES
            if self.has_module(m) or (m.split(".")[0] not in internal and "." not in m)
        ]

    def pure_modules(self) -> list[str]:
        """Dotted names of every pure module (PURE_MODULE_FILES) inside a service package."""
        modules = []
        for package, src in self.services.items():
            for path in sorted((src / package).rglob("*.py")):
                if path.name in PURE_MODULE_FILES:
                    modules.append(".".join(path.relative_to(src).with_suffix("").parts))
        return modules


def _lines(names: list[str] | tuple[str, ...]) -> str:
    return "".join(f"\n    {name}" for name in names)


def importlinter_config(layout: Layout) -> str:
    """The `.importlinter` contracts for `layout` (a contract with nothing to check is left out)."""
    services = sorted(layout.services)
    sections = [
        "[importlinter]",
        f"root_packages ={_lines(sorted({*services, *layout.libs}))}",
        "include_external_packages = True",
        "",
        "[importlinter:contract:services-independent]",
        "name = Services never import each other",
        "type = independence",
        f"modules ={_lines(services)}",
        "",
        "[importlinter:contract:libs-import-no-service]",
        "name = Shared libraries import no service",
        "type = forbidden",
        f"source_modules ={_lines(sorted(layout.libs))}",
        f"forbidden_modules ={_lines(services)}",
        "",
    ]
    pure = layout.pure_modules()
    if pure:
        sections += [
            "[importlinter:contract:domain-is-pure]",
            "name = Domain models and FIFO import no framework or I/O",
            "type = forbidden",
            f"source_modules ={_lines(pure)}",
            f"forbidden_modules ={_lines(layout.io_modules())}",
            "",
        ]
    return "\n".join(sections)


def lint_imports(layout: Layout, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` on `layout` with a config written into `workdir`."""
    script = Path(sys.executable).with_name("lint-imports")
    if not script.exists():
        pytest.fail('import-linter is a test dependency: pip install "import-linter==2.*"')
    config = workdir / ".importlinter"
    config.write_text(importlinter_config(layout))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, layout.source_dirs))}
    return subprocess.run(
        [str(script), "--config", str(config), "--no-cache", "--no-logo"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def contract_verdicts(output: str) -> dict[str, str]:
    """`Services never import each other KEPT` lines of the report -> {name: KEPT|BROKEN}."""
    return dict(re.findall(r"^(.+?) (KEPT|BROKEN)$", output, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def repo_report(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return lint_imports(Layout.of(REPO), tmp_path_factory.mktemp("import-linter"))


def test_the_layout_finds_every_service_and_library() -> None:
    layout = Layout.of(REPO)

    assert set(layout.services) >= {"gateway", "auth", "catalog", "inventory", "finance", "ozon"}
    assert set(layout.libs) >= {"mpflow_platform", "mpflow_testing", "mpflow_devstack"}
    assert "auth.user.model" in layout.pure_modules()


def test_the_repository_keeps_every_import_rule(
    repo_report: subprocess.CompletedProcess[str],
) -> None:
    verdicts = contract_verdicts(repo_report.stdout)

    assert repo_report.returncode == 0, repo_report.stdout + repo_report.stderr
    assert verdicts == {
        "Services never import each other": "KEPT",
        "Shared libraries import no service": "KEPT",
        "Domain models and FIFO import no framework or I/O": "KEPT",
    }


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_reports_each_kind_of_violation(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    _write(
        tree,
        {
            "services/alpha/src/alpha/__init__.py": "",
            "services/alpha/src/alpha/api.py": "from gamma import helpers\n",
            "services/alpha/src/alpha/lot/__init__.py": "",
            "services/alpha/src/alpha/lot/model.py": "from alpha import db\n",
            "services/alpha/src/alpha/db.py": "import asyncpg\n",
            "services/beta/src/beta/__init__.py": "",
            "services/beta/src/beta/fifo.py": "import fastapi\n",
            "services/beta/src/beta/order/__init__.py": "",
            "services/beta/src/beta/order/model.py": "from mpflow_platform.db import transaction\n",
            "services/gamma/src/gamma/__init__.py": "",
            "services/gamma/src/gamma/helpers.py": "",
            "libs/platform/src/mpflow_platform/__init__.py": "",
            "libs/platform/src/mpflow_platform/db.py": "",
            "libs/platform/src/mpflow_platform/util.py": "import beta\n",
        },
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    report = lint_imports(Layout.of(tree), workdir)

    assert report.returncode != 0
    assert contract_verdicts(report.stdout) == {
        "Services never import each other": "BROKEN",
        "Shared libraries import no service": "BROKEN",
        "Domain models and FIFO import no framework or I/O": "BROKEN",
    }, report.stdout + report.stderr
    assert "alpha.api -> gamma.helpers" in report.stdout
    assert "mpflow_platform.util -> beta" in report.stdout
    assert "alpha.lot.model -> alpha.db" in report.stdout  # indirect: model -> db -> asyncpg
    assert "beta.fifo -> fastapi" in report.stdout
    assert "beta.order.model -> mpflow_platform.db" in report.stdout


def test_a_tree_that_keeps_the_rules_passes_the_checker(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    _write(
        tree,
        {
            "services/alpha/src/alpha/__init__.py": "",
            "services/alpha/src/alpha/lot/__init__.py": "",
            "services/alpha/src/alpha/lot/model.py": "from kit import money\n",
            "services/alpha/src/alpha/lot/service.py": "import asyncpg\nimport alpha.lot.model\n",
            "services/beta/src/beta/__init__.py": "import kit.money\n",
            "libs/kit/src/kit/__init__.py": "",
            "libs/kit/src/kit/money.py": "from decimal import Decimal\n",
        },
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    report = lint_imports(Layout.of(tree), workdir)

    assert report.returncode == 0, report.stdout + report.stderr
    assert set(contract_verdicts(report.stdout).values()) == {"KEPT"}
