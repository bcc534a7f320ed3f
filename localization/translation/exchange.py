"""CSV and XLIFF 2.0 files for outside translators: one drama into one language, out and back in.

A file names its drama and language, and each text by a key (`drama.title`, `episode.<id>.title` ...).
Importing checks all of it before writing anything: another drama's or language's file, a key that is
not this drama's (a tampered id), a text longer than its form allows, or unreadable content is refused
with a typed error naming the row or unit; then only texts that differ from what is stored are written,
back in review. XML is parsed without DTDs, entities or network access.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from lxml import etree

from catalog.models import Drama, Episode
from localization.errors import TranslationError, TranslationErrorCode
from localization.languages import normalize_tag
from localization.models import DramaLocalization, EpisodeLocalization, TranslationStatus
from localization.translation.services import translation_status_for_edit

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
CSV_HEADER = ["drama_id", "language", "key", "source", "target"]
DRAMA_FIELDS = {
    "title": 300,
    "title_medium": 60,
    "title_short": 19,
    "synopsis_short": 190,
    "synopsis_medium": 400,
    "synopsis_long": 4000,
}
EPISODE_FIELDS = {"title": 300, "synopsis": 400}
# A spreadsheet evaluates a cell starting with one of these; the export quotes it with an apostrophe,
# which the import takes off again.
_FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ExchangeUnit:
    key: str
    source: str
    target: str


@dataclass
class ImportResult:
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0


def exchange_units(*, drama: Drama, language: str) -> list[ExchangeUnit]:
    """Every text of the drama a translator works on, with its source (original language) and its current
    translation in `language`."""
    language = normalize_tag(language)
    locs = {loc.language: loc for loc in DramaLocalization.objects.filter(drama=drama)}
    source = locs.get(drama.original_language)
    target = locs.get(language)
    units = []
    for name in DRAMA_FIELDS:
        source_text = getattr(source, name, "") if source is not None else ""
        if name == "title" and not source_text:
            source_text = drama.original_title
        units.append(
            ExchangeUnit(key=f"drama.{name}", source=source_text, target=getattr(target, name, "") if target else "")
        )
    episodes = list(Episode.objects.filter(drama=drama).order_by("number"))
    episode_locs = {
        (loc.episode_id, loc.language): loc
        for loc in EpisodeLocalization.objects.filter(
            episode__drama=drama, language__in=[drama.original_language, language]
        )
    }
    for episode in episodes:
        src = episode_locs.get((episode.pk, drama.original_language))
        tgt = episode_locs.get((episode.pk, language))
        for name in EPISODE_FIELDS:
            source_text = getattr(src, name, "") if src is not None else ""
            if name == "title" and not source_text:
                source_text = episode.original_title
            units.append(
                ExchangeUnit(
                    key=f"episode.{episode.pk}.{name}",
                    source=source_text,
                    target=getattr(tgt, name, "") if tgt is not None else "",
                )
            )
    return units


def _quote_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _unquote_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text


def exchange_csv_export(*, drama: Drama, language: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for unit in exchange_units(drama=drama, language=language):
        writer.writerow(
            [drama.pk, normalize_tag(language), unit.key, _quote_cell(unit.source), _quote_cell(unit.target)]
        )
    return out.getvalue()


def exchange_xliff_export(*, drama: Drama, language: str) -> bytes:
    language = normalize_tag(language)
    root = etree.Element(
        f"{{{XLIFF_NS}}}xliff", nsmap={None: XLIFF_NS}, version="2.0", srcLang=drama.original_language, trgLang=language
    )
    file = etree.SubElement(root, f"{{{XLIFF_NS}}}file", id=f"drama-{drama.pk}", original=drama.original_title[:200])
    for unit in exchange_units(drama=drama, language=language):
        element = etree.SubElement(file, f"{{{XLIFF_NS}}}unit", id=unit.key)
        segment = etree.SubElement(element, f"{{{XLIFF_NS}}}segment")
        etree.SubElement(segment, f"{{{XLIFF_NS}}}source").text = unit.source
        if unit.target:
            etree.SubElement(segment, f"{{{XLIFF_NS}}}target").text = unit.target
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _read_bounded(data: bytes | IO[bytes]) -> bytes:
    limit = settings.TRANSLATION_EXCHANGE_MAX_BYTES
    raw = data if isinstance(data, bytes) else data.read(limit + 1)
    if len(raw) > limit:
        raise TranslationError(
            f"The file is larger than {limit // (1024 * 1024)} MB; nothing was imported.",
            code=TranslationErrorCode.FILE_TOO_LARGE,
        )
    return raw


def _csv_units(raw: bytes, *, drama: Drama, language: str) -> list[tuple[str, str, str]]:
    """(key, target, where) of each row; TranslationError for a file that is not this drama's and language's."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranslationError(
            "The file is not UTF-8 text; save it as CSV UTF-8.", code=TranslationErrorCode.FILE_UNREADABLE
        ) from exc
    if "\x00" in text:
        raise TranslationError("The file contains NUL bytes; it is not CSV.", code=TranslationErrorCode.FILE_UNREADABLE)
    reader = csv.reader(io.StringIO(text, newline=""))
    units = []
    try:
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != CSV_HEADER:
            raise TranslationError(
                f"The first row must be the header {','.join(CSV_HEADER)}.", code=TranslationErrorCode.FILE_UNREADABLE
            )
        for row in reader:
            where = f"row {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_HEADER):
                raise TranslationError(
                    f"{where}: {len(row)} columns instead of {len(CSV_HEADER)}.",
                    code=TranslationErrorCode.FILE_UNREADABLE,
                )
            drama_id, row_language, key, _source, target = row
            _check_file_identity(drama_id.strip(), row_language.strip(), drama=drama, language=language, where=where)
            units.append((key.strip(), _unquote_cell(target), where))
    except csv.Error as exc:
        raise TranslationError(
            f"row {reader.line_num}: not readable as CSV ({exc}).", code=TranslationErrorCode.FILE_UNREADABLE
        ) from exc
    return units


