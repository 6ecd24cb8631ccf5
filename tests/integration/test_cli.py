"""The `assistant` command, run as a user runs it (a subprocess), on the demo knowledge."""

from __future__ import annotations

import json

import pytest

from tests.support import run_cli


def test_done_when_first_message_asks_and_names_no_product(demo_data_dir):
    out = run_cli("draft", "你好，我脸上最近老出油还长痘，有什么推荐吗", "--json", data_dir=demo_data_dir)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"stage", "reply", "variants", "products", "citations", "findings", "slots", "engine"} <= set(data)
    assert data["stage"] in ("ask", "uncover_need") and data["products"] == [] and data["engine"] == "offline"
    assert data["reply"].rstrip().endswith(("？", "?"))
    assert not [f for f in data["findings"] if f["severity"] == "hard"]


def test_done_when_escalation(demo_data_dir):
    data = json.loads(
        run_cli("draft", "用了你们的精华脸上起红疹了，很痒", "--json", data_dir=demo_data_dir).stdout
    )
    assert data["stage"] == "escalate" and data["products"] == []
    assert not any(w in data["reply"] for w in ("优惠", "活动", "下单", "推荐"))


def test_history_file_and_profile(demo_data_dir, tmp_path):
    history = tmp_path / "chat.yaml"
    history.write_text(
        "- customer: 我是油皮，老长痘\n- operator: 您是油皮，主要困扰是长痘，对吧？\n- customer: 对的\n"
        "- operator: 建议温和清洁，配合低浓度水杨酸。\n- customer: 好的\n- operator: 质地喜欢清爽的吗？预算多少？\n",
        encoding="utf-8",
    )
    out = run_cli(
        "draft",
        "清爽的，没有备孕",
        "--history",
        str(history),
        "--profile",
        "budget=200",
        "--json",
        data_dir=demo_data_dir,
    )
    data = json.loads(out.stdout)
    assert data["stage"] == "match_product" and data["products"], out.stderr
    assert data["slots"]["budget_max"] == 200


def test_plain_text_output_and_stdin(demo_data_dir):
    out = run_cli(
        "draft",
        "-",
        "--chat",
        data_dir=demo_data_dir,
        stdin="客户: 我皮肤很干\n我: 干燥主要在哪里呢？\n客户: 两颊，起皮",
    )
    assert out.returncode == 0 and "[uncover_need]" in out.stdout and "variant 1" in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["draft", ""], "empty"),
        (["draft", "   "], "empty"),
        (["draft", "hi", "--profile", "skin_type=greasy"], "skin type"),
        (["draft", "hi", "--profile", "nonsense"], "key=value"),
        (["draft", "hi", "--history", "/nonexistent/chat.txt"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(demo_data_dir, args, message):
    out = run_cli(*args, data_dir=demo_data_dir)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_binary_history_is_refused(demo_data_dir, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 8)
    out = run_cli("draft", "hi", "--history", str(junk), data_dir=demo_data_dir)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_huge_paste_is_trimmed_with_a_notice(demo_data_dir):
    text = "\n".join(f"客户: 第{i}句，我的脸很油" if i % 2 == 0 else f"我: 好的{i}" for i in range(8000))[
        :100_000
    ]
    out = run_cli("draft", "-", "--chat", "--json", data_dir=demo_data_dir, stdin=text)
    data = json.loads(out.stdout)
    assert any("kept the most recent" in n for n in data["notices"])


def test_wrong_setting_gives_one_actionable_message(tmp_path):
    out = run_cli("draft", "hi", data_dir=tmp_path, env={"ASSISTANT_STRUCTURED_METHOD": "xml"})
    assert out.returncode == 2 and "ASSISTANT_STRUCTURED_METHOD" in out.stderr
    out = run_cli("draft", "hi", data_dir=tmp_path, env={"ASSISTANT_ENGINE": "llm"})
    assert out.returncode == 2 and "OPENAI_API_KEY" in out.stderr


def test_kb_commands(tmp_path):
    catalog = tmp_path / "cat.csv"
    catalog.write_text(
        "id,name,category,price,skin_types,concerns\nX1,测试精华,serum,99,油皮,控油\n", encoding="utf-8"
    )
    out = run_cli("kb", "ingest", str(catalog), data_dir=tmp_path / "d")
    assert out.returncode == 0 and "added 1" in out.stdout
    out = run_cli("kb", "search", "控油", "--json", data_dir=tmp_path / "d")
    hits = json.loads(out.stdout)
    assert hits[0]["chunk"]["product_id"] == "X1" and hits[0]["matched_terms"]
    stats = json.loads(run_cli("kb", "stats", "--json", data_dir=tmp_path / "d").stdout)
    assert stats["sources"] == 1 and stats["products"] == 1
    source = f"{tmp_path.name}/cat.csv"
    assert stats["source_list"][0]["source"] == source
    assert run_cli("kb", "remove", source, data_dir=tmp_path / "d").returncode == 0
    assert json.loads(run_cli("kb", "stats", "--json", data_dir=tmp_path / "d").stdout)["sources"] == 0
    assert run_cli("kb", "remove", source, data_dir=tmp_path / "d").returncode == 2
