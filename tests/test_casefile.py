"""Letters an officer can send and case notes (issue 17, acceptance 2 and 3): ``letter`` and
``report`` read the batch's own outputs; one DOCX and one text per application; letterhead."""

from __future__ import annotations

from pathlib import Path

import docx
import polars as pl
import pytest
from click.testing import CliRunner

from deminimis.cli import main
from tests.conftest import FIXTURES

HEAD = {
    "--kommune": "Bodø kommune",
    "--adresse": "Postboks 319, 8001 Bodø",
    "--saksnummer": "2026/123",
    "--saksbehandler": "Kari Nordmann",
    "--dato": "30.11.2026",
}
ROUTES = {"A1": "covid_tf", "A4": "gber", "A5": "manual_review", "A8": "error"}


def _run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module", params=[".xlsx", ".csv", ".json", ".jsonl"])
def batch_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / f"vedtak{request.param}"
    code, _ = _run("batch", FIXTURES / "applications.csv", "--awards", FIXTURES / "awards.csv", "--out", out)
    assert code == 3 and out.is_file()  # one row is an error
    return out


def _letters(batch_out: Path, tmp_path: Path, *extra: str) -> Path:
    folder = tmp_path / "brev"
    code, out = _run("letter", batch_out, "--out", folder, *[x for kv in HEAD.items() for x in kv], *extra)
    assert code == 0, out
    return folder


def test_batch_then_letter_writes_one_docx_and_text_per_decided_application(batch_out: Path, tmp_path: Path):
    folder = _letters(batch_out, tmp_path)
    letters = sorted(p.name.removesuffix("_vedtak.docx") for p in folder.glob("*_vedtak.docx"))
    assert letters == ["A1", "A2", "A3", "A6", "A7"]  # de_minimis and covid_tf
    assert sorted(p.stem for p in folder.glob("*_vedtak.txt")) == [f"{a}_vedtak" for a in letters]
    assert len(list(folder.glob("*_saksnotat.docx"))) == 8  # a case note for every application
    assert not (folder / "A8_vedtak.docx").exists()  # error: no letter


def test_the_docx_has_the_letterhead_fields(batch_out: Path, tmp_path: Path) -> None:
    folder = _letters(batch_out, tmp_path)
    text = "\n".join(p.text for p in docx.Document(str(folder / "A2_vedtak.docx")).paragraphs)
    for value in (*HEAD.values(), "forvaltningsloven § 28", "bagatellmessig støtte"):
        assert value in text, value
    assert "Vår ref.: 2026/123" in text and "Saksbehandler: Kari Nordmann" in text


def test_manual_review_and_gber_letters_only_on_request_and_without_officer_notes(
    batch_out: Path, tmp_path: Path
) -> None:
    folder = _letters(batch_out, tmp_path, "--all")
    assert (folder / "A4_vedtak.docx").exists() and (folder / "A5_vedtak.docx").exists()
    assert not (folder / "A8_vedtak.docx").exists()
    for app in ("A4", "A5"):
        letter = (folder / f"{app}_vedtak.txt").read_text(encoding="utf-8")
        assert (
            "Åpent punkt" not in letter and "Neste steg" not in letter and "Til saksbehandler" not in letter
        )
    note = (folder / "A5_saksnotat.txt").read_text(encoding="utf-8")
    assert "Åpent punkt" in note and "Neste steg" in note and "Kilder:" in note


def test_the_error_case_note_says_what_to_fix(batch_out: Path, tmp_path: Path) -> None:
    note = (_letters(batch_out, tmp_path) / "A8_saksnotat.txt").read_text(encoding="utf-8")
    assert "applications.csv, rad 9, kolonne «organisasjonsnummer»" in note and "Rett feilene" in note


def test_batch_then_report_from_the_batch_output(batch_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.csv"
    code, _ = _run("report", batch_out, "--out", out)
    assert code == 0
    assert pl.read_csv(out).get_column("orgnr").cast(pl.Utf8).to_list() == [
        "912346803", "912347915", "912349039", "912345688", "912346803"
    ]  # fmt: skip


def test_letterhead_from_a_settings_file_and_a_docx_template(tmp_path: Path) -> None:
    decisions = tmp_path / "d.json"
    _run("batch", FIXTURES / "applications.csv", "--awards", FIXTURES / "awards.csv", "--out", decisions)
    settings = tmp_path / "brevhode.toml"
    settings.write_text('[brevhode]\nkommune = "Vågan kommune"\nsaksbehandler = "Ola"\n', encoding="utf-8")
    template = tmp_path / "mal.docx"
    doc = docx.Document()
    doc.add_paragraph("{{ kommune }} – vår saksbehandler {{ saksbehandler }}")
    doc.add_paragraph("{{ brødtekst }}")
    doc.add_paragraph("Med hilsen {{ kommune }}")
    doc.save(str(template))
    folder = tmp_path / "brev"
    code, out = _run("letter", decisions, "--out", folder, "--settings", settings, "--template", template)
    assert code == 0, out
    paragraphs = [p.text for p in docx.Document(str(folder / "A2_vedtak.docx")).paragraphs]
    assert paragraphs[0] == "Vågan kommune – vår saksbehandler Ola"
    assert paragraphs[1].startswith("Tilskudd til") and paragraphs[-1] == "Med hilsen Vågan kommune"
    assert not any("{{" in p for p in paragraphs)


def test_a_jinja_text_template(tmp_path: Path) -> None:
    decisions = tmp_path / "d.json"
    _run("batch", FIXTURES / "applications.csv", "--awards", FIXTURES / "awards.csv", "--out", decisions)
    template = tmp_path / "mal.txt.j2"
    template.write_text(
        "{{ kommune }} / {{ saksnummer }}\n{{ brødtekst }}Søknad {{ vedtak.application_id }}\n"
    )
    folder = tmp_path / "brev"
    code, _ = _run(
        "letter", decisions, "--out", folder, "--template", template, "--kommune", "Bodø", "--saksnummer", "7"
    )
    assert code == 0
    text = (folder / "A2_vedtak.txt").read_text(encoding="utf-8")
    assert text.startswith("Bodø / 7\nTilskudd til") and text.rstrip().endswith("Søknad A2")
