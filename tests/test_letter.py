"""Decision-letter text (render/letter.py and its jinja2 templates)."""

from __future__ import annotations

import pytest

from deminimis import check
from deminimis.models import Decision
from deminimis.render.letter import TEMPLATES, render_letter
from tests.conftest import FIXTURES

NB = "\u00a0"  # Norwegian amounts group thousands with a no-break space
AWARDS = FIXTURES / "awards.csv"


@pytest.fixture(scope="module")
def fits() -> Decision:
    return check(
        orgnr="912346803",
        amount="150000",
        currency="NOK",
        grant_date="2021-05-17",
        awards=AWARDS,
        firms=FIXTURES / "firms.csv",
    )


def test_de_minimis_letter_nb_has_the_figures_rate_window_citation_and_records_duty(fits: Decision) -> None:
    assert (fits.route, fits.new_aid_eur, fits.max_de_minimis_grant) == (
        "de_minimis",
        "14900.91",
        "847800.63",
    )
    text = render_letter(fits, "nb")
    for part in (
        "Tilskudd til KAFE BRYGGA AS (org.nr. 912 346 803) – bagatellmessig støtte",
        f"kr 150{NB}000,00 (EUR 14{NB}900,91 etter ECBs referansekurs 10,0665 NOK per euro 17.05.2021)",
        "i medhold av kommisjonsforordning (EU) nr. 1407/2013 av 18. desember 2013",
        "publisert i EU-tidende 24.12.2013 (EUT L 352 av 24.12.2013, s. 1–8)",
        f"mottatt EUR 115{NB}780,00 i bagatellmessig støtte i inneværende og de to foregående "
        "regnskapsårene (01.01.2019–17.05.2021)",
        f"- 12.06.2019, Bodø kommune (2019/123): kr 350{NB}000,00 = EUR 35{NB}780,00",
        f"- 03.11.2020, Innovasjon Norge (IN-2020-77): EUR 80{NB}000,00",
        f"samlede bagatellmessige støtten EUR 130{NB}680,91. Støttetaket er EUR 200{NB}000,00",
        f"ytterligere EUR 69{NB}319,09 (tilsvarende kr 697{NB}800,61 etter kursen over)",
        f"inntil kr 847{NB}800,63 i bagatellmessig støtte",
        "oppbevares i ti år fra tildelingsdatoen",
        f"Støtten utgjør kr 150{NB}000,00 uttrykt som brutto tilskuddsekvivalent",
        "opplyse om denne støtten i tre år",
        "sone Ia for arbeidsgiveravgift",
    ):
        assert part in text, part
    assert "kompensasjonsordning" not in text.lower()  # the Covid TF award is not de minimis aid
    assert "{{" not in text and "  " not in text


def test_de_minimis_letter_en(fits: Decision) -> None:
    text = render_letter(fits, "en")
    for part in (
        "NOK 150,000.00 (EUR 14,900.91 at the European Central Bank reference rate of 10.0665 NOK per euro "
        "on 17 May 2021)",
        "Commission Regulation (EU) No 1407/2013 of 18 December 2013",
        "(OJ L 352, 24.12.2013, p. 1-8)",
        "in the current and the two previous fiscal years (1 January 2019 to 17 May 2021)",
        "a further EUR 69,319.09 (equal to NOK 697,800.61 at the rate above)",
        "up to NOK 847,800.63",
        "kept for ten years from the grant date",
    ):
        assert part in text, part


def test_letter_under_2023_2831_cites_it_and_the_last_three_years() -> None:
    d = check(orgnr="912345688", amount="250000", currency="NOK", grant_date="2025-03-03", awards=AWARDS)
    assert d.route == "de_minimis" and d.regime == "EU-2023/2831"
    text = render_letter(d, "nb")
    assert "kommisjonsforordning (EU) 2023/2831 av 13. desember 2023" in text
    assert "(EUT L, 2023/2831, 15.12.2023)" in text
    assert "de siste tre årene (03.03.2022–03.03.2025)" in text
    assert "1407/2013" not in text and "regnskapsår" not in text
    assert f"kr 1{NB}200{NB}000,00" in text  # the 2023 award inside the rolling window
    assert "in the last three years" in render_letter(d, "en")


