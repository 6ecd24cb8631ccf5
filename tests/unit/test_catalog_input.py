"""Reading catalogs and documents from outside without a store: encodings, binary files, CSV records
that go wrong, strict prices, duplicate ids, column guessing and front matter (issue 9 item 4,
issue 12 item 4)."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from assistant.errors import IngestError, InputError
from assistant.knowledge.catalog import read_catalog
from assistant.knowledge.columns import guess_mapping
from assistant.knowledge.documents import read_document
from assistant.knowledge.prices import parse_price
from assistant.textio import detect_encoding, read_text, yaml_error

HEADER = "id,name,category,price,skin_types,concerns\n"
TEXT = HEADER + "G1,国货面霜,moisturizer,99,油皮,控油\nG2,温和洁面,cleanser,59,干皮,补水\n"


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", "<x/>" * 50)
    return buffer.getvalue()


def products(path: Path, **kw) -> tuple[dict[str, float], list[str]]:
    """{id: price} of the good rows and the row issues as text."""
    found, issues = {}, []
    for product, row_issues in read_catalog(path, path.name, **kw):
        issues.extend(str(i) for i in row_issues)
        if product:
            found[product.id] = product.price
    return found, issues


# -- encodings ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encoding, data",
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8 with BOM", codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("gbk", TEXT.encode("gbk")),
        ("gb18030", TEXT.encode("gb18030")),
        ("utf-16 with BOM", TEXT.encode("utf-16")),
        ("utf-16-le without BOM", TEXT.encode("utf-16-le")),
        ("utf-16-be without BOM", TEXT.encode("utf-16-be")),
    ],
)
def test_catalogs_in_every_common_encoding_are_read(tmp_path, encoding, data):
    path = tmp_path / "catalog.csv"
    path.write_bytes(data)
    found, issues = products(path)
    assert found == {"G1": 99, "G2": 59} and not [i for i in issues if "error" in i], encoding


def test_gbk_after_a_long_ascii_start_is_detected(tmp_path):
    path = tmp_path / "catalog.csv"
    rows = "".join(f"A{i},plain name {i},serum,99,oily,acne\n" for i in range(3000))  # > 64 KiB of ASCII
    path.write_bytes((HEADER + rows + "G1,国货面霜,moisturizer,99,油皮,控油\n").encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    assert len(products(path)[0]) == 3001


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("catalog.csv", zipped(), "ZIP archive"),
        ("catalog.json", b"%PDF-1.4\n%\xe2\xe3", "PDF"),
        ("notes.md", b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        ("catalog.yaml", bytes(range(256)) * 4, "binary data"),
        ("latin1.md", "caf\xe9 cr\xe8me, tr\xe8s l\xe9g\xe8re".encode("latin-1"), "not UTF-8, GB18030"),
    ],
)
def test_files_that_are_not_text_are_named(tmp_path, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=says):
        read_text(path)
    reader = read_catalog if name.endswith((".csv", ".json", ".yaml")) else read_document
    with pytest.raises(IngestError, match=says):
        reader(path, name) if reader is read_catalog else reader(path)  # type: ignore[operator]


def test_an_undecodable_byte_deep_in_a_csv_names_its_row(tmp_path):
    rows = [f"B{i},产品{i},serum,{50 + i},oily,acne" for i in range(1, 3000)]
    data = (HEADER + "\n".join(rows) + "\n").encode("utf-8")
    lines = data.split(b"\n")
    lines[2399] = lines[2399].replace("产品".encode(), b"\xff\xfe")  # row 2,400 (the header is row 1)
    path = tmp_path / "big.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(IngestError, match=r"big.csv, row 2400: byte 0xff is not valid UTF-8"):
        products(path)


# -- CSV records ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, good, bad_row",
    [
        # a quote opened in the name and never closed: the next rows are still read
        (
            'Q1,"坏引号,serum,99,oily,acne\nQ2,好产品,serum,120,oily,acne\nQ3,好产品3,serum,130,oily,acne\n',
            {"Q2", "Q3"},
            2,
        ),
        # the quote is in the last column: the record has the right number of cells
        ('Q1,坏引号,serum,99,oily,"acne\nQ2,好产品,serum,120,oily,acne\n', {"Q2"}, 2),
        # the quote closes in a later row
        (
            'Q1,"坏引号,serum,99,oily,acne\nQ2,好产品,serum,120,oily,acne\nQ3,"好,产品",serum,130,oily,acne\n',
            {"Q2"},
            2,
        ),
    ],
)
def test_an_unclosed_quote_rejects_its_row_only(tmp_path, body, good, bad_row):
    path = tmp_path / "quote.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    found, issues = products(path)
    assert good <= set(found) and "Q1" not in found
    assert any(f"row {bad_row}" in i and "quote" in i for i in issues), issues


def test_a_quoted_multi_line_description_is_kept(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(
        'id,name,category,price,description\nM1,面霜,moisturizer,99,"第一行。\n第二行，还有逗号。"\nM2,精华,serum,199,短\n',
        encoding="utf-8",
    )
    found, issues = products(path)
    assert found == {"M1": 99, "M2": 199} and not issues


def test_one_oversized_field_rejects_only_its_row(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(
        HEADER
        + "H1,好,serum,99,oily,acne\n"
        + f"H2,{'长' * 200_000},serum,99,oily,acne\n"
        + "H3,好3,serum,99,oily,acne\n",
        encoding="utf-8",
    )
    found, issues = products(path)
    assert set(found) == {"H1", "H3"}
    assert any("row 3" in i and "'name'" in i and "200,000 characters" in i for i in issues)


def test_duplicate_ids_are_an_error_naming_both_rows(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        HEADER + "D1,一,serum,99,oily,acne\nD2,二,serum,99,oily,acne\nD1,三,serum,199,oily,acne\n"
    )
    found, issues = products(path)
    assert found == {"D1": 99, "D2": 99}
    assert any("row 4" in i and "duplicate id 'D1'" in i and "row 2" in i for i in issues), issues


# -- prices -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, price",
    [
        ("199", 199),
        ("¥199", 199),
        ("￥199", 199),
        ("199元", 199),
        ("199.00", 199),
        ("1,299", 1299),
        ("¥ 1,299.50", 1299.5),
        ("１９９", 199),
        ("RMB 88", 88),
        (129, 129),
        (59.9, 59.9),
    ],
)
def test_prices_accepted(value, price):
    assert parse_price(value) == price


@pytest.mark.parametrize(
    "value, reason",
    [
        ("-5", "negative"),
        ("¥-5", "negative"),
        ("99-199", "range"),
        ("99~199元", "range"),
        ("1e3", "scientific"),
        ("$19.99", "foreign currency"),
        ("19.99 USD", "foreign currency"),
        ("€20", "foreign currency"),
        ("abc", "not a price"),
        ("0", "positive"),
        ("", "missing"),
        (float("inf"), "positive"),
        (True, "not a price"),
        ("1,29", "not a price"),
    ],
)
def test_prices_refused_with_the_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_price(value)


def test_a_usd_price_column_is_converted_and_a_bad_price_names_the_field(tmp_path):
    path = tmp_path / "usd.csv"
    path.write_text("sku,title,price_usd\nU1,Cream,$10\nU2,Serum,20\nU3,Oil,¥30\nU4,Toner,99-199\n")
    found, issues = products(path, usd_to_cny=7.0)
    assert found == {"U1": 70, "U2": 140}
    assert any("row 4" in i and "'price'" in i and "USD" in i for i in issues)
    assert any("row 5" in i and "'price'" in i and "range" in i for i in issues)


# -- column mapping ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers, expected",
    [
        (
            ["名称", "价格", "肤质", "功效"],
            {"name": "名称", "price": "价格", "skin_types": "肤质", "concerns": "功效"},
        ),
        (
            [
                "商品编号",
                "商品名称",
                "售价(元)",
                "适用肤质",
                "主要成分",
                "规格",
                "使用方法",
                "注意事项",
                "品类",
            ],
            {
                "id": "商品编号",
                "name": "商品名称",
                "price": "售价(元)",
                "skin_types": "适用肤质",
                "key_ingredients": "主要成分",
                "size": "规格",
                "usage": "使用方法",
                "cautions": "注意事项",
                "category": "品类",
            },
        ),
        (
            ["品名", "单价", "诉求", "容量", "用法", "禁忌", "分类"],
            {
                "name": "品名",
                "price": "单价",
                "concerns": "诉求",
                "size": "容量",
                "usage": "用法",
                "cautions": "禁忌",
                "category": "分类",
            },
        ),
        (
            ["产品名称", "英文名称", "价钱", "功能", "成分"],
            {
                "name": "产品名称",
                "name_en": "英文名称",
                "price": "价钱",
                "concerns": "功能",
                "key_ingredients": "成分",
            },
        ),
        (
            ["Title", "Price_USD", "Skin Type", "Benefits", "Ingredients", "Size", "How to use", "Cautions"],
            {
                "name": "Title",
                "price": "Price_USD",
                "skin_types": "Skin Type",
                "concerns": "Benefits",
                "size": "Size",
                "usage": "How to use",
                "cautions": "Cautions",
            },
        ),
        (
            ["product", "cost", "category", "subcategory"],
            {"name": "product", "price": "cost", "category": "category"},
        ),
        (
            ["id", "brand_store", "title", "price_cny", "sale_count"],
            {"id": "id", "name": "title", "price": "price_cny"},
        ),
        (
            ["ingredients", "highlighted_ingredients", "name", "price"],
            {"name": "name", "price": "price", "key_ingredients": "highlighted_ingredients"},
        ),
    ],
)
def test_common_headers_are_mapped(headers, expected):
    mapping = guess_mapping(headers)
    assert mapping.fields == {f: expected[f] for f in mapping.fields} and set(mapping.fields) == set(expected)
    assert mapping.unmapped == [h for h in headers if h not in expected.values()] and not mapping.missing


@pytest.mark.parametrize(
    "value, names",
    [
        (  # Sephora's highlighted_ingredients: the names, not the explanations cut at their commas
            "-Vitamin C: Helps nourish skin cells. -Hyaluronic Acid: Traps moisture, giving it a dewy, "
            "hydrated appearance. -Kojic Acid: Exfoliates.",
            ["Vitamin C", "Hyaluronic Acid", "Kojic Acid"],
        ),
        (  # a dash inside an explanation starts no item
            "- 500-Hour Aged Ginseng Extract: Supports the barrier. -Rice Bran Wax: C12 -14 Olefin, antioxidants.",
            ["500-Hour Aged Ginseng Extract", "Rice Bran Wax"],
        ),
        ("烟酰胺：提亮肤色；积雪草：舒缓", ["烟酰胺", "积雪草"]),
        ("烟酰胺 5%;神经酰胺", ["烟酰胺 5%", "神经酰胺"]),
        ("Niacinamide, Zinc PCA", ["Niacinamide", "Zinc PCA"]),
    ],
)
def test_key_ingredients_in_a_highlight_list_are_their_names(tmp_path, value, names):
    path = tmp_path / "c.csv"
    path.write_text(f'name,price,highlighted_ingredients\nSerum,99,"{value}"\n', encoding="utf-8")
    [(product, _)] = list(read_catalog(path, "c.csv"))
    assert product and product.key_ingredients == names


def test_a_given_mapping_wins_and_reports_what_is_missing():
    mapping = guess_mapping(["商品", "标价", "备注"], {"price": "备注"})
    assert mapping.fields == {"name": "商品", "price": "备注"} and mapping.how["price"] == "given"
    assert mapping.unmapped == ["标价"]
    missing = guess_mapping(["货品", "金额", "备注"])
    assert missing.missing == ["name", "price"]
    message = missing.missing_message(["货品", "金额", "备注"])
    assert "name, price" in message and "货品, 金额, 备注" in message and "--map name=COLUMN" in message
    with pytest.raises(InputError, match="did you mean 'price'"):
        guess_mapping(["a"], {"prise": "a"})


def test_chinese_headers_ingest_without_a_map_and_missing_columns_are_explained(tmp_path):
    path = tmp_path / "zh.csv"
    path.write_text("名称,价格,肤质,功效\n清透防晒,¥129,油皮,防晒\n", encoding="utf-8")
    catalog = read_catalog(path, "zh.csv")
    [(product, _)] = list(catalog)
    assert product and product.name == "清透防晒" and product.price == 129 and product.skin_types == ["oily"]
    assert catalog.mapping.describe() == "name ← 名称 · price ← 价格 · skin_types ← 肤质 · concerns ← 功效"
    path.write_text("货品,金额\n清透防晒,129\n", encoding="utf-8")
    with pytest.raises(
        IngestError, match=r"cannot find a column for name, price; the columns are: 货品, 金额"
    ):
        read_catalog(path, "zh.csv")


# -- documents --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "front, error",
    [("- a\n- b", "not a list"), ("just a string", "not a single value"), ("title: [unclosed", "line 1")],
)
def test_front_matter_that_is_not_a_mapping_is_refused(tmp_path, front, error):
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front}\n---\n# T\ntext\n", encoding="utf-8")
    with pytest.raises(IngestError, match=error):
        read_document(path)


@pytest.mark.parametrize(
    "front, skin_types, concerns",
    [
        ("skin_types: oily\nconcerns: acne", ["oily"], ["acne"]),
        ("skin_types: [油皮, 干皮]\nconcerns: 控油; 痘痘", ["oily", "dry"], ["oil-control", "acne"]),
        ("skin_types:\nconcerns: []", [], []),
    ],
)
def test_front_matter_lists_accept_a_scalar(tmp_path, front, skin_types, concerns):
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front}\n---\n# T\ntext\n", encoding="gbk")
    document = read_document(path)
    assert document.skin_types == skin_types and document.concerns == concerns


def test_yaml_errors_are_one_line():
    import yaml

    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load("a: [1,\nb: : c")
    assert "\n" not in yaml_error(caught.value) and yaml_error(caught.value).startswith("line ")
