"""The glossary's enforcement: terms protected through machine translation and replaced by their approved
form, and human translations checked for a term rendered otherwise."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a protected term becomes in the text sent to the provider: ASCII brackets and a number pass through
# machine translation untouched (tolerant of the spaces some engines put inside).
PLACEHOLDER = "[[{n}]]"
_PLACEHOLDER_RE = re.compile(r"\[\s*\[\s*(\d+)\s*\]\s*\]")


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A term in the original language and its approved form in the target language ("" when none yet)."""

    term: str
    approved: str


@dataclass(slots=True)
class ProtectedText:
    text: str
    forms: dict[int, str]


def glossary_protect(text: str, entries: list[GlossaryEntry]) -> ProtectedText:
    """`text` with each term that has an approved form replaced by a numbered placeholder; longest terms
    first, so that a name inside a longer title is not split."""
    forms: dict[int, str] = {}
    usable = sorted((e for e in entries if e.term and e.approved), key=lambda e: len(e.term), reverse=True)
    for entry in usable:
        if entry.term in text:
            number = len(forms) + 1
            forms[number] = entry.approved
            text = text.replace(entry.term, PLACEHOLDER.format(n=number))
    return ProtectedText(text=text, forms=forms)


def glossary_restore(translated: str, protected: ProtectedText) -> str:
    """The provider's output with each placeholder replaced by the approved form; a placeholder the
    provider dropped leaves the form missing (the check then flags the text)."""
    return _PLACEHOLDER_RE.sub(lambda m: protected.forms.get(int(m.group(1)), m.group(0)), translated)


def glossary_findings(source: str, translation: str, entries: list[GlossaryEntry]) -> list[str]:
    """Where `translation` renders a term of `source` otherwise than its approved form, one sentence each."""
    findings = []
    for entry in entries:
        if entry.term and entry.approved and entry.term in source and entry.approved not in translation:
            findings.append(f"“{entry.term}” should read “{entry.approved}”.")
    return findings
