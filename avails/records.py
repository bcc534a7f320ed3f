"""Plain records an Avails file reads into, and the problems found while reading it.

Parsers never touch the database: they turn a spreadsheet row or an XML Transaction into an
AvailRecord, and every problem into an AvailProblem naming the file, the row (or XML element and
line), the field and the reason. The import decides what to write from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from avails.errors import AvailsErrorCode


@dataclass(frozen=True)
class AvailProblem:
    """One problem in an Avails file: where it is, which field, and why."""

    file: str
    location: str  # "row 7" for spreadsheets, "/AvailList/Avail[2]/Transaction[1]/Territory (line 52)" for XML
    field: str
    reason: str
    code: str = AvailsErrorCode.INVALID
    severity: str = "error"  # "error" blocks the import; "warning" is reported and imported anyway

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.field}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "location": self.location,
            "field": self.field,
            "reason": self.reason,
            "code": self.code,
            "severity": self.severity,
        }


@dataclass
class AvailRecord:
    """One avail transaction: a title (or episode, season, series) offered to a licensee on terms.

    Start is inclusive and End exclusive, both UTC; End None means open-ended.
    """

    source: str
    location: str
    alid: str
    transaction_id: str
    licensor: str = ""
    licensee: str = ""
    avail_type: str = ""  # single, episode, season, series, collection, supplement, ...
    work_type: str = ""  # Movie, Episode, Season, Series, Collection, Supplemental, ...
    entry_type: str = "Full Extract"
    title: str = ""  # the work's display title (the series title for TV)
    title_internal_alias: str = ""
    episode_title: str = ""
    content_id: str = ""  # the asset's contentID
    series_content_id: str = ""
    season_content_id: str = ""
    eidr: str = ""  # 10.5240/... of the title (the series for TV), as written
    edit_eidr: str = ""
    season_number: int | None = None
    episode_number: int | None = None
    episode_count: int | None = None
    release_year: int | None = None
    license_type: str = ""
    license_rights_description: str = ""
    format_profile: str = ""
    territories: list[str] = field(default_factory=list)
    territory_exclusions: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    start_condition: str = ""
    end_condition: str = ""
    allowed_languages: list[str] = field(default_factory=list)  # every AllowedLanguage
    audio_languages: list[str] = field(default_factory=list)  # allowed for audio (no asset attribute: both)
    subtitle_languages: list[str] = field(default_factory=list)  # allowed for subtitles
    holdback_languages: list[str] = field(default_factory=list)
    asset_language: str = ""
    exclusive: bool = False
    exclusive_attributes: str = ""
    price_type: str = ""
    price_value: str = ""
    price_currency: str = ""
    contract_id: str = ""
    title_status: str = ""
    reporting_id: str = ""
    description: str = ""
    free_episode_count: int | None = None
    # The platform's EpisodeRange term: first and last episode (None: from the first / to the last).
    episode_range: tuple[int | None, int | None] | None = None

    @property
    def is_tv(self) -> bool:
        return self.work_type in {"Episode", "Season", "Series", "Volume"}

    @property
    def work_key(self) -> str:
        """The id of the drama this avail is about: the series for TV, the title otherwise."""
        if self.is_tv:
            base = self.series_content_id or self.eidr or self.title
            if self.season_number not in (None, 1):
                return f"{base}#S{self.season_number}"
            return base
        return self.content_id or self.eidr or self.alid

    @property
    def drama_title(self) -> str:
        title = self.title or self.title_internal_alias or self.alid
        if self.is_tv and self.season_number not in (None, 1):
            return f"{title} — Season {self.season_number}"
        return title

    @property
    def price(self) -> Decimal | None:
        try:
            return Decimal(self.price_value) if self.price_value not in ("", None) else None
        except ArithmeticError:
            return None


class ProblemsMixin:
    """Errors and warnings of a `problems` list (errors block an import, warnings do not)."""

    problems: list[AvailProblem]

    @property
    def errors(self) -> list[AvailProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[AvailProblem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class AvailsParseResult(ProblemsMixin):
    """What a parser read: the records, the problems, and the file's format and version."""

    source: str
    format: str  # "xml" or "xlsx"
    version: str = ""
    records: list[AvailRecord] = field(default_factory=list)
    problems: list[AvailProblem] = field(default_factory=list)
    _problems_counted: int = field(default=0, repr=False, compare=False)
    _errors_counted: int = field(default=0, repr=False, compare=False)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def error_limit_reached(self, limit: int, location: str) -> bool:
        """True, with a last problem saying so, once `limit` errors are found: reading should stop there."""
        # Counted from where the last call stopped, so calling it per row stays linear.
        for problem in self.problems[self._problems_counted :]:
            self._errors_counted += problem.severity == "error"
        self._problems_counted = len(self.problems)
        if self._errors_counted < limit:
            return False
        self.records = []
        self.problems.append(
            AvailProblem(
                file=self.source,
                location=location,
                field="file",
                reason=f"Reading stopped after {limit} errors; fix these and import the file again.",
                code=AvailsErrorCode.TOO_MANY_ERRORS,
            )
        )
        return True
