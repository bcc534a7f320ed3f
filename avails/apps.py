from django.apps import AppConfig


class AvailsConfig(AppConfig):
    name = "avails"
    verbose_name = "EMA Avails exchange"
