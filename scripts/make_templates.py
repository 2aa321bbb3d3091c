"""Write the declaration templates in fixtures/templates/ (run from the repository root).

    python scripts/make_templates.py

``egenerklaering.xlsx`` and ``egenerklaering.csv`` are what an officer sends an applicant to
collect its prior aid, the other firms of ett enkelt foretak and a signed statement; the web
page offers the same files (``/egenerklaering.xlsx``). The content is in
:mod:`deminimis.web.declaration`.
"""

from __future__ import annotations

from pathlib import Path

from deminimis.web.declaration import csv_bytes, xlsx_bytes

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "templates"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "egenerklaering.xlsx").write_bytes(xlsx_bytes())
    (OUT / "egenerklaering.csv").write_bytes(csv_bytes())


if __name__ == "__main__":
    main()
