"""The auditor's pages: the log as it streams (paged by position, filtered by topic or stream), the hash chain's
head, latest checkpoint and verification, and a claim's state as of a recorded time or a version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from claims.adapters.persistence.checkpoint import CheckpointError
from claims.adapters.web.pages import AUDIT, PAGE_SIZE, Console, form_handler, may_call, refusal_text, render, signed_in
from claims.application import access
from claims.application.audit_feed import AuditFeed, parse_filter, require_visible_subject
from claims.application.messages import RecordedEvent
from claims.application.principal import Principal
from claims.application.state_at import SubjectKind
from claims.domain.base import EVENT_TYPES
from claims.domain.errors import ClaimsError, FieldViolation, InvalidCommandError, NotFoundError, PermissionDeniedError

FOLLOW_SECONDS = 3  # how often a page following the log asks for the newest events (no JavaScript: a meta refresh)


def number(text: str, field: str) -> int | None:
    """An optional whole number of a query (INVALID_ARGUMENT naming ``field`` when it is not one)."""
    if not text:
        return None
    if not text.isdigit():
        raise InvalidCommandError([FieldViolation(field, f"{text[:40]!r} is not a whole number")])
    return int(text)


def moment(text: str) -> datetime | None:
    """An optional ISO 8601 moment; one without an offset is read as UTC, the zone every page shows."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidCommandError([FieldViolation("at", f"{text[:40]!r} is not an ISO 8601 moment")]) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def log_page(console: Console, principal: Principal, stream: str, topic: str, after: int) -> list[RecordedEvent]:
    """The first ``PAGE_SIZE`` events after ``after`` that pass the filter, as StreamEvents sends them."""
    store = console.app.store
    require_visible_subject(store, principal)  # the whole log: auditors
    chosen = parse_filter(stream_id=stream, event_types=[topic] if topic else [], prefix="")
    visible = (
        e for e in AuditFeed(store, after, chosen).until(store.head_position()) if access.sees_event(principal, e.event)
    )
    return list(islice(visible, PAGE_SIZE))


def routes(console: Console) -> list[BaseRoute]:
    def log(request: Request) -> Response:
        principal = signed_in(request, AUDIT + "StreamEvents")
        if isinstance(principal, Response):
            return principal
        stream, topic = request.query_params.get("stream", "").strip(), request.query_params.get("topic", "")
        head = console.app.store.head_position()
        try:
            follow = request.query_params.get("follow") == "1"  # the latest page, reloaded by the browser
            after = None if follow else number(request.query_params.get("after", ""), "after")
            after = max(0, head - PAGE_SIZE) if after is None else after  # the latest positions by default
            events = log_page(console, principal, stream, topic, after)
        except PermissionDeniedError as e:
            return render(request, "refused.html", 403, reason=str(e))
        except ClaimsError as e:
            return render(request, "refused.html", 400, reason=refusal_text(e))
        kept = {"stream": stream, "topic": topic}
        newer = events[-1].position if len(events) == PAGE_SIZE else None
        return render(
            request, "audit.html", events=events, head=head, after=after, newer=newer, stream=stream, topic=topic,
            topics=sorted(EVENT_TYPES, key=lambda t: t.rsplit(".", 1)[-1]), kept=urlencode(kept),
            older=max(0, after - PAGE_SIZE) if after > 0 else None, follow=follow, follow_seconds=FOLLOW_SECONDS,
        )  # fmt: skip

    def chain(request: Request, verify: bool = False) -> Response:
        principal = signed_in(request, AUDIT + "VerifyHistory")
        if isinstance(principal, Response):
            return principal
        if console.chain is None:
            return render(request, "refused.html", 409, reason="the hash chain needs a SQLite or PostgreSQL store")
        try:
            head = console.chain.head()
            checkpoint = console.chain.latest_checkpoint() if may_call(principal, AUDIT + "GetCheckpoint") else None
        except CheckpointError as e:
            return render(request, "refused.html", 409, reason=str(e))
        report = console.chain.verify() if verify else None  # it reads every event: on request only (a POST)
        keyed = console.chain.keeper is not None
        return render(request, "chain.html", head=head, checkpoint=checkpoint, report=report, keyed=keyed)

    def find_claim_state(request: Request) -> Response:
        q = request.query_params
        where = f"/audit/claims/{quote(q.get('dealer', ''), safe='')}/{quote(q.get('number', ''), safe='')}"
        asked = {k: q[k] for k in ("at", "version") if q.get(k)}
        return RedirectResponse(f"{where}?{urlencode(asked)}" if asked else where, status_code=303)

    def claim_state(request: Request) -> Response:
        principal = signed_in(request, AUDIT + "GetStateAt")
        if isinstance(principal, Response):
            return principal
        dealer, claim_number = request.path_params["dealer"], request.path_params["number"]
        q = request.query_params
        try:
            at, version = moment(q.get("at", "")), number(q.get("version", ""), "version")
            found = console.app.state_at(SubjectKind.CLAIM, (dealer, claim_number), at, version, principal)
        except NotFoundError as e:
            return render(request, "refused.html", 404, reason=str(e))
        except ClaimsError as e:
            return render(request, "refused.html", 400, reason=refusal_text(e))
        shown = json.dumps(found.state_json(), indent=2, sort_keys=True, ensure_ascii=False)
        return render(
            request, "state_at.html", found=found, state_json=shown, dealer=dealer, claim_number=claim_number,
            asked_at=q.get("at", ""), asked_version=q.get("version", ""),
        )  # fmt: skip

    return [
        Route("/audit", log),
        Route("/audit/chain", chain, methods=["GET"]),
        Route("/audit/chain", form_handler(lambda request, _: chain(request, verify=True)), methods=["POST"]),
        Route("/audit/claims", find_claim_state),
        Route("/audit/claims/{dealer}/{number}", claim_state),
    ]
