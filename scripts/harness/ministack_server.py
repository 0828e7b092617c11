#!/usr/bin/env python3
"""Palisade launcher for MiniStack: same environment and CLI as `python -m ministack` (it calls ministack.app.main,
which is all ministack/__main__.py does) plus small monkeypatches so that Step Functions executions end the way they
do on AWS. Tested with MiniStack 1.5.33.
  GATEWAY_PORT=4566 BIND_HOST=127.0.0.1 MINISTACK_HOST=localhost MINISTACK_REGION=us-east-1 SFN_WAIT_SCALE=0 \
    .palisade/venv-ministack/bin/python scripts/harness/ministack_server.py
`--stop` works as with `python -m ministack`; `-d/--detach` is refused: MiniStack would then serve from a new
`python -m hypercorn ministack.app:app` process that never runs these patches (background the launcher instead, as
scripts/emulators.sh does).

WHY: MiniStack 1.5.33's Step Functions is more lenient than AWS in two ways that hide bugs in code that stops
executions or relies on a state machine's timeout:
 - Once an execution is stopped (ABORTED), in-flight work that fails later (a Lambda Task still running, a Parallel
   or Map branch) reaches _fail_execution, which overwrites the status with FAILED and emits a second "Step Functions
   Execution Status Change" event. On AWS a stopped execution stays ABORTED and its status changes once.
 - The top-level TimeoutSeconds of a definition is ignored: an execution never becomes TIMED_OUT.

PATCHED (ministack.services.stepfunctions only; each original is still called for the real work):
 1. _fail_execution(execution, error, cause) does nothing unless the execution is still RUNNING. The check and the
    claim (status := FAILED) happen under one lock, shared with 2 and 3, so exactly one terminal transition wins.
    (The SUCCEEDED transition inside _run_execution already checks for RUNNING; see limitation c.)
 2. _stop_execution(data) runs under that lock (its own RUNNING check and ABORTED transition are otherwise
    unchanged; it may publish the status event while holding it, which never waits on another execution).
 3. _run_execution(exec_arn) - the worker of StartExecution (and of EventBridge/Pipes/nested starts, which call
    _start_execution) and of StartSyncExecution - first arms a timer when the definition it is about to run (the
    state machine's current one, as MiniStack runs it) has a positive top-level TimeoutSeconds. The deadline is the
    execution's startDate + TimeoutSeconds. If the execution is still RUNNING then: status TIMED_OUT, stopDate,
    error States.Timeout, an ExecutionTimedOut history event ({"executionTimedOutEventDetails": {"error":
    "States.Timeout"}}), and the status-change event from MiniStack's own _emit_execution_status_event, like every
    other terminal status (nothing is emitted for StartSyncExecution, as for its other statuses). The timer is
    cancelled when the worker returns. The worker itself notices the non-RUNNING status at its next state boundary.
    The timeout is WALL-CLOCK, as on AWS, and deliberately NOT scaled by SFN_WAIT_SCALE. With SFN_WAIT_SCALE=0 (what
    scripts/emulators.sh sets) Wait states take no time, so a TimeoutSeconds that AWS would reach only because of
    Wait states is NOT reached locally; one reached because Tasks run long (slow Lambdas, unanswered callbacks) is.
 4. The 256 KiB payload quota (StartExecution input, Task results, state inputs/outputs -> States.DataLimitExceeded):
    its own section at the end of this file, documented in PAYLOAD_LIMIT_DOC.

KNOWN LIMITATIONS (all unchanged MiniStack behaviour):
 a. Nothing is interrupted: after ABORTED/TIMED_OUT the current Task/Wait/branch runs to its end (a Lambda Task's
    function still runs, as on AWS), and its ...StateExited event may still be appended to the history after the
    ExecutionAborted/ExecutionTimedOut event (AWS records nothing after the terminal event). A StartSyncExecution
    response therefore arrives only at the worker's next state boundary, though with status TIMED_OUT.
 b. The status-change event for TIMED_OUT (like ABORTED) carries error/cause null and redriveStatus NOT_REDRIVABLE:
    MiniStack's emitter fills those only for FAILED.
 c. The SUCCEEDED transition is not under the lock: a timeout landing in the few bytecodes between its RUNNING check
    and its assignment could still produce two terminal events. Distributed Map child executions (not run by
    _run_execution) get no timeout.
 d. StopExecution on a TIMED_OUT/FAILED/SUCCEEDED execution answers ValidationException, as before.
"""
import contextvars
import json
import logging
import os
import sys
import threading
import time
from importlib.metadata import version

