"""Log records carry the ids of the call being served, as JSON keys or as a bracketed suffix in text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from claims.logs import CallIds, bound_call, configure_logging

CALL = CallIds(request_id="req-1", correlation_id="visit-9", method="/claims.api.v1.ClaimService/FileClaim")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_show_the_call_ids_only_inside_a_call() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", stream)
    with bound_call(CALL):
        logging.getLogger("claims.test").info("filed %s", "C-1")
    logging.getLogger("claims.test").info("idle")
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith("INFO claims.test filed C-1 [request_id=req-1 correlation_id=visit-9]")
    assert outside.endswith("INFO claims.test idle")


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_the_call_ids_and_the_exception() -> None:
    stream = io.StringIO()
    configure_logging("WARNING", "json", stream)
    with bound_call(CALL):
        logging.getLogger("claims.test").info("below the level")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("claims.test").exception("failed")
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert {k: line[k] for k in ("level", "logger", "message", "request_id", "correlation_id", "method")} == {
        "level": "ERROR", "logger": "claims.test", "message": "failed",
        "request_id": "req-1", "correlation_id": "visit-9", "method": CALL.method,
    }  # fmt: skip
    assert "ValueError: boom" in line["exc_info"]
    assert "call" not in line
    assert line["time"].endswith("+00:00")
