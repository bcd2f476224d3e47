"""Read-only ledger admin: operators look, they never edit the books."""

from __future__ import annotations

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin, ReadOnlyInline
from dorf.ledger.models import Account, Entry, PaymentRequest, Transfer


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ("account", "minutes", "balance_after_minutes")
    readonly_fields = fields


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
