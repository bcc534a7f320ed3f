"""The vendored front-end files are the ones their VENDORED.md records, and the catalogues are complete."""

import hashlib
import re
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent.parent
VENDORED = [
    BASE / "static" / "vendor" / "echarts",
    BASE / "static" / "vendor" / "hls.js",
    Path(__file__).parent / "vendor" / "axe-core",
]


@pytest.mark.parametrize("folder", VENDORED, ids=lambda p: p.name)
def test_vendored_files_match_their_recorded_sha256(folder):
    recorded = re.findall(
        r"\| `([^`]+)`(?: \(from `dist/`\))? sha256 \| `([0-9a-f]{64})` \|", (folder / "VENDORED.md").read_text()
    )
    files = [(name, digest) for name, digest in recorded if not name.endswith(".tgz")]
    assert files
    for name, digest in files:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("language", ["ar", "zh_Hans", "zh_Hant", "th", "ko", "ms", "id"])
def test_every_message_is_translated_and_compiled(language):
    folder = BASE / "portal" / "locale" / language / "LC_MESSAGES"
    po = (folder / "django.po").read_text()
    assert po.count('msgstr ""\n\n') == 0 and not po.rstrip().endswith('msgstr ""')
    assert (folder / "django.mo").stat().st_mtime >= (folder / "django.po").stat().st_mtime - 5
