#!/usr/bin/env python3
"""Palisade run driver: validate the config, show the plan, start an execution of the
deployed state machine, follow it phase by phase, print the final report.

Uses the AWS SDK environment it is given (./palisade points it at MiniStack locally;
on AWS, your usual credentials for the management account).
"""
import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg, code=1):
    print(f"[palisade] ERROR: {msg}", file=sys.stderr)
    sys.exit(code)


def load_config(path):
    """YAML -> dict. Not validated here: the first phase's validator (the one authority; ./palisade
    runs it locally before starting, ConfigCheck) names the field of any error before anything
    changes. The JSON Schema next to the config serves editors."""
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(f"cannot read config {path}: {e}")


def change_lines(output):
    """Every change line the execution returned, grouped by account, in the order the phases ran:
    rendered by the phases (io.palisade.common.aws.Change.render), only printed here."""
    groups = {}

    def add(key, account_id, lines):
        if key is None:
            return
        g = groups.setdefault(key, {"accountId": account_id, "lines": []})
        g["accountId"] = g["accountId"] or account_id
        g["lines"] += [l for l in (lines or []) if l and l[0] in "+~-"]

    org = output.get("org") or {}
    for line in org.get("changes") or []:
        if line and line[0] in "+~-":
            parts = line.split(" ")
            key = parts[2].split("/")[0] if len(parts) > 2 else "organization"
            add(key if parts[1] == "organizations:account" else "organization", None, [line])
    reports = [((output.get("identityApplied") or {}).get("report") or {})] + (output.get("applied") or [])
    for r in reports + (output.get("alarms") or []):
        add(r.get("key"), r.get("accountId"), r.get("changes"))
    return groups


def summary(groups, verb="Plan"):
    lines = [l for g in groups.values() for l in g["lines"]]
    add = sum(1 for l in lines if l.startswith("+"))
    change = sum(1 for l in lines if l.startswith("~"))
    remove = sum(1 for l in lines if l.startswith("-"))
    if verb == "Plan":
        text = f"Plan: {add} to add, {change} to change, {remove} to remove."
    else:
        text = f"{verb}: {add} added, {change} changed, {remove} removed."
    return len(lines), text


def render_changes(groups, out=sys.stdout):
    for key, g in groups.items():
        if not g["lines"]:
            continue
        print(f"  # {key}" + (f" ({g['accountId']})" if g.get("accountId") else " (does not exist yet)"), file=out)
        for line in g["lines"]:
            print(f"  {line}", file=out)
        print(file=out)


def cause_of(desc):
    """The execution's error in one line: a Lambda error's type and message, not its stack trace."""
    cause = desc.get("cause") or ""
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict) and "errorMessage" in parsed:
            return f"{parsed.get('errorType', desc.get('error'))}: {parsed['errorMessage']}"
    except ValueError:
        pass
    return f"{desc.get('error')}: {cause}"


def plan_report(desc, output, mode):
    """A plan-only run (mode plan, or drift without repair): the change set, terraform-style.
    Returns the exit code: 0 nothing to change, 2 changes, 1 the run failed."""
    if desc["status"] != "SUCCEEDED":
        print(f"[palisade] the {mode} run {desc['status']}: {cause_of(desc)}", file=sys.stderr)
        return 1
    groups = change_lines(output)
    total, text = summary(groups)
    org = output.get("org") or {}
    rep = output.get("report") or {}
    what = "Drift" if mode == "drift" else "Plan"
    print(f"{what} for organization {org.get('organizationId') or '(none yet)'}, management account "
          f"{org.get('managementAccountId')}, run {(output.get('run') or {}).get('id')}:")
    print()
    if total == 0:
        print("No changes. The organization matches the configuration.")
    else:
        render_changes(groups)
        print(text)
    if rep.get("stored"):
        print(f"report: s3://{rep.get('bucket')}/{rep.get('markdownKey')} (and .json)")
    if mode == "drift" and total:
        print("not repaired: start a drift run with repair: true (./palisade run --mode drift --repair) to fix it")
    return 2 if total else 0


