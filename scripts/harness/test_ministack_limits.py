#!/usr/bin/env python3
"""Proves patch 4 of scripts/harness/ministack_server.py: the Step Functions 256 KiB payload quota, as on AWS.

  .palisade/venv-ministack/bin/python scripts/harness/test_ministack_limits.py        (exit status != 0 on failure)

Run it with the MiniStack venv's interpreter. It starts the launcher the way test_ministack_patch.py does
(harness_testkit.start_ministack/stop_ministack: free 127.0.0.1 port, own process group, temp TMPDIR, the environment
of scripts/emulators.sh) and checks over the wire with boto3: StartExecution/StartSyncExecution inputs at and over
262,144 UTF-8 bytes, state outputs and Task results over the quota fail the execution with States.DataLimitExceeded,
which neither Retry nor Catch on States.ALL / States.TaskFailed intercept. The Lambda is a local python3.12 function
returning a string of the requested length. The process group is killed at the end.
"""
import io
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
import ministack_server  # noqa: E402
from harness_testkit import (MINISTACK_ROLE as ROLE, aws_client, check, eq, ministack_main, poll,  # noqa: E402
                             refused)

LIMIT = ministack_server.PAYLOAD_LIMIT_BYTES
LAMBDA_CODE = """def handler(event, context):
    if event["n"] < 0:
        raise ValueError("ordinary failure")
    return "x" * event["n"]
"""
CAUSE = "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit."


def json_string(size):
    """A JSON string document of exactly `size` UTF-8 bytes."""
    return json.dumps("a" * (size - 2))


def direct():
    from ministack.services import stepfunctions as sf
    ministack_server.apply_patches()
    patched = (sf._execute_pass, sf._invoke_resource, sf._error_matches, sf._start_execution)
    ministack_server.apply_patches()
    ministack_server.apply_payload_limit_patches()
    check("direct: payload patches installed once, idempotently", lambda: eq(
        (sf._execute_pass, sf._invoke_resource, sf._error_matches, sf._start_execution), patched))
    check("direct: payload_bytes is compact UTF-8", lambda: eq(
        ministack_server.payload_bytes({"a": ["\u00e9", 1]}), len('{"a":["\u00e9",1]}'.encode())))
    check("direct: States.ALL and States.TaskFailed do not match States.DataLimitExceeded", lambda: eq(
        [sf._error_matches(e, "States.DataLimitExceeded") for e in
         (["States.ALL"], ["States.TaskFailed"], ["States.DataLimitExceeded"])], [False, False, True]))
    check("direct: States.ALL still matches other errors", lambda: eq(
        sf._error_matches(["States.ALL"], "Lambda.Unknown"), True))


