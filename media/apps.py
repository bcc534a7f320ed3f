from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "Media pipeline"

    def ready(self) -> None:
        from jobs.models import JobKind
        from jobs.runners import job_runner_register
        from media import checks  # noqa: F401  (registers the system checks)
        from media.services import quality_job_send, transcode_job_send

        job_runner_register(JobKind.TRANSCODE, transcode_job_send)
        job_runner_register(JobKind.QUALITY, quality_job_send)
