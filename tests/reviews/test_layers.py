"""The layering docs/architecture.md describes, checked on the source: what may import what."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "reviews"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", [*sorted((ROOT / "actions").glob("*.py")), *sorted((ROOT / "services").glob("*.py")),
                                  ROOT / "events.py", ROOT / "payloads.py"], ids=lambda p: str(p.relative_to(ROOT)))
def test_writes_and_events_do_not_import_the_api(path):
    assert not {m for m in _imports(path) if m == "reviews.api" or m.startswith("reviews.api.")}