def build_input(config, args):
    payload = {"mode": args.mode, "repair": bool(args.repair), "config": config}
    if args.login_user or args.login_key:
        if not (args.login_user and args.login_key):
            fail("--login-user and --login-key go together")
        try:
            with open(args.login_key) as f:
                key = f.read()
        except OSError as e:
            fail(f"--login-key: {e}")
        payload["oneTimeLogin"] = {"user": args.login_user, "publicKey": key}
    return payload


def stack_outputs(stack):
    import boto3

    cfn = boto3.client("cloudformation")
    try:
        outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except Exception as e:  # noqa: BLE001 - any failure here means "not deployed"
        fail(f"stack '{stack}' not found ({e}); deploy first (./palisade local, or sam deploy)")
    found = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    if "StateMachineArn" not in found:
        fail(f"stack '{stack}' has no StateMachineArn output")
    return found


def full_reports(output, bucket):
    """The execution's output as the phases saw it: the payload carries the config and the
    organization as references ({"ref": key}) and, per Map item, a batch summary ({keys, changes:
    count, problems, reports: prefix}); each is replaced here by what the run bucket holds (the
    config, the organization, one full report per account), so it stays small at any number of
    accounts (io.palisade.common.state.PayloadRefs)."""
    if not bucket:
        return output
    import boto3

    s3 = boto3.client("s3")
    cache = {}

    def get(key):
        if key not in cache:
            cache[key] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return cache[key]

    for field in ("config", "org"):
        ref = (output.get(field) or {}).get("ref") if isinstance(output.get(field), dict) else None
        if ref:
            output[field] = get(ref)

    def full(batch):
        if not isinstance(batch, dict) or "keys" not in batch:
            return [batch] if batch else []
        return [get(batch["reports"] + key + ".json") for key in batch["keys"]]

    ident = output.get("identityApplied") or {}
    if ident.get("report"):
        ident["report"] = (full(ident["report"]) or [{}])[0]
    for field in ("applied", "alarms"):
        if isinstance(output.get(field), list):
            output[field] = [r for b in output[field] for r in full(b)]
    return output


def history(sfn, arn):
    """Every event of the execution's history, all pages."""
    events, token = [], None
    while True:
        kw = {"executionArn": arn, "maxResults": 1000}
        if token:
            kw["nextToken"] = token
        page = sfn.get_execution_history(**kw)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def follow(sfn, arn, out=sys.stdout):
    """Print each phase as it starts and ends; return describe_execution at the end."""
    seen, started = set(), {}
    t0 = time.time()
    while True:
        events = history(sfn, arn)
        for e in events:
            if e["id"] in seen:
                continue
            seen.add(e["id"])
            t = e["type"]
            if t in ("TaskStateEntered", "MapStateEntered", "WaitStateEntered"):
                name = e["stateEnteredEventDetails"]["name"]
                started[name] = time.time()
                print(f"  {time.time() - t0:6.1f}s  > {name}", file=out, flush=True)
            elif t in ("TaskStateExited", "MapStateExited", "WaitStateExited"):
                name = e["stateExitedEventDetails"]["name"]
                took = time.time() - started.get(name, time.time())
                print(f"  {time.time() - t0:6.1f}s  ok {name} ({took:.1f}s)", file=out, flush=True)
            elif t in ("TaskFailed",):
                d = e.get("taskFailedEventDetails", {})
                print(f"  {time.time() - t0:6.1f}s  !! task failed: {d.get('error')}", file=out, flush=True)
        desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return desc
        time.sleep(1)


