"""Masters, HLS ladders and their renditions, and the per-episode content key."""

from __future__ import annotations

import os

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact


class LadderProfile(models.TextChoices):
    VERTICAL = "vertical", "Vertical 9:16"
    LANDSCAPE = "landscape", "Landscape 16:9"


class MasterStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Master(models.Model):
    """An uploaded source file of an episode. Kept as uploaded, whatever happens to its transcodes.

    The storage key is generated (never the user's file name); `checksum_sha256` keys the ladders
    built from it, so re-running the same master replaces its ladder instead of adding another.
    """

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="masters")
    file = models.FileField(max_length=500)
    original_filename = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    checksum_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=MasterStatus.choices, default=MasterStatus.UPLOADED)
    rejection_code = models.CharField(max_length=64, blank=True)
    rejection_reason = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True, help_text="Flags for the content manager, e.g. landscape.")
    probe = models.JSONField(default=dict, blank=True, help_text="What ffprobe reported (container and streams).")
    uploaded_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size_bytes__gte=0), name="media_master_size_non_negative"),
        ]

    def __str__(self) -> str:
        name = self.original_filename or os.path.basename(self.file.name)  # type: ignore[type-var]  # the file is required
        return f"{self.episode} — {name}"


class LadderStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class Ladder(models.Model):
    """The HLS ladder of an episode built from one master: one row per (episode, profile, source checksum).

    Outputs live under `storage_prefix` and are published (status READY) only once complete; at most
    one ladder of an episode is READY, the one partners play.
    """

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="ladders")
    master = models.ForeignKey(Master, null=True, blank=True, on_delete=models.SET_NULL, related_name="ladders")
    profile = models.CharField(max_length=16, choices=LadderProfile.choices)
    source_checksum = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=LadderStatus.choices, default=LadderStatus.BUILDING)
    storage_prefix = models.CharField(max_length=300)
    duration_seconds = models.FloatField(null=True, blank=True)
    poster = models.CharField(max_length=300, blank=True, help_text="Storage key of the poster frame.")
    sprite = models.CharField(max_length=300, blank=True, help_text="Storage key of the thumbnail sprite.")
    thumbnails_vtt = models.CharField(max_length=300, blank=True, help_text="Storage key of the WebVTT thumbnails.")
    quality_metric = models.CharField(max_length=16, blank=True, help_text="vmaf, or ssim when libvmaf is missing.")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "profile", "source_checksum"], name="media_ladder_unique_episode_profile_source"
            ),
            models.UniqueConstraint(
                fields=["episode"], condition=Q(status="ready"), name="media_ladder_one_ready_per_episode"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episode} — {self.get_profile_display()} ({self.status})"

    def key(self, relative: str) -> str:
        return f"{self.storage_prefix}/{relative}"


class Rendition(models.Model):
    """One rung of a ladder: a variant playlist with its resolution, bitrate, codecs and measured quality."""

    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="renditions")
    index = models.PositiveSmallIntegerField(help_text="Position in the master playlist (v0 is the top rung).")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    video_bitrate = models.PositiveIntegerField(help_text="Target video bitrate, bit/s.")
    bandwidth = models.PositiveIntegerField(default=0, help_text="BANDWIDTH in the master playlist, bit/s.")
    codecs = models.CharField(max_length=100, blank=True)
    playlist = models.CharField(max_length=100, help_text="Path of the variant playlist inside the ladder.")
    segment_count = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    vmaf = models.FloatField(null=True, blank=True)
    ssim = models.FloatField(null=True, blank=True)
    psnr = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["ladder", "index"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "index"], name="media_rendition_unique_index"),
        ]

    def __str__(self) -> str:
        return f"{self.width}×{self.height} @ {self.video_bitrate // 1000} kbit/s"


class EpisodeKey(models.Model):
    """The AES-128 content key of an episode's segments; handed out only against a valid playback token."""

    episode = models.OneToOneField("catalog.Episode", on_delete=models.CASCADE, related_name="content_key")
    key = models.BinaryField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Exact(Length("key"), 16), name="media_episode_key_16_bytes"),
        ]

    def __str__(self) -> str:
        return f"Content key of {self.episode}"
