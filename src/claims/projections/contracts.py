"""Read model: service contracts by VIN and by insurer (rm_contracts), and the claims filed under them.

A claim is filed under a contract when, as the log reaches its filing, a contract sold on its vehicle
is in force (neither cancelled nor recorded as expired): rm_claims_contracts links them, and records
what the contract paid on the claim once it did. The insurer's claim lists join that link with the
claims read model (rm_claims), so a reader waits for both projections to reach its position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from claims.adapters.persistence.database import Database, Row, Transaction, in_list
from claims.application.messages import RecordedEvent
from claims.domain.claim.events import ClaimFiled
from claims.domain.contract.events import (
    ContractCancelled,
    ContractClaimPaid,
    ContractExpired,
    ContractSold,
    ContractTransferred,
)
from claims.domain.contract.values import ContractStatus
from claims.domain.ids import vehicle_id_for
from claims.projections.claims import _COLUMNS as _CLAIM_COLUMNS
from claims.projections.claims import ClaimSummary, _parse_cursor, _summary
from claims.projections.columns import decimal_text, read_instant, stored_instant
from claims.projections.runner import topics_of


class ContractProjection:
    """Keeps rm_contracts and rm_claims_contracts in step with contract events and claim filings."""

    name = "contracts"
    tables = ("rm_contracts", "rm_claims_contracts")  # what a rebuild copies, compares and replaces
    topics = topics_of(
        ContractSold, ContractTransferred, ContractClaimPaid, ContractCancelled, ContractExpired, ClaimFiled
    )

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        self.handle_batch(tx, [event])

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """The events in turn; the contracts in force on the vehicles of the batch's filings read in one query."""
        in_force = _InForce(tx, events)
        for i, event in enumerate(events):
            self._handle(tx, in_force, i, event)

    def _handle(self, tx: Transaction, in_force: _InForce, i: int, event: RecordedEvent) -> None:
        match event.event:
            case ContractSold() as e:
                in_force.changed()
                self._sold(tx, event, e)
            case ContractTransferred() as e:
                self._touch(tx, event, "holder_ref = :holder", {"holder": e.new_holder_ref})
            case ContractClaimPaid() as e:
                self._claim_paid(tx, event, e)
            case ContractCancelled() as e:
                in_force.changed()
                self._touch(tx, event, "status = :status, cancelled_on = :on, ended_on = :on, refund = :refund", {
                    "status": ContractStatus.CANCELLED.value, "on": e.cancelled_on.isoformat(),
                    "refund": str(e.refund.amount),
                })  # fmt: skip
            case ContractExpired() as e:
                in_force.changed()
                self._touch(tx, event, "status = :status, ended_on = :on", {
                    "status": ContractStatus.EXPIRED.value, "on": e.expired_on.isoformat(),
                })  # fmt: skip
            case ClaimFiled() as e:
                self._link_filed_claim(tx, event, e, in_force.on(e.vehicle_id, i))
            case _:
                pass

    @staticmethod
    def _sold(tx: Transaction, event: RecordedEvent, e: ContractSold) -> None:
        tx.execute(
            "INSERT INTO rm_contracts (contract_id, insurer_id, contract_number, vin, vehicle_id, holder_ref,"
            " jurisdiction, status, sold_on, expires_on, currency, price, deductible_per_visit, claims_paid_total,"
            " cancelled_on, refund, ended_on, version, last_position) VALUES (:id, :insurer, :number, :vin, :vehicle,"
            " :holder, :jurisdiction, :status, :sold, :expires, :currency, :price, :deductible, :zero, NULL, NULL,"
            " NULL, :version, :position)",
            {
                "id": str(e.contract_id), "insurer": e.insurer_id, "number": e.contract_number, "vin": e.vin,
                "vehicle": str(vehicle_id_for(e.vin)), "holder": e.holder_ref, "jurisdiction": e.jurisdiction,
                "status": ContractStatus.IN_FORCE.value, "sold": e.sold_on.isoformat(),
                "expires": e.expires_on.isoformat(), "currency": e.price.currency, "price": str(e.price.amount),
                "deductible": str(e.deductible_per_visit.amount), "zero": "0", "version": event.version,
                "position": event.position,
            },
        )  # fmt: skip

    def _claim_paid(self, tx: Transaction, event: RecordedEvent, e: ContractClaimPaid) -> None:
        self._touch(tx, event, "claims_paid_total = :total", {"total": str(e.claims_paid_total.amount)})
        contract = tx.rows(
            "SELECT insurer_id, contract_number FROM rm_contracts WHERE contract_id = :id", {"id": str(event.stream_id)}
        )[0]
        # A claim filed before a backdated sale is linked when the contract pays it.
        tx.execute(
            "INSERT INTO rm_claims_contracts (claim_id, contract_id, insurer_id, contract_number, paid_amount, paid_on,"
            " linked_position) VALUES (:claim, :contract, :insurer, :number, :amount, :on, :position)"
            " ON CONFLICT (claim_id, contract_id) DO UPDATE SET paid_amount = excluded.paid_amount,"
            " paid_on = excluded.paid_on",
            {
                "claim": str(e.claim_id), "contract": str(event.stream_id), "insurer": contract["insurer_id"],
                "number": contract["contract_number"], "amount": str(e.amount.amount), "on": e.paid_on.isoformat(),
                "position": event.position,
            },
        )  # fmt: skip

    @staticmethod
    def _link_filed_claim(tx: Transaction, event: RecordedEvent, e: ClaimFiled, in_force: list[Row]) -> None:
        for contract in in_force:
            tx.execute(
                "INSERT INTO rm_claims_contracts (claim_id, contract_id, insurer_id, contract_number, paid_amount,"
                " paid_on, linked_position) VALUES (:claim, :contract, :insurer, :number, NULL, NULL, :position)",
                {
                    "claim": str(e.claim_id), "contract": str(contract["contract_id"]),
                    "insurer": contract["insurer_id"], "number": contract["contract_number"],
                    "position": event.position,
                },
            )  # fmt: skip

    @staticmethod
    def _touch(tx: Transaction, event: RecordedEvent, assignment: str, params: dict[str, object]) -> None:
        tx.execute(
            f"UPDATE rm_contracts SET {assignment}, version = :version, last_position = :position"  # noqa: S608
            " WHERE contract_id = :id",
            {**params, "version": event.version, "position": event.position, "id": str(event.stream_id)},
        )


