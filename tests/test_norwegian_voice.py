"""One Norwegian voice (issue 17, acceptance 1): every nb text of the catalogues and every nb
output rendered for the fixtures and a generated batch is bokmål of a Norwegian vedtak.

Checked: no English word from a stop list, no internal field name or code, Norwegian citation
style («artikkel 3 nr. 2», not «Art 3(2)» or «art. 3(7)»), and the sentences the issue quoted
are gone. Text inside «…» (what the user or a command wrote) and file names are not checked.
"""

from __future__ import annotations

import gzip
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from deminimis import check, check_batch
from deminimis.models import Decision
from deminimis.render.letter import TEMPLATES, render_letter
from deminimis.render.messages import MESSAGES
from deminimis.render.row_errors import CATALOGUE
from deminimis.render.text import render_text
from deminimis.rules import RULES_DIR
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
WEB_TEXTS = ROOT / "deminimis" / "web" / "texts.toml"
STOP_WORDS = {
    "the", "and", "of", "is", "are", "with", "from", "see", "on", "or", "which", "this",
    "ceiling", "counted", "headroom", "grant", "granted", "award", "awards", "regulation",
    "commission", "unverified", "errors", "error", "field", "missing", "input", "scheme",
    "undertaking", "single", "aid", "review", "manual", "period", "update", "result", "none",
    "ledger", "officer", "warning", "reference", "rate", "amended", "assumed", "open",
    "question", "primary", "source", "applies", "cannot", "before", "after",
}  # fmt: skip
"""English words that have no place in a Norwegian sentence."""
CODES = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b(?:DE_MINIMIS|MANUAL_REVIEW|GBER|COVID_TF|ERROR)\b")
"""Internal field names (``granted_on``) and route codes."""
ENGLISH_CITATION = re.compile(r"\bArt\.? \d|\bart\. \d|\d\(\d+\)|\(EU\) No\b|\bOJ L\b|\bReg\. ")
QUOTED = re.compile(r"«[^»]*»|\{[^}]*\}|\S+\.(?:csv|xlsx|json|jsonl|txt)\b")
"""What the user wrote («…»), placeholders and file names: data, not our words."""
WHY = [
    "Commission Regulation (EU) 2023/2831, OJ L",
    "EEA JCD number UNVERIFIED",
    "EUR: ceiling",
    "Resultat: DE_MINIMIS",
    "én og samme virksomhet",
    "ett og samme foretak",
    "tildeling(er)",
    "Disse datoene går tidligere støtte ut av perioden",
    "felt granted_on",
    "is not a real date",
    "Vurder etter nasjonale regler / EØS-avtalen art. 8(3).",
    "eller ikke i det hele tatt",
]
"""The sentences quoted in the issue's Why."""


def problems(text: str) -> list[str]:
    """What is not Norwegian in ``text`` (empty when it is clean)."""
    plain = QUOTED.sub(" ", text)
    found = [w for w in re.findall(r"[A-Za-z]+", plain) if w.lower() in STOP_WORDS]
    found += CODES.findall(plain) + ENGLISH_CITATION.findall(plain)
    found += [s for s in WHY if s in text]
    return found


def _nb_values(table: object, where: str) -> Iterator[tuple[str, str]]:
    """Every nb string of a catalogue: keys ``nb``, ``*_nb``, and a web texts ``[nb]`` table."""
    if isinstance(table, dict):
        for key, value in table.items():
            if isinstance(value, str) and (key == "nb" or key.endswith("_nb")):
                yield f"{where}.{key}", value
            else:
                yield from _nb_values(value, f"{where}.{key}")
    elif isinstance(table, list):
        for i, item in enumerate(table):
            yield from _nb_values(item, f"{where}[{i}]")