import ministack.app
from ministack.services import stepfunctions as sf

log = logging.getLogger("palisade.ministack_server")
_TERMINAL_LOCK = threading.RLock()  # serialises every "RUNNING -> terminal" transition
_original = {}  # symbol -> MiniStack's original


def _require(name, params=None, calls=()):
    """sf.<name>, exiting loudly if it is missing, its parameters changed, or it no longer looks up `calls` by
    module-global name (a patch of sf.<callee> would then never be reached)."""
    attr = getattr(sf, name, None)
    code = getattr(attr, "__code__", None)
    if (attr is None or (params is not None and (code is None or list(code.co_varnames[: code.co_argcount]) != params))
            or any(callee not in getattr(code, "co_names", ()) for callee in calls)):
        sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: ministack.services.stepfunctions.{name} "
                 "missing or changed; re-check the patches")
    return attr


def _timeout_seconds(execution):
    """The positive top-level TimeoutSeconds of the definition the worker is about to run, else None."""
    sm = sf._state_machines.get(execution.get("stateMachineArn"))
    try:
        timeout = json.loads(sm["definition"]).get("TimeoutSeconds") if sm else None
    except (TypeError, ValueError, AttributeError):
        return None  # MiniStack's worker fails the execution with InvalidDefinition
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        return None
    return timeout


def _time_out(execution):
    """Timer callback (runs in a copy of the worker's context, so account/region scoping resolves)."""
    with _TERMINAL_LOCK:
        # still RUNNING, and still the stored record (not wiped by /_ministack/reset or replaced)
        if execution.get("status") != "RUNNING" or sf._executions.get(execution["executionArn"]) is not execution:
            return
        execution.update(status="TIMED_OUT", stopDate=sf.now_iso(), error="States.Timeout", cause=None)
        sf._add_event(execution, "ExecutionTimedOut", {"executionTimedOutEventDetails": {"error": "States.Timeout"}})
    log.info("Step Functions execution timed out (TimeoutSeconds): %s", execution["executionArn"])
    sf._emit_execution_status_event(execution)


def _arm_timeout(execution):
    timeout = _timeout_seconds(execution)
    if timeout is None:
        return None
    started_ms = sf._iso_to_epoch_ms(execution.get("startDate"))
    started = started_ms / 1000 if started_ms is not None else time.time()
    delay = min(max(0.0, started + timeout - time.time()), threading.TIMEOUT_MAX)
    timer = threading.Timer(delay, contextvars.copy_context().run, args=(_time_out, execution))
    timer.name = "palisade-sfn-timeout"
    timer.daemon = True
    timer.start()
    return timer


def apply_patches():
    """Idempotent; exits loudly if MiniStack no longer has what we patch."""
    if _original:
        return
    if not callable(getattr(ministack.app, "main", None)):
        sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: ministack.app.main missing")
    for store in ("_executions", "_state_machines"):
        if not callable(getattr(getattr(sf, store, None), "get", None)):
            sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: stepfunctions.{store} missing or changed")
    _require("now_iso", [])
    _require("_iso_to_epoch_ms", ["iso"])
    _require("_add_event", ["execution", "event_type", "details"])
    _require("_emit_execution_status_event", ["execution"])
    _require("handle_request", calls=("_stop_execution", "_start_execution", "_start_sync_execution"))
    _require("_start_execution", ["data"], calls=("_run_execution",))
    _require("_start_sync_execution", ["data"], calls=("_run_execution",))
    fail = _require("_fail_execution", ["execution", "error", "cause"])
    stop = _require("_stop_execution", ["data"])
    run = _require("_run_execution", ["exec_arn"], calls=("_fail_execution",))

    def _fail_execution(execution, error, cause):  # patch 1
        with _TERMINAL_LOCK:
            if execution.get("status") != "RUNNING":
                log.info("ignored %s for %s execution %s (AWS keeps the first terminal status)",
                         error, execution.get("status"), execution.get("executionArn"))
                return
            execution["status"] = "FAILED"  # claim the transition; the original records the rest
        fail(execution, error, cause)

    def _stop_execution(data):  # patch 2
        with _TERMINAL_LOCK:
            return stop(data)

    def _run_execution(exec_arn):  # patch 3
        execution = sf._executions.get(exec_arn)
        timer = _arm_timeout(execution) if execution else None
        try:
            return run(exec_arn)
        finally:
            if timer is not None:
                timer.cancel()

    _original.update(_fail_execution=fail, _stop_execution=stop, _run_execution=run)
    sf._fail_execution, sf._stop_execution, sf._run_execution = _fail_execution, _stop_execution, _run_execution
    apply_payload_limit_patches()  # patch 4: the 256 KiB payload quota (section below)


