"""The package map (docs/design.md): stages import only downwards, and the CLI stays thin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_layers_contract_is_kept(capsys) -> None:
    """`lint-imports` with the contract in pyproject.toml: a lower stage never imports a higher
    one, function-level imports included (import-linter reads every import statement)."""
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "1 kept, 0 broken" in out


def test_trace_without_table_does_not_import_pandas(tmp_path: Path) -> None:
    code = (
        "import sys; from nnsheet.cli import main; "
        f"rc = main(['trace', '-o', {str(tmp_path / 'c.xlsx')!r}, '-q']); "
        "print(rc, 'pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "False"]
    code_t = code.replace("'-q']", f"'-q', '--table', {str(tmp_path / 'c.csv')!r}]")
    out = subprocess.run(
        [sys.executable, "-c", code_t], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "True"]  # the check above can fail: with --table pandas is loaded


def test_library_never_imports_the_cli() -> None:
    for p in (ROOT / "src" / "nnsheet").rglob("*.py"):
        if p.name == "cli.py":
            continue
        text = p.read_text(encoding="utf-8")
        assert "from ..cli" not in text and "from .cli" not in text and "nnsheet.cli" not in text, p


def test_readme_links_stay_inside_the_repository() -> None:
    """A clone has no ../shared: every relative link in README.md and docs/design.md names a file
    of the repository."""
    import re

    for doc in (ROOT / "README.md", ROOT / "docs" / "design.md"):
        text = doc.read_text(encoding="utf-8")
        links = re.findall(r"\]\(([^)\s]+)\)", text)
        assert "../shared" not in text, doc
        for link in links:
            if link.startswith(("http://", "https://", "#")):
                continue
            target = (doc.parent / link.split("#")[0]).resolve()
            assert target.is_relative_to(ROOT), (doc.name, link)
            assert target.exists(), (doc.name, link)
