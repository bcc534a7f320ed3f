"""Hostile Avails files are refused with a named error, within 512 MB of memory, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from avails.parsers import avails_parse
from avails.tests.hostile_files import HOSTILE_FILES
from avails.tests.hostile_files import main as write_hostile_files
from conftest import BASE_DIR

MEMORY_LIMIT = 512 * 1024 * 1024

# Parses every file of a folder under an address-space limit; prints each file's error codes and its peak RSS.
PARSE_UNDER_LIMIT = textwrap.dedent(
    f"""
    import json, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
    import django
    django.setup()
    from avails.parsers import avails_parse
    codes = {{}}
    for path in sorted(Path(sys.argv[1]).iterdir()):
        result = avails_parse(path.read_bytes(), source=path.name)
        codes[path.name] = sorted({{p.code for p in result.errors}} - {{"required", "invalid"}})
        assert not result.records or result.errors
    # The high-water mark of this program's own memory (VmHWM starts anew at exec; ru_maxrss would also count
    # the forking test process's memory from before the exec).
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({{"codes": codes, "peak_mb": peak_kb / 1024}}))
    """
)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_files(str(folder))
    return folder


def test_every_hostile_file_is_refused_with_its_code_within_512_mb(hostile_folder):
    # given hostile files, each small on disk (the largest, 300k sparse cells, about 2 MB)
    assert max(p.stat().st_size for p in hostile_folder.iterdir()) < 4 * 1024 * 1024
    # when a process limited to 512 MB of address space parses them all
    from conftest import subprocess_env

    done = subprocess.run(
        [sys.executable, "-c", PARSE_UNDER_LIMIT, str(hostile_folder)],
        cwd=BASE_DIR,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then it ends normally (no MemoryError), every file refused with its own code (beside row errors) and no record
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    expected = {file_name: [code] for file_name, _, code in HOSTILE_FILES.values()}
    assert report["codes"] == expected
    assert report["peak_mb"] < 512


@pytest.mark.parametrize(
    "name",
    [
        "huge_declared_dimension",
        "zip_bomb",
        "not_a_zip",
        "sheet_part_missing",
        "no_avails_sheet",
        "deep_xml",
        "external_entity_xml",
        "external_dtd_xml",
        "xinclude_xml",
    ],
)
def test_a_refusal_names_the_limit_and_reads_nothing(name):
    # given a hostile file
    file_name, build, code = HOSTILE_FILES[name]
    # when it is parsed
    result = avails_parse(build(), source=file_name)
    # then the refusal is the only problem, it says which limit, and no record comes out
    assert [(p.code, p.severity) for p in result.problems] == [(code, "error")]
    assert result.records == []
    assert result.problems[0].reason
