"""REST API of the ledger, under ``/api/v1/villages/<slug>/ledger/``.

Every create takes an ``Idempotency-Key`` header: a retry with the same key and body gets
the original result, the same key with another body gets 409, a missing key 400.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.serializers import InputSerializer, QuerySerializer
from dorf.ledger import selectors, services
from dorf.ledger.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MEMO_MAX_LENGTH,
    Account,
    AccountKind,
    Entry,
    LinkType,
    PaymentRequest,
    PaymentRequestStatus,
    Transfer,
    TransferKind,
)
from dorf.users.requests import AuthedRequest
from dorf.villages.scoping import (
    require_member_by_slug,
    require_member_place,
    require_moderator,
)

MAX_MINUTES_INPUT = 10**9
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A unique key per intended operation; retries reuse it.",
)


def idempotency_key(request: Request) -> str:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("An Idempotency-Key header of at most 200 characters is required."),
            code="idempotency_key_required",
        )
    return key


class MinutesField(serializers.IntegerField):
    """A JSON integer, nothing else: no 1.5, no 1.0, no "60", no true."""

    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return int(super().to_internal_value(data))


# --- output ----------------------------------------------------------------------------


class BalanceSerializer(serializers.Serializer[Any]):
    account_id = serializers.IntegerField(allow_null=True)
    balance_minutes = serializers.IntegerField()
    credit_limit_minutes = serializers.IntegerField()
    max_balance_minutes = serializers.IntegerField(allow_null=True)
    max_transfer_minutes = serializers.IntegerField()


class LegSerializer(serializers.Serializer[Any]):
    account_id = serializers.IntegerField()
    account_kind = serializers.CharField(source="account.kind")
    membership_id = serializers.IntegerField(source="account.membership_id", allow_null=True)
    name = serializers.SerializerMethodField()
    minutes = serializers.IntegerField()

    def get_name(self, entry: Entry) -> str:
        return selectors.account_label(entry.account)


class TransferSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    memo = serializers.CharField()
    link_type = serializers.CharField()
    link_id = serializers.IntegerField(allow_null=True)
    reverses_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    entries = serializers.SerializerMethodField()

    @extend_schema_field(LegSerializer(many=True))
    def get_entries(self, transfer: Transfer) -> Any:
        entries = transfer.booked_entries
        if entries is None:
            entries = list(transfer.entries.all())
        return LegSerializer(entries, many=True).data


class StatementEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    transfer_id = serializers.IntegerField()
    kind = serializers.CharField(source="transfer.kind")
    memo = serializers.CharField(source="transfer.memo")
    minutes = serializers.IntegerField()
    balance_after_minutes = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="transfer.created_at")
    counterparties = serializers.SerializerMethodField()

    def get_counterparties(self, entry: Entry) -> list[str]:
        return [
            selectors.account_label(other.account)
            for other in entry.transfer.entries.all()
            if other.account_id != entry.account_id
        ]


class MemberRefSerializer(serializers.Serializer[Any]):
    membership_id = serializers.IntegerField(source="pk")
    display_name = serializers.CharField(source="user.display_name")


class PaymentRequestSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    payer = MemberRefSerializer()
    payee = MemberRefSerializer()
    minutes = serializers.IntegerField()
    memo = serializers.CharField()
    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    transfer_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_status(self, payment_request: PaymentRequest) -> str:
        # Expiry is applied lazily (and nightly by a task); readers see it at once.
        from django.utils import timezone

        if (
            payment_request.status == PaymentRequestStatus.PENDING
            and payment_request.expires_at <= timezone.now()
        ):
            return PaymentRequestStatus.EXPIRED.value
        return payment_request.status


class AccountSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    membership_id = serializers.IntegerField(allow_null=True)
    name = serializers.SerializerMethodField()
    balance_minutes = serializers.IntegerField()

    def get_name(self, account: Account) -> str:
        return selectors.account_label(account)


# --- input -----------------------------------------------------------------------------


class PaymentInput(InputSerializer):
    payee_membership_id = serializers.IntegerField()
    minutes = MinutesField(min_value=1, max_value=MAX_MINUTES_INPUT)
    memo = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class PaymentRequestInput(InputSerializer):
    payer_membership_id = serializers.IntegerField()
    minutes = MinutesField(min_value=1, max_value=MAX_MINUTES_INPUT)
    memo = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class MemoInput(InputSerializer):
    memo = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class GrantInput(InputSerializer):
    minutes = MinutesField(min_value=1, max_value=MAX_MINUTES_INPUT)
    memo = serializers.CharField(max_length=MEMO_MAX_LENGTH)


class StatementQuery(QuerySerializer):
    kind = serializers.ChoiceField(choices=TransferKind.choices, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class LinkQuery(serializers.Serializer[Any]):
    link_type = serializers.ChoiceField(choices=[c for c in LinkType.values if c])
    link_id = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer[Any]):
    balance_total_minutes = serializers.IntegerField()
    credits_in_circulation_minutes = serializers.IntegerField()
    account_count = serializers.IntegerField()
    hours_exchanged_per_month = serializers.ListField(child=serializers.DictField())
    top_helpers = serializers.ListField(child=serializers.DictField())
    top_helpers_days = serializers.IntegerField()


# --- views -----------------------------------------------------------------------------


def _transfer_response(transfer: Transfer) -> Response:
    if transfer.booked_entries is None:
        # A replayed idempotent request: the original comes from the database.
        transfer = Transfer.objects.prefetch_related(selectors.entries_with_accounts()).get(
            pk=transfer.pk
        )
    return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class BalanceView(APIView):
    @extend_schema(responses=BalanceSerializer, tags=["ledger"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        account = selectors.account_balance(membership=membership)
        village = membership.village
        return Response(
            BalanceSerializer(
                {
                    "account_id": account.pk if account else None,
                    "balance_minutes": account.balance_minutes if account else 0,
                    "credit_limit_minutes": village.credit_limit_minutes,
                    "max_balance_minutes": village.max_balance_minutes,
                    "max_transfer_minutes": village.max_transfer_minutes,
                }
            ).data
        )


def _statement_filters(request: Request) -> dict[str, Any]:
    """``StatementQuery``'s validated filters (its 400 for bad ones)."""
    query = StatementQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class StatementView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[StatementQuery],
        responses=StatementEntrySerializer(many=True),
        tags=["ledger"],
        description="My entries, newest first, each with the running balance after it.",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        entries = selectors.statement_rows(
            user=request.user, village_slug=slug, **_statement_filters(request)
        )
        # The paginator the schema documents, fed with rows of one compiled query (DRF's
        # per-field cost and the ORM's compilation were most of the request:
        # docs/benchmarks.md, "REST reads").
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(entries, request, self) or []
        if not rows:
            # The rows are scoped to my verified membership; an empty page is a 404 if
            # there is none (one query more only then).
            require_member_place(request.user, slug)
        return paginator.get_paginated_response([statement_entry_json(row) for row in rows])


