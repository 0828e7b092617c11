#!/usr/bin/env python3
"""./palisade audit: Prowler's newest CIS AWS Foundations benchmark in every account of the organization, one table.

  .palisade/venv-prowler/bin/python scripts/audit.py [--local] [--region R ...] [--role PalisadeAudit]

What it does:
 1. Finds the organization's accounts with the caller's credentials (management account): DescribeOrganization for
    the management account's id, ListAccounts for every ACTIVE member. Members are named by the config's account key
    (matched by email); the identity account (config `identityAccount`) is kind `identity`, the others `member`.
 2. Credentials per account: the caller's own in the management account; in each member account a session of the
    read-only `PalisadeAudit` role (AWS managed ReadOnlyAccess; `--role` names another), assumed with sts:AssumeRole.
 3. Runs Prowler (pinned in scripts/harness/requirements-prowler.txt, its own venv) once per account with
    `--compliance <newest cis_*_aws>`: Prowler then runs only the checks that framework maps (checks_loader.py), and
    writes OCSF JSON, which this script reads. The framework is picked from the files the installed Prowler ships
    (prowler/compliance/aws/cis_<version>_aws.json, highest version), so an upgrade of the pin moves the benchmark.
 4. Counts, per account and per check, the check's status (FAIL if any of its findings fails, else MANUAL if any
    is manual, else PASS; a check with no finding, e.g. RDS checks where there is no database, is "no resource").
    Prowler's own mutelist is not honoured (a muted finding counts with its status): the only way to explain a
    failure is config/audit-explained.yaml, reviewed like code. Each entry names a check, optionally the accounts
    (kinds management/identity/member or config keys) and its kind:
      emulator  a limit of the local emulators (moto); applies ONLY with --local, never on AWS;
      design    a documented Palisade choice; applies everywhere.
    and says why (reason). An entry naming a check the framework does not have is an error (a typo would explain
    nothing).
 5. Prints one table by account (pass, fail, manual, no resource, explained emulator/design, unexplained), then every
    unexplained failure with Prowler's own words, and explanations that no failure needed any more. Writes the same as
    JSON (--json, default .palisade/audit.json) and keeps Prowler's outputs under .palisade/audit/<account>/.
 6. Prowler runs with its own default config plus one setting (prowler_config): the identity account is a trusted
    delegated administrator, as Palisade makes it one (Access Analyzer, Security Hub); written to
    .palisade/audit/prowler-config.yaml.

Exit status: 0 no unexplained failure; 1 unexplained failures; 2 an account could not be audited (or bad input).
--retabulate re-reads the last run's outputs with the current explanations, without running Prowler again.
"""
import argparse
import concurrent.futures
import datetime
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("emulator", "design")
ACCOUNT_KINDS = ("management", "identity", "member")
STATUSES = ("PASS", "FAIL", "MANUAL")
# environment variables that would make Prowler act as someone else than the account's credentials say
AWS_IDENTITY_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")


class AuditError(Exception):
    """Bad input (config, explanations, framework) or an account that could not be audited."""


# ------------------------------------------------------------------ the framework
def compliance_dir():
    """prowler/compliance/aws of the installed Prowler, found without importing it."""
    spec = importlib.util.find_spec("prowler")
    if spec is None or not spec.submodule_search_locations:
        raise AuditError("Prowler is not installed in this Python (./palisade audit installs .palisade/venv-prowler)")
    return os.path.join(list(spec.submodule_search_locations)[0], "compliance", "aws")


def prowler_config(accounts, out_dir, default=None):
    """Prowler's own default config (prowler/config/config.yaml of the installed Prowler), with one thing Palisade
    knows and Prowler cannot: the identity account is the organization's delegated administrator by design (IAM
    Access Analyzer and Security Hub are administered from it), so organizations_delegated_administrators must trust
    it. Any other delegated administrator still fails that check. Returns the path of the file written."""
    if default is None:
        spec = importlib.util.find_spec("prowler")
        if spec is None or not spec.submodule_search_locations:
            raise AuditError("Prowler is not installed in this Python (./palisade audit installs .palisade/venv-prowler)")
        default = os.path.join(list(spec.submodule_search_locations)[0], "config", "config.yaml")
    with open(default) as f:
        doc = yaml.safe_load(f) or {}
    doc.setdefault("aws", {})["organizations_trusted_delegated_administrators"] = sorted(
        a["id"] for a in accounts if a.get("kind") == "identity" and a.get("id"))
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "prowler-config.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    return path