def e2e(url):
    lam, sfn = (aws_client(s, url, read_timeout=60, inject_host_prefix=False) for s in ("lambda", "stepfunctions"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", LAMBDA_CODE)
    fn = lam.create_function(FunctionName="sized", Runtime="python3.12", Role=ROLE, Handler="h.handler", Timeout=30,
                             Code={"ZipFile": buf.getvalue()})["FunctionArn"]

    def machine(name, states, start="S", kind="STANDARD"):
        return sfn.create_state_machine(name=name, roleArn=ROLE, type=kind,
                                        definition=json.dumps({"StartAt": start, "States": states}))["stateMachineArn"]

    caught = {"Caught": {"Type": "Pass", "Result": "caught", "End": True}}
    task_all = dict(caught, S={"Type": "Task", "Resource": fn, "End": True,
                               "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                               "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"},
                                         {"ErrorEquals": ["States.ALL"], "Next": "Caught"}]})
    m_echo = machine("echo", {"S": {"Type": "Pass", "End": True}})
    m_sync = machine("echo-sync", {"S": {"Type": "Pass", "End": True}}, kind="EXPRESS")
    m_exact = machine("pass-exact", {"S": {"Type": "Pass", "Result": "a" * (LIMIT - 2), "End": True}})
    m_over = machine("pass-over", {"S": {"Type": "Pass", "Result": "a" * (LIMIT - 1), "End": True}})
    m_task = machine("task-catch-all", task_all)
    m_explicit = machine("task-catch-explicit", dict(caught, S={
        "Type": "Task", "Resource": fn, "End": True,
        "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}]}))
    m_parallel = machine("parallel-over", dict(caught, S={
        "Type": "Parallel", "End": True, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b" * 150_000, "End": True}}}] * 2}))
    m_params = machine("parameters-over", {"S": {"Type": "Pass", "Parameters": {"big": "p" * LIMIT}, "End": True}})

    def run(arn, payload, name):
        exec_arn = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
        return exec_arn, poll(lambda: sfn.describe_execution(executionArn=exec_arn),
                              lambda d: d["status"] != "RUNNING", 60)

    def history(exec_arn):
        return [e["type"] for e in sfn.get_execution_history(executionArn=exec_arn, maxResults=1000)["events"]]

    # 4a: the API refuses an oversized execution input, counting UTF-8 bytes
    check(f"StartExecution input of exactly {LIMIT} bytes accepted",
          lambda: sfn.start_execution(stateMachineArn=m_echo, name="exact", input=json_string(LIMIT)))
    check(f"StartExecution input of {LIMIT + 1} bytes -> 400 ValidationException", lambda: refused(
        lambda: sfn.start_execution(stateMachineArn=m_echo, name="over", input=json_string(LIMIT + 1)),
        "ValidationException", 400))
    check("StartExecution counts bytes: 131,073 two-byte characters -> ValidationException", lambda: refused(
        lambda: sfn.start_execution(stateMachineArn=m_echo, name="utf8", input=json.dumps("\u00e9" * 131_073,
                                                                                           ensure_ascii=False)),
        "ValidationException", 400))
    check("the refused StartExecution created no execution", lambda: eq(
        sorted(e["name"] for e in sfn.list_executions(stateMachineArn=m_echo)["executions"]), ["exact"]))
    check("StartSyncExecution input over the quota -> ValidationException", lambda: refused(
        lambda: sfn.start_sync_execution(stateMachineArn=m_sync, input=json_string(LIMIT + 1)),
        "ValidationException", 400))

    # 4c: state output
    _, d = run(m_exact, {}, "e")
    check(f"Pass output of exactly {LIMIT} bytes -> SUCCEEDED", lambda: eq(d["status"], "SUCCEEDED"))
    _, d = run(m_over, {}, "o")
    check(f"Pass output of {LIMIT + 1} bytes -> FAILED States.DataLimitExceeded, AWS's cause", lambda: eq(
        (d["status"], d.get("error"), d.get("cause")), ("FAILED", "States.DataLimitExceeded", CAUSE.format("S"))))
    _, d = run(m_parallel, {}, "p")
    check("Parallel output over the quota (2 x 150 KB branches) -> FAILED, its Catch States.ALL does not catch",
          lambda: eq((d["status"], d.get("error")), ("FAILED", "States.DataLimitExceeded")))

    # 4d: state input after Parameters
    _, d = run(m_params, {}, "pp")
    check("state input after Parameters over the quota -> FAILED States.DataLimitExceeded", lambda: eq(
        (d["status"], d.get("error")), ("FAILED", "States.DataLimitExceeded")))

    # 4b + 4e: a Task result over the quota; Retry/Catch on States.ALL and States.TaskFailed do not intercept it
    arn, d = run(m_task, {"n": LIMIT}, "big")
    check("Lambda result over the quota -> FAILED States.DataLimitExceeded, cause names the Lambda ARN", lambda: eq(
        (d["status"], d.get("error"), d.get("cause")), ("FAILED", "States.DataLimitExceeded", CAUSE.format(fn))))
    check("... not retried by Retry States.ALL (one TaskScheduled) and not caught (no Caught state)", lambda: eq(
        (history(arn).count("TaskScheduled"), "PassStateEntered" in history(arn)), (1, False)))
    _, d = run(m_task, {"n": 200_000}, "small")
    check("control: a 200 KB Lambda result -> SUCCEEDED", lambda: eq(d["status"], "SUCCEEDED"))
    arn, d = run(m_task, {"n": -1}, "plain-error")
    check("control: an ordinary Lambda error is still retried and caught by States.ALL", lambda: eq(
        (d["status"], json.loads(d["output"]), history(arn).count("TaskScheduled")), ("SUCCEEDED", "caught", 3)))
    _, d = run(m_explicit, {"n": LIMIT}, "explicit")
    check("limitation a: a Catch naming States.DataLimitExceeded catches it", lambda: eq(
        (d["status"], json.loads(d.get("output") or "null")), ("SUCCEEDED", "caught")))


def main():
    return ministack_main("ministack-limits-", lambda tmp: direct(), lambda url, tmp: e2e(url))


if __name__ == "__main__":
    sys.exit(main())
