"""Localised titles and synopses per language, in the length-bounded forms partners ask for."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from localization.languages import validate_language_tag

# Title forms: 19 / 60 / unlimited characters; summaries: 190 / 400 / 4000 (EMA/partner limits).
TITLE_SHORT_MAX = 19
TITLE_MEDIUM_MAX = 60
SYNOPSIS_SHORT_MAX = 190
SYNOPSIS_MEDIUM_MAX = 400
SYNOPSIS_LONG_MAX = 4000


class TranslationStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    MACHINE = "machine", "Machine-translated"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"


class DramaLocalization(models.Model):
    """A drama's title and synopses in one language (BCP 47)."""

    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="localizations")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    title = models.CharField(max_length=300)
    title_medium = models.CharField(max_length=TITLE_MEDIUM_MAX, blank=True)
    title_short = models.CharField(max_length=TITLE_SHORT_MAX, blank=True)
    synopsis_short = models.CharField(max_length=SYNOPSIS_SHORT_MAX, blank=True)
    synopsis_medium = models.CharField(max_length=SYNOPSIS_MEDIUM_MAX, blank=True)
    synopsis_long = models.TextField(max_length=SYNOPSIS_LONG_MAX, blank=True)
    status = models.CharField(max_length=16, choices=TranslationStatus.choices, default=TranslationStatus.IN_REVIEW)
    # Kept up to date by localization.services for search across every language.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["drama", "language"]
        constraints = [models.UniqueConstraint(fields=["drama", "language"], name="drama_localization_unique_language")]
        # Translators add and edit; only holders of this permission set a translation APPROVED (titles,
        # synopses, episode titles and subtitles alike).
        permissions = [("approve_dramalocalization", "Can approve translations")]
        indexes = [
            GinIndex(fields=["search_vector"], name="drama_loc_search_idx"),
            GinIndex(fields=["title"], name="drama_loc_title_trgm", opclasses=["gin_trgm_ops"]),
            # The partner API's catalogue version reads the latest change on every titles request.
            models.Index(fields=["updated_at"], name="drama_loc_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"


class EpisodeLocalization(models.Model):
    """An episode's title and synopsis in one language."""

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="localizations")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    title = models.CharField(max_length=300, blank=True)
    synopsis = models.CharField(max_length=SYNOPSIS_MEDIUM_MAX, blank=True)
    status = models.CharField(max_length=16, choices=TranslationStatus.choices, default=TranslationStatus.IN_REVIEW)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode", "language"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "language"], name="episode_localization_unique_language")
        ]

    def __str__(self) -> str:
        return f"{self.episode} [{self.language}]"


class SubtitleKind(models.TextChoices):
    FULL = "full", "Full"
    SDH = "sdh", "SDH (for the deaf and hard of hearing)"
    FORCED = "forced", "Forced (foreign dialogue and signs only)"


class SubtitleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    SUPERSEDED = "superseded", "Superseded"
    REJECTED = "rejected", "Rejected"


class SubtitleTrack(models.Model):
    """An episode's subtitles in one language and kind (full, SDH, forced); its uploads are its versions.

    Belongs to the tenant that owns the drama (episode → drama → owner). At most one version is live.
    """

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="subtitle_tracks")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    kind = models.CharField(max_length=8, choices=SubtitleKind.choices, default=SubtitleKind.FULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode", "language", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "language", "kind"], name="subtitle_track_unique_language_kind")
        ]

    def __str__(self) -> str:
        return f"{self.episode} [{self.language} {self.kind}]"


class SubtitleVersion(models.Model):
    """One upload of a track, kept whatever its fate: the file as uploaded, the encoding it was found in,
    its cues counted, every finding (parse and quality control), and the WebVTT made from it.

    A version goes live only with no error finding; the one live before is then superseded. A rejected
    upload leaves the live version as it was. Numbers run 1, 2, 3 ... per track.
    """

    track = models.ForeignKey(SubtitleTrack, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=SubtitleStatus.choices, default=SubtitleStatus.DRAFT)
    source = models.FileField(max_length=500, help_text="The file as uploaded (storage key, generated).")
    webvtt = models.FileField(max_length=500, blank=True, help_text="UTF-8 WebVTT made from it, when it validated.")
    original_filename = models.CharField(max_length=300, blank=True)
    format = models.CharField(max_length=8, blank=True, help_text="srt, webvtt or ttml; blank when unreadable.")
    encoding = models.CharField(max_length=32, blank=True, help_text="The encoding the file was found in.")
    size_bytes = models.PositiveIntegerField(default=0)
    checksum_sha256 = models.CharField(max_length=64)
    cue_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list, blank=True, help_text="Each: code, severity, message, line, cue.")
    qc_profile = models.CharField(max_length=32, blank=True)
    translation_status = models.CharField(
        max_length=16,
        choices=TranslationStatus.choices,
        default=TranslationStatus.IN_REVIEW,
        help_text="Machine output waits for review; a reviewer approves.",
    )
    uploaded_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["track", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["track", "number"], name="subtitle_version_unique_number"),
            # The player gets one file per track: two live versions would be a coin toss.
            models.UniqueConstraint(
                fields=["track"], condition=models.Q(status="live"), name="subtitle_version_one_live_per_track"
            ),
            # What makes a version live is the absence of errors; the database holds that too.
            models.CheckConstraint(
                condition=~models.Q(status="live") | models.Q(error_count=0), name="subtitle_version_live_has_no_errors"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.track} v{self.number} ({self.status})"


