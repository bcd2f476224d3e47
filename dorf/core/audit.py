"""The audit log of staff and moderator actions, kept with django-auditlog.

Every staff or moderator action writes one ``auditlog.LogEntry``, from the service that
carries it out, inside the service's own transaction (a refused action leaves neither a
change nor an entry), whoever called the service: the REST API, the backoffice, a
WebSocket frame. The entry holds who (``actor``), what (the object, and the action's name
in ``additional_data["verb"]``), when (``timestamp``) and the fields the action changed as
auditlog's ``{field: [before, after]}``. It also names the village
(``additional_data["village_id"]``), so the backoffice's audit screen is scoped like
every other screen, the person the object is about (``subject_user_id``), so an erasure
finds the entry (``dorf.backoffice.privacy``), and the reason a moderator gave, if any.

A service writes it in two steps around its change::

    before = audit.snapshot(report)
    ... change the row ...
    audit.record(actor=actor.user, instance=report, before=before, verb="report_status_change",
                 village_id=report.village_id, subject_user_id=report.reporter_id)

Only the staff's path of a service records: a resident changing their own object is not a
staff action. We log explicitly instead of registering models with auditlog's signals:
the services change rows with guarded ``UPDATE``s that send no signal.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models import Model

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
        "key_hash",
        "pin_salt",
    }
)

Values = dict[str, str | None]


def snapshot(instance: Model) -> Values:
    """The row's current values as text (foreign keys as ids), re-read from the database:
    a service may have changed the row with an UPDATE that left ``instance`` stale."""
    fresh = type(instance)._default_manager.filter(pk=instance.pk).first()
    if fresh is None:
        return {}
    values: Values = {}
    for field in fresh._meta.concrete_fields:
        if field.attname in NOT_LOGGED or field.name in NOT_LOGGED:
            continue
        value = getattr(fresh, field.attname)
        values[field.attname] = None if value is None else str(value)
    return values


def record(
    *,
    actor: Model | None,
    instance: Model,
    before: Values,
    verb: str,
    village_id: int,
    subject_user_id: int | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
    changes: dict[str, list[str | None]] | None = None,
) -> LogEntry | None:
    """Write the entry of one action, after the change, in the same transaction.

    ``actor`` is the acting user (``None`` for the system); ``before`` is the
    ``snapshot`` taken before the change (empty for a created object). ``changes``
    replaces the computed before/after of the row, e.g. for an import's summary. An
    update that changed no field writes nothing and returns ``None``.
    """
    if changes is None:
        after = snapshot(instance)
        changes = {
            name: [before.get(name), value]
            for name, value in after.items()
            if before.get(name) != value and name != "updated_at"
        }
        if before and not changes:
            return None  # nothing changed: nothing to account for
    return _write(
        actor=actor,
        instance=instance,
        action=LogEntry.Action.UPDATE if before else LogEntry.Action.CREATE,
        changes=changes,
        additional={
            **_additional(verb, village_id, subject_user_id, reason),
            **(extra or {}),
        },
    )


def record_deletion(
    *,
    actor: Model | None,
    instance: Model,
    verb: str,
    village_id: int,
    subject_user_id: int | None = None,
    reason: str = "",
) -> LogEntry:
    """Write the entry of a deletion; call it just before the row is deleted (afterwards
    it has no primary key to point at). Its changes are the row's last values → ``None``."""
    changes: dict[str, list[str | None]] = {
        name: [value, None] for name, value in snapshot(instance).items() if name != "updated_at"
    }
    return _write(
        actor=actor,
        instance=instance,
        action=LogEntry.Action.DELETE,
        changes=changes,
        additional=_additional(verb, village_id, subject_user_id, reason),
    )


def _additional(
    verb: str, village_id: int, subject_user_id: int | None, reason: str
) -> dict[str, Any]:
    """What every entry carries besides its changes (the audit screen filters on it)."""
    additional: dict[str, Any] = {
        "village_id": village_id,
        "verb": verb,
        "subject_user_id": subject_user_id,
    }
    if reason:
        additional["reason"] = reason
    return additional


def _write(
    *,
    actor: Model | None,
    instance: Model,
    action: int,
    changes: dict[str, list[str | None]],
    additional: dict[str, Any],
) -> LogEntry:
    entry: LogEntry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=action,
        actor=actor,
        changes=changes,
        additional_data=additional,
    )
    return entry
