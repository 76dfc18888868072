"""The import rule (docs/architecture.md): an app imports only from apps in layers below it, and
domain modules never import views, API or admin code."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "shequ"

# Lower number = lower layer. Service apps share a layer and may not import one another unless listed.
LAYERS = {
    "core": 0,
    "territory": 1,
    "accounts": 2,
    "registry": 3,
    "cases": 4,
    "facilities": 5, "workforce": 5, "participation": 5,
    "organizations": 6,
    "volunteering": 7,
    "care": 8, "emergency": 8,
    "indicators": 9,
    "web": 10,
    "demo": 11,
}  # fmt: skip
# Modules at the package root compose the apps (settings, URLs, API, CLI) and may import any of them.
ROOT_MODULES = {
    "settings",
    "test_settings",
    "urls",
    "api",
    "cli",
    "wsgi",
    "celery",
    "schedule",
    "provision",
    "selfcheck",
    "server",
    "__init__",
}
# Process-wide infrastructure any layer may use: the Celery app and the periodic-job list.
INFRASTRUCTURE = {"celery", "schedule", "settings"}
PRESENTATION = {"views", "api", "admin", "urls", "forms", "schemas", "context_processors"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return [n for n in names if n.startswith("shequ.")]


def _python_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]


def test_every_app_has_a_layer() -> None:
    apps = {p.parent.name for p in SRC.glob("*/apps.py")}
    assert apps, "no apps found"
    assert apps <= set(LAYERS), (
        f"apps without a layer in tests/test_layers.py: {sorted(apps - set(LAYERS))}"
    )


def test_apps_import_only_from_lower_layers() -> None:
    problems = []
    for path in _python_files():
        relative = path.relative_to(SRC)
        if len(relative.parts) == 1:
            continue  # root modules compose everything
        app = relative.parts[0]
        if app in ("templates", "static", "locale"):
            continue
        if "tests" in relative.parts:
            continue  # tests may build fixtures from any app (a scope test needs users, say)
        for name in _imports(path):
            target = name.split(".")[1]
            if target in INFRASTRUCTURE or target == app:
                continue
            if target in ROOT_MODULES:
                problems.append(f"{relative}: imports the composition root {name}")
            elif target in LAYERS and LAYERS[target] >= LAYERS[app]:
                problems.append(
                    f"{relative}: imports {name} (layer {LAYERS[target]} ≥ {LAYERS[app]})"
                )
    assert not problems, "\n".join(problems)


def test_domain_code_never_imports_presentation() -> None:
    problems = []
    for path in _python_files():
        relative = path.relative_to(SRC)
        if len(relative.parts) == 1 or "tests" in relative.parts:
            continue
        # A module is presentation by its own name or by the package it sits in (registry/views/imports.py),
        # or by its suffix (core/import_views.py).
        names = {path.stem, path.stem.rsplit("_", 1)[-1], *relative.parts[:-1]}
        if names & PRESENTATION or relative.parts[0] == "web" or "management" in relative.parts:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) >= 3 and parts[2] in PRESENTATION:
                problems.append(f"{relative}: domain module imports {name}")
    assert not problems, "\n".join(problems)
