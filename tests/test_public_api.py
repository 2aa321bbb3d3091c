import deminimis


def test_public_api_is_pinned() -> None:
    assert sorted(deminimis.__all__) == sorted(
        [
            "BatchResult",
            "Decision",
            "DeminimisError",
            "InputError",
            "InvalidOrgNr",
            "RuleDataError",
            "SourceError",
            "__version__",
            "check",
            "check_batch",
        ]
    )