def newest_cis(directory):
    """(name, path) of the highest-versioned cis_<version>_aws.json in directory, e.g. ("cis_7.0_aws", ...)."""
    found = []
    for path in glob.glob(os.path.join(directory, "cis_*_aws.json")):
        m = re.fullmatch(r"cis_(\d+(?:\.\d+)*)_aws\.json", os.path.basename(path))
        if m:
            found.append((tuple(int(p) for p in m.group(1).split(".")), path))
    if not found:
        raise AuditError(f"no cis_<version>_aws.json in {directory}")
    _, path = max(found)
    return os.path.basename(path)[:-len(".json")], path


def load_framework(path):
    """The framework's name, version, every check id it maps, and how many requirements map none (manual only)."""
    with open(path) as f:
        d = json.load(f)
    checks = sorted({c for r in d["Requirements"] for c in r.get("Checks", [])})
    return {"framework": d.get("Framework"), "version": d.get("Version"), "checks": checks,
            "requirements": len(d["Requirements"]),
            "requirements_without_checks": sum(1 for r in d["Requirements"] if not r.get("Checks"))}


# ------------------------------------------------------------------ explanations
def load_explained(path, framework_checks, account_keys=()):
    """The reviewed explanations: a list of {check, kind, accounts (None: all), reason}. Every problem is named."""
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    entries = doc.get("explained", []) if isinstance(doc, dict) else None
    entries = [] if entries is None and isinstance(doc, dict) and "explained" in doc else entries
    if not isinstance(entries, list):
        raise AuditError(f"{path}: expected a top-level list 'explained'")
    known = set(framework_checks)
    selectors = set(ACCOUNT_KINDS) | set(account_keys)
    problems, out = [], []
    for i, e in enumerate(entries):
        where = f"{path}: explained[{i}]"
        if not isinstance(e, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        extra = set(e) - {"check", "kind", "accounts", "reason"}
        if extra:
            problems.append(f"{where}: unknown field(s) {sorted(extra)}")
        check = e.get("check")
        if check not in known:
            problems.append(f"{where}.check: {check!r} is not a check of the framework")
        if e.get("kind") not in KINDS:
            problems.append(f"{where}.kind: {e.get('kind')!r} must be one of {list(KINDS)}")
        reason = e.get("reason")
        if not isinstance(reason, str) or len(reason.strip()) < 20:
            problems.append(f"{where}.reason: say why (at least 20 characters)")
        accounts = e.get("accounts")
        if accounts is not None:
            if not isinstance(accounts, list) or not accounts:
                problems.append(f"{where}.accounts: a non-empty list, or leave it out for every account")
                accounts = None
            else:
                bad = [a for a in accounts if a not in selectors]
                if bad:
                    problems.append(f"{where}.accounts: {bad} not among {sorted(selectors)}")
        out.append({"check": check, "kind": e.get("kind"), "accounts": accounts,
                    "reason": " ".join(str(reason).split())})
    if problems:
        raise AuditError("\n".join(problems))
    return out


def explanation(entries, check, account, local):
    """The first entry that explains check's failure in account ({key, kind}); emulator entries only when local."""
    for e in entries:
        if e["check"] != check or (e["kind"] == "emulator" and not local):
            continue
        if e["accounts"] is None or account["kind"] in e["accounts"] or account["key"] in e["accounts"]:
            return e
    return None


# ------------------------------------------------------------------ Prowler's findings
def read_findings(path):
    """Prowler's OCSF JSON (a list of Detection Findings) -> [{check, status, resource, region, detail, account}]."""
    with open(path) as f:
        raw = json.load(f)
    out = []
    for d in raw:
        status = d.get("status_code")
        if status not in STATUSES:
            raise AuditError(f"{path}: unexpected status_code {status!r}")
        res = (d.get("resources") or [{}])[0]
        out.append({"check": d["metadata"]["event_code"], "status": status, "resource": res.get("uid", ""),
                    "region": res.get("region", ""), "detail": d.get("status_detail", ""),
                    "account": ((d.get("cloud") or {}).get("account") or {}).get("uid", "")})
    return out


_LOG_RECORD = re.compile(r'"level": "(ERROR|CRITICAL)", "module": "([^"]*)", "message": "(.*?)(?:"}\s*)?$', re.S)
_ERROR_PAGE = re.compile(r"<Code>([^<]*)</Code>|<title>([^<]*)</title>")


def read_errors(path):
    """What Prowler could not read, from its --log-file (JSON-like records, one a line unless the message, which is
    not escaped, goes on over several, e.g. an HTML error page): distinct "module: message" of ERROR and CRITICAL
    records, in order, the first line of the message plus the error code or page title the rest names. A service
    that could not be read leaves its checks without findings ("no resource"), so the table shows these."""
    records, out = [], []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith('{"timestamp"') or not records:
                    records.append(line)
                else:
                    records[-1] += line
    except FileNotFoundError:
        return out
    for rec in records:
        m = _LOG_RECORD.search(rec)
        if not m:
            continue
        first, _, rest = m.group(3).partition("\n")
        msg = " ".join(first.split())[:300]
        page = _ERROR_PAGE.search(rest)
        if page:
            msg += f" [{page.group(1) or page.group(2)}]"
        msg = f"{m.group(2)}: {msg}"
        if msg not in out:
            out.append(msg)
    return out


def check_statuses(findings):
    """{check: {status, failed: [finding...], findings: n}}: FAIL if any fails, else MANUAL if any, else PASS."""
    by = {}
    for f in findings:
        by.setdefault(f["check"], []).append(f)
    out = {}
    for check, fs in sorted(by.items()):
        statuses = {f["status"] for f in fs}
        status = "FAIL" if "FAIL" in statuses else "MANUAL" if "MANUAL" in statuses else "PASS"
        out[check] = {"status": status, "findings": len(fs), "failed": [f for f in fs if f["status"] == "FAIL"]}
    return out


def tabulate(accounts, framework_checks, entries, local):
    """accounts: [{key, kind, id, name, findings | error}] -> the table (a JSON-able dict) with every row's counts."""
    rows, used = [], set()
    for a in accounts:
        row = {k: a.get(k) for k in ("key", "kind", "id", "name")}
        if a.get("error"):
            row["error"] = a["error"]
            rows.append(row)
            continue
        statuses = check_statuses(a["findings"])
        foreign = sorted({f["account"] for f in a["findings"]} - {a["id"]})
        if foreign:
            raise AuditError(f"{a['key']}: Prowler's findings name account(s) {foreign}, not {a['id']}")
        counts = {"pass": 0, "fail": 0, "manual": 0, "no_resource": 0, "emulator": 0, "design": 0, "unexplained": 0}
        checks = {}
        for check in framework_checks:
            s = statuses.get(check)
            if s is None:
                counts["no_resource"] += 1
                continue
            item = {"status": s["status"], "findings": s["findings"]}
            counts[s["status"].lower()] += 1
            if s["status"] == "FAIL":
                e = explanation(entries, check, a, local)
                item["failed"] = [{k: f[k] for k in ("resource", "region", "detail")} for f in s["failed"]]
                if e:
                    used.add(id(e))
                    counts[e["kind"]] += 1
                    item["explained"] = {"kind": e["kind"], "reason": e["reason"]}
                else:
                    counts["unexplained"] += 1
            checks[check] = item
        unknown = sorted(set(statuses) - set(framework_checks))
        if unknown:
            raise AuditError(f"{a['key']}: Prowler ran checks outside the framework: {unknown}")
        row.update(counts)
        row["checks"] = checks
        row["prowler_errors"] = a.get("errors", [])
        rows.append(row)
    unused = [{k: e[k] for k in ("check", "kind", "accounts", "reason")} for e in entries
              if id(e) not in used and (e["kind"] == "design" or local)]
    return {"accounts": rows, "unused_explanations": unused}


def exit_code(table):
    """2 if an account could not be audited, 1 if any failure is unexplained, else 0."""
    if any(r.get("error") for r in table["accounts"]):
        return 2
    return 1 if any(r["unexplained"] for r in table["accounts"]) else 0


def render(table, out=sys.stdout):
    p = lambda s="": print(s, file=out)  # noqa: E731
    p(f"{table.get('title', 'CIS AWS Foundations')}")
    cols = ["account", "id", "pass", "fail", "manual", "no resource", "explained emulator", "explained design",
            "unexplained", "read errors"]
    lines = []
    for r in table["accounts"]:
        if r.get("error"):
            lines.append([r["key"], r["id"] or "?", "-", "-", "-", "-", "-", "-", "not audited", "-"])
        else:
            lines.append([r["key"], r["id"]] + [str(r[k]) for k in ("pass", "fail", "manual", "no_resource",
                                                                     "emulator", "design", "unexplained")]
                         + [str(len(r.get("prowler_errors", [])))])
    widths = [max(len(c), *(len(x[i]) for x in lines)) if lines else len(c) for i, c in enumerate(cols)]
    fmt = lambda row: "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths)))  # noqa: E731
    p(fmt(cols))
    for x in lines:
        p(fmt(x))
    errors = [r for r in table["accounts"] if r.get("error")]
    for r in errors:
        p(f"\nNOT AUDITED {r['key']} ({r['id']}): {r['error']}")
    unexplained = [(r, c, i) for r in table["accounts"] if not r.get("error")
                   for c, i in r["checks"].items() if i["status"] == "FAIL" and "explained" not in i]
    if unexplained:
        p("\nUnexplained failures (fix them, or explain them in config/audit-explained.yaml with a reason):")
        for r, c, i in unexplained:
            first = i["failed"][0]
            more = f" (+{len(i['failed']) - 1} more)" if len(i["failed"]) > 1 else ""
            p(f"  {r['key']:<12} {c}: {first['detail']}{more}")
    read_errors_ = [(r["key"], m) for r in table["accounts"] for m in r.get("prowler_errors", [])]
    if read_errors_:
        p("\nProwler could not read (the checks of these calls have no finding; Prowler's log has the rest):")
        for key, m in read_errors_:
            p(f"  {key:<12} {m}")
    if table["unused_explanations"]:
        p("\nExplanations no failure needed in this run (remove them once the gap is closed for good):")
        for e in table["unused_explanations"]:
            p(f"  {e['check']} ({e['kind']}{', ' + ','.join(e['accounts']) if e['accounts'] else ''})")


# ------------------------------------------------------------------ the organization and Prowler
def load_config(path):
    with open(path) as f:
        return yaml.safe_load(f)


def session_factory(local, endpoint, ca):
    import boto3  # only here: the tabulating functions above need no AWS SDK

    def make(region, **creds):
        s = boto3.session.Session(region_name=region, **creds)
        if local:
            return lambda svc: s.client(svc, endpoint_url=endpoint, verify=ca)
        return lambda svc: s.client(svc)
    return make


def find_accounts(client, config):
    """[{key, kind, id, name, email}]: the management account first, then every ACTIVE member."""
    org = client("organizations").describe_organization()["Organization"]
    mgmt = org["MasterAccountId"]
    by_email = {a["email"].lower(): a["key"] for a in config.get("accounts", [])}
    identity = config.get("identityAccount")
    out, members = [], []
    for page in client("organizations").get_paginator("list_accounts").paginate():
        for a in page["Accounts"]:
            if a["Status"] != "ACTIVE":
                continue
            if a["Id"] == mgmt:
                out.append({"key": "management", "kind": "management", "id": a["Id"], "name": a["Name"]})
                continue
            key = by_email.get(a["Email"].lower(), a["Name"])
            members.append({"key": key, "kind": "identity" if key == identity else "member", "id": a["Id"],
                            "name": a["Name"]})
    return out + sorted(members, key=lambda a: (a["kind"] != "identity", a["key"]))


def prowler_env(creds, local, endpoint, ca, region):
    """The environment Prowler runs with in one account: only that account's credentials (none of the caller's
    profile or keys leak in); creds None = the caller's own (management account)."""
    env = dict(os.environ)
    if creds is not None:
        for v in AWS_IDENTITY_VARS:
            env.pop(v, None)
        env.update({"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"]})
        if creds.get("SessionToken"):
            env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    if local:
        env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_CA_BUNDLE": ca})
    if region:
        env.update({"AWS_DEFAULT_REGION": region, "AWS_REGION": region})
    return env


