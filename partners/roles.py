"""Staff roles for content managers, as Django groups with model permissions.

Each role lists (app_label, model, actions). Models that do not exist yet are skipped, so later
apps add themselves here and the groups follow on the next migrate.
"""

from __future__ import annotations

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

STAFF_ROLES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "content": [
        ("catalog", "drama", ALL),
        ("catalog", "episode", ALL),
        ("catalog", "artwork", ALL),
        ("catalog", "credit", ALL),
        ("catalog", "person", ALL),
        ("catalog", "genre", ALL),
        ("catalog", "trope", ALL),
        ("catalog", "sourcework", ALL),
        ("catalog", "externalid", ALL),
        ("localization", "dramalocalization", VIEW),
        ("localization", "episodelocalization", VIEW),
        ("localization", "subtitleversion", VIEW),
        ("jobs", "job", ("view", "change")),
        ("media", "rendition", VIEW),
        ("media", "master", ("view", "add")),
        ("media", "ladder", VIEW),
        ("rights", "rightswindow", VIEW),
        ("partners", "organization", VIEW),
        ("partners", "channel", VIEW),
        # The matching model: content managers read line-ups and their reasons, start runs and roll back.
        ("recommendations", "matchingmodelversion", ("view", "change")),
        ("recommendations", "channellineup", VIEW),
        ("recommendations", "playbackevent", VIEW),
    ],
    "rights": [
        ("rights", "rightswindow", ALL),
        ("rights", "rightswindowterritory", VIEW),
        ("rights", "rightsevent", VIEW),
        ("rights", "rightsaudit", VIEW),
        ("avails", "availsimport", ALL),
        ("catalog", "drama", VIEW),
        ("catalog", "episode", VIEW),
        ("localization", "dramalocalization", VIEW),
        ("partners", "organization", VIEW),
        ("partners", "channel", VIEW),
        # What a channel is offered, to check it against the windows.
        ("recommendations", "channellineup", VIEW),
    ],
    # The localization team's lead: everything a reviewer does, and deleting translations.
    "localization": [
        ("localization", "dramalocalization", (*ALL, "approve")),
        ("localization", "episodelocalization", ALL),
        # Subtitles: upload (add), waive warnings (change); versions are never deleted.
        ("localization", "subtitleversion", ("view", "add", "change")),
        ("localization", "glossaryterm", ALL),
        ("localization", "glossarytranslation", ALL),
        # Dubs are uploaded (a new version each time) and read, never edited or deleted.
        ("localization", "dubversion", ("view", "add")),
        ("catalog", "drama", ("view", "change")),
        ("catalog", "episode", VIEW),
        ("catalog", "artwork", ALL),
        ("jobs", "job", VIEW),
    ],
    # Translators add and edit translations (saved in review; machine output lands as machine) and read the
    # glossary; they approve nothing.
    "translator": [
        ("localization", "dramalocalization", ("view", "add", "change")),
        ("localization", "episodelocalization", ("view", "add", "change")),
        ("localization", "glossaryterm", VIEW),
        ("localization", "glossarytranslation", VIEW),
        ("catalog", "drama", VIEW),
        ("catalog", "episode", VIEW),
        ("jobs", "job", VIEW),
    ],
    # Reviewers approve translations (the `approve` permission) and keep the glossary's approved forms.
    "reviewer": [
        ("localization", "dramalocalization", ("view", "add", "change", "approve")),
        ("localization", "episodelocalization", ("view", "add", "change")),
        ("localization", "glossaryterm", ALL),
        ("localization", "glossarytranslation", ALL),
        ("catalog", "drama", VIEW),
        ("catalog", "episode", VIEW),
        ("jobs", "job", VIEW),
    ],
}


def staff_groups_sync(**kwargs) -> None:
    """Create or refresh the staff groups and their permissions (runs after every migrate)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    using = kwargs.get("using", "default")
    content_types = {(ct.app_label, ct.model): ct for ct in ContentType.objects.using(using).all()}
    for role, grants in STAFF_ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        codenames_by_ct: list = []
        for app_label, model, actions in grants:
            ct = content_types.get((app_label, model))
            if ct is None:
                continue
            codenames_by_ct.extend((ct, f"{action}_{model}") for action in actions)
        permissions = [
            perm
            for ct, codename in codenames_by_ct
            for perm in Permission.objects.using(using).filter(content_type=ct, codename=codename)
        ]
        group.permissions.set(permissions)
