"""``deminimis check``'s text is rendered from the decision's JSON dict (no pydantic model is
built for it) and reads exactly as the text of the Decision object."""

from __future__ import annotations

from deminimis import check_batch
from deminimis.render.text import render_text

from .conftest import FIXTURES


def test_the_text_of_the_json_dict_is_the_text_of_the_decision() -> None:
    result = check_batch(
        FIXTURES / "applications.csv",
        awards=FIXTURES / "awards.csv",
        links=FIXTURES / "links.csv",
        firms=FIXTURES / "firms.csv",
        employer_tax=FIXTURES / "employer_tax.csv",
    )
    decisions = result.decisions
    routes = {d.route for d in decisions}
    assert {"de_minimis", "error"} <= routes and any(d.errors for d in decisions)
    for i, decision in enumerate(decisions):
        for lang in ("nb", "en"):
            assert render_text(decisions.record(i), lang) == render_text(decision, lang)
