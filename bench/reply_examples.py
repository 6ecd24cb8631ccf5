"""Offline drafts for the ten chats of bench/reply_examples.yaml, unedited, for the README.

    python -m bench.reply_examples

Each chat is drafted by the offline engine on the demo knowledge (a fresh data directory, rules
analyzer), then drafted again as Regenerate does (attempt 1). The first variant of each draft is
printed (markdown, to stdout) with its stage and any hard finding of the guard or the reply checker;
bench/results/reply_examples.json keeps every variant, the Regenerate variants and the products.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from assistant.services import build
from assistant.settings import load_settings
from assistant.transcript import parse_conversation
from bench.common import write

CHATS = Path(__file__).resolve().parent / "reply_examples.yaml"


def main() -> None:
    chats = yaml.safe_load(CHATS.read_text(encoding="utf-8"))["chats"]
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        flow = build(
            load_settings(ASSISTANT_DATA_DIR=data_dir, ASSISTANT_ENGINE="offline", ASSISTANT_ANALYZER="rules")
        ).drafts
        for item in chats:
            conversation = parse_conversation(item["chat"])
            first = flow.draft(conversation)
            again = flow.draft(conversation, attempt=1)
            rows.append(
                {
                    "id": item["id"],
                    "chat": item["chat"].strip(),
                    "stage": first.stage.value,
                    "reply": first.reply,
                    "variants": first.variants,
                    "regenerated": again.variants,
                    "products": [p.id for p in first.products],
                    "hard_findings": [
                        f"{f.rule}: {f.text}" for f in first.findings if f.severity.value == "hard"
                    ],
                    "notices": first.notices,
                }
            )
    path = write("reply_examples", {"chats": rows})
    print(f"<!-- {path.name}: python -m bench.reply_examples -->")
    for n, row in enumerate(rows, start=1):
        print(f"\n**{n}. {row['id']}** (stage `{row['stage']}`)\n")
        print("```text")
        print(row["chat"])
        print("```")
        print("\n> " + row["reply"].replace("\n", "\n> "))
        if row["hard_findings"]:
            print(f"\nHard findings: {'; '.join(row['hard_findings'])}")


if __name__ == "__main__":
    main()
