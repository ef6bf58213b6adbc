"""`mkp report` on two Maven runs: the page, its JSON, and what a browser shows."""

from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from worker.cli import app

runner = CliRunner()


class Elements(HTMLParser):
    """Every element's tag and attributes, and the text of the whole page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, attribute: str, tag: str | None = None) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.found
            if attribute in attrs and (tag is None or name == tag)
        ]


def report(snapshot_dir: Path, *args: str) -> Any:
    result = runner.invoke(
        app, ["report", "--snapshot-dir", str(snapshot_dir), "--org", "maven", *args]
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def pages(
    maven_snapshots: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Per locale: the HTML page and the JSON of the same report."""
    folder = tmp_path_factory.mktemp("pages")
    made = {}
    for locale in ("en", "ru"):
        html = folder / f"report-{locale}.html"
        result = report(
            maven_snapshots, "--locale", locale, "--html", str(html), "--json"
        )
        made[locale] = (html, json.loads(result.stdout))
    return made


@pytest.fixture(scope="module")
def english(
    pages: dict[str, tuple[Path, dict[str, Any]]],
) -> tuple[Elements, dict[str, Any]]:
    html, model = pages["en"]
    parsed = Elements()
    parsed.feed(html.read_text(encoding="utf-8"))
    return parsed, model


def test_matrix_cells_on_the_page_carry_the_json_numbers(english: Any) -> None:
    page, model = english
    cells = {int(c["data-segment"]): c for c in page.having("data-segment", "div")}

    assert sorted(cells) == list(range(1, 10))
    for cell in model["matrix"]:
        shown = cells[cell["segment"]]
        assert int(shown["data-accounts"]) == cell["accounts"]
        assert float(shown["data-revenue"]) == pytest.approx(cell["window_revenue"])
        assert float(shown["data-unrealised"]) == pytest.approx(cell["unrealised"])


def test_migration_table_on_the_page_carries_the_json_counts(english: Any) -> None:
    page, model = english
    shown = {
        (c["data-from"], c["data-to"]): int(c["data-accounts"])
        for c in page.having("data-from", "td")
    }
    columns = model["migration"]["columns"]
    expected = {
        (row["from_segment"], column): count
        for row in model["migration"]["rows"]
        for column, count in zip(columns, row["accounts"], strict=True)
    }

    assert len(shown) == 10 * 10
    assert shown == expected


def test_calibration_figures_on_the_page_match_the_json(english: Any) -> None:
    page, model = english
    shown = {d["data-key"]: d["data-value"] for d in page.having("data-key", "dd")}
    figures = model["calibration"]["figures"]

    assert float(shown["coverage"]) == pytest.approx(figures["coverage"])
    assert float(shown["pinball_loss"]) == pytest.approx(figures["pinball_loss"])
    assert float(shown["baseline_pinball_loss"]) == pytest.approx(
        figures["baseline_pinball_loss"]
    )


def test_two_runs_six_months_apart_show_accounts_moving(english: Any) -> None:
    page, model = english
    flows = model["migration"]["flows"]

    assert model["migration"]["moved"] > 0
    assert flows
    assert flows[0]["accounts"] > 0
    assert flows[0]["sentence"] in " ".join(page.text)


def test_every_segment_with_accounts_lists_its_largest_gaps(english: Any) -> None:
    page, model = english
    tables = {t["data-segment"] for t in page.having("data-segment", "table")}
    with_accounts = {str(g["segment"]) for g in model["top_accounts"] if g["accounts"]}

    assert tables == with_accounts
    assert len(page.having("data-record-id", "tr")) == sum(
        len(g["top"]) for g in model["top_accounts"]
    )


def test_page_loads_nothing_from_the_network(english: Any) -> None:
    page, _ = english
    linked = [
        attrs.get("src", "") + attrs.get("href", "")
        for _, attrs in page.found
        if "src" in attrs or "href" in attrs
    ]

    assert linked == []