def prowler_command(args):
    """How Prowler is started: on the emulators through scripts/harness/prowler_local.py (S3 Control's account-id
    host name, which does not resolve locally; its docstring says why), else the pinned `prowler` itself."""
    if args.local:
        return [sys.executable, os.path.join(ROOT, "scripts", "harness", "prowler_local.py")]
    return [args.prowler]


def run_prowler(prowler, framework, account, env, regions, out_dir, scan_unused=False, config_file=None):
    """One Prowler run in one account -> the path of its OCSF JSON. Its console output goes to prowler.out."""
    os.makedirs(out_dir, exist_ok=True)
    name = f"prowler-{account['key']}"
    for old in glob.glob(os.path.join(out_dir, name + ".*")):
        os.remove(old)
    cmd = [*prowler, "aws", "--compliance", framework, "--output-formats", "json-ocsf", "--output-directory", out_dir,
           "--output-filename", name, "--no-banner", "--no-color", "--ignore-exit-code-3", "--log-level", "ERROR",
           "--log-file", os.path.join(out_dir, "prowler.log")]
    if regions:
        cmd += ["--region", *regions]
    if scan_unused:
        cmd.append("--scan-unused-services")
    if config_file:
        cmd += ["--config-file", config_file]
    with open(os.path.join(out_dir, "prowler.out"), "w") as log:
        rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    path = os.path.join(out_dir, name + ".ocsf.json")
    if rc != 0:
        raise AuditError(f"Prowler exited {rc} (output: {os.path.relpath(out_dir, ROOT)}/prowler.out)")
    if not os.path.exists(path):  # Prowler writes no OCSF file when no check had a finding
        with open(path, "w") as f:
            f.write("[]")
    return path


