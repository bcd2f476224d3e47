"""The audit log of staff and moderator actions, kept with django-auditlog.

Every backoffice action writes one ``auditlog.LogEntry``: who (``actor``), what (the
object, and the service that was called in ``additional_data["verb"]``), when
(``timestamp``) and the fields the action changed as auditlog's ``{field: [before,
after]}``. The entry also names the village (``additional_data["village_id"]``), so the
log is scoped like every other screen, and the person the object is about
(``subject_user_id``), so an erasure can find it (``privacy.py``).

We log explicitly instead of registering models with auditlog's signals: the services
change rows with guarded ``UPDATE``s that send no signal, and a resident's own change
through the API is not a staff action.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models import Model

from dorf.users.models import User

# Secrets and derived copies never go into the log.
NOT_LOGGED = frozenset(
    {
        "password",
        "token",
        "cancel_token_hash",
        "secret_features",
        "invite_code",
        "body_html",
        "etag",
    }
)


def snapshot(instance: Model) -> dict[str, str | None]:
    """The row's current values as text (foreign keys as ids), re-read from the database:
    a service may have changed the row with an UPDATE that left ``instance`` stale."""
    fresh = type(instance)._default_manager.filter(pk=instance.pk).first()
    if fresh is None:
        return {}
    values: dict[str, str | None] = {}
    for field in fresh._meta.concrete_fields:
        if field.attname in NOT_LOGGED or field.name in NOT_LOGGED:
            continue
        value = getattr(fresh, field.attname)
        values[field.attname] = None if value is None else str(value)
    return values


def record(
    *,
    actor: User,
    instance: Model,
    before: dict[str, str | None],
    verb: str,
    village_id: int,
    subject_user_id: int | None = None,
    extra: dict[str, Any] | None = None,
    changes: dict[str, list[str | None]] | None = None,
) -> LogEntry:
    """Write the entry of one action (call it after the service returned). ``changes``
    replaces the computed before/after of the row, e.g. for an import's summary."""
    if changes is None:
        after = snapshot(instance)
        changes = {
            name: [before.get(name), value]
            for name, value in after.items()
            if before.get(name) != value and name != "updated_at"
        }
    action = LogEntry.Action.UPDATE if before else LogEntry.Action.CREATE
    entry: LogEntry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=action,
        actor=actor,
        changes=changes,
        additional_data={
            "village_id": village_id,
            "verb": verb,
            "subject_user_id": subject_user_id,
            **(extra or {}),
        },
    )
    return entry
