"""The rules dataclasses (rule_model): strict when validated, frozen, equal by value, picklable."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import field

import pytest

from deminimis.errors import RuleDataError
from deminimis.rule_model import check, rule, validate


@rule
class Part:
    name: str
    size: int = 1
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        check(self.size > 0, f"part '{self.name}': size must be greater than 0")


@rule
class Whole:
    parts: list[Part]


def _whole(data: dict) -> Whole:
    return validate(Whole, data, lambda problems: RuleDataError(f"file.toml: {problems}"))


def test_a_valid_file_becomes_frozen_values_equal_by_content_and_picklable() -> None:
    whole = _whole({"parts": [{"name": "a"}, {"name": "b", "size": 2, "tags": ["x"]}]})
    assert whole.parts[0] == Part(name="a", size=1, tags=[]) and whole.parts[1].tags == ["x"]
    assert pickle.loads(pickle.dumps(whole)) == whole and whole != _whole({"parts": []})
    assert repr(whole.parts[0]) == "Part(name='a', size=1, tags=[])"
    assert hash(Part(name="a", tags=())) == hash(Part(name="a", tags=()))  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        whole.parts[0].size = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"parts": [{"name": "a", "colour": "red"}]}, "parts.0.colour: Unexpected keyword argument"),
        (
            {"parts": [{"name": "a", "size": 0}]},
            "parts.0: Value error, part 'a': size must be greater than 0",
        ),
        ({"parts": [{"size": 2}]}, "parts.0.name: Field required"),
        ({}, "parts: Field required"),
    ],
)
def test_a_broken_file_is_one_error_naming_the_path_and_the_problem(data: dict, problem: str) -> None:
    with pytest.raises(RuleDataError) as info:
        _whole(data)
    assert str(info.value).startswith("file.toml: ") and problem in str(info.value)


def test_direct_construction_checks_the_same_rules() -> None:
    with pytest.raises(ValueError, match="size must be greater than 0"):
        Part(name="a", size=-1)
    with pytest.raises(TypeError, match="missing field 'name'"):
        Part()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unexpected field\(s\) \['colour'\]"):
        Part(name="a", colour="red")  # type: ignore[call-arg]