# ---------------------------------------------------------------------------------------------------------------------
# Patch 4: the Step Functions payload quota (issue #7, "AWS limits, enforced the same way")
# ---------------------------------------------------------------------------------------------------------------------
PAYLOAD_LIMIT_DOC = """MiniStack 1.5.33 passes data of any size between states; AWS caps it.

SOURCE: Step Functions Developer Guide, "Step Functions service quotas": maximum input or output size for a task,
state, or execution is 256 KiB of data as a UTF-8 encoded string (262,144 bytes); "Handling errors in Step Functions
workflows": States.DataLimitExceeded is reported when a connector's output, a state's output, or a state's input after
Parameters is larger than that quota, and it is a terminal error that States.ALL cannot catch.

PATCHED (ministack.services.stepfunctions; each original still does the real work; the size is the UTF-8 length of
the value serialised compactly, json.dumps(separators=(",", ":"), ensure_ascii=False); over 262,144 bytes is over,
exactly 262,144 is accepted):
 4a. _start_execution / _start_sync_execution (StartExecution, StartSyncExecution, nested startExecution tasks): an
     input string over 262,144 UTF-8 bytes answers 400 ValidationException "1 validation error detected: Value at
     'input' failed to satisfy constraint: Member must have length less than or equal to 262144" and starts nothing
     (the API reference gives input a maximum length of 262144, in UTF-8 bytes; the code is what AWS answers for a
     violated length constraint, the exact message is NOT confirmed).
 4b. _invoke_resource / _invoke_with_callback (every Task's result: Lambda, SDK and optimized integrations,
     activities, nested executions, task tokens): a result over the quota fails the Task with States.DataLimitExceeded,
     cause "The state/task '<Resource>' returned a result with a size exceeding the maximum number of bytes service
     limit." (AWS's wording, quoted in aws-ia/terraform-aws-control_tower_account_factory#414).
 4c. _execute_pass/_task/_choice/_wait/_parallel/_map (looked up by name for each state by _run_execution and
     _run_sub_machine): a state output over the quota fails with States.DataLimitExceeded, cause "The state/task
     '<state name>' returned a result with a size exceeding the maximum number of bytes service limit." (wording
     quoted in awslabs/aws-securityhub-multiaccount-scripts#63). This also covers the execution's output.
 4d. _apply_parameters / _apply_jsonata_arguments: a state input after Parameters (Arguments) over the quota fails with
     States.DataLimitExceeded, cause "The state/task '<state name>' has an input with a size exceeding the maximum
     number of bytes service limit." (that wording is NOT confirmed).
 4e. _error_matches (Retry and Catch): the wildcards States.ALL and States.TaskFailed never match
     States.DataLimitExceeded, so it is neither retried nor caught by them and fails the execution.

KNOWN LIMITATIONS:
 a. A Retrier or Catcher naming States.DataLimitExceeded explicitly still matches it (AWS documents only that
    States.ALL cannot catch it; whether an explicit name can is not documented).
 b. Sizes are measured on the re-serialised value, not the bytes AWS received: a Lambda answer with insignificant
    white space counts smaller here (never stricter than AWS).
 c. Not checked: SendTaskSuccess output as an API constraint (it fails the Task via 4b instead), Map ItemSelector
    results, Distributed Map child executions, the 1 MiB definition quota, history-event quotas.
 d. These wrappers are installed last; a later patch that asserts `calls=` on _start_execution/_start_sync_execution
    (as patch 3 does) must run before them.
"""
PAYLOAD_LIMIT_BYTES = 262_144
DATA_LIMIT_ERROR = "States.DataLimitExceeded"
_STATE_HANDLERS = ("_execute_pass", "_execute_task", "_execute_choice", "_execute_wait", "_execute_parallel",
                   "_execute_map")
