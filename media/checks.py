"""System checks of the media pipeline's worker settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register()
def transcode_visibility_timeout_check(app_configs, **kwargs):
    """A transcode running longer than the broker's visibility timeout is handed out a second time."""
    from media.tasks import HARD_TIME_LIMIT

    visibility = int(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600))
    if visibility <= HARD_TIME_LIMIT:
        return [
            Warning(
                f"The broker visibility timeout ({visibility} s) is not longer than the transcode hard time "
                f"limit ({HARD_TIME_LIMIT} s): a long transcode would be delivered twice.",
                hint="Raise CELERY_VISIBILITY_TIMEOUT or lower MEDIA_TRANSCODE_TIME_LIMIT.",
                id="media.W001",
            )
        ]
    return []
