"""What to ingest and under which source key.

A source is keyed by its path relative to the ingest root, prefixed with the root's name: the files
of `kb/` are `kb/faq/faq.md`, `kb/products/catalog.csv`; a file given on its own is keyed under its
own folder (`shop-a/faq.md`), so two `faq.md` in different folders are two sources. An upload is
keyed by its original name and a hash of its content (`uploads/faq.md#3fa2c1d0`).

Stores written before this scheme keyed single files by their bare name (`faq.md`); `legacy_key`
finds such a record so a re-ingest takes it over instead of adding a duplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from assistant.store import SourceRecord

UPLOADS = "uploads"


@dataclass(frozen=True)
class Target:
    path: Path
    source: str  # the key in the store
    prefix: str | None = None  # the folder this file is synced with (pruning), None for single files


def discover(paths: list[Path], supported: tuple[str, ...]) -> tuple[list[Target], list[Path]]:
    """Every supported file under `paths` with its key, and the paths that do not exist."""
    found: list[Target] = []
    missing: list[Path] = []
    for root in paths:
        if not root.exists():
            missing.append(root)
        elif root.is_file():
            found.append(Target(root, f"{root.resolve().parent.name or 'root'}/{root.name}"))
        else:
            prefix = root.resolve().name or "root"
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if (
                    not path.is_file()
                    or any(p.startswith(".") for p in rel.parts)
                    or path.stem.upper() == "README"
                ):
                    continue
                if path.suffix.lower() in supported:
                    found.append(Target(path, f"{prefix}/{rel.as_posix()}", prefix))
    return found, missing


def save_upload(folder: Path, name: str, data: bytes) -> Target:
    """Write an uploaded file under `folder` (one sub-folder per content) and key it by name + hash."""
    name = Path(name).name or "upload"
    digest = hashlib.sha256(data).hexdigest()
    path = folder / digest[:16] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Target(path, f"{UPLOADS}/{name}#{digest[:8]}")


def legacy_key(target: Target, known: dict[str, SourceRecord]) -> str | None:
    """The bare-name key an older version used for this file, when the store has one."""
    bare = target.path.name
    return bare if bare != target.source and bare in known else None
