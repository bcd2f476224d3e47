from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "dorf.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from dorf.ledger import receivers  # noqa: F401 - connects the signal receivers
