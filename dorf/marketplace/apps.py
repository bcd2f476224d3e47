from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "dorf.marketplace"
    label = "marketplace"
