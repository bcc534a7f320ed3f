from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from jobs.models import JobKind
        from jobs.runners import job_runner_register
        from recommendations.tasks import matching_job_enqueue

        job_runner_register(JobKind.MATCHING, matching_job_enqueue)
