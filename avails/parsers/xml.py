"""EMA Avails XML (v2.1–v2.7): one AvailRecord per Transaction, problems located by element path and line.

Each Avail is checked against its version's structure (avails.parsers.structure, as the MovieLabs XSDs
define it) before it is read; an Avail whose structure is refused yields its structure faults only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from avails import fields, vocabulary
from avails.errors import AvailsErrorCode
from avails.fields import FieldError
from avails.records import AvailProblem, AvailRecord, AvailsParseResult

from . import limits
from .limits import AvailsLimitExceeded
from .structure import XML_VERSIONS, AvailsStructure, Particle, sequence_faults, structure_for

_AVAILS_NS_RE = re.compile(r"^http://www\.movielabs\.com/schema/avails/v(?P<version>2\.\d+(?:\.\d+)?)/avails$")
SUPPORTED_VERSIONS = XML_VERSIONS
MAX_SHAPES_REMEMBERED = 10_000  # element shapes whose structure faults are kept for reuse (a few MB at most)


def _local(element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    # "{*}name": the local name in any namespace or none, matched by lxml (the parse's hottest line).
    return list(element.iterchildren(f"{{*}}{name}"))


def _child(element, *path: str):
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element, *path: str) -> str:
    found = _child(element, *path) if path else element
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


class _Reader:
    def __init__(self, data: bytes, source: str):
        self.source = source
        self.result = AvailsParseResult(source=source, format="xml")
        self.data = data
        self.tree = None
        self.structure: AvailsStructure | None = None
        self.namespace = ""
        self.prefix = ""
        self.models: dict[str, tuple[Particle, ...]] = {}
        self.shapes: dict[tuple[str, tuple[str, ...]], list[tuple[int, str]]] = {}

    def where(self, element) -> str:
        path = self.tree.getpath(element) if self.tree is not None else ""
        return f"{path} (line {element.sourceline})"

    def problem(
        self, element, field: str, reason: str, code: str = AvailsErrorCode.INVALID, severity: str = "error"
    ) -> None:
        self.result.problems.append(
            AvailProblem(
                file=self.source,
                location=self.where(element),
                field=field,
                reason=reason,
                code=code,
                severity=severity,
            )
        )

    def read(self) -> AvailsParseResult:
        """Stream the document one Avail at a time (each is read, then cleared), within the limits."""
        try:
            self._read()
        except AvailsLimitExceeded as error:
            self.refuse(error.code, error.field, error.reason, error.location)
        except etree.XMLSyntaxError as error:
            message = str(error)
            code = AvailsErrorCode.MALFORMED_XML
            if "huge" in message.lower() or "too long" in message.lower() or "depth" in message.lower():
                code = AvailsErrorCode.XML_TOO_DEEP if "depth" in message.lower() else AvailsErrorCode.FILE_TOO_LARGE
            self.refuse(code, "document", message, f"line {error.lineno or 0}")
        return self.result

    def refuse(self, code: str, field: str, reason: str, location: str = "file") -> None:
        # A refused file yields nothing to write, and the refusal is its only problem.
        self.result.records = []
        self.result.problems = [
            AvailProblem(file=self.source, location=location, field=field, reason=reason, code=code)
        ]

    def _read(self) -> None:
        if len(self.data) > limits.MAX_FILE_BYTES:
            raise AvailsLimitExceeded(
                AvailsErrorCode.FILE_TOO_LARGE, "file", f"The file is over {limits.MAX_FILE_BYTES // limits.MIB} MiB."
            )
        # No entities, no DTD, no network; lxml's caps on text size and depth stay on (huge_tree off).
        events = etree.iterparse(
            io.BytesIO(self.data),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        depth = 0
        root = None
        accepted = False
        avails = 0
        for event, element in events:
            if event == "start":
                depth += 1
                if depth > limits.MAX_XML_DEPTH:
                    raise AvailsLimitExceeded(
                        AvailsErrorCode.XML_TOO_DEEP,
                        "document",
                        f"Elements nest deeper than {limits.MAX_XML_DEPTH} levels; an Avails document is under 10.",
                        location=f"line {element.sourceline}",
                    )
                if root is None:
                    root = element
                    self.tree = root.getroottree()
                    accepted = self.root_accepted(root)
                continue
            depth -= 1
            if not accepted:
                element.clear(keep_tail=False)  # read to the end only to report a malformed document as such
            elif depth == 1:
                avails += 1
                if self.structure_accepted(element):
                    self.result.records.extend(self.read_avail(element))
                if len(self.result.records) > limits.MAX_TRANSACTIONS:
                    raise AvailsLimitExceeded(
                        AvailsErrorCode.TOO_MANY_ROWS,
                        "Transaction",
                        f"More than {limits.MAX_TRANSACTIONS} transactions; split the file.",
                        location=self.where(element),
                    )
                if self.result.error_limit_reached(limits.MAX_ERRORS, self.where(element)):
                    return
                # Emptied, not removed, so the paths of later elements keep their positions.
                element.clear(keep_tail=False)
        if accepted and not avails:
            self.problem(root, "Avail", "The document holds no Avail.", code=AvailsErrorCode.REQUIRED)
        faults = [p for p in self.result.problems if p.code == AvailsErrorCode.INVALID_STRUCTURE]
        if faults:
            # As with the reference validator, a document its schema refuses gets no semantic checks:
            # the structure faults are its only problems, and nothing of it is read.
            self.result.records, self.result.problems = [], faults

    def root_accepted(self, root) -> bool:
        if root.getroottree().docinfo.doctype:
            raise AvailsLimitExceeded(
                AvailsErrorCode.XML_ENTITIES_REFUSED,
                "DOCTYPE",
                "The document declares a DOCTYPE; Avails documents use none, and entities are not read.",
                location=f"line {root.sourceline}",
            )
        match = _AVAILS_NS_RE.match(etree.QName(root).namespace or "")
        if _local(root) != "AvailList" or not match:
            self.problem(
                root,
                "AvailList",
                "Not an EMA Avails document: the root must be avails:AvailList in the "
                "http://www.movielabs.com/schema/avails/v2.x/avails namespace.",
                code=AvailsErrorCode.NOT_AVAILS,
            )
            return False
        version = match["version"]
        self.result.version = version
        self.structure = structure_for(version)
        if self.structure is None:
            self.problem(
                root,
                "AvailList",
                f"Avails v{version} is not supported; this importer reads v{XML_VERSIONS[0]} to v{XML_VERSIONS[-1]}.",
                code=AvailsErrorCode.UNSUPPORTED_VERSION,
            )
            return False
        self.namespace = etree.QName(root).namespace or ""
        self.prefix = f"{{{self.namespace}}}"
        self.models = self.structure.content_models()
        return True

    # --- structure (what the version's XSD allows), checked before anything is read ---------------

    def structure_accepted(self, avail) -> bool:
        """True if the Avail's structure is its version's; else its faults are reported, and it is not read."""
        assert self.structure is not None
        before = len(self.result.problems)
        if avail.tag != f"{self.prefix}Avail":
            self.structure_fault(
                avail, _local(avail), "Only Avail elements of this document's version go in AvailList."
            )
            return False
        self.check_element(avail, "Avail")
        return len(self.result.problems) == before

    def check_element(self, element, name: str) -> None:
        """Its children against its content model, then each child the structure knows, down the tree."""
        self.check_sequence(element, name)
        if name == "Asset" and not element.get("contentID"):
            self.structure_fault(element, "Asset/@contentID", "The contentID attribute is required.")
        prefix, models = self.prefix, self.models
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or not tag.startswith(prefix):
                continue
            child_name = tag[len(prefix) :]
            if child_name == "Term":
                self.check_term(child)
            elif child_name in models:
                self.check_element(child, child_name)

    def check_sequence(self, parent, name: str) -> None:
        children = [c for c in parent if isinstance(c.tag, str)]
        tags = tuple(c.tag for c in children)
        # A file repeats a handful of shapes thousands of times: each is matched once.
        faults = self.shapes.get((name, tags))
        if faults is None:
            shape = [(tag.rpartition("}")[2], tag.startswith(self.prefix)) for tag in tags]
            faults = sequence_faults(shape, self.models[name])
            if len(self.shapes) < MAX_SHAPES_REMEMBERED:
                self.shapes[(name, tags)] = faults
        for index, reason in faults:
            at = children[index] if index >= 0 else parent
            self.structure_fault(at, _local(at), reason)

    def check_term(self, term) -> None:
        assert self.structure is not None
        if not term.get("termName"):
            self.structure_fault(term, "Term/@termName", "The termName attribute is required.")
        values = [c for c in term if isinstance(c.tag, str)]
        allowed = self.structure.term_values
        if len(values) != 1:
            self.structure_fault(term, "Term", f"A Term holds exactly one value element; this one holds {len(values)}.")
            return
        own = values[0].tag.startswith(self.prefix)
        if (_local(values[0]) if own else "##other") not in allowed:
            names = ", ".join(sorted(a for a in allowed if a != "##other"))
            self.structure_fault(
                values[0], f"Term/{_local(values[0])}", f"A Term in v{self.structure.version} holds one of {names}."
            )

    def structure_fault(self, element, field: str, reason: str) -> None:
        self.problem(element, field, reason, code=AvailsErrorCode.INVALID_STRUCTURE)

    # --- one Avail ------------------------------------------------------------------------------

    def required(self, element, name: str) -> str:
        value = _text(element, name)
        if not value:
            self.problem(element, name, f"{name} is required.", code=AvailsErrorCode.REQUIRED)
        return value

    def read_avail(self, avail) -> Iterator[AvailRecord]:
        alid = self.required(avail, "ALID")
        entry_type = _text(avail, "Disposition", "EntryType") or "Full Extract"
        if entry_type not in vocabulary.ENTRY_TYPES:
            self.problem(_child(avail, "Disposition", "EntryType"), "EntryType", f"'{entry_type}' is not an EntryType.")
        licensor = _text(avail, "Licensor", "DisplayName")
        if not licensor:
            self.problem(avail, "Licensor", "Licensor/DisplayName is required.", code=AvailsErrorCode.REQUIRED)
        licensee = _text(avail, "ServiceProvider", "DisplayName")
        avail_type = self.required(avail, "AvailType")
        if avail_type and avail_type not in vocabulary.AVAIL_TYPES:
            self.problem(
                _child(avail, "AvailType"),
                "AvailType",
                f"'{avail_type}' is not an AvailType; expected one of {', '.join(sorted(vocabulary.AVAIL_TYPES))}.",
            )
        asset = _child(avail, "Asset")
        base: dict[str, Any] = {
            "alid": alid,
            "licensor": licensor,
            "licensee": licensee,
            "avail_type": avail_type,
            "entry_type": entry_type,
        }
        if asset is None:
            self.problem(avail, "Asset", "Asset is required.", code=AvailsErrorCode.REQUIRED)
        else:
            base.update(self.read_asset(asset))
        transactions = _children(avail, "Transaction")
        if not transactions:
            self.problem(
                avail, "Transaction", "An Avail needs at least one Transaction.", code=AvailsErrorCode.REQUIRED
            )
        for transaction in transactions:
            record = AvailRecord(source=self.source, location=self.where(transaction), transaction_id="", **base)
            self.read_transaction(transaction, record)
            yield record

    def read_asset(self, asset) -> dict:
        values: dict = {"content_id": asset.get("contentID", "").strip()}
        work_type = _text(asset, "WorkType")
        values["work_type"] = work_type
        if not work_type:
            self.problem(asset, "WorkType", "WorkType is required.", code=AvailsErrorCode.REQUIRED)
        elif work_type not in vocabulary.WORK_TYPES:
            self.problem(_child(asset, "WorkType"), "WorkType", f"'{work_type}' is not a WorkType.")
        metadata = _child(asset, "Metadata")
        episode = _child(asset, "EpisodeMetadata")
        season = _child(asset, "SeasonMetadata")
        series = _child(asset, "SeriesMetadata")
        if metadata is not None:
            values["title"] = _text(metadata, "TitleDisplayUnlimited") or _text(metadata, "TitleInternalAlias")
            values["title_internal_alias"] = _text(metadata, "TitleInternalAlias")
            values["eidr"] = self.eidr(metadata, "TitleEIDR-URN")
            values["edit_eidr"] = self.eidr(metadata, "EditEIDR-URN")
            values["release_year"] = self.year(metadata)
            self.check_ratings(metadata)
        if episode is not None:
            values["episode_title"] = _text(episode, "TitleDisplayUnlimited") or _text(episode, "TitleInternalAlias")
            values["edit_eidr"] = self.eidr(episode, "EditEIDR-URN")
            values["episode_number"] = self.number(episode, "EpisodeNumber")
            if values["episode_number"] is None:
                self.problem(
                    episode,
                    "EpisodeNumber",
                    "An episode avail needs EpisodeNumber/Number.",
                    code=AvailsErrorCode.REQUIRED,
                )
            self.check_ratings(episode)
            season = _child(episode, "SeasonMetadata")
            # An episode names its season, or (for series without seasons) its series directly.
            series = _child(episode, "SeriesMetadata")
        if season is not None:
            values["season_content_id"] = _text(season, "SeasonContentID")
            values["season_number"] = self.number(season, "SeasonNumber")
            values["episode_count"] = self.int_text(season, "NumberOfEpisodes")
            series = _child(season, "SeriesMetadata") if series is None else series
        if series is not None:
            values["series_content_id"] = _text(series, "SeriesContentID")
            values["title"] = _text(series, "SeriesTitleDisplayUnlimited") or _text(series, "SeriesTitleInternalAlias")
            values["title_internal_alias"] = _text(series, "SeriesTitleInternalAlias")
            values["eidr"] = self.eidr(series, "SeriesEIDR-URN")
        if work_type in {"Episode", "Season", "Series"} and not (
            values.get("series_content_id") or values.get("title")
        ):
            self.problem(
                asset,
                "SeriesMetadata",
                "A TV avail needs SeriesContentID or a series title.",
                code=AvailsErrorCode.REQUIRED,
            )
        return values

    def eidr(self, element, name: str) -> str:
        found = _child(element, name)
        if found is None or not _text(found):
            return ""
        try:
            return fields.eidr(_text(found))
        except FieldError as error:
            self.problem(found, name, str(error), severity="warning")
            return ""

    def number(self, element, name: str) -> int | None:
        found = _child(element, name)
        if found is None:
            return None
        value = _text(found, "Number") or _text(found)
        try:
            return fields.positive_int(value)
        except FieldError as error:
            self.problem(found, name, str(error))
            return None

    def int_text(self, element, name: str) -> int | None:
        found = _child(element, name)
        if found is None:
            return None
        try:
            return fields.positive_int(_text(found))
        except FieldError as error:
            self.problem(found, name, str(error))
            return None

    def year(self, metadata) -> int | None:
        value = _text(metadata, "ReleaseDate")
        return int(value[:4]) if re.match(r"^\d{4}", value) else None

    def check_ratings(self, metadata) -> None:
        for rating in _children(
            _child(metadata, "Ratings") if _child(metadata, "Ratings") is not None else metadata, "Rating"
        ):
            system = _text(rating, "System")
            value = _text(rating, "Value")
            country = _text(rating, "Region", "country")
            allowed = vocabulary.RATING_VALUES.get(system)
            if allowed is not None and value not in allowed:
                self.problem(
                    _child(rating, "Value"),
                    "Ratings/Rating/Value",
                    f"'{value}' is not a {system} rating; expected one of {', '.join(sorted(allowed))}.",
                )
            regions = vocabulary.RATING_REGIONS.get(system)
            if regions is not None and country and country not in regions:
                self.problem(
                    _child(rating, "Region"),
                    "Ratings/Rating/Region",
                    f"The {system} rating system is not used in {country}.",
                    severity="warning",
                )
            reasons = vocabulary.RATING_REASONS.get(system)
            for reason in _children(rating, "Reason"):
                if reasons is not None and _text(reason) not in reasons:
                    known = ", ".join(sorted(reasons)) or "none"
                    self.problem(
                        reason,
                        "Ratings/Rating/Reason",
                        f"'{_text(reason)}' is not a {system} reason code (its codes: {known}).",
                    )

    # --- one Transaction ------------------------------------------------------------------------

    def read_transaction(self, transaction, record: AvailRecord) -> None:
        record.transaction_id = transaction.get("TransactionID", "").strip()
        # v2.4 lets a Transaction name its own Licensee; it wins over the Avail's ServiceProvider.
        record.licensee = _text(transaction, "Licensee", "DisplayName") or record.licensee
        license_type = _text(transaction, "LicenseType")
        if not license_type:
            self.problem(transaction, "LicenseType", "LicenseType is required.", code=AvailsErrorCode.REQUIRED)
        elif license_type not in vocabulary.LICENSE_TYPES:
            self.problem(
                _child(transaction, "LicenseType"),
                "LicenseType",
                f"'{license_type}' is not a LicenseType; expected one of {', '.join(sorted(vocabulary.LICENSE_TYPES))}.",
            )
        record.license_type = license_type
        record.description = _text(transaction, "Description")
        self.read_territories(transaction, record)
        self.read_dates(transaction, record)
        record.allowed_languages = self.languages(transaction, "AllowedLanguage")
        for element in _children(transaction, "AllowedLanguage"):
            try:
                tag = fields.language(_text(element))
            except FieldError:
                continue  # reported above
            use = element.get("asset", "")
            if use in ("", "audio", "subdub") and tag not in record.audio_languages:
                record.audio_languages.append(tag)
            if use in ("", "subtitle", "subdub") and tag not in record.subtitle_languages:
                record.subtitle_languages.append(tag)
        record.holdback_languages = self.languages(transaction, "HoldbackLanguage")
        asset_languages = self.languages(transaction, "AssetLanguage") or self.languages(transaction, "StoreLanguage")
        record.asset_language = asset_languages[0] if asset_languages else ""
        lrd = _child(transaction, "LicenseRightsDescription")
        if lrd is not None and _text(lrd):
            try:
                record.license_rights_description = fields.choice(
                    _text(lrd), vocabulary.LICENSE_RIGHTS_DESCRIPTIONS, "LicenseRightsDescription"
                )
            except FieldError as error:
                self.problem(lrd, "LicenseRightsDescription", str(error))
        profile = _child(transaction, "FormatProfile")
        if profile is not None and _text(profile):
            try:
                record.format_profile = fields.choice(_text(profile), vocabulary.FORMAT_PROFILES, "FormatProfile")
            except FieldError as error:
                self.problem(profile, "FormatProfile", str(error))
        record.contract_id = _text(transaction, "ContractID")
        record.reporting_id = _text(transaction, "ReportingID")
        for term in _children(transaction, "Term"):
            self.read_term(term, record)

    def read_territories(self, transaction, record: AvailRecord) -> None:
        for name, target in (("Territory", record.territories), ("TerritoryExcluded", record.territory_exclusions)):
            for territory in _children(transaction, name):
                codes = [c for c in territory if _local(c) in {"country", "countryRegion"}]
                if not codes:
                    self.problem(territory, name, f"{name} names no country.", code=AvailsErrorCode.REQUIRED)
                for code in codes:
                    try:
                        for country in fields.territory(_text(code)):
                            if country not in target:
                                target.append(country)
                    except FieldError as error:
                        self.problem(code, f"{name}/{_local(code)}", str(error), code=AvailsErrorCode.UNKNOWN_TERRITORY)
        if not _children(transaction, "Territory"):
            self.problem(transaction, "Territory", "Territory is required.", code=AvailsErrorCode.REQUIRED)

    def read_dates(self, transaction, record: AvailRecord) -> None:
        start, end = _child(transaction, "Start"), _child(transaction, "End")
        start_condition = _text(transaction, "StartCondition")
        end_condition = _text(transaction, "EndCondition")
        if start is not None:
            try:
                record.start = fields.instant(_text(start))
            except FieldError as error:
                self.problem(start, "Start", str(error))
        elif start_condition:
            record.start_condition = start_condition
            self.check_condition(transaction, "StartCondition", start_condition)
        else:
            self.problem(transaction, "Start", "Start or StartCondition is required.", code=AvailsErrorCode.REQUIRED)
        if end is not None:
            try:
                record.end = fields.instant(_text(end))
            except FieldError as error:
                self.problem(end, "End", str(error))
        elif end_condition:
            record.end_condition = end_condition
            self.check_condition(transaction, "EndCondition", end_condition)
        else:
            self.problem(transaction, "End", "End or EndCondition is required.", code=AvailsErrorCode.REQUIRED)
        if record.start and record.end and record.end <= record.start:
            self.problem(
                end,
                "End",
                f"End {record.end:%Y-%m-%d %H:%M:%S} is not after Start.",
                code=AvailsErrorCode.END_BEFORE_START,
            )

    def check_condition(self, transaction, name: str, value: str) -> None:
        if value not in vocabulary.DATE_CONDITIONS:
            self.problem(_child(transaction, name), name, f"'{value}' is not a date condition.")

    def languages(self, transaction, name: str) -> list[str]:
        tags: list[str] = []
        for element in _children(transaction, name):
            try:
                tag = fields.language(_text(element))
            except FieldError as error:
                self.problem(element, name, str(error), code=AvailsErrorCode.INVALID_LANGUAGE)
            else:
                if tag not in tags:
                    tags.append(tag)
        return tags

    def read_term(self, term, record: AvailRecord) -> None:
        name = term.get("termName", "").strip()
        money = _child(term, "Money")
        value = _text(money) if money is not None else (_text(term, "Text") or _text(term, "Number"))
        boolean = _text(term, "Boolean")
        if money is None and not value and not boolean:
            return  # an empty optional value says nothing
        try:
            if name == "Exclusive":
                record.exclusive = fields.boolean(boolean or value)
            elif name == "ExclusiveAttributes":
                record.exclusive_attributes = value
            elif name == "TitleStatus":
                record.title_status = fields.choice(value, vocabulary.TITLE_STATUSES, "TitleStatus")
            elif name == vocabulary.FREE_EPISODES_TERM:
                record.free_episode_count = fields.positive_int(value)
            elif name == vocabulary.EPISODE_RANGE_TERM:
                record.episode_range = fields.episode_range(value)
            elif name in vocabulary.LANGUAGE_TERMS:
                self.read_language_term(term, name, value, record)
            elif name in vocabulary.PRICE_TERMS and name != "NA" and not record.price_type:
                record.price_type = name
                record.price_value = fields.money(value) if money is not None else value
                if money is not None and money.get("currency"):
                    record.price_currency = fields.currency(money.get("currency"))
        except FieldError as error:
            self.problem(term, f"Term[{name}]", str(error))

    def read_language_term(self, term, name: str, value: str, record: AvailRecord) -> None:
        # Only where the version has no language elements of its own (v2.1); elements win otherwise.
        if _children(term.getparent(), "AllowedLanguage") or _children(term.getparent(), "HoldbackLanguage"):
            return
        good, bad = fields.languages(value.split())
        for reason in bad:
            self.problem(term, f"Term[{name}]", reason, code=AvailsErrorCode.INVALID_LANGUAGE)
        if name == vocabulary.HOLDBACK_LANGUAGES_TERM:
            record.holdback_languages = good
            return
        if name == vocabulary.AUDIO_LANGUAGES_TERM:
            record.audio_languages = good
        else:
            record.subtitle_languages = good
        record.allowed_languages = list(dict.fromkeys([*record.audio_languages, *record.subtitle_languages]))


def avails_parse_xml(data: bytes, *, source: str) -> AvailsParseResult:
    """Parse an EMA Avails XML document; never raises on bad content, it reports problems."""
    return _Reader(data, source).read()
