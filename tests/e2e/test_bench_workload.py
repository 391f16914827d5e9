"""The benchmark suite measures what it says: its workload files real claims, its echo server answers.

The figures themselves are taken by `make bench`; these tests only check that the suite's pieces do the
work they are timed on (no timing here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import echo, mixed, workload
from bench.load import paced, run
from bench.suite import Row, lag_figures, server
from claims.api.v1 import claims_pb2, claims_pb2_grpc
from claims.application.streams import CLAIMS
from claims.domain.claim.values import ClaimStatus
from claims.domain.ids import claim_id_for
from tests.e2e.conftest import Api


def test_setup_written_straight_to_the_store_lets_a_real_server_file_each_claim_with_every_check_passed(
    live_api: Api,
) -> None:
    # given three units (product sold and covered, RO closed two days ago) cloned into the server's store
    setup = workload.Setup("T1")
    workload.write_units(live_api.engine.persistence.events, setup, 0, 3)

    # when the suite's FileClaim request is sent for each, from the suite's closed-loop generator
    def call(channel: grpc.Channel, _client: int, n: int) -> int:
        stub = claims_pb2_grpc.ClaimServiceStub(channel)
        return int(stub.FileClaim(workload.file_claim_request("T1", n), timeout=10).result.position)

    figure = run("file", f"127.0.0.1:{live_api.engine.port}", 1, 30, call, per_client=3)
    # then every claim was filed, not refused, and is under review with its three lines
    assert (figure.calls, figure.errors) == (3, 0), figure.first_error
    assert [c[0] for c in figure.commits] == sorted(c[0] for c in figure.commits)
    for i in range(3):
        claim, _ = CLAIMS.replay(
            live_api.engine.persistence.events, claim_id_for(workload.dealer("T1", i), f"CT1{i:08d}")
        )
        assert claim is not None
        assert claim.status is ClaimStatus.UNDER_REVIEW
        assert [line.line_no for line in claim.versions[-1].lines] == [1, 2, 3]
    assert setup.events_per_claim == figure.commits[1][0] - figure.commits[0][0]


def test_paced_load_sends_every_call_due_and_counts_refusals(live_api: Api) -> None:
    # given two units set up, and a paced load that will try to file three (the third has no repair order)
    workload.write_units(live_api.engine.persistence.events, workload.Setup("T2"), 0, 2)

    def future(channel: grpc.Channel, n: int) -> grpc.Future:
        return claims_pb2_grpc.ClaimServiceStub(channel).FileClaim.future(  # type: ignore[no-any-return]
            workload.file_claim_request("T2", n), timeout=10
        )

    # when it runs at 20 calls/s for 0.15 s
    target = f"127.0.0.1:{live_api.engine.port}"
    figure = paced("paced", target, 2, 20, 0.15, future, lambda answer: int(answer.result.position))
    # then three calls were sent: two answered (their positions kept, up to the head), one refused with its status
    assert (figure.calls, figure.errors) == (2, 1)
    assert figure.first_error == "StatusCode.NOT_FOUND"
    assert len(figure.commits) == 2
    assert max(p for p, _ in figure.commits) == live_api.head()


def test_the_echo_server_answers_with_the_request_on_the_claims_server_settings() -> None:
    # given the echo server process
    env = {**os.environ, "CLAIMS_LOG_LEVEL": "WARNING"}
    with server([sys.executable, "-m", "bench.echo"], env) as target, grpc.insecure_channel(target) as channel:
        # when one echo is sent, and the health of the claims service is asked
        answer = echo.echo_call(channel)(echo.PAYLOAD, timeout=10)
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="claims.api.v1.ClaimService"), timeout=10
        )
    # then the echo is the request, and the server is the one `create_server` builds (every claims service
    # registered with the health service, here never set serving)
    assert answer == echo.PAYLOAD
    assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (the suite then skips the Node row)")
def test_the_node_echo_client_is_a_bounded_loopback_only_load() -> None:
    # given the Node client script, when it is pointed at a non-loopback address
    script = Path(__file__).resolve().parents[2] / "bench" / "node" / "echo_load.js"
    node = subprocess.run(["node", str(script), "10.0.0.1:1", "1", "1"], capture_output=True, text=True, timeout=30)
    # then it refuses to send anything
    assert node.returncode == 2
    assert "loopback only" in node.stderr


def test_lag_runs_from_each_answer_to_the_first_poll_that_saw_every_projection_past_it() -> None:
    # given commands answered at t = 1.000 (position 5) and 1.010 (position 9), and polls of the lowest position
    commits = [(5, 1.000), (9, 1.010)]
    samples = [(0.990, 4), (1.004, 6), (1.030, 9), (1.040, 12)]
    # when the lag is computed
    lag = lag_figures(commits, samples)
    # then position 5 was seen 4 ms after its answer, position 9 20 ms after
    assert lag["measured"] == 2
    assert round(lag["max_ms"], 3) == 20.0
    assert round(lag["p50_ms"], 3) == 12.0


def test_a_row_is_met_only_when_every_part_of_its_goal_is() -> None:
    assert Row("x", 600, "cmd/s", "plain", 100, ">= 5x", minimum_ratio=5).met is True
    assert Row("x", 400, "cmd/s", "plain", 100, ">= 5x", minimum_ratio=5).met is False
    assert Row("x", 60_000, "ev/s", "raw", 100_000, "", minimum_ratio=0.5, minimum=100_000).met is False
    assert Row("x", 40.0, "ms", goal="p99 <= 50 ms", maximum=50).met is True
    assert Row("x", 1.0, "ms").met is None


def test_a_mixed_journey_registers_repairs_files_decides_and_pays_a_claim_over_the_real_api(live_api: Api) -> None:
    # given the mixed workload's dealer for client 3 of run "K7"
    dealer = mixed.Dealer(live_api.channel, "K7", 3)
    # when it makes two whole journeys
    positions = [dealer.journey(n) for n in range(2)]
    # then each ends with its claim paid, on a vehicle of its own, and the log moved on
    assert positions[0] < positions[1] <= live_api.head()
    for n in range(2):
        claim = live_api.claims.GetClaim(
            claims_pb2.GetClaimRequest(dealer_id=dealer.day.dealer, claim_number=f"C-{n}"), timeout=10
        ).claim
        assert claims_pb2.ClaimStatus.Name(claim.status) == "CLAIM_STATUS_PAID"
        assert claim.vin == mixed.journey_vin("K7", 3, n)
    assert mixed.journey_vin("K7", 3, 0) != mixed.journey_vin("K7", 3, 1)