def report(desc, output, config):
    ok = desc["status"] == "SUCCEEDED"
    print()
    print(f"== Palisade report: {desc['status']} ==")
    if not ok:
        print(f"error : {cause_of(desc)}")
        return
    org = output["org"]
    print(f"organization {org.get('organizationId')}  management account {org['managementAccountId']}")
    print("accounts:")
    for a in org["accounts"]:
        print(f"  {a['key']:<10} {a['id']:<14} {a['status']:<10} {a['email']}")
    reports = [output["identityApplied"]["report"]] + output.get("applied", [])
    print("who can assume what (groups in the identity account; every role requires MFA):")
    ident = next(r for r in reports if r["key"] == config["identityAccount"])
    for g in ident.get("groups", []):
        print(f"  {g['name']:<18} -> {', '.join(g.get('assumableRoleArns', [])) or '-'}")
    for u in ident.get("users", []):
        print(f"  user {u['name']:<13} in {', '.join(u.get('groups', []))}")
    print("trails:")
    for r in reports:
        t = r.get("trail") or {}
        print(f"  {r['key']:<10} {t.get('name')} -> s3://{t.get('bucket')}  multi-region={t.get('multiRegion')} validation={t.get('logFileValidation')}")
    print("root-login alarms:")
    for a in output.get("alarms", []):
        print(f"  {a['key']:<10} alarm {a['alarmName']} + rule {a['ruleName']} -> {a['topicArn']}")
    login = output.get("login")
    signin = ident.get("alias") or ident.get("accountId")  # the alias the run set, else the account id
    print(f"sign in: https://{signin}.signin.aws.amazon.com/console")
    print("switch-role links:")
    for r in reports:
        for role in r.get("roles", []):
            print(f"  https://signin.aws.amazon.com/switchrole?account={r['accountId']}&roleName={role['name']}&displayName={r['key']}-{role['name']}")
    if login and login.get("encryptedPassword"):
        print(f"one-time password for {login['user']} (decrypt with: gpg --decrypt):")
        print(login["encryptedPassword"])
    td = output.get("teardown", {})
    print(f"temp-admin removed: {', '.join(td.get('removed', [])) or 'nothing to remove'}")
    groups = change_lines(output)
    total, text = summary(groups, "Applied")
    if total:
        print("changes made this run:")
        render_changes(groups)
    print(text)
    rep = output.get("report") or {}
    if rep.get("stored"):
        print(f"report: s3://{rep.get('bucket')}/{rep.get('markdownKey')} (and .json)")
    found = problems(output)
    if found:
        print(f"\n!! {len(found)} problem(s) need you (everything else was applied):")
        for p in found:
            print(f"  {p['error']} at {p['field']}: {p['message']}")


def problems(output):
    """Named problems the accounts' reports carry (e.g. a taken account alias)."""
    reports = [((output.get("identityApplied") or {}).get("report") or {})] + output.get("applied", [])
    return [p for r in reports for p in (r.get("problems") or [])]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--stack", default="palisade")
    p.add_argument("--mode", default="bootstrap", choices=["bootstrap", "drift", "plan"])
    p.add_argument("--repair", action="store_true", help="drift: repair what the run finds")
    p.add_argument("--login-user")
    p.add_argument("--login-key")
    p.add_argument("--report-dir")
    p.add_argument("--name", help="execution name")
    args = p.parse_args()

    if args.repair and args.mode != "drift":
        fail("--repair goes with --mode drift")
    config = load_config(args.config)
    payload = build_input(config, args)
    plan_only = args.mode == "plan" or (args.mode == "drift" and not args.repair)
    import boto3

    sfn = boto3.client("stepfunctions")
    outputs = stack_outputs(args.stack)
    arn = outputs["StateMachineArn"]
    name = args.name or "run-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    progress = sys.stderr if plan_only else sys.stdout
    print(f"[palisade] starting execution {name} ({args.mode}{' with repair' if args.repair else ''})", file=progress)
    t0 = time.time()
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    desc = follow(sfn, execution, progress)
    output = full_reports(json.loads(desc.get("output") or "{}"), outputs.get("RunBucket"))
    if plan_only:
        code = plan_report(desc, output, args.mode)
    else:
        report(desc, output, config)
        code = None
    print(f"[palisade] execution {desc['status']} in {time.time() - t0:.1f}s", file=progress)
    if args.report_dir:
        os.makedirs(args.report_dir, exist_ok=True)
        path = os.path.join(args.report_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump({"status": desc["status"], "error": desc.get("error"), "cause": desc.get("cause"),
                       "output": output}, f, indent=2, default=str)
        print(f"[palisade] report saved to {os.path.relpath(path)}", file=progress)
    if code is not None:
        return code
    if desc["status"] != "SUCCEEDED":
        return 1
    return 3 if problems(output) else 0


if __name__ == "__main__":
    sys.exit(main())
