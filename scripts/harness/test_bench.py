#!/usr/bin/env python3
"""Proves the arithmetic of scripts/bench.py (./palisade bench): the benchmark config of N accounts, reading an
execution's history (transitions, payload, phase times, cold or warm), API-call prices, run cost, marginal cost and
the target verdicts. No emulator: synthetic histories and recorder lines.

  .palisade/venv/bin/python scripts/harness/test_bench.py      (needs PyYAML, as bench.py does)

Not part of ./palisade test (the bench itself is not either). Ends with "N passed, M failed"; exit status != 0 on
failure.
"""
import base64
import json
import os
import sys
from datetime import datetime, timedelta, timezone

sys.dont_write_bytecode = True  # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402
from harness_testkit import check, eq, summary  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def ev(type_, at, **details):
    return dict({"type": type_, "timestamp": T0 + timedelta(seconds=at)}, **details)


def entered(name, at, type_="Task", input_="{}"):
    return ev(f"{type_}StateEntered", at, stateEnteredEventDetails={"name": name, "input": input_})


def exited(name, at, type_="Task", output="{}"):
    return ev(f"{type_}StateExited", at, stateExitedEventDetails={"name": name, "output": output})


def scheduled(at):
    return ev("TaskScheduled", at, taskScheduledEventDetails={"resourceType": "lambda",
                                                              "resource": "arn:aws:states:::lambda:invoke"})


def succeeded(at, output="{}"):
    return ev("TaskSucceeded", at, taskSucceededEventDetails={"output": output})


# A run: Pass, one Task (2 s), a Map of 3 iterations at concurrency 2 (MiniStack: no events for the iteration's
# states, only their tasks, interleaved), a last Task (1 s).
HISTORY = [
    entered("Initialize", 0, "Pass"), exited("Initialize", 0, "Pass"),
    entered("CreateAccounts", 0), scheduled(0), succeeded(2, '{"x": "' + "a" * 100 + '"}'), exited("CreateAccounts", 2),
    entered("ApplyMemberAccounts", 2, "Map"),
    scheduled(2), scheduled(2.5), succeeded(5), scheduled(5), succeeded(6), succeeded(7),
    exited("ApplyMemberAccounts", 7, "Map", output="y" * 300),
    entered("TeardownTempAdmin", 7), scheduled(7), succeeded(8), exited("TeardownTempAdmin", 8),
]
MAP_INNER = {"ApplyMemberAccounts": "ApplyAccount"}
STATE_FN = {"CreateAccounts": "fn-create", "ApplyAccount": "fn-apply", "TeardownTempAdmin": "fn-teardown"}


def config_checks():
    base = {"organization": {"name": "example", "region": "us-east-1", "managementRoles": ["Billing"],
                             "maxAccountCreationsInFlight": 5},
            "identityAccount": "infosec", "roles": {"Administrator": {}, "Developer": {}, "Billing": {}},
            "passwordPolicy": {"minimumLength": 14}, "alerts": {"emails": ["s@example.com"]}}

    def n_accounts():
        c = bench.bench_config(base, 300, "b300-0101000000", 20)
        eq(len(c["accounts"]), 300)
        eq(c["accounts"][0]["key"], "infosec")
        eq(len({a["key"] for a in c["accounts"]}), 300, "keys")
        eq(len({a["email"] for a in c["accounts"]}), 300, "emails")
        assert all(len(a["key"]) <= 20 and len(a["email"]) <= 64 for a in c["accounts"])
        eq(c["organization"]["name"], "b300-0101000000")
        eq(c["organization"]["maxAccountCreationsInFlight"], 20)
        eq(base["organization"]["name"], "example", "the base config is left alone")

    def small_and_valid_references():
        for n in (1, 2, 3, 30):
            c = bench.bench_config(base, n, "b", 20)
            keys = {a["key"] for a in c["accounts"]} | {"management"}
            groups = {g["name"] for g in c["groups"]}
            assert all(r["account"] in keys for g in c["groups"] for r in g["assume"]), n
            assert all(g in groups for u in c["users"] for g in u["groups"]), n
            assert len(c["groups"]) <= 4 and len(c["users"]) <= 2

    def in_flight_from_the_validator():
        eq(bench.max_creations_in_flight(), 20)

    check("config: N accounts, unique keys and emails, the validator's in-flight maximum", n_accounts)
    check("config: groups and users stay small and name only existing accounts and groups", small_and_valid_references)
    check("config: maxAccountCreationsInFlight is OrgConfig.MAX_CREATIONS_IN_FLIGHT", in_flight_from_the_validator)