def test_exceeding_grant_says_plainly_it_cannot_be_de_minimis_and_why() -> None:
    d = check(orgnr="912346803", amount="1500000", currency="NOK", grant_date="2021-05-17", awards=AWARDS)
    assert d.route == "gber"
    text = render_letter(d, "nb")
    assert "kan ikke gis som bagatellmessig støtte" in text
    assert f"EUR 264{NB}789,09, som overstiger støttetaket på EUR 200{NB}000,00" in text  # its own reason
    assert f"inntil kr 847{NB}800,63 (EUR 84{NB}220,00)" in text and "Zennaro" in text
    assert "i medhold av" not in text and "ti år" not in text
    en = render_letter(d, "en")
    assert "cannot be given as de minimis aid" in en and "exceeds the ceiling of EUR 200,000.00" in en


def test_exceeding_grant_letter_says_from_when_more_aid_fits() -> None:
    # The 2019 aid (EUR 35,780.00) leaves on 1 January 2022, the 2020 aid on 1 January 2023.
    d = check(orgnr="912346803", amount="1500000", currency="NOK", grant_date="2021-05-17", awards=AWARDS)
    text = render_letter(d, "nb")
    assert f"- fra 01.01.2022: inntil kr 1{NB}207{NB}980,00 (EUR 120{NB}000,00" in text
    # NOK 1,500,000 = EUR 149,009.09 does not fit the 120,000 of 2022, only the 200,000 of 2023.
    assert f"- fra 01.01.2023: inntil kr 2{NB}013{NB}300,00 (EUR 200{NB}000,00" in text
    en = render_letter(d, "en")
    assert "- from 1 January 2022: up to NOK 1,207,980.00 (EUR 120,000.00" in en


def test_covid_manual_review_and_error_letters() -> None:
    covid = check(
        orgnr="912346803",
        amount="2500000",
        currency="NOK",
        grant_date="2021-12-01",
        awards=AWARDS,
        scheme="covid_tf_3_1",
        in_difficulty_2019="nei",
    )
    assert covid.route == "covid_tf"
    text = render_letter(covid, "nb")
    assert "kan ikke gis som bagatellmessig støtte" in text and "vedtak 031/21/COL" in text
    gap = check(orgnr="912345688", amount="250000", currency="NOK", grant_date="2024-03-01")
    assert gap.route == "manual_review"
    assert "Søknaden må vurderes nærmere" in render_letter(gap, "nb")
    assert "Åpent punkt" not in render_letter(gap, "nb")  # the open point is for the officer only
    assert "No general de minimis regulation was in force in Norway" in render_letter(gap, "en")
    error = check(orgnr="912346804", amount="150000", grant_date="2021-05-17")
    assert render_letter(error, "en") == render_letter(error, "nb") == ""  # no letter for an error


def test_letter_from_decision_json_equals_the_direct_one(fits: Decision) -> None:
    again = Decision.model_validate(fits.to_json_dict())
    assert render_letter(again, "nb") == render_letter(fits, "nb")


def test_templates_are_files_and_unknown_language_is_refused(fits: Decision) -> None:
    assert sorted(p.name for p in TEMPLATES.glob("letter_*.txt.j2")) == [
        "letter_en.txt.j2",
        "letter_nb.txt.j2",
    ]
    with pytest.raises(ValueError, match="lang 'de'"):
        render_letter(fits, "de")


def test_single_undertaking_letter_names_the_members_and_whose_aid_it_was() -> None:
    d = check(
        orgnr="912350169",
        amount="100000",
        currency="NOK",
        grant_date="2021-09-15",
        awards=AWARDS,
        links=FIXTURES / "links.csv",
        firms=FIXTURES / "firms.csv",
    )
    text = render_letter(d, "nb")
    assert (
        "ett enkelt foretak etter forordningens artikkel 2 nr. 2 sammen med "
        "org.nr. 912 351 289, 912 352 404" in text
    )
    assert (
        f"- 09.09.2020, Vågan kommune (2020/88), til org.nr. 912 351 289: "
        f"kr 600{NB}000,00 = EUR 55{NB}996,27" in text
    )
