"""Event contracts: every consumer model accepts every producer example (STYLE.md §4, §5).

Producers document each event they publish with a full envelope in
`services/<svc>/src/<pkg>/events/examples/<type>.json`; consumers declare what they read in
`<pkg>/events/handlers.py` (`HANDLERS = {subject: handler}`) and keep their own models in
`<pkg>/events/consumed.py`. Everything is discovered from the tree, so a new event, producer
or consumer is covered without touching this file.

A service publishes its own context (`catalog` publishes `catalog.*`), plus the extra
contexts it owns, listed explicitly in `EXTRA_CONTEXTS`: finance records sales, so it also
publishes `sales.*` (ARCHITECTURE.md §3, `mpflow.sales.sale.recorded`).

Models are found by the naming rule of STYLE.md §6: the class of `catalog.card.created` is
`CardCreated` (the subject tail after the context, in PascalCase), in `published.py` for the
producer and in `consumed.py` for each consumer.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from mpflow_platform.events import Envelope, subject_for

SERVICES = Path(__file__).resolve().parents[2] / "services"
#: Contexts a service package publishes besides its own name (the one explicit list here).
EXTRA_CONTEXTS: dict[str, set[str]] = {"finance": {"finance", "sales"}}


def owned_contexts(package: str) -> set[str]:
    """The event contexts (first part of a type) `package` may publish."""
    return {package} | EXTRA_CONTEXTS.get(package, set())


@dataclass(frozen=True)
class Example:
    package: str
    path: Path

    @property
    def event_type(self) -> str:
        return self.path.stem

    @property
    def subject(self) -> str:
        return subject_for(self.event_type)

    def load(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return payload

    def __str__(self) -> str:
        return f"{self.package}:{self.event_type}"


def service_packages() -> dict[str, Path]:
    """Service package name -> its source folder, for every `services/*/src/<pkg>/`."""
    return {init.parent.name: init.parent for init in sorted(SERVICES.glob("*/src/*/__init__.py"))}


def producer_examples() -> list[Example]:
    return [
        Example(package, path)
        for package, root in service_packages().items()
        for path in sorted((root / "events" / "examples").glob("*.json"))
    ]


def consumed_subjects() -> list[tuple[str, str]]:
    """(consumer package, subject) for every key of every `events/handlers.py` HANDLERS."""
    pairs = []
    for package, root in service_packages().items():
        if (root / "events" / "handlers.py").is_file():
            handlers = importlib.import_module(f"{package}.events.handlers").HANDLERS
            pairs += [(package, subject) for subject in sorted(handlers)]
    return pairs


def producers() -> list[str]:
    return [
        p for p, root in service_packages().items() if (root / "events" / "published.py").is_file()
    ]


def event_class_name(event_type: str) -> str:
    """`catalog.card.created` -> `CardCreated`, `finance.sale_line.recorded` -> `SaleLineRecorded`.

    The context is left out: the class lives in that context's (or a consumer's) own module.
    """
    _context, *rest = event_type.split(".")
    return "".join(word.capitalize() for part in rest for word in part.split("_"))


def event_model(module: ModuleType, event_type: str) -> type[BaseModel]:
    name = event_class_name(event_type)
    model = getattr(module, name, None)
    assert isinstance(model, type) and issubclass(model, BaseModel), (
        f"{module.__name__} has no pydantic model {name} for {event_type} (STYLE.md §6 naming)"
    )
    return model


EXAMPLES = producer_examples()
CONSUMED = consumed_subjects()


def test_the_tree_has_examples_and_consumers_to_check() -> None:
    # Guards the discovery itself: an empty parametrization would pass silently.
    assert EXAMPLES, f"no event examples found under {SERVICES}"
    assert CONSUMED, f"no events/handlers.py with HANDLERS found under {SERVICES}"


@pytest.mark.parametrize("package", producers())
def test_every_event_a_producer_publishes_has_an_example(package: str) -> None:
    published = importlib.import_module(f"{package}.events.published")
    contexts = "|".join(sorted(map(re.escape, owned_contexts(package))))
    own_type = re.compile(rf"^({contexts})(\.[a-z][a-z0-9_]*){{2}}$")
    constants = [v for k, v in vars(published).items() if k.isupper() and isinstance(v, str)]
    types = {v for v in constants if own_type.match(v)}
    documented = {e.event_type for e in EXAMPLES if e.package == package}

    assert types, f"{published.__name__} names no event type constants"
    assert types <= documented, f"missing examples: {sorted(types - documented)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_each_example_is_an_envelope_from_its_producer(example: Example) -> None:
    envelope = Envelope.model_validate(example.load())

    assert envelope.type == example.event_type, "the file is named after the event type"
    assert envelope.source == example.package
    assert envelope.type.split(".")[0] in owned_contexts(example.package), (
        "a service publishes its own context (or one listed in EXTRA_CONTEXTS)"
    )
    assert envelope.user_id is not None, "business events name their tenant"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_each_example_is_exactly_what_the_producer_model_emits(example: Example) -> None:
    published = importlib.import_module(f"{example.package}.events.published")
    model = event_model(published, example.event_type)
    data = example.load()["data"]

    assert example.event_type in vars(published).values(), "the type is a published constant"
    assert model.model_validate(data).model_dump(mode="json") == data


@pytest.mark.parametrize(("consumer", "subject"), CONSUMED, ids=lambda v: str(v))
def test_every_consumer_model_accepts_every_example_of_its_subject(
    consumer: str, subject: str
) -> None:
    consumed = importlib.import_module(f"{consumer}.events.consumed")
    examples = [e for e in EXAMPLES if e.subject == subject]
    assert examples, f"{consumer} handles {subject}, but no producer has an example of it"

    for example in examples:
        envelope = Envelope.model_validate(example.load())
        model = event_model(consumed, envelope.type)
        model.model_validate(envelope.data)


@pytest.mark.parametrize(
    ("event_type", "name"),
    [("catalog.card.created", "CardCreated"), ("finance.sale_line.recorded", "SaleLineRecorded")],
)
def test_event_class_names_follow_the_subject_tail(event_type: str, name: str) -> None:
    assert event_class_name(event_type) == name