def catalogue_texts() -> list[tuple[str, str]]:
    out = list(_nb_values(tomllib.loads(MESSAGES.read_text(encoding="utf-8")), "messages"))
    out += list(_nb_values(tomllib.loads(CATALOGUE.read_text(encoding="utf-8")), "row_errors"))
    web = tomllib.loads(WEB_TEXTS.read_text(encoding="utf-8"))["nb"]
    out += [(f"web.{k}", v) for k, v in web.items() if k not in WEB_ALLOWED]
    for path in sorted(RULES_DIR.glob("*.toml")):
        out += list(_nb_values(tomllib.loads(path.read_text(encoding="utf-8")), path.stem))
    template = (TEMPLATES / "letter_nb.txt.j2").read_text(encoding="utf-8")
    text = re.sub(r"\{[%#].*?[%#]\}|\{\{.*?\}\}", " ", template, flags=re.S)
    out += [("letter_nb.txt.j2", line) for line in text.splitlines() if line.strip()]
    return out


WEB_ALLOWED = {"nav_api", "other_lang", "other_lang_code", "download_json", "declaration_hint"}
"""Web texts that name a format or another language on purpose (API, English, JSON, a file name)."""


@pytest.mark.parametrize(("where", "text"), catalogue_texts(), ids=lambda v: v if "." in v else None)
def test_every_nb_catalogue_text_is_norwegian(where: str, text: str) -> None:
    assert not problems(text), f"{where}: {text}"


def _rendered(decisions: list[Decision]) -> Iterator[tuple[str, str]]:
    for d in decisions:
        where = f"{d.application_id} ({d.route})"
        for kind in ("reasons", "warnings", "officer_notes"):
            for f in getattr(d, kind):
                yield f"{where} {kind} {f.code}", f.text_nb
        for e in d.errors:
            yield f"{where} error {e.field}", e.message_nb or ""
        yield f"{where} text", render_text(d, "nb").split("\n", 1)[1]  # the first line names the applicant
        yield f"{where} letter", render_letter(d, "nb")


def _check_all(decisions: list[Decision]) -> None:
    bad = [f"{where}: {problems(text)} in {text!r}" for where, text in _rendered(decisions) if problems(text)]
    assert not bad, "\n".join(bad[:20])


def test_every_nb_output_of_the_fixtures_is_norwegian() -> None:
    files = {k: FIXTURES / f"{k}.csv" for k in ("awards", "links", "firms", "employer_tax")}
    decisions = list(check_batch(FIXTURES / "applications.csv", **files).decisions)
    decisions += [
        check(orgnr="912346803", amount="15000000", grant_date="2021-05-17", awards=files["awards"]),
        check(orgnr="912345688", amount="250000", grant_date="2024-03-01"),
        check(orgnr="912346804", amount="x", grant_date="31.02.2021"),
        check(orgnr="912346803", amount="100.000", grant_date="2025-05-17", nace="01.110"),
    ]
    assert {d.route for d in decisions} >= {"de_minimis", "gber", "manual_review", "error", "covid_tf"}
    _check_all(decisions)


def test_every_nb_output_of_a_generated_batch_is_norwegian(tmp_path: Path) -> None:
    paths = {}
    for stored in sorted((ROOT / "tests" / "golden" / "generated").glob("*.csv.gz")):
        kind = stored.name.removesuffix(".csv.gz")
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_bytes(gzip.decompress(stored.read_bytes()))
    side = {k: paths[k] for k in ("awards", "links", "firms", "employer_tax")}
    _check_all(list(check_batch(paths["applications"], **side).decisions))


def test_the_stop_list_catches_the_sentences_of_the_issue() -> None:
    assert problems("felt granted_on: granted_on '12.13.2025' is not a real date")
    assert problems("(Commission Regulation (EU) 2023/2831, OJ L, 2023/2831, 15.12.2023, Art 3(2))")
    assert problems("Ingen del av den nye støtten kan gis (art. 3(7)).")
    assert not problems("kommisjonsforordning (EU) 2023/2831 artikkel 3 nr. 2; beløpet «12.13.2025 the»")
