#!/usr/bin/env python3
"""Proves scripts/harness/ministack_server.py: a stopped execution stays ABORTED, TimeoutSeconds gives TIMED_OUT.

  .palisade/venv-ministack/bin/python scripts/harness/test_ministack_patch.py        (exit status != 0 on failure)

Run it with the MiniStack venv's interpreter (it has ministack and boto3): the launcher is started with that same
interpreter on a free 127.0.0.1 port, in its own process group and a temp TMPDIR, with the environment
scripts/emulators.sh (pal_start_ministack) uses. Step Functions waits are then set to real time (scale 1) through
POST /_ministack/config, so that Wait states last. Status-change events are observed through an EventBridge rule
(source aws.states, detail-type "Step Functions Execution Status Change") whose target is an SQS queue. The Lambda
used as in-flight work is a local python3.12 function that writes marker files into the temp dir when it starts and
just before it fails, so the test knows the late failure really happened. The process group is killed at the end.
"""
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
import ministack_server  # noqa: E402  (the launcher under test; importing it does not start anything)
from harness_testkit import (MINISTACK_ROLE as ROLE, aws_client, check, eq, free_port,  # noqa: E402
                             ministack_env, ministack_main, poll, wait_for)

DETAIL_TYPE = "Step Functions Execution Status Change"
LAMBDA_CODE = """import time
def handler(event, context):
    open(event["started"], "w").close()
    time.sleep(event["sleep"])
    open(event["done"], "w").close()
    raise RuntimeError("late failure after %s s" % event["sleep"])
"""


