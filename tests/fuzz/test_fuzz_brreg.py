"""Fuzzing the Brreg client (MockTransport): whatever Brreg answers, every orgnr gets exactly
one row, and a broken answer is a flagged row, never an exception."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from deminimis.sources import brreg, brreg_client

from .conftest import seen

NUMBERS = ["912345688", "912346803", "974760673"]
STATUS = st.sampled_from([200, 200, 200, 301, 302, 400, 404, 410, 429, 500, 503])
HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "Content-Encoding", "Location", "Content-Type", "Content-Length"]),
    st.sampled_from(["nan", "-1", "1e308", "gzip", "br", "https://evil.example/x", "/enheter/1", "0", "abc"]),
    max_size=3,
)
BODY = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"{}", b"[]", b'{"_embedded": []}', b'{"page": {"totalPages": "many"}}', b"null",
                     b'{"organisasjonsnummer": "912345688", "navn": "X"}', b'{"slettedato": "2022-01-01"}']),
)  # fmt: skip
ANSWER = st.tuples(STATUS, HEADERS, BODY)


@given(answers=st.lists(ANSWER, min_size=1, max_size=8))
def test_any_brreg_answer_gives_one_row_per_orgnr_and_no_exception(answers: list) -> None:
    seen("brreg: answer sequences")
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
        headers = {k: v for k, v in headers.items() if k != "Content-Length"}
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    old = brreg_client._sleep, brreg_client.BATCH_DEADLINE
    brreg_client._sleep = lambda _s: None
    try:
        client = httpx.Client(transport=httpx.MockTransport(handler))
        rows = brreg.lookup_firms(NUMBERS, online=True, client=client, concurrency=1)
    finally:
        brreg_client._sleep, brreg_client.BATCH_DEADLINE = old
    assert rows.get_column("orgnr").to_list() == NUMBERS
    for row in rows.iter_rows(named=True):
        assert row["status"] is not None
        if row["status"] == "unknown":
            assert row["problem"]
