"""Exchange rates: the grant date's ECB fixing, the weekend rule, staleness, update().

No network: the ECB download is served by ``httpx.MockTransport`` from a zip built here
out of ``fixtures/fx/eurofxref-hist-2026-10.csv`` (real ECB lines).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import zipfile
from datetime import date
from pathlib import Path

import httpx
import polars as pl
import pytest

from deminimis import fx
from deminimis.errors import InputError, SourceError
from deminimis.money import cents_expr, to_eur_cents_expr

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "fx" / "eurofxref-hist-2026-10.csv"
SHIPPED_LAST = date(2026, 10, 30)
COLUMNS = ["rate_date", "rate", "rate_micro", "rate_source", "fx_status"]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user data dir; never sleep between retries."""
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(fx, "_sleep", lambda _s: None)


@pytest.fixture(scope="module")
def rates() -> pl.DataFrame:
    return fx.load_rates(fx.SHIPPED_RATES)


def ecb_zip(csv: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("eurofxref-hist.csv", FIXTURE.read_bytes() if csv is None else csv)
    return buf.getvalue()


def attach(rates: pl.DataFrame, rows: list[tuple[str | None, date | None]]) -> pl.DataFrame:
    lf = pl.LazyFrame(rows, schema={"cur": pl.Utf8, "day": pl.Date}, orient="row")
    out = fx.attach_rates(lf, rates, currency="cur", on="day")
    assert isinstance(out, pl.LazyFrame)
    return out.collect()


# --- the shipped table ---------------------------------------------------------------


def test_shipped_table_schema_and_provenance(rates: pl.DataFrame) -> None:
    assert rates.schema == pl.Schema(
        {
            "currency": pl.Utf8,
            "rate_date": pl.Date,
            "rate": pl.Utf8,
            "rate_micro": pl.Int64,
            "source": pl.Utf8,
        }
    )
    assert rates.equals(rates.sort("currency", "rate_date"))
    assert "EUR" not in rates["currency"].to_list()
    assert {"NOK", "USD", "SEK", "DKK", "GBP"} <= set(rates["currency"].to_list())
    assert rates["source"].unique().to_list() == ["ECB euro reference rate"]
    head = fx.SHIPPED_RATES.read_text(encoding="utf-8").split("\ndate,currency,rate\n")[0]
    assert fx.ECB_URL in head and "retrieved: " in head and "obtained: " in head
    assert "# sha256: " in head
    assert f"first_date: {rates['rate_date'].min()}" in head
    assert f"last_date: {rates['rate_date'].max()}" in head
    assert fx.shipped_last_date() == SHIPPED_LAST


def test_rate_micro_is_exact_for_every_shipped_rate(rates: pl.DataFrame) -> None:
    from deminimis.money import rate_to_micro

    sample = rates.gather_every(97)
    assert [rate_to_micro(r) for r in sample["rate"]] == sample["rate_micro"].to_list()


def test_rate_micro_expr_refuses_what_is_not_a_published_rate() -> None:
    texts = ["10.312", "1", "20275.17", "0.58231", "1.0000001", "1,5", ".5", "1e3", "-1", None]
    got = pl.select(m=fx.rate_micro_expr(pl.Series(texts))).to_series().to_list()
    assert got == [10_312_000, 1_000_000, 20_275_170_000, 582_310] + [None] * 6


# --- attach_rates: the rule ------------------------------------------------------------


def test_nok_amount_converted_at_its_own_grant_date_rate(rates: pl.DataFrame) -> None:
    lf = pl.LazyFrame(
        {
            "amount": ["1 000 000,00", "150000", "1234567.89"],
            "currency": ["NOK"] * 3,
            "granted_on": [date(2021, 5, 17)] * 3,
        }
    )
    out = (
        fx.attach_rates(lf, rates, currency="currency", on="granted_on")
        .with_columns(eur_cents=to_eur_cents_expr(cents_expr(pl.col("amount")), pl.col("rate_micro")))
        .collect()
    )
    assert out["rate"].to_list() == ["10.0665"] * 3
    assert out["rate_micro"].to_list() == [10_066_500] * 3
    assert out["rate_date"].to_list() == [date(2021, 5, 17)] * 3
    assert out["fx_status"].to_list() == ["ok"] * 3
    assert out["rate_source"].to_list() == ["ECB euro reference rate"] * 3
    assert out["eur_cents"].to_list() == [9_933_939, 1_490_091, 12_264_122]


@pytest.mark.parametrize("day", [date(2021, 5, 15), date(2021, 5, 16)], ids=["sat", "sun"])
def test_weekend_uses_the_previous_fridays_fixing(rates: pl.DataFrame, day: date) -> None:
    row = attach(rates, [("NOK", day)]).row(0, named=True)
    assert (row["rate_date"], row["rate"], row["fx_status"]) == (date(2021, 5, 14), "10.0074", "ok")


def test_usd_uses_its_own_column(rates: pl.DataFrame) -> None:
    row = attach(rates, [("usd ", date(2021, 5, 17))]).row(0, named=True)
    assert (row["rate"], row["rate_micro"], row["fx_status"]) == ("1.2143", 1_214_300, "ok")


def test_after_the_last_fixing_is_stale_and_names_the_last_fixing(rates: pl.DataFrame) -> None:
    row = attach(rates, [("NOK", date(2026, 11, 20))]).row(0, named=True)
    assert row["fx_status"] == "stale"
    assert (row["rate_date"], row["rate"], row["rate_micro"]) == (SHIPPED_LAST, "10.312", 10_312_000)


def test_a_suspended_quote_is_stale_not_ok(rates: pl.DataFrame) -> None:
    """ISK was not fixed from 2008-12-10 to 2018-01-31: the 2008 rate is flagged."""
    row = attach(rates, [("ISK", date(2015, 6, 1))]).row(0, named=True)
    assert (row["fx_status"], row["rate_date"], row["rate"]) == ("stale", date(2008, 12, 9), "290")


@pytest.mark.parametrize(
    ("cur", "day"),
    [("NOK", date(1998, 12, 31)), ("HRK", date(2005, 3, 31))],
    ids=["nok-before-1999", "hrk-before-first-fixing"],
)
def test_before_the_first_fixing_has_no_rate(rates: pl.DataFrame, cur: str, day: date) -> None:
    row = attach(rates, [(cur, day)]).row(0, named=True)
    assert row["fx_status"] == "before_first"
    assert [row[c] for c in COLUMNS[:4]] == [None] * 4


def test_unknown_currency_has_no_rate(rates: pl.DataFrame) -> None:
    out = attach(rates, [("XYZ", date(2021, 5, 17)), (None, date(2021, 5, 17))])
    assert out["fx_status"].to_list() == ["unknown_currency"] * 2
    assert out["rate_micro"].null_count() == 2


def test_eur_is_the_identity_on_its_own_date(rates: pl.DataFrame) -> None:
    row = attach(rates, [("EUR", date(2021, 5, 16))]).row(0, named=True)
    assert row == {
        "cur": "EUR",
        "day": date(2021, 5, 16),
        "rate_date": date(2021, 5, 16),
        "rate": "1",
        "rate_micro": 1_000_000,
        "rate_source": "EUR",
        "fx_status": "eur",
    }


def test_missing_date(rates: pl.DataFrame) -> None:
    out = attach(rates, [("NOK", None), ("EUR", None)])
    assert out["fx_status"].to_list() == ["missing_date"] * 2
    assert out["rate_micro"].to_list() == [None, None]


def test_row_order_count_and_other_columns_are_kept(rates: pl.DataFrame) -> None:
    rows = [
        ("NOK", date(2026, 11, 2)),
        ("EUR", date(2020, 1, 1)),
        ("NOK", date(2021, 5, 15)),
        ("XYZ", date(2021, 5, 15)),
        ("NOK", None),
        ("USD", date(1999, 1, 4)),
        ("NOK", date(1998, 1, 1)),
        ("NOK", date(2021, 5, 15)),
        ("SEK", date(2010, 6, 30)),
    ]
    lf = pl.LazyFrame(rows, schema={"ccy": pl.Utf8, "when": pl.Date}, orient="row")
    lf = lf.with_columns(pos=pl.int_range(pl.len()), note=pl.lit("x"))
    out = fx.attach_rates(lf, rates, currency="ccy", on="when", prefix="new_").collect()
    assert out.columns == ["ccy", "when", "pos", "note"] + [f"new_{c}" for c in COLUMNS]
    assert out["pos"].to_list() == list(range(len(rows)))
    assert out["new_fx_status"].to_list() == [
        "stale",
        "eur",
        "ok",
        "unknown_currency",
        "missing_date",
        "ok",
        "before_first",
        "ok",
        "ok",
    ]
    assert out["new_rate_date"][2] == date(2021, 5, 14) == out["new_rate_date"][7]
    assert out["new_rate"][5] == "1.1789"


# --- loading and converting ----------------------------------------------------------


def test_convert_ecb_keeps_rate_text_and_names_the_source() -> None:
    data = ecb_zip()
    text, long = fx.convert_ecb(data, obtained="test", retrieved=date(2026, 11, 23))
    lines = text.splitlines()
    assert f"# sha256: {hashlib.sha256(data).hexdigest()}" in lines
    assert f"# sha256_csv: {hashlib.sha256(FIXTURE.read_bytes()).hexdigest()}" in lines
    assert "# first_date: 2026-10-19" in lines and "# last_date: 2026-10-30" in lines
    assert "# retrieved: 2026-11-23" in lines and "# obtained: test" in lines
    assert "2026-10-30,ISK,136" in lines and "2026-10-29,GBP,0.83578" in lines
    assert "2026-10-30,NOK,10.312" in lines
    assert not any(",N/A" in line or ",BGN," in line for line in lines)  # N/A dropped
    assert long.height == sum(1 for line in lines if not line.startswith(("#", "date,")))
    csv_text, _ = fx.convert_ecb(FIXTURE.read_bytes(), obtained="test", retrieved=date(2026, 11, 23))
    body = [line for line in csv_text.splitlines() if not line.startswith("# sha256")]
    assert body == [line for line in lines if not line.startswith("# sha256")]


def test_script_writes_the_same_file_as_convert_ecb(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_ecb_csv", ROOT / "scripts" / "make_ecb_csv.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    src, out = tmp_path / "hist.zip", tmp_path / "out.csv"
    src.write_bytes(ecb_zip())
    assert script.main([str(src), "--out", str(out), "--obtained", "t", "--retrieved", "2026-11-23"]) == 0
    text, _ = fx.convert_ecb(src.read_bytes(), obtained="t", retrieved=date(2026, 11, 23))
    assert out.read_text(encoding="utf-8") == text
    assert fx.load_rates(out).filter(currency="NOK")["rate"].to_list()[-1] == "10.312"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("date,currency,rate\n2021-05-17,NOK,10.0665\n2021-05-17,NOK,10.1\n", "two rates for NOK"),
        ("date,currency,rate\n2021-05-17,NOK,ten\n", "rate 'ten' for NOK"),
        ("date,currency,rate\n17.05.2021,NOK,10.0665\n", "bad date '17.05.2021'"),
        ("date,currency,rate\n2021-05-17,EUR,1\n", "bad currency 'EUR'"),
        ("date,currency,rate\n", "no rates"),
        ("day,ccy\n2021-05-17,NOK\n", "not a date,currency,rate table"),
        ("", "not a date,currency,rate table"),
    ],
    ids=["duplicate", "rate", "date", "eur", "empty", "columns", "blank"],
)
def test_malformed_rate_file_is_one_clear_input_error(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("# a comment\n" + body, encoding="utf-8")
    with pytest.raises(InputError, match=words) as info:
        fx.load_rates(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_rate_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        fx.load_rates(tmp_path / "nope.csv")


def test_user_rates_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert fx.user_rates_path() == tmp_path / "data" / "ecb_eurofxref_hist.csv"
    assert fx.rates_path() == fx.SHIPPED_RATES
    monkeypatch.delenv("DEMINIMIS_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert fx.user_rates_path() == tmp_path / "xdg" / "deminimis" / "ecb_eurofxref_hist.csv"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "deminimis" / "ecb_eurofxref_hist.csv"
    assert fx.user_rates_path() == expected


# --- update() ------------------------------------------------------------------------


def serve(*answers: httpx.Response | Exception) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose successive requests get ``answers`` in turn; records the requests."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_update_installs_the_user_file_which_is_then_preferred(tmp_path: Path) -> None:
    client, seen = serve(httpx.Response(200, content=ecb_zip()))
    result = fx.update(client=client)
    dest = tmp_path / "data" / "ecb_eurofxref_hist.csv"
    assert result.path == dest and dest.is_file()
    assert (result.first_date, result.last_date) == (date(2026, 10, 19), SHIPPED_LAST)
    assert result.currencies == 29
    assert result.rows == 290
    assert [str(r.url) for r in seen] == [fx.ECB_URL]
    assert seen[0].headers["User-Agent"].startswith("deminimis/")
    assert fx.rates_path() == dest
    rates = fx.load_rates()
    assert rates.height == result.rows
    assert rates["source"].unique().to_list() == [f"ECB euro reference rate (user update {date.today()})"]
    row = attach(rates, [("NOK", date(2026, 10, 25))]).row(0, named=True)
    assert (row["rate_date"], row["rate"], row["rate_source"]) == (
        date(2026, 10, 23),
        "10.4665",
        f"ECB euro reference rate (user update {date.today()})",
    )
    assert not list(dest.parent.glob("*.tmp"))


def test_update_follows_redirects() -> None:
    moved = httpx.Response(302, headers={"Location": "https://www.ecb.europa.eu/new.zip"})
    client, seen = serve(moved, httpx.Response(200, content=ecb_zip()))
    fx.update(client=client)
    assert [r.url.path for r in seen] == ["/stats/eurofxref/eurofxref-hist.zip", "/new.zip"]


def test_update_retries_a_server_error(tmp_path: Path) -> None:
    client, seen = serve(httpx.Response(500), httpx.Response(200, content=ecb_zip()))
    result = fx.update(client=client, dest=tmp_path / "x.csv")
    assert len(seen) == 2 and result.path.is_file()


def test_update_gives_up_after_three_timeouts() -> None:
    client, seen = serve(httpx.ReadTimeout("slow"))
    with pytest.raises(SourceError, match="ReadTimeout after 30 s; 3 tries") as info:
        fx.update(client=client)
    assert len(seen) == 3
    assert f"GET {fx.ECB_URL}" in str(info.value)


def test_connect_error_is_a_clear_source_error() -> None:
    client, seen = serve(httpx.ConnectError("Name or service not known"))
    with pytest.raises(SourceError) as info:
        fx.update(client=client)
    message = str(info.value)
    assert message.startswith("could not reach the ECB (ConnectError: Name or service not known)")
    assert "the shipped rates up to 2026-10-30 remain in use" in message
    assert message.endswith(f"(GET {fx.ECB_URL})")
    assert (info.value.method, info.value.url, info.value.status) == ("GET", fx.ECB_URL, None)
    assert len(seen) == 1 and not fx.user_rates_path().exists()


def test_client_error_is_not_retried() -> None:
    client, seen = serve(httpx.Response(404))
    with pytest.raises(SourceError, match="refused the download") as info:
        fx.update(client=client)
    assert info.value.status == 404 and "status 404" in str(info.value) and len(seen) == 1


OLD = b"Date,USD,NOK,\n2020-01-02,1.1193,9.8408,\n"
NO_NOK = b"Date,USD,JPY,\n2026-10-30,1.1172,175.68,\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"<html>Service unavailable</html>", "unusable"),
        (b"PK\x03\x04 not really a zip", "unusable"),
        (ecb_zip(b"Date,NOK,\n2026-10-30,abc,\n"), "rate 'abc' for NOK"),
        (ecb_zip(OLD), "ends 2020-01-02, before the shipped rates"),
        (ecb_zip(NO_NOK), "no NOK or no USD"),
    ],
    ids=["html", "broken-zip", "bad-rate", "older", "no-nok"],
)
def test_bad_download_keeps_the_previous_file(tmp_path: Path, content: bytes, words: str) -> None:
    dest = fx.user_rates_path()
    dest.parent.mkdir(parents=True)
    good, _ = serve(httpx.Response(200, content=ecb_zip()))
    fx.update(client=good)
    before = dest.read_bytes()
    client, _ = serve(httpx.Response(200, content=content))
    with pytest.raises(SourceError, match=words) as info:
        fx.update(client=client)
    assert f"the updated ({dest}) rates up to 2026-10-30 remain in use" in str(info.value)
    assert dest.read_bytes() == before
    assert not list(dest.parent.glob("*.tmp"))


def test_public_names() -> None:
    assert sorted(fx.__all__) == sorted(
        [
            "ECB_URL",
            "MAX_RATE_AGE_DAYS",
            "SHIPPED_RATES",
            "SOURCE_NAME",
            "UpdateResult",
            "attach_rates",
            "convert_ecb",
            "load_rates",
            "rate_micro_expr",
            "rates_path",
            "shipped_last_date",
            "update",
            "user_rates_path",
        ]
    )
