from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "dorf.ledger"
    label = "ledger"
