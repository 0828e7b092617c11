#!/usr/bin/env python3
"""Proves the table of scripts/audit.py (./palisade audit) on real Prowler output: which CIS framework it picks,
the reviewed explanations file, how findings become per-check statuses, which failures an explanation covers (an
emulator one only on the emulators), the counts, the exit status, and Prowler's read errors.

  .palisade/venv-prowler/bin/python scripts/harness/test_audit.py     (part of ./palisade test)

Fixtures (scripts/harness/testdata/audit/): whole findings, unedited, taken from a real `./palisade audit --local`
run of Prowler 5.46.0 (cis_7.0_aws) against the organization `./palisade local` built: a few findings of the
management account and of the Prod account, and lines of Prowler's log. The installed Prowler's own framework file
and the repository's config/audit-explained.yaml are read as they are. No emulator. Ends with "N passed, M failed".
"""
import io
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import audit  # noqa: E402
import yaml  # noqa: E402
from harness_testkit import check, eq, summary  # noqa: E402

DATA = os.path.join(HERE, "testdata", "audit")
FW_NAME, FW_PATH = audit.newest_cis(audit.compliance_dir())
FW = audit.load_framework(FW_PATH)
CONFIG = yaml.safe_load(open(os.path.join(ROOT, "config", "organization.yaml")))
KEYS = [a["key"] for a in CONFIG["accounts"]]
MGMT = {"key": "management", "kind": "management", "id": "123456789012", "name": "management"}
PROD = {"key": "prod", "kind": "member", "id": None, "name": "Prod"}


def findings(name):
    return audit.read_findings(os.path.join(DATA, name))


def accounts():
    m, p = dict(MGMT), dict(PROD)
    m["findings"], p["findings"] = findings("management.ocsf.json"), findings("prod.ocsf.json")
    p["id"] = p["findings"][0]["account"]
    m["id"] = m["findings"][0]["account"]
    return [m, p]


