from django.apps import AppConfig


class LocalizationConfig(AppConfig):
    name = "localization"
    verbose_name = "Localization"

    def ready(self) -> None:
        from jobs.models import JobKind
        from jobs.runners import job_runner_register
        from localization.services import subtitle_packaging_job_send
        from localization.translation.services import translation_job_send

        job_runner_register(JobKind.SUBTITLES, subtitle_packaging_job_send)
        job_runner_register(JobKind.TRANSLATION, translation_job_send)

        from localization.dubs.services import dub_packaging_job_send

        job_runner_register(JobKind.DUB, dub_packaging_job_send)
        # The dubs' admin lives in a module of its own, registered with the site here.
        from localization import admin_dubs  # noqa: F401
