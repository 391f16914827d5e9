"""Kill -9 under load, restart, and nothing is lost (the fast CI variant of `make soak`'s crash rounds).

Each round (soak/crash.py): six dealers' concurrent command scripts, a SIGKILL of the server (or of the
projection worker) at a random moment, a restart, every in-doubt command retried with its request id; then
every OK answer is repeated identically on retry, each accepted request is one atomic append with one
request record, no refused command wrote anything, every read model equals a rebuild, the hash chain
verifies and each due commitment clock was breached exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.adapters.persistence.factory import StoreLocation
from soak.crash import run_rounds

ROUNDS = 3


def postgres_url(location: StoreLocation) -> str:
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


def test_three_server_kills_on_sqlite_lose_nothing(tmp_path: Path) -> None:
    # given a server on a SQLite file under a concurrent load, when it is killed and restarted three times
    rounds = run_rounds(f"sqlite:///{tmp_path}/crash.db", tmp_path, ROUNDS, "server", seed=11)
    # then every check holds after every round
    assert [r.problems for r in rounds] == [[]] * ROUNDS
    assert all(r.commands > 0 for r in rounds), "each round sent commands before the kill"
    assert sum(r.in_doubt for r in rounds) > 0, "some commands were in flight at a kill and were retried"
    assert rounds[-1].breaches > 0, "the timer fired the due clocks"


@pytest.mark.parametrize("victim", ["server", "worker"])
def test_three_kills_on_postgres_lose_nothing(postgres_schema: StoreLocation, tmp_path: Path, victim: str) -> None:
    # given the server (with its projections, or with them in a `claims project` worker) on PostgreSQL
    rounds = run_rounds(postgres_url(postgres_schema), tmp_path, ROUNDS, victim, seed=23)
    # then killing the victim three times under load loses nothing
    assert [r.problems for r in rounds] == [[]] * ROUNDS
    assert all(r.commands > 0 for r in rounds)
    assert rounds[-1].breaches > 0