def explained(entries):
    """A temporary explanations file with these entries, loaded as audit.py loads the real one."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump({"explained": entries}, f)
    try:
        return audit.load_explained(f.name, FW["checks"], KEYS)
    finally:
        os.remove(f.name)


def raises(fn, *fragments):
    try:
        fn()
    except audit.AuditError as e:
        for frag in fragments:
            assert frag in str(e), f"{frag!r} not in {e}"
        return str(e)
    raise AssertionError("no AuditError")


def raw_statuses(name):
    """The per-check status computed straight from the OCSF JSON, independently of audit.py."""
    out = {}
    for d in json.load(open(os.path.join(DATA, name))):
        c, s = d["metadata"]["event_code"], d["status_code"]
        prev = out.get(c)
        out[c] = "FAIL" if "FAIL" in (prev, s) else "MANUAL" if "MANUAL" in (prev, s) else "PASS"
    return out


# ------------------------------------------------------------------ the framework
def test_newest_cis_is_the_installed_prowlers_highest_version():
    eq(FW_NAME, "cis_7.0_aws")
    eq(FW["framework"], "CIS")
    assert "cloudwatch_log_metric_filter_root_usage" in FW["checks"]
    assert "iam_password_policy_minimum_length_14" in FW["checks"]


def test_newest_cis_compares_versions_as_numbers():
    with tempfile.TemporaryDirectory() as d:
        for n in ("cis_1.9_aws.json", "cis_1.10_aws.json", "cis_2.0_azure.json", "cisa_aws.json"):
            open(os.path.join(d, n), "w").close()
        eq(audit.newest_cis(d)[0], "cis_1.10_aws")
        raises(lambda: audit.newest_cis(os.path.join(d, "none")), "no cis_<version>_aws.json")


# ------------------------------------------------------------------ explanations
def test_the_reviewed_explanations_file_is_valid_for_the_framework():
    entries = audit.load_explained(os.path.join(ROOT, "config", "audit-explained.yaml"), FW["checks"], KEYS)
    assert entries, "config/audit-explained.yaml explains nothing"
    for e in entries:
        assert e["kind"] in ("emulator", "design") and len(e["reason"]) >= 20, e


def test_explanations_refuse_typos_unknown_kinds_and_missing_reasons():
    msg = raises(lambda: explained([
        {"check": "iam_root_mfa_enabld", "kind": "emulator", "reason": "moto has no root user row at all"},
        {"check": "iam_root_mfa_enabled", "kind": "because", "reason": "moto has no root user row at all"},
        {"check": "iam_root_mfa_enabled", "kind": "design", "reason": "why not"},
        {"check": "iam_root_mfa_enabled", "kind": "design", "reason": "a documented choice of Palisade",
         "accounts": ["staging"]},
        {"check": "iam_root_mfa_enabled", "kind": "design", "reason": "a documented choice of Palisade",
         "severity": "low"},
    ]), "explained[0].check: 'iam_root_mfa_enabld' is not a check", "explained[1].kind", "explained[2].reason",
        "explained[3].accounts: ['staging']", "explained[4]: unknown field(s) ['severity']")
    eq(msg.count("\n"), 4, "one line per problem")


# ------------------------------------------------------------------ findings
def test_read_findings_keeps_check_status_resource_and_account():
    fs = findings("management.ocsf.json")
    eq({f["account"] for f in fs}, {"123456789012"})
    assert all(f["check"] in FW["checks"] for f in fs)
    assert all(f["status"] in ("PASS", "FAIL", "MANUAL") for f in fs)
    assert all(f["detail"] for f in fs), "every finding says what Prowler saw"


def test_check_statuses_fail_wins_then_manual_then_pass():
    for name in ("management.ocsf.json", "prod.ocsf.json"):
        got = {c: s["status"] for c, s in audit.check_statuses(findings(name)).items()}
        eq(got, raw_statuses(name), name)
    fs = [{"check": "c", "status": s, "resource": "r", "region": "", "detail": "", "account": "1"}
          for s in ("PASS", "MANUAL", "FAIL", "PASS")]
    s = audit.check_statuses(fs)["c"]
    eq((s["status"], s["findings"], len(s["failed"])), ("FAIL", 4, 1))
    eq(audit.check_statuses(fs[:2])["c"]["status"], "MANUAL")


# ------------------------------------------------------------------ the table
def counts(row):
    return {k: row[k] for k in ("pass", "fail", "manual", "no_resource", "emulator", "design", "unexplained")}


def test_without_explanations_every_failure_is_unexplained_and_exit_is_1():
    table = audit.tabulate(accounts(), FW["checks"], [], local=True)
    for row, name in zip(table["accounts"], ("management.ocsf.json", "prod.ocsf.json")):
        raw = raw_statuses(name)
        n = {s: sum(1 for v in raw.values() if v == s) for s in ("PASS", "FAIL", "MANUAL")}
        eq(counts(row), {"pass": n["PASS"], "fail": n["FAIL"], "manual": n["MANUAL"],
                         "no_resource": len(FW["checks"]) - len(raw), "emulator": 0, "design": 0,
                         "unexplained": n["FAIL"]}, row["key"])
        assert n["FAIL"] > 0, f"the fixture of {row['key']} has a failure"
    eq(audit.exit_code(table), 1)


def failing(name):
    return sorted(c for c, s in raw_statuses(name).items() if s == "FAIL")


def test_emulator_explanations_apply_only_on_the_emulators_design_ones_everywhere():
    m_fail, p_fail = failing("management.ocsf.json"), failing("prod.ocsf.json")
    entries = explained([{"check": c, "kind": "emulator", "reason": "a limit of moto, checked"} for c in m_fail]
                        + [{"check": c, "kind": "design", "reason": "a documented Palisade choice"}
                           for c in p_fail if c not in m_fail])
    local = audit.tabulate(accounts(), FW["checks"], entries, local=True)
    m, p = local["accounts"]
    eq((m["emulator"], m["design"], m["unexplained"]), (len(m_fail), 0, 0))
    eq(p["emulator"] + p["design"], len(p_fail))
    eq(p["unexplained"], 0)
    eq(audit.exit_code(local), 0)
    on_aws = audit.tabulate(accounts(), FW["checks"], entries, local=False)
    m, p = on_aws["accounts"]
    eq((m["emulator"], m["unexplained"]), (0, len(m_fail)), "on AWS an emulator explanation explains nothing")
    eq(p["design"], len([c for c in p_fail if c not in m_fail]))
    eq(audit.exit_code(on_aws), 1)
    item = local["accounts"][0]["checks"][m_fail[0]]
    eq(item["explained"], {"kind": "emulator", "reason": "a limit of moto, checked"})
    assert item["failed"] and item["failed"][0]["detail"], "the failed resources stay in the table"


def test_an_explanation_names_accounts_by_kind_or_key():
    c = sorted(set(failing("management.ocsf.json")) & set(failing("prod.ocsf.json")))[0]
    for accounts_, expect_m, expect_p in ((["management"], 0, 1), (["member"], 1, 0), (["prod"], 1, 0),
                                          (["identity"], 1, 1), (None, 0, 0)):
        e = {"check": c, "kind": "design", "reason": "a documented Palisade choice"}
        if accounts_:
            e["accounts"] = accounts_
        m, p = audit.tabulate(accounts(), FW["checks"], explained([e]), local=True)["accounts"]
        eq((m["checks"][c].get("explained") is None, p["checks"][c].get("explained") is None),
           (bool(expect_m), bool(expect_p)), f"accounts {accounts_}")


def test_unused_explanations_are_listed_emulator_ones_only_on_the_emulators():
    passing = sorted(c for c, s in raw_statuses("management.ocsf.json").items() if s == "PASS")[0]
    entries = explained([{"check": passing, "kind": "emulator", "reason": "a limit of moto, checked"},
                         {"check": passing, "kind": "design", "reason": "a documented Palisade choice"}])
    eq([e["kind"] for e in audit.tabulate(accounts(), FW["checks"], entries, local=True)["unused_explanations"]],
       ["emulator", "design"])
    eq([e["kind"] for e in audit.tabulate(accounts(), FW["checks"], entries, local=False)["unused_explanations"]],
       ["design"])


def test_an_account_not_audited_is_a_row_and_exit_2():
    m, p = accounts()
    p = {k: p[k] for k in ("key", "kind", "id", "name")}
    p["error"] = "cannot assume arn:aws:iam::1:role/PalisadeAudit: AccessDenied"
    table = audit.tabulate([m, p], FW["checks"], [], local=True)
    eq(audit.exit_code(table), 2)
    out = io.StringIO()
    audit.render(table, out)
    assert "not audited" in out.getvalue() and "NOT AUDITED prod" in out.getvalue(), out.getvalue()


def test_findings_of_another_account_are_refused():
    m, p = accounts()
    m["id"] = "999999999999"
    raises(lambda: audit.tabulate([m, p], FW["checks"], [], local=True), "management", "999999999999")


def test_render_prints_one_row_per_account_and_each_unexplained_failure():
    table = audit.tabulate(accounts(), FW["checks"], [], local=True)
    table["title"] = "t"
    out = io.StringIO()
    audit.render(table, out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[1].split()[:4] == ["account", "id", "pass", "fail"], lines[1]
    assert lines[2].startswith("management") and lines[3].startswith("prod"), text
    eq(lines[2].split()[2:4], [str(table["accounts"][0]["pass"]), str(table["accounts"][0]["fail"])])
    for c in failing("management.ocsf.json"):
        assert any(line.split()[:2] == ["management", c + ":"] for line in lines), (c, text)


# ------------------------------------------------------------------ Prowler's log
def test_read_errors_keeps_distinct_error_lines_of_prowlers_log():
    errs = audit.read_errors(os.path.join(DATA, "prowler.log"))
    raw = [line for line in open(os.path.join(DATA, "prowler.log")) if '"level": "ERROR"' in line]
    assert raw and errs, "the fixture log has errors"
    assert len(errs) <= len(raw)
    assert all(": " in e for e in errs)
    modules = {e.split(":")[0] for e in errs}
    # an error whose message goes on over lines (moto's HTML 500 page) counts too
    assert {"accessanalyzer_service", "ec2_service", "iam_service", "kms_service"} <= modules, modules
    assert any("(500) when calling the ListAnalyzers operation" in e and e.endswith("[500 Internal Server Error]")
               for e in errs), errs
    assert any("GetRestApis operation" in e and e.endswith("[SignatureDoesNotMatch]") for e in errs), errs
    eq(audit.read_errors(os.path.join(DATA, "missing.log")), [])


# ------------------------------------------------------------------ S3 Control on the emulators
def test_prowler_local_sends_s3_control_account_hosts_to_the_endpoint_only():
    import prowler_local
    from urllib.parse import urlsplit
    ep = urlsplit("https://localhost:6443")
    fix = lambda url: prowler_local.account_host_to_endpoint(url, ep)  # noqa: E731
    eq(fix("https://123456789012.localhost:6443/v20180820/configuration/publicAccessBlock"),
       "https://localhost:6443/v20180820/configuration/publicAccessBlock")
    eq(fix("https://localhost:6443/v20180820/accesspoint?maxResults=1"), "https://localhost:6443/v20180820/accesspoint?maxResults=1")
    for other in ("https://mybucket.localhost:6443/key", "https://123456789012.localhost:7443/v20180820/x",
                  "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x"):
        eq(fix(other), other, "not an account host of the endpoint")


def main():
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            check(name, fn)
    return summary()



def trusted_administrator():
    with tempfile.TemporaryDirectory() as d:
        default = os.path.join(d, "default.yaml")
        with open(default, "w") as f:
            yaml.safe_dump({"aws": {"organizations_trusted_delegated_administrators": [], "max_ec2_instance_age_in_days": 180},
                            "azure": {"x": 1}}, f)
        path = audit.prowler_config([{"key": "management", "kind": "management", "id": "111111111111"},
                                     {"key": "infosec", "kind": "identity", "id": "222222222222"},
                                     {"key": "prod", "kind": "member", "id": "333333333333"}], d, default)
        with open(path) as f:
            doc = yaml.safe_load(f)
        eq(doc["aws"]["organizations_trusted_delegated_administrators"], ["222222222222"], "only the identity account")
        eq((doc["aws"]["max_ec2_instance_age_in_days"], doc["azure"]), (180, {"x": 1}), "the rest as Prowler ships it")
    # the installed Prowler's own default config is found and kept
    with tempfile.TemporaryDirectory() as d:
        with open(audit.prowler_config([{"kind": "identity", "id": "222222222222"}], d)) as f:
            doc = yaml.safe_load(f)
        eq(doc["aws"]["organizations_trusted_delegated_administrators"], ["222222222222"])
        assert "mute_non_default_regions" in doc["aws"], "Prowler's default config was not the base"


check("prowler config: Prowler's defaults, the identity account a trusted delegated administrator",
      trusted_administrator)

if __name__ == "__main__":
    sys.exit(main())
