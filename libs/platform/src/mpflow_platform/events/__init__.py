"""Events: envelope, transactional outbox, relay to JetStream, idempotent consumers."""

from mpflow_platform.events.envelope import Envelope, new_event, subject_for

__all__ = ["Envelope", "new_event", "subject_for"]