def test_russian_page_speaks_russian(
    pages: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    html, model = pages["ru"]
    text = html.read_text(encoding="utf-8")

    assert "Матрица клиентского потенциала" in text
    assert model["matrix"][4]["name"] == "Фокус развития"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_browser_draws_the_matrix_and_every_bubble_without_errors(
    pages: dict[str, tuple[Path, dict[str, Any]]], page: Any, locale: str
) -> None:
    html, model = pages[locale]

    page.open(html)
    cells = page.evaluate("document.querySelectorAll('.matrix .cell').length")
    bubbles = page.evaluate(
        "document.querySelectorAll('#bubble-chart .scatterlayer .point').length"
    )

    assert cells == 9
    assert bubbles == len(model["bubbles"]["points"]) > 0
    assert page.errors == []


def test_page_prints(pages: dict[str, tuple[Path, dict[str, Any]]], page: Any) -> None:
    html, _ = pages["en"]

    page.open(html)
    pdf = base64.b64decode(page.call("Page.printToPDF", landscape=True)["data"])

    assert pdf.startswith(b"%PDF")
    assert page.errors == []


def test_text_report_shows_the_matrix_and_the_main_flows(maven_snapshots: Path) -> None:
    output = report(maven_snapshots).stdout

    assert "Development focus" in output
    assert "accounts moved" in output
    assert "Hold-out customers" in output


def test_since_a_date_compares_with_the_snapshot_as_of_it(
    maven_snapshots: Path,
) -> None:
    model = json.loads(
        report(maven_snapshots, "--since", "2017-07-01", "--json").stdout
    )

    assert (model["older"]["as_of"], model["newer"]["as_of"]) == (
        "2017-06-30",
        "2017-12-31",
    )


def test_since_before_the_first_snapshot_says_so(maven_snapshots: Path) -> None:
    model = json.loads(
        report(maven_snapshots, "--since", "2016-01-01", "--json").stdout
    )

    assert model["migration"] is None
    assert "no snapshot as of 2016-01-01 or earlier" in model["warnings"]


def test_report_without_snapshots_says_to_run_first(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--snapshot-dir", str(tmp_path), "--org", "maven"]
    )

    assert result.exit_code == 2
    assert "run `mkp run` first" in " ".join(result.output.split())


def test_a_page_path_that_is_a_directory_is_named_and_refused(
    maven_snapshots: Path, tmp_path: Path
) -> None:
    args = ["--snapshot-dir", str(maven_snapshots), "--org", "maven"]

    result = runner.invoke(app, ["report", *args, "--html", str(tmp_path)])

    assert result.exit_code == 2
    assert "cannot write the report page to" in result.output
    assert "Is a directory" in result.output


def test_corrupt_newest_snapshot_is_named_and_skipped(
    maven_snapshots: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "snapshots"
    shutil.copytree(maven_snapshots, copy)
    corrupt = copy / "maven" / "maven_20991231T000000000000Z_asof-2099-12-31.parquet"
    corrupt.write_bytes(b"PAR1 this is not a parquet file")

    model = json.loads(report(copy, "--json").stdout)

    assert model["newer"]["as_of"] == "2017-12-31"
    assert any(corrupt.name in warning for warning in model["warnings"])


# Whether any header's text runs past its own cell, at the page's widths.
_OVERFLOWING_HEADERS = """
[...document.querySelectorAll('table.accounts th')].filter(th => {
  const text = document.createRange();
  text.selectNodeContents(th);
  const inner = text.getBoundingClientRect(), cell = th.getBoundingClientRect();
  return inner.left < cell.left - 0.5 || inner.right > cell.right + 0.5;
}).map(th => th.textContent)
"""


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("width", [1280, 900])
def test_account_list_headers_stay_inside_their_columns(
    pages: dict[str, tuple[Path, dict[str, Any]]], page: Any, locale: str, width: int
) -> None:
    html, _ = pages[locale]
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )

    page.open(html)

    assert page.evaluate("document.querySelectorAll('table.accounts th').length")
    assert page.evaluate(_OVERFLOWING_HEADERS) == []


def test_russian_chart_ticks_write_amounts_like_the_rest_of_the_page(
    pages: dict[str, tuple[Path, dict[str, Any]]], page: Any
) -> None:
    html, _ = pages["ru"]

    page.open(html)
    ticks = page.evaluate(
        "[...document.querySelectorAll('#bubble-chart .xtick text')]"
        ".map(t => t.textContent)"
    )

    assert ticks
    assert all(tick.endswith(("тыс.", "млн")) for tick in ticks), ticks


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "more than the margin"), ("ru", "больше чем на запас")],
)
def test_page_says_why_an_account_near_a_border_keeps_its_level(
    pages: dict[str, tuple[Path, dict[str, Any]]], locale: str, words: str
) -> None:
    html, _ = pages[locale]

    parsed = Elements()
    parsed.feed(html.read_text(encoding="utf-8"))

    assert {"class": "note", "id": "hysteresis"} in parsed.having("id", "p")
    assert words in " ".join(parsed.text)