_VEHICLES_PER_READ = 500  # under SQLite's oldest limit of 999 parameters a statement


class _InForce:
    """The contracts in force on a vehicle as the batch goes: read at once for the vehicles of its filings.

    Read again for the filings still to come after a contract is sold, cancelled or expired (nothing else
    changes which contracts are in force on a vehicle, or their insurer and number).
    """

    def __init__(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        self._tx, self._events = tx, events
        self._known: dict[UUID, list[Row]] | None = None

    def changed(self) -> None:
        self._known = None

    def on(self, vehicle_id: UUID, i: int) -> list[Row]:
        """The contracts in force on ``vehicle_id`` at the batch's ``i``-th event, by sale day and id."""
        if self._known is None:
            self._known = self._read(i)
        return self._known.get(vehicle_id, [])

    def _read(self, i: int) -> dict[UUID, list[Row]]:
        vehicles = list(dict.fromkeys(e.event.vehicle_id for e in self._events[i:] if isinstance(e.event, ClaimFiled)))
        known: dict[UUID, list[Row]] = {v: [] for v in vehicles}
        for n in range(0, len(vehicles), _VEHICLES_PER_READ):
            placeholders, keys = in_list("v", vehicles[n : n + _VEHICLES_PER_READ])
            rows = self._tx.rows(
                "SELECT vehicle_id, contract_id, insurer_id, contract_number FROM rm_contracts"  # noqa: S608
                f" WHERE vehicle_id IN {placeholders} AND status = :status ORDER BY sold_on, contract_id",
                {**keys, "status": ContractStatus.IN_FORCE.value},
            )
            for r in rows:
                known[UUID(str(r["vehicle_id"]))].append(r)
        return known


@dataclass(frozen=True)
class ContractSummary:
    """One row of rm_contracts; amounts are decimal strings in ``currency``, days YYYY-MM-DD."""

    contract_id: str
    insurer_id: str
    contract_number: str
    vin: str
    holder_ref: str
    status: str
    sold_on: str
    expires_on: str
    currency: str
    price: str
    deductible_per_visit: str
    claims_paid_total: str
    refund: str | None
    ended_on: str | None
    version: int


@dataclass(frozen=True)
class ClaimContract:
    """A contract a claim was filed under: its deductible per visit, and what it paid on the claim (None: nothing)."""

    contract_number: str
    currency: str
    deductible_per_visit: str
    paid_amount: str | None
    paid_on: str | None


@dataclass(frozen=True)
class ContractClaim:
    """A claim as an insurer sees it: its status row, when it was decided and paid, and its contracts."""

    summary: ClaimSummary
    decided_at: datetime | None
    paid_at: datetime | None
    contracts: tuple[ClaimContract, ...]

    @property
    def cursor(self) -> str:
        return self.summary.cursor


_CONTRACT_COLUMNS = (
    "contract_id, insurer_id, contract_number, vin, holder_ref, status, sold_on, expires_on, currency, price,"
    " deductible_per_visit, claims_paid_total, refund, ended_on, version"
)


class ContractDirectory:
    """Queries over the contracts read model and the claims filed under contracts."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def contracts(self, *, insurer_id: str, vin: str, status: str, after: str, limit: int) -> list[ContractSummary]:
        """Contracts by (insurer, contract number) after ``after`` (``insurer|number``); empty filters match all."""
        clauses, params = _filters({"insurer_id": insurer_id, "vin": vin, "status": status}, {"limit": limit})
        if after:
            after_insurer, _, after_number = after.partition("|")
            clauses.append("(insurer_id, contract_number) > (:after_insurer, :after_number)")
            params |= {"after_insurer": after_insurer, "after_number": after_number}
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.read() as tx:
            rows = tx.rows(
                f"SELECT {_CONTRACT_COLUMNS} FROM rm_contracts{where}"  # noqa: S608
                " ORDER BY insurer_id, contract_number LIMIT :limit",
                params,
            )
        return [_contract(r) for r in rows]

    def claims(
        self,
        *,
        insurer_id: str,
        contract_number: str,
        vin: str,
        status: str,
        filed_from: date | None,
        filed_to: date | None,
        after: str,
        limit: int,
    ) -> list[ContractClaim]:
        """The insurer's claims in filing order after the cursor ``after``; days are inclusive UTC days."""
        link = "l.claim_id = rm_claims.claim_id AND l.insurer_id = :insurer"
        params: dict[str, Any] = {"insurer": insurer_id}
        if contract_number:
            link += " AND l.contract_number = :number"
            params["number"] = contract_number
        clauses, params = _filters({"vin": vin, "status": status}, params | {"limit": limit})
        clauses.insert(0, f"EXISTS (SELECT 1 FROM rm_claims_contracts l WHERE {link})")  # noqa: S608
        if filed_from is not None:
            clauses.append("filed_at >= :filed_from")
            params["filed_from"] = stored_instant(datetime.combine(filed_from, time(), UTC))
        if filed_to is not None and filed_to < date.max:  # up to 9999-12-31 inclusive is no bound at all
            clauses.append("filed_at < :filed_until")
            params["filed_until"] = stored_instant(datetime.combine(filed_to + timedelta(days=1), time(), UTC))
        if after:
            clauses.append("(filed_at, claim_id) > (:after_at, :after_id)")
            params["after_at"], params["after_id"] = _parse_cursor(after)
        with self._db.read() as tx:
            rows = tx.rows(
                f"SELECT {_CLAIM_COLUMNS}, decided_at, paid_at FROM rm_claims WHERE {' AND '.join(clauses)}"  # noqa: S608
                " ORDER BY filed_at, claim_id LIMIT :limit",
                params,
            )
            return self._with_contracts(tx, insurer_id, rows)

    def claim(self, insurer_id: str, claim_id: UUID) -> ContractClaim | None:
        """One claim filed under the insurer's contracts, or None (no such claim, or not the insurer's)."""
        with self._db.read() as tx:
            rows = tx.rows(
                f"SELECT {_CLAIM_COLUMNS}, decided_at, paid_at FROM rm_claims WHERE claim_id = :id"  # noqa: S608
                " AND EXISTS (SELECT 1 FROM rm_claims_contracts l"
                " WHERE l.claim_id = rm_claims.claim_id AND l.insurer_id = :insurer)",
                {"id": str(claim_id), "insurer": insurer_id},
            )
            found = self._with_contracts(tx, insurer_id, rows)
        return found[0] if found else None

    @staticmethod
    def _with_contracts(tx: Transaction, insurer_id: str, rows: list[Row]) -> list[ContractClaim]:
        if not rows:
            return []
        placeholders, keys = in_list("c", (r["claim_id"] for r in rows))
        query = (
            "SELECT l.claim_id, l.contract_number, l.paid_amount, l.paid_on, k.currency, k.deductible_per_visit"  # noqa: S608
            " FROM rm_claims_contracts l JOIN rm_contracts k ON k.contract_id = l.contract_id"
            f" WHERE l.insurer_id = :insurer AND l.claim_id IN {placeholders}"
            " ORDER BY l.linked_position, l.contract_number"
        )
        links = tx.rows(query, {"insurer": insurer_id, **keys})
        by_claim: dict[str, list[ClaimContract]] = {}
        for link in links:
            by_claim.setdefault(str(link["claim_id"]), []).append(
                ClaimContract(
                    contract_number=link["contract_number"],
                    currency=link["currency"],
                    deductible_per_visit=decimal_text(link["deductible_per_visit"]),
                    paid_amount=None if link["paid_amount"] is None else decimal_text(link["paid_amount"]),
                    paid_on=None if link["paid_on"] is None else str(link["paid_on"]),
                )
            )
        return [
            ContractClaim(
                summary=(summary := _summary(r)),
                decided_at=read_instant(r["decided_at"]),
                paid_at=read_instant(r["paid_at"]),
                contracts=tuple(by_claim.get(summary.claim_id, ())),
            )
            for r in rows
        ]


def _filters(equal: dict[str, str], params: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    clauses = [f"{column} = :{column}" for column, value in equal.items() if value]
    return clauses, params | {column: value for column, value in equal.items() if value}


def _contract(r: Row) -> ContractSummary:
    return ContractSummary(
        contract_id=str(r["contract_id"]),
        insurer_id=r["insurer_id"],
        contract_number=r["contract_number"],
        vin=r["vin"],
        holder_ref=r["holder_ref"],
        status=r["status"],
        sold_on=str(r["sold_on"]),
        expires_on=str(r["expires_on"]),
        currency=r["currency"],
        price=decimal_text(r["price"]),
        deductible_per_visit=decimal_text(r["deductible_per_visit"]),
        claims_paid_total=decimal_text(r["claims_paid_total"]),
        refund=None if r["refund"] is None else decimal_text(r["refund"]),
        ended_on=None if r["ended_on"] is None else str(r["ended_on"]),
        version=int(r["version"]),
    )
