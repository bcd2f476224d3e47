"""Read-only ledger admin: operators look, they never edit the books."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dorf.ledger.models import Account, Entry, PaymentRequest, Transfer


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(admin.TabularInline[Entry, Transfer]):
    model = Entry
    fields = ("account", "minutes", "balance_after_minutes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "kind", "name", "membership", "balance_minutes")
    list_filter = ("kind", "village")
    list_select_related = ("village", "membership")
    search_fields = ("name", "membership__user__email")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "kind", "memo", "created_by", "created_at")
    list_filter = ("kind", "village")
    list_select_related = ("village", "created_by")
    search_fields = ("memo", "idempotency_key")
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transfer", "account", "minutes", "balance_after_minutes")
    list_select_related = ("transfer", "account")


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "payer", "payee", "minutes", "status", "expires_at")
    list_filter = ("status", "village")
    list_select_related = ("village", "payer", "payee")
