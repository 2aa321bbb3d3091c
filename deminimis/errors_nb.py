"""The bokmål of the input errors a user meets most: a file that is not there or empty, a
spreadsheet that cannot be read or lacks the sheet asked for, a table without the columns it
needs or with two columns of one meaning (:class:`deminimis.errors.InputError` ``nb``).

Why here: the readers raise these errors before any decision exists; a command run with
``--lang nb`` (``check`` and ``ledger reserve`` by default) and the bokmål web page say them so
(:func:`said`). Tables and columns are named by ``messages.toml`` (``[table_name]``,
``[column_name]``), never by the contract's English field names.
"""

from __future__ import annotations

from pathlib import Path

from deminimis.render.messages import messages


def said(exc: Exception, lang: str) -> str:
    """The error's message in ``lang``: its bokmål text for ``nb`` when it has one, else its own."""
    nb = getattr(exc, "nb", None)
    return nb if lang == "nb" and nb else str(exc)


def table_nb(kind: str | None) -> str:
    """The Norwegian name of an input table (``tabellen`` for one not named)."""
    names = messages()["table_name"]
    return names.get(f"{kind}_nb", names["table_nb"])


def column_nb(field: str) -> str:
    """The Norwegian name of a column (the field itself when the catalogue has none)."""
    return messages()["column_name"].get(f"{field}_nb", field)


def file_not_found_nb(path: Path | str, kind: str | None) -> str:
    return f"{path}: fila finnes ikke ({table_nb(kind)})"


def missing_columns_nb(path: Path | str, missing: list[str], kind: str, found: list[str]) -> str:
    """``… : mangler kolonnen «beløp» for søknadene (fant: organisasjonsnummer)``."""
    names = ", ".join(f"«{column_nb(c)}»" for c in missing)
    which = "kolonnen" if len(missing) == 1 else "kolonnene"
    seen = ", ".join(column_nb(c) for c in found) or "ingen"
    return f"{path}: mangler {which} {names} for {table_nb(kind)} (fant: {seen})"


def empty_file_nb(path: Path | str, kind: str | None) -> str:
    return f"{path}: fila er tom ({table_nb(kind)})"


def no_sheet_nb(path: Path | str, sheet: str) -> str:
    return f"{path}: har ikke noe ark som heter «{sheet}»"


def unreadable_sheet_nb(path: Path | str) -> str:
    """A damaged or unknown spreadsheet (the reader's technical detail stays in the English text)."""
    return f"{path}: fila kan ikke leses som regneark"


def duplicate_column_nb(path: Path | str, first: object, second: object, name: str) -> str:
    return f"{path}: kolonnene «{first}» og «{second}» betyr begge {column_nb(name)}; behold én av dem"


__all__ = [
    "column_nb",
    "duplicate_column_nb",
    "empty_file_nb",
    "file_not_found_nb",
    "missing_columns_nb",
    "no_sheet_nb",
    "said",
    "table_nb",
    "unreadable_sheet_nb",
]
