from django.urls import path

from dorf.ledger import api

app_name = "ledger"

PREFIX = "villages/<slug:slug>/ledger/"

urlpatterns = [
    path(f"{PREFIX}balance/", api.BalanceView.as_view(), name="balance"),
    path(f"{PREFIX}statement/", api.StatementView.as_view(), name="statement"),
    path(f"{PREFIX}statement.csv", api.StatementCsvView.as_view(), name="statement-csv"),
    path(f"{PREFIX}payments/", api.PaymentCreateView.as_view(), name="payment-create"),
    path(
        f"{PREFIX}payment-requests/",
        api.PaymentRequestListView.as_view(),
        name="payment-request-list",
    ),
    path(
        f"{PREFIX}payment-requests/<int:request_id>/confirm/",
        api.PaymentRequestConfirmView.as_view(),
        name="payment-request-confirm",
    ),
    path(
        f"{PREFIX}payment-requests/<int:request_id>/decline/",
        api.PaymentRequestDeclineView.as_view(),
        name="payment-request-decline",
    ),
    path(f"{PREFIX}transfers/", api.TransferListView.as_view(), name="transfer-list"),
    path(
        f"{PREFIX}transfers/<int:transfer_id>/",
        api.TransferDetailView.as_view(),
        name="transfer-detail",
    ),
    path(
        f"{PREFIX}transfers/<int:transfer_id>/reverse/",
        api.TransferReverseView.as_view(),
        name="transfer-reverse",
    ),
    path(f"{PREFIX}accounts/", api.AccountListView.as_view(), name="account-list"),
    path(
        f"{PREFIX}accounts/<int:account_id>/grant/",
        api.ClubGrantView.as_view(),
        name="club-grant",
    ),
    path(f"{PREFIX}figures/", api.FiguresView.as_view(), name="figures"),
]