_payload_original = {}  # symbol -> MiniStack's original (patch 4)


def payload_bytes(value):
    """UTF-8 bytes of a state payload serialised compactly (a str is a JSON string here, as in a state's data)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _over_quota(value):
    try:
        return payload_bytes(value) > PAYLOAD_LIMIT_BYTES
    except (TypeError, ValueError):
        return False  # not JSON data; MiniStack fails it elsewhere


def _data_limit(subject, what="returned a result"):
    return sf._ExecutionError(DATA_LIMIT_ERROR, f"The state/task '{subject}' {what} with a size exceeding the maximum "
                                                "number of bytes service limit.")


def _state_name(ctx):
    return ((ctx or {}).get("State") or {}).get("Name", "")


def _limit_start(original):  # 4a
    def start(data):
        raw = data.get("input") if isinstance(data, dict) else None
        if isinstance(raw, str) and len(raw.encode("utf-8")) > PAYLOAD_LIMIT_BYTES:
            return sf.error_response_json(
                "ValidationException", "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {PAYLOAD_LIMIT_BYTES}", 400)
        return original(data)
    start.__name__ = original.__name__
    return start


def _limit_state(original):  # 4c
    def execute(state_def, raw_input, *rest):
        name = _state_name(rest[-1] if rest else None)  # ctx is the last argument; branches overwrite ctx["State"]
        output, next_name = original(state_def, raw_input, *rest)
        if _over_quota(output):
            raise _data_limit(name)
        return output, next_name
    execute.__name__ = original.__name__
    return execute


def _limit_input(original):  # 4d
    def apply(state_def, data, ctx=None):
        effective = original(state_def, data, ctx)
        if _over_quota(effective):
            raise _data_limit(_state_name(ctx), "has an input")
        return effective
    apply.__name__ = original.__name__
    return apply


def apply_payload_limit_patches():
    """Patch 4. Idempotent; exits loudly if MiniStack no longer has what it wraps."""
    if _payload_original:
        return
    if not isinstance(getattr(sf, "_ExecutionError", None), type) or not callable(getattr(sf, "error_response_json", None)):
        sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: stepfunctions._ExecutionError or "
                 "error_response_json missing or changed; re-check the patches")
    run = _original.get("_run_execution")  # MiniStack's worker (patch 3 wraps it)
    if run is None or any(n not in run.__code__.co_names for n in _STATE_HANDLERS):
        sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: stepfunctions._run_execution no longer "
                 "looks up the state handlers by name; re-check the patches")
    _require("_run_sub_machine", ["states", "start_at", "input_data", "execution", "ctx"], calls=_STATE_HANDLERS)
    _require("_execute_task", ["state_def", "raw_input", "execution", "ctx"],
             calls=("_invoke_resource", "_invoke_with_callback", "_apply_parameters", "_apply_jsonata_arguments",
                    "_find_matching_retrier", "_find_matching_catcher"))
    _require("_invoke_resource_with_timeout", ["resource", "input_data", "timeout"], calls=("_invoke_resource",))
    _require("_with_retry_and_catch", calls=("_find_matching_retrier", "_find_matching_catcher"))
    _require("_find_matching_retrier", calls=("_error_matches",))
    _require("_find_matching_catcher", calls=("_error_matches",))
    for name in ("_invoke_nested_start_execution", "_invoke_nested_start_execution_sync"):
        _require(name, ["resource", "input_data"])
    _require("handle_request", calls=("_start_execution", "_start_sync_execution"))
    originals = {
        "_start_execution": _require("_start_execution", ["data"]),
        "_start_sync_execution": _require("_start_sync_execution", ["data"]),
        "_invoke_resource": _require("_invoke_resource", ["resource", "input_data"]),
        "_invoke_with_callback": _require("_invoke_with_callback", ["resource", "input_data", "token", "state_def"]),
        "_apply_parameters": _require("_apply_parameters", ["state_def", "data", "ctx"]),
        "_apply_jsonata_arguments": _require("_apply_jsonata_arguments", ["state_def", "raw_input", "ctx"]),
        "_error_matches": _require("_error_matches", ["error_equals", "error"]),
    }
    for name in _STATE_HANDLERS:
        originals[name] = _require(name)
    invoke, callback, matches = (originals[n] for n in ("_invoke_resource", "_invoke_with_callback", "_error_matches"))

    def _invoke_resource(resource, input_data):  # 4b
        result = invoke(resource, input_data)
        if _over_quota(result):
            raise _data_limit(resource)
        return result

    def _invoke_with_callback(resource, input_data, token, state_def):  # 4b
        result = callback(resource, input_data, token, state_def)
        if _over_quota(result):
            raise _data_limit(resource)
        return result

    def _error_matches(error_equals, error):  # 4e
        if error == DATA_LIMIT_ERROR:
            return DATA_LIMIT_ERROR in (error_equals or [])
        return matches(error_equals, error)

    _payload_original.update(originals)
    sf._start_execution = _limit_start(originals["_start_execution"])
    sf._start_sync_execution = _limit_start(originals["_start_sync_execution"])
    sf._invoke_resource, sf._invoke_with_callback, sf._error_matches = (
        _invoke_resource, _invoke_with_callback, _error_matches)
    sf._apply_parameters = _limit_input(originals["_apply_parameters"])
    sf._apply_jsonata_arguments = _limit_input(originals["_apply_jsonata_arguments"])
    for name in _STATE_HANDLERS:
        setattr(sf, name, _limit_state(originals[name]))


# ---------------------------------------------------------------- Lambda identities (IAM enforcement in moto)
# A function's process gets the credentials of a copy of its own execution role in the emulated organization (moto),
# assumed there by scripts/harness/lambda_identities.py and listed, by function name, in the JSON file named by
# PALISADE_LAMBDA_CREDENTIALS. MiniStack's own choice (the account id as access key, or its AUTH-mode session) is
# unknown to moto, so a function missing from the file fails with InvalidClientTokenId instead of acting unchecked.
# The file is re-read at every spawn: a new deploy's credentials reach new worker processes; a worker already warm
# keeps the credentials it started with (moto keeps them valid until moto restarts).
_identity_original = {}


def _lambda_credentials(config):
    path = os.environ.get("PALISADE_LAMBDA_CREDENTIALS", "")
    name = config.get("FunctionName", "")
    try:
        with open(path, encoding="utf-8") as f:
            creds = json.load(f).get(name)
    except (OSError, ValueError):
        creds = None
    if not creds:
        log.warning("no Palisade identity for function %s in %r: it runs with MiniStack's credentials", name, path)
        return _identity_original["execution_credentials"](config)
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


def apply_identity_patch():
    """Only when PALISADE_LAMBDA_CREDENTIALS is set; idempotent; exits loudly if MiniStack changed."""
    if _identity_original or not os.environ.get("PALISADE_LAMBDA_CREDENTIALS"):
        return
    from ministack.core import lambda_runtime
    from ministack.services import lambda_svc
    original = getattr(lambda_runtime, "execution_credentials", None)
    code = getattr(original, "__code__", None)
    if (code is None or list(code.co_varnames[: code.co_argcount]) != ["config"]
            or getattr(lambda_svc, "execution_credentials", None) is not original):
        sys.exit(f"ministack_server.py: MiniStack {version('ministack')}: execution_credentials missing or changed")
    _identity_original["execution_credentials"] = original
    lambda_runtime.execution_credentials = lambda_svc.execution_credentials = _lambda_credentials


def _detach_requested(argv):
    return any(a == "-d" or (a.startswith("-") and not a.startswith("--") and "d" in a[1:])
               or (len(a) > 2 and "--detach".startswith(a)) for a in argv)


if __name__ == "__main__":
    if _detach_requested(sys.argv[1:]):
        sys.exit("ministack_server.py: -d/--detach would serve from an unpatched `python -m hypercorn` process; "
                 "run in the foreground and background this launcher instead")
    apply_patches()
    apply_identity_patch()
    print(f"ministack_server.py: MiniStack {version('ministack')} with Palisade Step Functions patches",
          file=sys.stderr, flush=True)
    ministack.app.main()
