"""`claims audit read-model-at`: the read model at P as JSON, straight from the store (SQLite and PostgreSQL), equal to
what the live read model listed when the head was P; refusals exit 2 with the reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from google.protobuf import json_format
from typer.testing import CliRunner

from claims.adapters.grpc.claims_view import summary_to_proto
from claims.adapters.grpc.commitments_view import clock_to_proto
from claims.adapters.persistence.factory import Persistence
from claims.api.v1 import audit_pb2
from claims.cli import cli
from tests.builders import CN_VIN
from tests.conftest import FixedClock
from tests.integration.commitment_scenes import CN_NOW, CN_START, World, cn_repair
from tests.integration.test_read_models_at import first_stretch, live, second_stretch


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> World:
    return World(request.getfixturevalue(f"{request.param}_store"), clock)


def store_url(store: Persistence) -> str:
    location = store.location
    if location.backend == "sqlite":
        return f"sqlite:///{location.sqlite_path}"
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


def read_model_at(world: World, *args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["audit", "read-model-at", *args, "--store", store_url(world.persistence)])
    return done.exit_code, done.stdout, done.stderr


def answer(stdout: str) -> audit_pb2.GetReadModelAtResponse:
    return json_format.Parse(stdout, audit_pb2.GetReadModelAtResponse())


def test_the_cli_prints_each_read_model_at_p_as_the_live_one_listed_it_then(world: World) -> None:
    p = first_stretch(world)
    then = live(world)
    head = second_stretch(world)
    cn_repair(world, 9, CN_START + timedelta(days=90), hours=10)

    code, out, err = read_model_at(world, "claims", "--position", str(p))
    assert (code, err) == (0, "")
    claims = answer(out)
    assert (claims.position, list(claims.claims.claims)) == (p, [summary_to_proto(s) for s in then.claims])
    assert json.loads(out)["position"] == str(p)  # proto JSON: int64 as a string

    code, out, _ = read_model_at(
        world, "commitments", "--at", CN_NOW.isoformat(), "--query", json.dumps({"vin": CN_VIN})
    )
    clocks = answer(out)
    assert (code, clocks.position) == (0, p)
    assert list(clocks.commitments.clocks) == [clock_to_proto(v) for v in then.clocks if v.vin == CN_VIN]

    code, out, _ = read_model_at(
        world, "statutory-case", "--position", str(head), "--query", json.dumps({"vin": CN_VIN})
    )
    assert (code, answer(out).statutory_case.statutory_case.vin) == (0, CN_VIN)


def test_refusals_exit_2_and_say_why(world: World) -> None:
    head = first_stretch(world)
    code, out, err = read_model_at(world, "claims", "--position", str(head + 1))
    assert (code, out) == (2, "")
    assert f"position {head + 1} is beyond the head of the log ({head})" in err
    code, _, err = read_model_at(world, "rm_claims", "--position", "1")
    assert code == 2
    assert "no read model 'rm_claims'" in err
    code, _, err = read_model_at(world, "claims")
    assert code == 2
    assert "as_of" in err
    code, _, err = read_model_at(world, "claims", "--position", "1", "--query", '{"status": "NOPE"}')
    assert code == 2
    assert "--query is not a ListClaimsRequest" in err
    code, _, err = read_model_at(world, "claims", "--position", "1", "--query", '{"filedFrom": "May"}')
    assert code == 2
    assert "claims.filed_from" in err