def post_config(url, body):
    req = urllib.request.Request(f"{url}/_ministack/config", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class EventCollector(threading.Thread):
    """Drains the SQS queue the status-change rule targets; .terminal(arn) lists the non-RUNNING statuses seen."""

    def __init__(self, sqs, queue_url):
        super().__init__(daemon=True)
        self.sqs, self.queue_url, self.details, self.done = sqs, queue_url, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            for m in self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                body = json.loads(m["Body"])
                if body.get("detail-type") == DETAIL_TYPE:
                    self.details.append(body["detail"])
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def terminal(self, arn):
        return [d["status"] for d in list(self.details) if d["executionArn"] == arn and d["status"] != "RUNNING"]


def direct(tmp):
    """In-process: the patches are installed idempotently and a late failure leaves a stopped record untouched."""
    from ministack.services import stepfunctions as sf
    ministack_server.apply_patches()
    patched = sf._fail_execution, sf._stop_execution, sf._run_execution
    ministack_server.apply_patches()
    check("direct: apply_patches is idempotent", lambda: eq(
        (sf._fail_execution, sf._stop_execution, sf._run_execution), patched))
    check("direct: the three functions are patched", lambda: eq(
        [f.__module__ for f in patched], ["ministack_server"] * 3))

    def late_failure_on_aborted():
        record = {"executionArn": "arn:aws:states:us-east-1:0:execution:x:y", "status": "ABORTED", "stopDate": "s",
                  "error": None, "cause": None, "output": None, "events": [{"id": 1, "type": "ExecutionAborted"}]}
        before = json.dumps(record)
        sf._fail_execution(record, "States.TaskFailed", "late")
        eq(json.dumps(record), before)
    check("direct: _fail_execution on an ABORTED record changes nothing", late_failure_on_aborted)

    def detach_refused():
        port = free_port()
        try:
            r = subprocess.run([sys.executable, os.path.join(HERE, "ministack_server.py"), "--detach"], cwd=tmp,
                               env=ministack_env(port, tmp), capture_output=True, text=True, timeout=30)
            eq((r.returncode != 0, "unpatched" in r.stderr), (True, True))
        finally:  # had it detached, MiniStack's pid file names the new session's leader: end that session
            pid_file = f"{tmp}/ministack-{port}.pid"
            if os.path.exists(pid_file):
                try:
                    os.killpg(int(open(pid_file).read().strip()), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
    check("launcher refuses --detach (it would serve unpatched)", detach_refused)


def e2e(url, tmp):
    lam, sfn, events, sqs = (aws_client(s, url, read_timeout=30, inject_host_prefix=False)  # no "sync-" host prefix
                             for s in ("lambda", "stepfunctions", "events", "sqs"))
    eq(post_config(url, {"stepfunctions._SFN_WAIT_SCALE": "1"}), {"applied": {"stepfunctions._SFN_WAIT_SCALE": 1.0}})

    queue_url = sqs.create_queue(QueueName="sfn-status")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["aws.states"], "detail-type": [DETAIL_TYPE]}
    events.put_rule(Name="sfn-status", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="sfn-status", Targets=[{"Id": "q", "Arn": queue_arn}])
    collector = EventCollector(sqs, queue_url)
    collector.start()

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", LAMBDA_CODE)
    fn = lam.create_function(FunctionName="slow-fail", Runtime="python3.12", Role=ROLE, Handler="h.handler",
                             Timeout=30, Code={"ZipFile": buf.getvalue()})["FunctionArn"]

    def machine(name, definition, kind="STANDARD"):
        return sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition),
                                        type=kind)["stateMachineArn"]

    def lambda_input(tag, sleep):
        return json.dumps({"started": f"{tmp}/{tag}.started", "done": f"{tmp}/{tag}.done", "sleep": sleep})

    task = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "End": True}}}
    m_lambda = machine("stop-then-lambda-fails", task)
    m_branch = machine("stop-then-branch-fails", {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
        "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "F"},
                                                 "F": {"Type": "Fail", "Error": "Late", "Cause": "after stop"}}}]}}})
    m_wait = machine("timeout-2s-wait-30s", {"TimeoutSeconds": 2, "StartAt": "W",
                                             "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}})
    m_task = machine("timeout-1s-lambda-fails-3s", dict(task, TimeoutSeconds=1))
    m_fast = machine("timeout-10s-fast", {"TimeoutSeconds": 10, "StartAt": "P",
                                          "States": {"P": {"Type": "Pass", "End": True}}})
    m_sync = machine("sync-timeout-1s-wait-3s", {"TimeoutSeconds": 1, "StartAt": "W",
                                                 "States": {"W": {"Type": "Wait", "Seconds": 3, "End": True}}},
                     kind="EXPRESS")

    # everything runs concurrently; each case then waits for its own end condition
    t0 = time.monotonic()
    e_wait = sfn.start_execution(stateMachineArn=m_wait, name="w")["executionArn"]
    e_lambda = sfn.start_execution(stateMachineArn=m_lambda, name="l", input=lambda_input("l", 2))["executionArn"]
    e_branch = sfn.start_execution(stateMachineArn=m_branch, name="b")["executionArn"]
    e_task = sfn.start_execution(stateMachineArn=m_task, name="t", input=lambda_input("t", 3))["executionArn"]
    e_fast = sfn.start_execution(stateMachineArn=m_fast, name="f")["executionArn"]

    def describe(arn):
        return sfn.describe_execution(executionArn=arn)

    def history(arn):
        return [e["type"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]

    # (1) stop, then the in-flight work fails
    time.sleep(0.5)
    stop_branch = sfn.stop_execution(executionArn=e_branch, error="Test.Stop", cause="stopped by test")["stopDate"]
    wait_for("the slow Lambda to start", lambda: os.path.exists(f"{tmp}/l.started"), 20)
    stop_lambda = sfn.stop_execution(executionArn=e_lambda)["stopDate"]

    # (2) TimeoutSeconds 2, Wait 30 s (waits at real time)
    timed_out = poll(lambda: describe(e_wait), lambda d: d["status"] != "RUNNING", 8)
    elapsed = time.monotonic() - t0
    check(f"timeout: TimeoutSeconds 2 + Wait 30 s -> TIMED_OUT after {elapsed:.1f} s (expected 1.5 .. 5)",
          lambda: eq((timed_out["status"], 1.5 <= elapsed <= 5), ("TIMED_OUT", True)))
    check("timeout: DescribeExecution error States.Timeout, stopDate ~ startDate + 2 s", lambda: eq(
        (timed_out.get("error"), 1.5 <= (timed_out["stopDate"] - timed_out["startDate"]).total_seconds() <= 3.5),
        ("States.Timeout", True)))

    def timed_out_history():
        raw = sfn.get_execution_history(executionArn=e_wait, maxResults=1000)["events"]
        ends = [e for e in raw if e["type"] in ("ExecutionTimedOut", "ExecutionSucceeded", "ExecutionFailed",
                                                "ExecutionAborted")]
        eq([(e["type"], e.get("executionTimedOutEventDetails", {}).get("error")) for e in ends],
           [("ExecutionTimedOut", "States.Timeout")])
    check("timeout: history has exactly one terminal event, ExecutionTimedOut", timed_out_history)
    check("timeout: a TIMED_OUT status-change event arrives",
          lambda: eq(wait_for("the TIMED_OUT event", lambda: collector.terminal(e_wait), 3), ["TIMED_OUT"]))

    # (1) continued: wait until the late failures have happened (marker / Wait end), then give them time to land
    wait_for("the slow Lambda to fail", lambda: os.path.exists(f"{tmp}/l.done"), 20)
    wait_for("the Parallel branch's Wait to end", lambda: time.monotonic() - t0 > 2.5, 5)
    time.sleep(1.0)
    for arn, stop_date, label in ((e_lambda, stop_lambda, "Lambda Task"), (e_branch, stop_branch, "Parallel branch")):
        d = describe(arn)
        check(f"stop: {label} failing after StopExecution -> stays ABORTED (stopDate unchanged)",
              lambda d=d, s=stop_date: eq((d["status"], d["stopDate"]), ("ABORTED", s)))
        check(f"stop: {label}: history has ExecutionAborted and no ExecutionFailed", lambda a=arn: eq(
            [t for t in history(a) if t in ("ExecutionAborted", "ExecutionFailed")], ["ExecutionAborted"]))
        check(f"stop: {label}: exactly one terminal status-change event, ABORTED",
              lambda a=arn: eq(collector.terminal(a), ["ABORTED"]))
    check("stop: StopExecution error/cause kept", lambda: eq(
        (describe(e_branch).get("error"), describe(e_branch).get("cause")), ("Test.Stop", "stopped by test")))

    # TimeoutSeconds 1 while a Lambda Task runs 3 s then fails: TIMED_OUT wins, with one event (needs both patches)
    wait_for("the 3 s Lambda to fail", lambda: os.path.exists(f"{tmp}/t.done"), 20)
    time.sleep(1.0)
    check("timeout + late Lambda failure -> stays TIMED_OUT, one TIMED_OUT event, no ExecutionFailed", lambda: eq(
        (describe(e_task)["status"], collector.terminal(e_task),
         [t for t in history(e_task) if t.startswith("Execution") and t != "ExecutionStarted"]),
        ("TIMED_OUT", ["TIMED_OUT"], ["ExecutionTimedOut"])))
    check("control: TimeoutSeconds 10 + Pass -> SUCCEEDED, one SUCCEEDED event", lambda: eq(
        (describe(e_fast)["status"], collector.terminal(e_fast)), ("SUCCEEDED", ["SUCCEEDED"])))

    # StartSyncExecution (express-flavoured path): TIMED_OUT too; the response comes when the Wait ends
    sync = sfn.start_sync_execution(stateMachineArn=m_sync, name="s")
    check("sync: TimeoutSeconds 1 + Wait 3 s -> StartSyncExecution status TIMED_OUT",
          lambda: eq(sync["status"], "TIMED_OUT"))

    check("no unexpected terminal events", lambda: eq(sorted(
        d["status"] for d in collector.details if d["status"] != "RUNNING"),
        sorted(["ABORTED", "ABORTED", "TIMED_OUT", "TIMED_OUT", "SUCCEEDED"])))
    collector.done.set()
    collector.join(5)


def main():
    return ministack_main("ministack-patch-", direct, e2e)


if __name__ == "__main__":
    sys.exit(main())