def audit_account(account, args, framework, make_client, regions, caller_partition):
    t0 = time.monotonic()
    try:
        creds = None
        if account["kind"] != "management":
            arn = f"arn:{caller_partition}:iam::{account['id']}:role/{args.role}"
            try:
                creds = make_client(args.sts_region)("sts").assume_role(
                    RoleArn=arn, RoleSessionName="palisade-audit", DurationSeconds=3600)["Credentials"]
            except Exception as e:  # noqa: BLE001 - named in the table; the others still run
                raise AuditError(f"cannot assume {arn}: {e}") from e
        env = prowler_env(creds, args.local, args.endpoint, args.ca, args.sts_region)
        out_dir = os.path.join(args.out_dir, account["key"])
        account["ocsf"] = run_prowler(prowler_command(args), framework, account, env, regions, out_dir,
                                      args.scan_unused_services, getattr(args, "prowler_config", None))
    except AuditError as e:
        account["error"] = str(e)
    account["seconds"] = round(time.monotonic() - t0, 1)
    return account


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=os.path.join(ROOT, "config", "organization.yaml"))
    ap.add_argument("--explained", default=os.path.join(ROOT, "config", "audit-explained.yaml"))
    ap.add_argument("--local", action="store_true", help="the emulated organization (moto) instead of AWS")
    ap.add_argument("--endpoint", default=os.environ.get("PALISADE_MOTO_URL", "https://localhost:5443"))
    ap.add_argument("--ca", default=os.path.join(ROOT, ".palisade", "tls", "ca.pem"))
    ap.add_argument("--region", nargs="+", help="regions Prowler scans (default: every enabled region on AWS; "
                                                "the config's home region on the emulators)")
    ap.add_argument("--role", default="PalisadeAudit", help="role assumed in each member account")
    ap.add_argument("--prowler", default=os.path.join(os.path.dirname(sys.executable), "prowler"))
    ap.add_argument("--scan-unused-services", action="store_true",
                    help="Prowler's flag: also check services the account does not use (e.g. account-level settings "
                         "of a service with no resource)")
    ap.add_argument("--parallel", type=int, default=2, help="accounts audited at once")
    ap.add_argument("--out-dir", default=os.path.join(ROOT, ".palisade", "audit"))
    ap.add_argument("--json", default=os.path.join(ROOT, ".palisade", "audit.json"))
    ap.add_argument("--retabulate", action="store_true",
                    help="re-read the last run's Prowler outputs (--out-dir) with the current explanations")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        config = load_config(args.config)
        home = (config.get("organization") or {}).get("region") or "us-east-1"
        args.sts_region = home
        name, path = newest_cis(compliance_dir())
        fw = load_framework(path)
        entries = load_explained(args.explained, fw["checks"], [a["key"] for a in config.get("accounts", [])])
        regions = args.region or ([home] if args.local else None)
        state_path = os.path.join(args.out_dir, "accounts.json")
        if args.retabulate:
            with open(state_path) as f:
                state = json.load(f)
            accounts, name, regions, args.local = state["accounts"], state["framework_id"], state["regions"], \
                state["local"]
        else:
            make = session_factory(args.local, args.endpoint, args.ca)
            creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"} if args.local else {}
            if args.local:  # the harness's root key: the emulated management account's root user
                os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
                for v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
                    os.environ.pop(v, None)
            client = make(home, **creds)
            partition = client("sts").get_caller_identity()["Arn"].split(":")[1]
            accounts = find_accounts(client, config)
            args.prowler_config = prowler_config(accounts, args.out_dir)
            print(f"[palisade] audit: {name} (Prowler {prowler_version(args.prowler)}) in {len(accounts)} accounts, "
                  f"regions {','.join(regions) if regions else 'all enabled'}, {'emulators' if args.local else 'AWS'}"
                  f"; Prowler's outputs in {os.path.relpath(args.out_dir, ROOT)}/", file=sys.stderr, flush=True)
            with concurrent.futures.ThreadPoolExecutor(max(1, args.parallel)) as pool:
                done = list(pool.map(lambda a: audit_account(a, args, name, lambda r: make(r, **creds), regions,
                                                             partition), accounts))
            accounts = done
            os.makedirs(args.out_dir, exist_ok=True)
            with open(state_path, "w") as f:
                json.dump({"framework_id": name, "regions": regions, "local": args.local, "accounts": accounts}, f,
                          indent=1)
        for a in accounts:
            if not a.get("error"):
                a["findings"] = read_findings(a["ocsf"])
                a["errors"] = read_errors(os.path.join(os.path.dirname(a["ocsf"]), "prowler.log"))
        table = tabulate(accounts, fw["checks"], entries, args.local)
    except (AuditError, OSError, yaml.YAMLError, KeyError) as e:
        print(f"[palisade] ERROR: audit: {e}", file=sys.stderr)
        return 2
    table.update({"title": f"{fw['framework']} {fw['version']} ({name}: {len(fw['checks'])} checks; "
                           f"{fw['requirements_without_checks']} of {fw['requirements']} requirements are manual "
                           f"only) - {'emulators' if args.local else 'AWS'}, "
                           f"regions {','.join(regions) if regions else 'all enabled'}",
                  "framework_id": name, "target": "emulators" if args.local else "aws", "regions": regions,
                  "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "seconds": round(time.monotonic() - t0, 1),
                  "account_seconds": {a["key"]: a.get("seconds") for a in accounts}})
    table["exit"] = exit_code(table)
    render(table)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(table, f, indent=1)
    print(f"\n[palisade] audit finished in {table['seconds']} s (table: {os.path.relpath(args.json, ROOT)}); "
          f"exit {table['exit']}", file=sys.stderr)
    return table["exit"]


def prowler_version(prowler):
    try:
        from importlib.metadata import version
        return version("prowler")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