class SubtitleFindingWaiver(models.Model):
    """A warning of a subtitle version accepted by a person, with the reason, who and when.

    A row of its own rather than a mark inside `SubtitleVersion.findings`: the findings stay the record of
    what quality control found in the file, untouched; a waiver is a later decision by someone, kept with
    its author (a foreign key to the user), and the database allows one waiver per finding even when two
    people waive at once. The finding is named by its index in the version's findings (they never change
    after the upload), with its code kept alongside so the record reads on its own. Errors are never
    waived (localization.services.subtitle_finding_waive refuses them): they block publishing.
    """

    version = models.ForeignKey(SubtitleVersion, on_delete=models.CASCADE, related_name="waivers")
    finding_index = models.PositiveIntegerField(help_text="The finding's index in the version's findings.")
    code = models.CharField(max_length=40, help_text="The finding's code, as it was found.")
    reason = models.CharField(max_length=500)
    waived_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "finding_index"]
        constraints = [
            models.UniqueConstraint(fields=["version", "finding_index"], name="subtitle_waiver_one_per_finding")
        ]

    def __str__(self) -> str:
        return f"{self.version}: finding {self.finding_index} ({self.code}) waived"


class SubtitleRenditionStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class SubtitleRendition(models.Model):
    """A subtitle version packaged against a ladder: WebVTT segments aligned with the ladder's video
    segments, their media playlist, and the sidecar WebVTT and IMSC 1.1 files, under `storage_prefix`.

    One row per (ladder, version); a re-run writes a new build and switches the prefix, never a second row.
    Published (READY) only once every file is written; at most one READY rendition per ladder and track:
    the older version's stays served until the newer one is complete.
    """

    ladder = models.ForeignKey("media.Ladder", on_delete=models.CASCADE, related_name="subtitle_renditions")
    track = models.ForeignKey(SubtitleTrack, on_delete=models.CASCADE, related_name="renditions")
    version = models.ForeignKey(SubtitleVersion, on_delete=models.CASCADE, related_name="renditions")
    status = models.CharField(
        max_length=16, choices=SubtitleRenditionStatus.choices, default=SubtitleRenditionStatus.BUILDING
    )
    storage_prefix = models.CharField(max_length=300, blank=True)
    mpegts = models.BigIntegerField(null=True, blank=True, help_text="X-TIMESTAMP-MAP's MPEGTS (90 kHz).")
    segment_count = models.PositiveIntegerField(default=0)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ladder", "track"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "version"], name="subtitle_rendition_unique_ladder_version"),
            # The master playlist lists one rendition per track: two READY ones would be two NAMEs for it.
            models.UniqueConstraint(
                fields=["ladder", "track"],
                condition=models.Q(status="ready"),
                name="subtitle_rendition_one_ready_per_track",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} on ladder {self.ladder_id} ({self.status})"

    def key(self, relative: str) -> str:
        return f"{self.storage_prefix}/{relative}"


class GlossaryCategory(models.TextChoices):
    CHARACTER = "character", "Character name"
    PLACE = "place", "Place"
    RANK = "rank", "Title of rank"
    CATCHPHRASE = "catchphrase", "Catchphrase"
    OTHER = "other", "Other"