def history_checks():
    def counts_map_iterations():
        # 4 states entered + 3 Map iterations (one Task state each)
        eq(bench.transitions(HISTORY, MAP_INNER), 7)

    def largest_payload():
        eq(bench.payload_bytes(HISTORY), 300)
        eq(bench.payload_bytes([entered("A", 0, input_="é" * 10)]), 20, "UTF-8 bytes")

    def map_tasks_and_exact_totals():
        tasks = bench.lambda_tasks(HISTORY, MAP_INNER)
        eq([t["state"] for t in tasks], ["CreateAccounts", "ApplyAccount", "ApplyAccount", "ApplyAccount",
                                         "TeardownTempAdmin"])
        stats = bench.phase_stats(bench.classify_cold(tasks, STATE_FN, {}))
        # ends 5 + 6 + 7 - starts 2 + 2.5 + 5, whatever the pairing
        eq(stats["ApplyAccount"]["seconds"], 8.5)
        eq(stats["CreateAccounts"]["seconds"], 2.0)

    def cold_are_the_first_spawned():
        tasks = bench.classify_cold(bench.lambda_tasks(HISTORY, MAP_INNER), STATE_FN,
                                    {"fn-create": 1, "fn-apply": 2})
        eq([t["cold"] for t in tasks], [True, True, True, False, False])
        stats = bench.phase_stats(tasks)
        eq(stats["ApplyAccount"]["cold"], 2)
        eq(stats["ApplyAccount"]["coldSeconds"], 3.25)   # (5-2) and (6-2.5), first in first out
        eq(stats["ApplyAccount"]["warmSeconds"], 2.0)    # 7-5
        eq(stats["TeardownTempAdmin"]["coldSeconds"], None)
        eq(stats["CreateAccounts"]["warmSeconds"], None)

    def gb_seconds_use_each_functions_memory():
        tasks = bench.classify_cold(bench.lambda_tasks(HISTORY, MAP_INNER), STATE_FN, {})
        eq(bench.gb_seconds(tasks, {"fn-create": 2048, "fn-apply": 512, "fn-teardown": 1024}), 2 * 2 + 8.5 / 2 + 1)

    check("transitions: every state entered, each Map iteration's Task counted", counts_map_iterations)
    check("largest payload: most UTF-8 bytes of a state's input/output or a task result", largest_payload)
    check("phase times: Map tasks belong to the Map's Task state; totals exact under concurrency",
          map_tasks_and_exact_totals)
    check("cold: a function's first K invocations, K = environments MiniStack spawned", cold_are_the_first_spawned)
    check("GB-seconds: duration x the function's memory", gb_seconds_use_each_functions_memory)


def cost_checks():
    def recorded(**kw):
        return dict({"method": "POST", "url": "https://localhost/", "body": "", "headers": {}}, **kw)

    def auth(service):
        return {"Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request, "
                                 "SignedHeaders=host, Signature=x"}

    def parses_the_three_protocols():
        eq(bench.parse_recorded(recorded(body="Action=CreateRole&RoleName=x", headers=auth("iam")))[:2],
           ("iam", "CreateRole"))
        eq(bench.parse_recorded(recorded(headers=dict(auth("kms"), **{"X-Amz-Target": "TrentService.Encrypt"})))[:2],
           ("kms", "Encrypt"))
        body = base64.b64encode(b"Action=Publish&TopicArn=t").decode()
        eq(bench.parse_recorded(recorded(body=body, body_encoded=True, headers=auth("sns")))[:2], ("sns", "Publish"))
        eq(bench.parse_recorded(recorded(method="PUT", url="https://localhost/b/k", headers=auth("s3")))[:3],
           ("s3", "PUT", "PUT"))

    def prices_per_call():
        calls = [("iam", "CreateRole", "POST", ""), ("organizations", "CreateAccount", "POST", ""),
                 ("kms", "Encrypt", "POST", ""), ("s3", "PUT", "PUT", ""), ("s3", "GET", "GET", ""),
                 ("s3", "DELETE", "DELETE", ""), ("secretsmanager", "GetSecretValue", "POST", ""),
                 ("monitoring", "PutMetricAlarm", "POST", ""), ("monitoring", "PutMetricData", "POST", "")]
        s = bench.api_summary(calls)
        eq(s["calls"], 9)
        eq(s["priced"], 5)
        expected = 0.03 / 10_000 + 0.005 / 1000 + 0.0004 / 1000 + 0.05 / 10_000 + 0.01 / 1000
        assert abs(s["usd"] - expected) < 1e-15, s["usd"]
        eq(s["byService"]["iam"], {"calls": 1, "priced": 0, "usd": 0.0})

    def run_cost_adds_up():
        c = bench.run_cost(1000, 100.0, 1_000_000, 0.5)
        assert abs(c["stepFunctions"] - 0.025) < 1e-12
        assert abs(c["lambda"] - (100 * 0.0000166667 + 0.20)) < 1e-12
        assert abs(c["total"] - (0.025 + 100 * 0.0000166667 + 0.20 + 0.5)) < 1e-12

    check("API calls: service and operation from query, JSON and S3 requests (as MotoRecorder)", parses_the_three_protocols)
    check("API calls: KMS, S3, Secrets Manager, CloudWatch metric APIs priced; control plane free", prices_per_call)
    check("run cost: transitions + GB-seconds + requests + API calls", run_cost_adds_up)


