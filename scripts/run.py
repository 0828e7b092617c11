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
SCHEMA = os.path.join(ROOT, "config", "organization.schema.json")


def fail(msg, code=2):
    print(f"[palisade] ERROR: {msg}", file=sys.stderr)
    sys.exit(code)


def field_path(parts):
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "config"


def load_config(path):
    """YAML -> dict, checked against the JSON Schema; errors name the field."""
    try:
        with open(path) as f:
            config = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(f"cannot read config {path}: {e}")
    import jsonschema

    with open(SCHEMA) as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {field_path(e.absolute_path)}: {e.message}" for e in errors]
        fail(f"invalid config {os.path.relpath(path)}:\n" + "\n".join(lines))
    return config


def plan(config):
    org = config["organization"]["name"]
    ident = config["identityAccount"]
    print(f"Plan for organization '{org}' (region {config['organization']['region']}); a run converges to:")
    print("  accounts (created if no account has the email; alias <org>-<key>):")
    for a in config["accounts"]:
        tag = "  identity: users, state bucket, CloudTrail bucket" if a["key"] == ident else ""
        print(f"    {a['key']:<10} {a['name']:<12} {a['email']:<32} roles {', '.join(a.get('roles', [])) or '-'}{tag}")
    print(f"    {'management':<10} {'(payer)':<12} {'':<32} roles {', '.join(config['organization'].get('managementRoles', [])) or '-'}")
    print(f"  groups in {ident} (sts:AssumeRole on exactly these roles, MFA required by each role):")
    for g in config.get("groups", []):
        print(f"    {g['name']:<18} -> " + ", ".join(f"{x['account']}/{x['role']}" for x in g["assume"]))
    print(f"  users in {ident} (+ AllUsers: manage own credentials, nothing without MFA):")
    for u in config.get("users", []):
        print(f"    {u['name']:<18} in " + (", ".join(u.get("groups", [])) or "-"))
    pp = config["passwordPolicy"]
    print(f"  password policy: length >= {pp['minimumLength']}, reuse prevention {pp['reusePrevention']}, all character classes")
    print(f"  every account: trail palisade-trail (multi-region, validation) -> {org}-palisade-trail-<{ident} id>,")
    print("                 root-usage metric filter + alarm + EventBridge rule -> SNS palisade-root-alerts"
          f" ({', '.join(config.get('alerts', {}).get('emails', [])) or 'no subscriptions'})")
    print("  temporary: PalisadeTempAdmin + PalisadeBootstrap roles, removed at the end of the run")


def build_input(config, args):
    payload = {"mode": args.mode, "config": config}
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


def state_machine_arn(stack):
    import boto3

    cfn = boto3.client("cloudformation")
    try:
        outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except Exception as e:  # noqa: BLE001 - any failure here means "not deployed"
        fail(f"stack '{stack}' not found ({e}); deploy first (./palisade local, or sam deploy)")
    for o in outputs:
        if o["OutputKey"] == "StateMachineArn":
            return o["OutputValue"]
    fail(f"stack '{stack}' has no StateMachineArn output")


def follow(sfn, arn):
    """Print each phase as it starts and ends; return describe_execution at the end."""
    seen, started = set(), {}
    t0 = time.time()
    while True:
        token, events = None, []
        while True:
            kw = {"executionArn": arn, "maxResults": 1000}
            if token:
                kw["nextToken"] = token
            page = sfn.get_execution_history(**kw)
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                break
        for e in events:
            if e["id"] in seen:
                continue
            seen.add(e["id"])
            t = e["type"]
            if t in ("TaskStateEntered", "MapStateEntered", "WaitStateEntered"):
                name = e["stateEnteredEventDetails"]["name"]
                started[name] = time.time()
                print(f"  {time.time() - t0:6.1f}s  > {name}", flush=True)
            elif t in ("TaskStateExited", "MapStateExited", "WaitStateExited"):
                name = e["stateExitedEventDetails"]["name"]
                took = time.time() - started.get(name, time.time())
                print(f"  {time.time() - t0:6.1f}s  ok {name} ({took:.1f}s)", flush=True)
            elif t in ("TaskFailed",):
                d = e.get("taskFailedEventDetails", {})
                print(f"  {time.time() - t0:6.1f}s  !! task failed: {d.get('error')}", flush=True)
        desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return desc
        time.sleep(1)


def report(desc, output, config):
    ok = desc["status"] == "SUCCEEDED"
    print()
    print(f"== Palisade report: {desc['status']} ==")
    if not ok:
        print(f"error : {desc.get('error')}")
        print(f"cause : {desc.get('cause')}")
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
    changes = sum(len(r.get("changes", [])) for r in reports) + sum(len(a.get("changes", [])) for a in output.get("alarms", []))
    print(f"baseline changes this run: {changes}")
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
    p.add_argument("--plan", action="store_true")
    p.add_argument("--mode", default="bootstrap", choices=["bootstrap", "drift"])
    p.add_argument("--login-user")
    p.add_argument("--login-key")
    p.add_argument("--report-dir")
    p.add_argument("--name", help="execution name")
    args = p.parse_args()

    config = load_config(args.config)
    payload = build_input(config, args)
    plan(config)
    if args.plan:
        return 0
    import boto3

    sfn = boto3.client("stepfunctions")
    arn = state_machine_arn(args.stack)
    name = args.name or "run-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    print(f"\n[palisade] starting execution {name}")
    t0 = time.time()
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    desc = follow(sfn, execution)
    output = json.loads(desc.get("output") or "{}")
    report(desc, output, config)
    print(f"\n[palisade] execution {desc['status']} in {time.time() - t0:.1f}s")
    if args.report_dir:
        os.makedirs(args.report_dir, exist_ok=True)
        path = os.path.join(args.report_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump({"status": desc["status"], "error": desc.get("error"), "cause": desc.get("cause"),
                       "output": output}, f, indent=2, default=str)
        print(f"[palisade] report saved to {os.path.relpath(path)}")
    if desc["status"] != "SUCCEEDED":
        return 1
    return 3 if problems(output) else 0


if __name__ == "__main__":
    sys.exit(main())
