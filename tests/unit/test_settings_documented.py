"""Every setting is listed in .env.example and the README's configuration table (STYLE.md: one
settings class, `.env.example` lists every variable)."""

from __future__ import annotations

from assistant.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_documented():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    aliases = [f.alias for f in Settings.model_fields.values() if f.alias]
    missing_example = [a for a in aliases if a not in example]
    missing_readme = [a for a in aliases if a not in readme]
    assert not missing_example, f".env.example lacks {missing_example}"
    assert not missing_readme, f"README lacks {missing_readme}"
