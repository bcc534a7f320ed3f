"""The architecture, held by tests: layers import one way, rules have one home, the domain knows no HTTP."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ["partners", "catalog", "localization", "jobs", "rights", "media", "recommendations", "avails", "distribution",
        "portal"]  # fmt: skip


def _modules(folder: str, *, include_tests: bool = True) -> list[Path]:
    return [
        path
        for path in (BASE_DIR / folder).rglob("*.py")
        if "migrations" not in path.parts and (include_tests or "tests" not in path.parts)
    ]


def _imported(path: Path) -> set[str]:
    """Top-level package names a module imports (anywhere in it, lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports_any(path: Path, packages: set[str]) -> set[str]:
    return {name for name in _imported(path) if name.split(".")[0] in packages}


def test_partners_imports_no_app_built_on_it():
    # partners holds the tenants every other app builds on; webhooks are published *through* it
    offending = {
        str(path.relative_to(BASE_DIR)): sorted(found)
        for path in _modules("partners")
        if (found := _imports_any(path, {"rights", "media", "catalog", "avails", "distribution", "recommendations"}))
    }
    assert offending == {}


@pytest.mark.parametrize("app", [app for app in APPS if app != "distribution"])
def test_no_app_imports_the_partner_read_api(app):
    # distribution sits on top: it reads catalogue, rights and media; none of them reads it
    offending = [str(p.relative_to(BASE_DIR)) for p in _modules(app) if _imports_any(p, {"distribution"})]
    assert offending == []


@pytest.mark.parametrize("name", ["models", "services", "selectors", "errors"])
def test_the_domain_knows_no_http(name):
    # models.py, or a models/ package's modules, wherever they are (an app's api/ included)
    modules = [
        path
        for folder in [*APPS, "migu_platform"]
        for path in _modules(folder, include_tests=False)
        if path.stem == name or name in path.relative_to(BASE_DIR).parts[:-1]
    ]
    assert modules
    offending = [
        str(path.relative_to(BASE_DIR)) for path in modules if _imports_any(path, {"rest_framework", "drf_spectacular"})
    ]
    assert offending == []


# What "in force" looks like when it is written out: a window's end compared with an instant, or the
# in-force statuses named. Only the rights app may say it.
IN_FORCE_SPELLED_OUT = re.compile(r'end__gt\b|"end" > |"end" IS NULL|IN_FORCE_STATUSES|\(\'approved\', \'expired\'\)')


def test_the_in_force_rule_is_written_only_in_rights():
    offending = [
        str(path.relative_to(BASE_DIR))
        for app in APPS
        if app != "rights"
        for path in _modules(app, include_tests=False)
        if IN_FORCE_SPELLED_OUT.search(path.read_text())
    ]
    assert offending == []


def test_nothing_reads_the_environment_outside_settings_and_the_launcher():
    allowed = {"migu_platform/settings", "migu_platform/devstack.py", "migu_platform/celery.py",
               "migu_platform/wsgi.py", "migu_platform/asgi.py", "manage.py"}  # fmt: skip
    offending = [
        str(path.relative_to(BASE_DIR))
        for folder in [*APPS, "migu_platform"]
        for path in _modules(folder, include_tests=False)
        if "os.environ" in path.read_text() or "getenv(" in path.read_text()
        if not any(str(path.relative_to(BASE_DIR)).startswith(prefix) for prefix in allowed)
    ]
    assert offending == []


def test_settings_are_read_as_settings_not_with_a_second_default():
    offending = [
        str(path.relative_to(BASE_DIR))
        for folder in [*APPS, "migu_platform"]
        for path in _modules(folder, include_tests=False)
        if "getattr(settings," in path.read_text()
    ]
    assert offending == []
