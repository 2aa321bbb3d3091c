"""click's own usage errors (an unknown or missing option, a value click's type refuses) in the
command's ``--lang``: bokmål by default for ``check``, ``ledger reserve``, ``letter`` and
``zone``, as their other errors are.

Why a command class: click raises these while it parses the command line, before any option's
callback has run, so ``--lang`` is read from the raw arguments here (its default when absent).
The texts are ``messages.toml [usage_error]``; an error with none is said in English, as click
says it, so no line mixes the languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO, Any

import click

_NOT_FOUND = re.compile(r"^(?:File|Directory|Path) '(.*)' does not exist\.$")
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((.*)\)$")
_OUT_OF_RANGE = re.compile(r"^'?(.*?)'? is not in the range ")
_QUOTED = re.compile(r"^'(.*?)'")
_NEEDS_VALUE = re.compile(r"^Option '(.*)' requires an? (?:argument|\d+ arguments)\.$")


def _texts() -> dict[str, str]:
    from deminimis.render.messages import messages

    return {k.removesuffix("_nb"): v for k, v in messages()["usage_error"].items()}


def args_lang(command: click.Command, args: Sequence[str]) -> str:
    """The ``--lang`` the arguments give (the last one), else the option's default."""
    given = None
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            given = args[i + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    if given in ("nb", "en"):
        return given
    default = next((p.default for p in command.params if p.name == "lang"), None)
    return str(default) if default in ("nb", "en") else "en"


def _one_of(values: Sequence[str], texts: dict[str, str]) -> str:
    quoted = [f"«{v}»" for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {texts['or']} {quoted[-1]}"


def _name(param: click.Parameter | None) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def _bad_value(exc: click.BadParameter, texts: dict[str, str]) -> str | None:
    param, message = exc.param, exc.message
    if found := _NOT_FOUND.match(message):
        return texts["not_found"].format(path=found.group(1))
    if param is None:
        return None
    name = _name(param)
    if found := _OUT_OF_RANGE.match(message):
        return texts["out_of_range"].format(name=name, value=found.group(1))
    if (value := _QUOTED.match(message)) is None:
        return None
    if isinstance(param.type, click.Choice):
        choices = [str(c) for c in param.type.choices]
        return texts["bad_choice"].format(name=name, value=value.group(1), choices=_one_of(choices, texts))
    if isinstance(param.type, click.types.IntParamType):
        return texts["not_a_number"].format(name=name, value=value.group(1))
    return None


def usage_nb(exc: click.UsageError) -> str | None:
    """The bokmål of a click usage error (None: no text for it)."""
    texts = _texts()
    if isinstance(exc, click.NoSuchOption):
        said = texts["no_such_option"].format(name=exc.option_name)
        if exc.possibilities:
            said += f" ({texts['did_you_mean'].format(names=_one_of(sorted(exc.possibilities), texts))})"
        return said
    if isinstance(exc, click.MissingParameter):
        if isinstance(exc.param, click.Option):
            return texts["missing_option"].format(name=_name(exc.param))
        return texts["missing_argument"].format(name=_name(exc.param)) if exc.param else None
    if isinstance(exc, click.BadParameter):
        return _bad_value(exc, texts)
    if found := _NEEDS_VALUE.match(exc.message):
        return texts["needs_value"].format(name=found.group(1))
    if found := _EXTRA.match(exc.message):
        return texts["extra_arguments"].format(values=found.group(1))
    return None


class UsageNb(click.UsageError):
    """A usage error said in bokmål: the usage line, where to find help, what is wrong."""

    def show(self, file: IO[Any] | None = None) -> None:
        texts = _texts()
        lines = []
        if self.ctx is not None:
            usage = self.ctx.get_usage().replace("Usage:", texts["usage"], 1)
            lines += [
                usage.replace("[OPTIONS]", texts["options"]),
                texts["help_hint"].format(command=self.ctx.command_path),
                "",
            ]
        lines.append(f"{texts['error']} {self.message}")
        click.echo("\n".join(lines), file=file, err=file is None)


class LangCommand(click.Command):
    """A command whose click usage errors are said in its ``--lang`` (see the module)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        lang = args_lang(self, args)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            said = usage_nb(exc) if lang == "nb" else None
            if said is None:
                raise
            raise UsageNb(said, exc.ctx) from None


__all__ = ["LangCommand", "UsageNb", "args_lang", "usage_nb"]