def _check_file_identity(drama_id: str, file_language: str, *, drama: Drama, language: str, where: str) -> None:
    if drama_id != f"{drama.pk}" and drama_id != f"drama-{drama.pk}":
        raise TranslationError(
            f"{where}: this file is for another drama ({drama_id[:40]}), not {drama} ({drama.pk}).",
            code=TranslationErrorCode.FILE_WRONG_DRAMA,
        )
    if normalize_tag(file_language) != language:
        raise TranslationError(
            f"{where}: this file is for {file_language[:20]!r}, not {language}.",
            code=TranslationErrorCode.FILE_WRONG_LANGUAGE,
        )


def _xliff_units(raw: bytes, *, drama: Drama, language: str) -> list[tuple[str, str, str]]:
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise TranslationError(
            "The file declares a DOCTYPE or entities; XLIFF uses none, and they are not read.",
            code=TranslationErrorCode.XML_ENTITIES_REFUSED,
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise TranslationError(
            f"Not well-formed XML: {exc}", code=TranslationErrorCode.FILE_UNREADABLE, line=exc.lineno
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise TranslationError(
            "The file declares a DOCTYPE; XLIFF uses none.", code=TranslationErrorCode.XML_ENTITIES_REFUSED
        )
    if root.tag != f"{{{XLIFF_NS}}}xliff" or root.get("version") != "2.0":
        raise TranslationError(
            f'Not an XLIFF 2.0 document: the root must be <xliff version="2.0"> in {XLIFF_NS}.',
            code=TranslationErrorCode.FILE_UNREADABLE,
        )
    files = root.findall(f"{{{XLIFF_NS}}}file")
    if len(files) != 1:
        raise TranslationError(
            f"The document has {len(files)} <file> elements; one per drama is expected.",
            code=TranslationErrorCode.FILE_UNREADABLE,
        )
    _check_file_identity(
        files[0].get("id", ""), root.get("trgLang", ""), drama=drama, language=language, where="<file>"
    )
    units = []
    for unit in files[0].iter(f"{{{XLIFF_NS}}}unit"):
        key = unit.get("id", "")
        where = f"unit {key[:60]!r} (line {unit.sourceline})"
        targets = unit.findall(f"{{{XLIFF_NS}}}segment/{{{XLIFF_NS}}}target")
        if not targets:
            continue  # not translated: no change
        units.append((key, "".join("".join(t.itertext()) for t in targets), where))
    return units


def exchange_import(
    *, drama: Drama, language: str, filename: str, data: bytes | IO[bytes], actor: User | None = None
) -> ImportResult:
    """Import a translator's CSV or XLIFF file (told by its name or its first bytes) for `drama` in
    `language`: everything is checked first, then the texts that differ from what is stored are written
    (statuses as translation_status_for_edit says: in review unless a reviewer imports approved work — files
    carry no status, so they land in review). An empty target changes nothing. TranslationError otherwise;
    nothing is written then."""
    language = normalize_tag(language)
    raw = _read_bounded(data)
    is_xml = filename.lower().endswith((".xlf", ".xliff", ".xml")) or raw.lstrip()[:5] in (b"<?xml", b"<xlif")
    units = (
        _xliff_units(raw, drama=drama, language=language) if is_xml else _csv_units(raw, drama=drama, language=language)
    )
    episode_ids = set(Episode.objects.filter(drama=drama).values_list("pk", flat=True))
    drama_changes: dict[str, str] = {}
    episode_changes: dict[int, dict[str, str]] = {}
    for key, target, where in units:
        parts = key.split(".")
        if len(parts) == 2 and parts[0] == "drama" and parts[1] in DRAMA_FIELDS:
            name, limit = parts[1], DRAMA_FIELDS[parts[1]]
            bucket = drama_changes
        elif (
            len(parts) == 3
            and parts[0] == "episode"
            and parts[1].isdigit()
            and int(parts[1]) in episode_ids
            and parts[2] in EPISODE_FIELDS
        ):
            name, limit = parts[2], EPISODE_FIELDS[parts[2]]
            bucket = episode_changes.setdefault(int(parts[1]), {})
        else:
            raise TranslationError(
                f"{where}: {key[:80]!r} is not a text of {drama}; the file's ids were changed.",
                code=TranslationErrorCode.FILE_UNKNOWN_ID,
            )
        target = target.strip()
        if len(target) > limit:
            raise TranslationError(
                f"{where}: {len(target)} characters, more than the {limit} of {key}.",
                code=TranslationErrorCode.FILE_TOO_LONG,
            )
        if target:
            bucket[name] = target
    return _exchange_apply(
        drama=drama, language=language, drama_changes=drama_changes, episode_changes=episode_changes, actor=actor
    )


@transaction.atomic
def _exchange_apply(
    *,
    drama: Drama,
    language: str,
    drama_changes: dict[str, str],
    episode_changes: dict[int, dict[str, str]],
    actor: User | None,
) -> ImportResult:
    from localization.services import drama_localization_upsert

    result = ImportResult()
    if drama_changes:
        loc = DramaLocalization.objects.select_for_update().filter(drama=drama, language=language).first()
        changed = {k: v for k, v in drama_changes.items() if loc is None or getattr(loc, k) != v}
        result.unchanged += len(drama_changes) - len(changed)
        if changed:
            title = changed.get("title") or (loc.title if loc is not None else "")
            if not title:
                raise TranslationError(
                    "drama.title: a localisation needs its title; the file leaves it empty.",
                    code=TranslationErrorCode.FILE_UNREADABLE,
                )
            status = translation_status_for_edit(
                actor=actor, requested=TranslationStatus.IN_REVIEW, previous=loc.status if loc else None, changed=True
            )
            fields = {k: v for k, v in changed.items() if k != "title"}
            drama_localization_upsert(drama=drama, language=language, title=title, status=status, **fields)
            result.changed += [f"drama.{k}" for k in changed]
    existing = {
        loc.episode_id: loc
        for loc in EpisodeLocalization.objects.select_for_update().filter(
            episode_id__in=list(episode_changes), language=language
        )
    }
    for episode_id, values in episode_changes.items():
        loc = existing.get(episode_id)  # type: ignore[assignment]
        changed = {k: v for k, v in values.items() if loc is None or getattr(loc, k) != v}
        result.unchanged += len(values) - len(changed)
        if not changed:
            continue
        if loc is None:
            loc = EpisodeLocalization(episode_id=episode_id, language=language)  # type: ignore[assignment]
        for k, v in changed.items():
            setattr(loc, k, v)
        loc.status = TranslationStatus.IN_REVIEW  # type: ignore[union-attr]
        loc.save()  # type: ignore[union-attr]
        result.changed += [f"episode.{episode_id}.{k}" for k in changed]
    return result