class GlossaryTerm(models.Model):
    """A term of one drama in its original language (a name, a place, a title of rank, a catchphrase)
    whose rendering is fixed per language, so that it comes out the same way in every episode.

    Machine translation protects the term and puts its approved form in; a human translation that renders
    it otherwise is flagged (localization.translation.glossary)."""

    drama = models.ForeignKey("catalog.Drama", on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(max_length=200, help_text="As written in the drama's original language.")
    category = models.CharField(max_length=16, choices=GlossaryCategory.choices, default=GlossaryCategory.CHARACTER)
    note = models.CharField(max_length=500, blank=True, help_text="Who or what it is, for translators.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["drama", "term"]
        constraints = [models.UniqueConstraint(fields=["drama", "term"], name="glossary_term_unique_per_drama")]

    def __str__(self) -> str:
        return self.term


class GlossaryTranslation(models.Model):
    """The approved form of a glossary term in one language."""

    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["term", "language"]
        constraints = [
            models.UniqueConstraint(fields=["term", "language"], name="glossary_translation_unique_language")
        ]

    def __str__(self) -> str:
        return f"{self.text} [{self.language}]"


class DubStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    SUPERSEDED = "superseded", "Superseded"
    REJECTED = "rejected", "Rejected"


class DubTrack(models.Model):
    """An episode's dubbed audio in one language (BCP 47; Cantonese is `yue`, not a kind of Chinese);
    its uploads are its versions. Belongs to the tenant that owns the drama. At most one version is live."""

    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, related_name="dub_tracks")
    language = models.CharField(max_length=16, validators=[validate_language_tag])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode", "language"]
        constraints = [models.UniqueConstraint(fields=["episode", "language"], name="dub_track_unique_language")]

    def __str__(self) -> str:
        return f"{self.episode} [{self.language} dub]"


class DubVersion(models.Model):
    """One upload of a dub, kept whatever its fate: the file as uploaded, what ffprobe and a full decode
    found (duration, channels, sample rate, peak and RMS levels) and every finding of the checks.

    A version goes live only with no error finding; the one live before is then superseded. A rejected
    upload leaves the live version as it was. Numbers run 1, 2, 3 ... per track.
    """

    track = models.ForeignKey(DubTrack, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=DubStatus.choices, default=DubStatus.DRAFT)
    source = models.FileField(max_length=500, help_text="The file as uploaded (storage key, generated).")
    original_filename = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    checksum_sha256 = models.CharField(max_length=64)
    format_name = models.CharField(max_length=64, blank=True, help_text="The container as ffprobe named it.")
    codec = models.CharField(max_length=32, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True, help_text="Decoded, to the last sample.")
    reference_seconds = models.FloatField(null=True, blank=True, help_text="The episode's duration checked against.")
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    peak_db = models.FloatField(null=True, blank=True, help_text="Sample peak, dBFS (None: silence).")
    rms_db = models.FloatField(null=True, blank=True, help_text="RMS level, dBFS (None: silence).")
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list, blank=True, help_text="Each: code, severity, message.")
    uploaded_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["track", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["track", "number"], name="dub_version_unique_number"),
            # The player gets one audio rendition per language: two live versions would be a coin toss.
            models.UniqueConstraint(
                fields=["track"], condition=models.Q(status="live"), name="dub_version_one_live_per_track"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="live") | models.Q(error_count=0), name="dub_version_live_has_no_errors"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.track} v{self.number} ({self.status})"


class DubRenditionStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class DubRendition(models.Model):
    """A dub version packaged against a ladder: loudness-normalised AAC in fMP4 segments of the ladder's
    segment duration, encrypted with the episode's key, and their media playlist, under `storage_prefix`.

    One row per (ladder, version); a re-run writes a new build and switches the prefix, never a second row.
    Published (READY) only once every file is written; at most one READY rendition per ladder and track:
    the older version's stays served until the newer one is complete. The ladder's video is not touched.
    """

    ladder = models.ForeignKey("media.Ladder", on_delete=models.CASCADE, related_name="dub_renditions")
    track = models.ForeignKey(DubTrack, on_delete=models.CASCADE, related_name="renditions")
    version = models.ForeignKey(DubVersion, on_delete=models.CASCADE, related_name="renditions")
    status = models.CharField(max_length=16, choices=DubRenditionStatus.choices, default=DubRenditionStatus.BUILDING)
    storage_prefix = models.CharField(max_length=300, blank=True)
    segment_count = models.PositiveIntegerField(default=0)
    bandwidth = models.PositiveIntegerField(default=0, help_text="Peak segment bitrate, bit/s.")
    loudness = models.JSONField(default=dict, blank=True, help_text="loudnorm's measurement of the input, and target.")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ladder", "track"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "version"], name="dub_rendition_unique_ladder_version"),
            # The master playlist lists one audio rendition per language.
            models.UniqueConstraint(
                fields=["ladder", "track"], condition=models.Q(status="ready"), name="dub_rendition_one_ready_per_track"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} on ladder {self.ladder_id} ({self.status})"

    def key(self, relative: str) -> str:
        return f"{self.storage_prefix}/{relative}"