def statement_entry_json(row: dict[str, Any]) -> dict[str, Any]:
    """A ``statement_rows`` row as ``StatementEntrySerializer`` shows the entry (a test
    holds the two equal)."""
    return {
        "id": row["id"],
        "transfer_id": row["transfer_id"],
        "kind": row["transfer__kind"],
        "memo": row["transfer__memo"],
        "minutes": row["minutes"],
        "balance_after_minutes": row["balance_after_minutes"],
        "created_at": _DATETIME.to_representation(row["transfer__created_at"]),
        "counterparties": row["counterparties"],
    }


_DATETIME = serializers.DateTimeField()


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode()


def _csv_cell(value: str) -> str:
    # A memo starting with =, +, - or @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class StatementCsvView(APIView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(parameters=[StatementQuery], responses={(200, "text/csv"): str}, tags=["ledger"])
    def get(self, request: AuthedRequest, slug: str) -> HttpResponse:
        require_member_place(request.user, slug)  # a non-member's 404 before any 400
        rows = selectors.statement_rows(
            user=request.user, village_slug=slug, **_statement_filters(request)
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["date", "kind", "minutes", "balance_after_minutes", "counterparties", "memo"]
        )
        for row in rows:
            writer.writerow(
                [
                    row["transfer__created_at"].isoformat(),
                    row["transfer__kind"],
                    row["minutes"],
                    row["balance_after_minutes"],
                    _csv_cell("; ".join(row["counterparties"])),
                    _csv_cell(row["transfer__memo"]),
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="zeitkonto-{slug}.csv"'
        return response


class PaymentCreateView(APIView):
    @extend_schema(
        request=PaymentInput,
        responses={201: TransferSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["ledger"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        membership.user = request.user  # the same row: saves the service a query
        key = idempotency_key(request)
        data = PaymentInput.parse(request.data)
        transfer = services.payment_create(payer=membership, idempotency_key=key, **data)
        return _transfer_response(transfer)


class PaymentRequestListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[OpenApiParameter("role", str, enum=["payer", "payee"])],
        responses=PaymentRequestSerializer(many=True),
        tags=["ledger"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        role = request.query_params.get("role")
        requests = selectors.payment_requests_for(membership=membership, role=role)
        return paginate(self, request, requests, PaymentRequestSerializer)

    @extend_schema(
        request=PaymentRequestInput,
        responses={201: PaymentRequestSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["ledger"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        key = idempotency_key(request)
        data = PaymentRequestInput.parse(request.data)
        payment_request = services.payment_request_create(
            payee=membership, idempotency_key=key, **data
        )
        return Response(
            PaymentRequestSerializer(payment_request).data, status=status.HTTP_201_CREATED
        )


class PaymentRequestConfirmView(APIView):
    @extend_schema(request=None, responses=PaymentRequestSerializer, tags=["ledger"])
    def post(self, request: AuthedRequest, slug: str, request_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        payment_request = services.payment_request_confirm(actor=membership, request_id=request_id)
        return Response(PaymentRequestSerializer(payment_request).data)


class PaymentRequestDeclineView(APIView):
    @extend_schema(request=None, responses=PaymentRequestSerializer, tags=["ledger"])
    def post(self, request: AuthedRequest, slug: str, request_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        payment_request = services.payment_request_decline(actor=membership, request_id=request_id)
        return Response(PaymentRequestSerializer(payment_request).data)


class TransferListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[LinkQuery],
        responses=TransferSerializer(many=True),
        tags=["ledger"],
        description="Transfers linked to a posting, shift or route (moderators see all, "
        "members those they are party to).",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        query = LinkQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        transfers = selectors.transfers_linked(viewer=membership, **query.validated_data)
        return paginate(self, request, transfers, TransferSerializer)


class TransferDetailView(APIView):
    @extend_schema(responses=TransferSerializer, tags=["ledger"])
    def get(self, request: AuthedRequest, slug: str, transfer_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        transfer = selectors.transfers_visible_to(viewer=membership).filter(pk=transfer_id).first()
        if transfer is None:
            raise NotFound()
        return Response(TransferSerializer(transfer).data)


class TransferReverseView(APIView):
    @extend_schema(
        request=MemoInput,
        responses={201: TransferSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["moderation"],
    )
    def post(self, request: AuthedRequest, slug: str, transfer_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        key = idempotency_key(request)
        data = MemoInput.parse(request.data)
        reversal = services.transfer_reverse(
            actor=membership, transfer_id=transfer_id, idempotency_key=key, **data
        )
        return _transfer_response(reversal)


class _AccountPagination(IdCursorPagination):
    ordering = "id"
    max_page_size = 500


class AccountListView(APIView):
    pagination_class = _AccountPagination

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=AccountKind.values)],
        responses=AccountSerializer(many=True),
        tags=["moderation"],
        description="Every account of the village with its balance (moderators).",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_moderator(require_member_by_slug(request.user, slug))
        kind = request.query_params.get("kind")
        if kind and kind not in AccountKind.values:
            raise ValidationFailed(fields={"kind": [_("Unknown account kind.")]})
        accounts = selectors.village_accounts(village=membership.village, kind=kind)
        return paginate(self, request, accounts, AccountSerializer)


class ClubGrantView(APIView):
    @extend_schema(
        request=GrantInput,
        responses={201: TransferSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["moderation"],
        description="Fund a club account from the community account.",
    )
    def post(self, request: AuthedRequest, slug: str, account_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        key = idempotency_key(request)
        data = GrantInput.parse(request.data)
        transfer = services.club_grant(
            actor=membership, account_id=account_id, idempotency_key=key, **data
        )
        return _transfer_response(transfer)


class FiguresView(APIView):
    @extend_schema(responses=FiguresSerializer, tags=["moderation"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_moderator(require_member_by_slug(request.user, slug))
        return Response(
            FiguresSerializer(selectors.village_figures(village=membership.village)).data
        )
