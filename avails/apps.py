from django.apps import AppConfig


class AvailsConfig(AppConfig):
    name = "avails"
    verbose_name = "EMA Avails exchange"

    def ready(self) -> None:
        from jobs.models import JobKind
        from jobs.runners import job_runner_register

        from .services import avails_import_job_send

        job_runner_register(JobKind.AVAILS_IMPORT, avails_import_job_send)
