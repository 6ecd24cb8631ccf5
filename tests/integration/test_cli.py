"""The `assistant` command, run as a user runs it (a subprocess), on the demo knowledge."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import run_cli, run_cli_bytes


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


# -- output always valid, input always bounded (issue 9 item 7) ---------------------------------
def strict_json(raw: bytes) -> object:
    """Parse as a strict reader does: UTF-8, and no NaN or Infinity."""

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(raw.decode("utf-8"), parse_constant=refuse)


@pytest.mark.parametrize("budget", ["1e309", "inf", "-inf", "nan", "-5", "0"])
def test_a_budget_must_be_a_finite_positive_number(demo_data_dir, budget):
    out = run_cli_bytes("draft", "清爽的", "--profile", f"budget={budget}", "--json", data_dir=demo_data_dir)
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode("utf-8").startswith("error: profile field 'budget'")
    assert out.stderr.count(b"\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["预算" + "9" * 400 + "元，有什么推荐", "--json"],  # a budget too large to be a number
        ["我是油皮", "--profile", "budget=250", "--json"],
    ],
)
def test_json_output_is_strict_json(demo_data_dir, args):
    out = run_cli_bytes("draft", *args, data_dir=demo_data_dir)
    assert out.returncode == 0, out.stderr
    data = strict_json(out.stdout)
    assert isinstance(data, dict) and data["reply"]


@pytest.mark.parametrize(
    "args, error",
    [
        ([b"hi", b"--profile", b"tags=vip\xff"], "error: profile: the text is not valid UTF-8"),
        ([b"\xff\xfe\xfd hi"], "error: message: the text is not valid UTF-8"),
        ([b"hi", b"--profile", b"skin_type=\xff\xfe"], "error: profile: the text is not valid UTF-8"),
    ],
)
def test_invalid_bytes_in_arguments_are_refused_never_echoed(demo_data_dir, args, error):
    out = run_cli_bytes("draft", *args, "--json", data_dir=demo_data_dir)
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode("utf-8").startswith(error) and out.stderr.count(b"\n") == 1


def test_an_argument_typed_in_a_gbk_terminal_is_read(demo_data_dir):
    out = run_cli_bytes("draft", "我是油皮，最近长痘".encode("gbk"), "--json", data_dir=demo_data_dir)
    assert out.returncode == 0, out.stderr
    assert strict_json(out.stdout)["slots"]["skin_types"] == ["oily"]


def long_history(turns: int) -> list[dict[str, str]]:
    return [
        {"customer": f"第{i}句，我的脸很油很油，T区一直冒油"}
        if i % 2 == 0
        else {"operator": f"好的呢，第{i}句回复"}
        for i in range(turns)
    ]


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".txt"])
def test_every_history_format_obeys_the_size_limit_with_a_notice(demo_data_dir, tmp_path, suffix):
    turns = long_history(120_000)
    path = tmp_path / f"chat{suffix}"
    if suffix == ".yaml":
        import yaml

        path.write_text(yaml.safe_dump(turns, allow_unicode=True), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(
            "\n".join(("客户: " if "customer" in t else "我: ") + next(iter(t.values())) for t in turns),
            encoding="utf-8",
        )
    assert path.stat().st_size > 2_400_000
    started = time.monotonic()
    out = run_cli_bytes("draft", "清爽的", "--history", str(path), "--json", data_dir=demo_data_dir)
    assert out.returncode == 0, out.stderr
    notices = strict_json(out.stdout)["notices"]
    assert any("kept the most recent 6000" in n for n in notices), notices
    assert time.monotonic() - started < 120


def test_a_huge_message_with_a_history_is_trimmed_too(demo_data_dir, tmp_path):
    history = tmp_path / "chat.yaml"
    history.write_text("- customer: 我是油皮\n- operator: 好的\n", encoding="utf-8")
    out = run_cli_bytes(
        "draft",
        "-",
        "--history",
        str(history),
        "--json",
        data_dir=demo_data_dir,
        stdin=("我的脸很油。" * 50_000).encode(),
    )
    notices = strict_json(out.stdout)["notices"]
    assert any("kept the most recent 6000" in n for n in notices), notices


@pytest.mark.parametrize(
    "args, error",
    [
        (["draft"], "error: Missing argument"),
        (["draft", "hi", "--bogus"], "error: No such option: --bogus"),
        (["eval", "run", "--concurrency", "0", "evals"], "error: Invalid value for '--concurrency'"),
        (["draft", "hi", "--history", "BAD_YAML"], "not valid YAML: line 3, column 6"),
        (["draft", "hi", "--history", "BAD_JSON"], "not valid JSON: line 1, column"),
        (["kb", "ingest", "README.md", "--map", "prise=价格"], "did you mean 'price'"),
    ],
)
def test_every_error_is_one_line_with_exit_code_2(demo_data_dir, tmp_path, args, error):
    (tmp_path / "bad.yaml").write_text("- customer: a\n- operator: [b\n  - c: d: e\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text('[{"customer": "a"}, ', encoding="utf-8")
    args = [
        {"BAD_YAML": str(tmp_path / "bad.yaml"), "BAD_JSON": str(tmp_path / "bad.json")}.get(a, a)
        for a in args
    ]
    out = run_cli_bytes(*args, data_dir=demo_data_dir)
    stderr = out.stderr.decode("utf-8")
    assert out.returncode == 2 and error in stderr, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: ") and "Traceback" not in stderr
