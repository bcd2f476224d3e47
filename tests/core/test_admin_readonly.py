"""One read-only admin base: the operator's admin of the domain apps only looks; every
change goes through the services (API), so no rule is bypassed by the admin's save."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin

READ_ONLY_APPS = {"chat", "clubs", "marketplace", "ledger", "deliveries"}


@pytest.mark.parametrize(
    "model_admin",
    [ma for model, ma in admin.site._registry.items() if model._meta.app_label in READ_ONLY_APPS],
    ids=lambda ma: str(ma),
)
def test_domain_admins_use_the_one_read_only_base(model_admin: admin.ModelAdmin[Any]) -> None:
    assert isinstance(model_admin, ReadOnlyAdmin)
