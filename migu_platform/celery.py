"""The Celery application: one per process, configured from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migu_platform.settings.dev")

app = Celery("migu_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