def row(label, n, kind, wall, total=0.001, status="SUCCEEDED", payload=1000):
    return {"label": label, "n": n, "kind": kind, "wall": wall, "status": status, "payload": payload,
            "transitions": 10, "gbSeconds": 1.0, "api": bench.api_summary([]), "phases": {},
            "cost": {"total": total, "stepFunctions": 0, "lambda": 0, "api": 0}}


def table_checks():
    def plan():
        eq(bench.plan_runs([3, 30, 100, 300]), [("bootstrap", 3, "fresh"), ("bootstrap", 30, "fresh"),
                                                ("bootstrap", 100, "fresh"), ("re-run", 100, "rerun"),
                                                ("drift", 100, "drift"), ("bootstrap", 300, "fresh"),
                                                ("re-run", 300, "rerun"), ("drift", 300, "drift")])
        eq(bench.plan_runs([3, 30]), [("bootstrap", 3, "fresh"), ("bootstrap", 30, "fresh")])

    def marginal_between_fresh_successes():
        rows = bench.marginals([row("bootstrap", 3, "fresh", 12.0), row("bootstrap", 30, "fresh", 66.0),
                                row("bootstrap", 100, "fresh", 80.0, status="FAILED"), row("re-run", 100, "rerun", 5.0)])
        eq(rows[0]["marginal"], None)
        eq(rows[1]["marginal"], 2.0)
        eq(rows[2]["marginal"], None, "a failed run has no slope")
        assert "marginal" not in rows[3]

    def verdicts():
        rows = bench.marginals([row("bootstrap", 3, "fresh", 12.0, total=0.002),
                                row("bootstrap", 100, "fresh", 50.0, payload=300_000),
                                row("drift", 100, "drift", 20.0, total=0.011),
                                row("bootstrap", 300, "fresh", 99.0, status="FAILED", payload=300_000)])
        got = {t: ok for t, _, ok in bench.verdicts(rows, {"coldSeconds": 1.0}, {"a": 11 * 1024 * 1024},
                                                    {"X": 1.4, "Y": 1.6})}
        eq(got["100 accounts <= 60 s"], True)
        eq(got["marginal <= 0.3 s/account"], False)  # (50-12)/97
        eq(got["largest payload < 64 KB at 300"], False)
        eq(got["artifact <= 10 MB"], False)
        eq(got["cold <= 1.5x hello-world"], False)
        eq(got["3-account run <= $0.01"], True)
        eq(got["daily drift <= $0.30/month"], False)  # 30 x 0.011 = 0.33

    def not_run_is_neither():
        got = {t: ok for t, _, ok in bench.verdicts([row("bootstrap", 3, "fresh", 9.0)], None, {}, {})}
        eq(got["100 accounts <= 60 s"], None)
        eq(got["daily drift <= $0.30/month"], None)

    def renders_one_table_and_a_failed_row():
        rows = bench.marginals([row("bootstrap", 3, "fresh", 12.0),
                                dict(row("bootstrap", 100, "fresh", 40.0, status="FAILED"),
                                     error="States.DataLimitExceeded")])
        text = bench.render(rows, {"status": "SUCCEEDED", "coldSeconds": 0.5, "warmSeconds": 0.1}, {"a": 1000},
                            {"CreateAccounts": ("CreateAccounts", 1.0, 0.2)})
        lines = text.splitlines()
        assert lines[0].startswith("run") and "est. $/run" in lines[0], lines[0]
        assert any("FAILED States.DataLimitExceeded" in l for l in lines), text
        assert any(l.startswith("hello-world") for l in lines), text
        assert "2.0x  FAIL" in text, text
        json.dumps(bench.table_rows(rows, None))

    check("runs: a fresh bootstrap per size, re-run and drift after the 100", plan)
    check("marginal: wall-time slope between consecutive successful fresh sizes", marginal_between_fresh_successes)
    check("targets: pass/fail from the measured rows", verdicts)
    check("targets: a run not made is neither pass nor fail", not_run_is_neither)
    check("table: one header, a failed run is a row with its error, the hello-world row", renders_one_table_and_a_failed_row)


if __name__ == "__main__":
    config_checks()
    history_checks()
    cost_checks()
    table_checks()
    sys.exit(summary())
