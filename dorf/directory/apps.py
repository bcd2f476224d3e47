from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig


class DirectoryConfig(DorfAppConfig):
    name = "dorf.directory"
    label = "directory"
    verbose_name = _("Local businesses")
    personal_data = "dorf.directory.privacy"
    demo_seeder = "dorf.directory.demo.seed"
    demo_order = 95
    periodic_tasks = ()

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dorf.directory.models import DirectoryEntry

        # The history of every entry (who changed what, when): owners' changes are
        # visible at once, so staff review them afterwards in this log.
        auditlog.register(DirectoryEntry, exclude_fields=["created_at", "updated_at"])
