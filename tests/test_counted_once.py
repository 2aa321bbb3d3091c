"""An award held by two sources is counted once (contract §3); a near match gets a warning."""

from __future__ import annotations

from deminimis import check
from deminimis.sources.inputs import Upload

APP = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
AWARD = {"orgnr": "912346803", "granted_on": "2020-11-03", "amount": "151430.65", "currency": "EUR",
         "basis": "de_minimis", "grantor": "Innovasjon Norge", "reference": "IN-2020-77"}  # fmt: skip


def _csv(name: str, *rows: dict) -> Upload:
    lines = [",".join(AWARD)] + [",".join(str(r[k]) for k in AWARD) for r in rows]
    return Upload("\n".join(lines).encode(), name)


def test_the_same_award_in_two_tables_is_counted_once_with_both_sources() -> None:
    d = check(**APP, awards=[_csv("declaration.csv", AWARD), [AWARD]]).to_json_dict()
    assert d["prior_de_minimis_eur"] == "151430.65"
    assert d["route"] == "de_minimis"
    (counted,) = d["counted"]
    assert counted["sources"] == ["declaration.csv:2", "awards:1"]
    assert "counted_once" in [r["code"] for r in d["reasons"]]


def test_two_equal_rows_of_one_table_stay_two_awards() -> None:
    d = check(**APP, awards=[_csv("declaration.csv", AWARD, AWARD)]).to_json_dict()
    assert d["prior_de_minimis_eur"] == "302861.30"
    assert "duplicate_award" in [w["code"] for w in d["warnings"]]


def test_a_near_match_is_counted_once_at_the_larger_amount_with_a_warning() -> None:
    near = {**AWARD, "amount": "150000", "reference": ""}
    d = check(**APP, awards=[_csv("declaration.csv", near), _csv("register.csv", AWARD)]).to_json_dict()
    assert d["prior_de_minimis_eur"] == "151430.65"
    (warning,) = [w for w in d["warnings"] if w["code"] == "near_duplicate_award"]
    assert "register.csv:2" in warning["text_en"] and "declaration.csv:2" in warning["text_nb"]


def test_amounts_more_than_one_percent_apart_are_two_awards() -> None:
    far = {**AWARD, "amount": "149000", "reference": ""}
    d = check(**APP, awards=[[far], [AWARD]]).to_json_dict()
    assert d["prior_de_minimis_eur"] == "300430.65"
    assert len(d["counted"]) == 2


def test_a_different_basis_is_never_merged() -> None:
    d = check(**APP, awards=[[{**AWARD, "basis": "gber"}], [AWARD]]).to_json_dict()
    assert sorted(c["basis"] for c in d["counted"]) == ["de_minimis", "gber"]


def test_an_award_in_the_ledger_and_in_the_declaration_is_counted_once_with_both_sources(tmp_path) -> None:
    """Issue 13: EUR 151,430.65 in the ledger and in the applicant's declaration was counted twice
    (302,861.30, route gber); it is one award, held by both."""
    from deminimis.ledger import import_awards, open_ledger

    path = tmp_path / "ledger.sqlite"
    ledger = open_ledger(path, create=True)
    booked = tmp_path / "granted.csv"
    booked.write_bytes(_csv("granted.csv", AWARD).data)
    import_awards(ledger, booked, actor="kari")
    ledger.close()
    d = check(**APP, awards=[_csv("egenerklaering.csv", AWARD)], ledger=path).to_json_dict()
    assert d["prior_de_minimis_eur"] == "151430.65"
    assert d["route"] == "de_minimis"
    (counted,) = d["counted"]
    assert len(counted["sources"]) == 2 and "egenerklaering.csv:2" in counted["sources"]
    assert {s["kind"] for s in d["sources"]} >= {"declaration", "ledger"}
