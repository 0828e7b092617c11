#!/usr/bin/env python3
"""Proves scripts/harness/moto_access_analyzer.py: the emulated organization's IAM Access Analyzer, over the wire.

  python3 scripts/harness/test_moto_access_analyzer.py        (exit status != 0 on failure)

Starts one launcher (moto_server.py) with TLS on a free port and IAM enforcement on (INITIAL_NO_AUTH_ACTION_COUNT=0),
makes an organization with two member accounts, and holds the model to what AWS does: an ORGANIZATION analyzer is
refused until trusted access is enabled, then refused to a member that is not the delegated administrator, then made
by the delegated administrator (and by the management account); names are unique per account and region; an IAM
principal needs access-analyzer:CreateAnalyzer on the analyzer's ARN. The server started here is stopped at the end.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
from harness_testkit import (aws_client, check, eq, log_tail, refused, RESULTS, run_with_moto, TESTING_KEY)  # noqa: E402

SERVICE = "access-analyzer.amazonaws.com"
ENV = {}


def client(service, creds=None, account=None):
    c = aws_client(service, ENV["url"], ENV["verify"], creds or TESTING_KEY)
    if account:
        c.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
            "x-moto-account-id", account))
    return c


def session(account, role="OrganizationAccountAccessRole"):
    """Credentials of a session of the role in the account (assumed with the harness key, as the management account)."""
    c = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="aa")["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def t_organization_analyzer():
    orgs = client("organizations")
    try:
        orgs.describe_organization()
    except Exception:  # noqa: BLE001 - no organization yet
        orgs.create_organization(FeatureSet="ALL")
    management = orgs.describe_organization()["Organization"]["MasterAccountId"]
    infosec = orgs.create_account(AccountName="InfoSec", Email="aa-infosec@example.com")["CreateAccountStatus"][
        "AccountId"]
    prod = orgs.create_account(AccountName="Prod", Email="aa-prod@example.com")["CreateAccountStatus"]["AccountId"]
    as_infosec = client("accessanalyzer", session(infosec))
    as_prod = client("accessanalyzer", session(prod))

    check("trusted access off: ORGANIZATION analyzer -> 400 ValidationException, AWS's message", lambda: refused(
        lambda: as_infosec.create_analyzer(analyzerName="org", type="ORGANIZATION"), "ValidationException", 400,
        "Service not enabled for AWS Organizations"))
    check("trusted access off: no analyzer was made", lambda: eq(as_infosec.list_analyzers()["analyzers"], []))
    orgs.enable_aws_service_access(ServicePrincipal=SERVICE)
    check("trusted access on, not delegated: ORGANIZATION analyzer -> 403 AccessDeniedException, AWS's message",
          lambda: refused(lambda: as_infosec.create_analyzer(analyzerName="org", type="ORGANIZATION"),
                          "AccessDeniedException", 403, f"Account {infosec} is not a delegated administrator"))
    orgs.register_delegated_administrator(AccountId=infosec, ServicePrincipal=SERVICE)

    arn = as_infosec.create_analyzer(analyzerName="org", type="ORGANIZATION")["arn"]
    check("the delegated administrator makes an ORGANIZATION analyzer, ARN in its account and region",
          lambda: eq(arn, f"arn:aws:access-analyzer:us-east-1:{infosec}:analyzer/org"))
    got = as_infosec.get_analyzer(analyzerName="org")["analyzer"]
    check("GetAnalyzer: name, type, ACTIVE, createdAt",
          lambda: eq((got["name"], got["type"], got["status"], bool(got["createdAt"])),
                     ("org", "ORGANIZATION", "ACTIVE", True)))
    check("ListAnalyzers(type=ORGANIZATION) lists it",
          lambda: eq([a["arn"] for a in as_infosec.list_analyzers(type="ORGANIZATION")["analyzers"]], [arn]))
    check("ListAnalyzers(type=ACCOUNT) does not", lambda: eq(as_infosec.list_analyzers(type="ACCOUNT")["analyzers"],
                                                             []))
    check("the same name again -> 409 ConflictException", lambda: refused(
        lambda: as_infosec.create_analyzer(analyzerName="org", type="ORGANIZATION"), "ConflictException", 409))
    check("the same clientToken again is the same analyzer (idempotent)", lambda: (
        as_infosec.create_analyzer(analyzerName="tok", type="ACCOUNT", clientToken="t-1"),
        eq(as_infosec.create_analyzer(analyzerName="tok", type="ACCOUNT", clientToken="t-1")["arn"],
           f"arn:aws:access-analyzer:us-east-1:{infosec}:analyzer/tok")))
    import boto3
    in_ireland = boto3.client("accessanalyzer", endpoint_url=ENV["url"], region_name="eu-west-1",
                              verify=ENV["verify"], **session(infosec))
    check("analyzers are per region: none in eu-west-1", lambda: eq(in_ireland.list_analyzers()["analyzers"], []))

    check("another member (not delegated): ORGANIZATION analyzer -> 403", lambda: refused(
        lambda: as_prod.create_analyzer(analyzerName="org", type="ORGANIZATION"), "AccessDeniedException", 403,
        f"Account {prod} is not a delegated administrator"))
    check("any member makes an ACCOUNT analyzer", lambda: as_prod.create_analyzer(analyzerName="mine", type="ACCOUNT"))
    check("the management account makes an ORGANIZATION analyzer too", lambda: client("accessanalyzer").create_analyzer(
        analyzerName="org", type="ORGANIZATION"))
    check("... in its own account: the member's analyzer of the same name is another one",
          lambda: eq(client("accessanalyzer").get_analyzer(analyzerName="org")["analyzer"]["arn"],
                     f"arn:aws:access-analyzer:us-east-1:{management}:analyzer/org"))
    check("an invalid name -> 400 ValidationException", lambda: refused(
        lambda: as_prod.create_analyzer(analyzerName="1bad", type="ACCOUNT"), "ValidationException", 400))
    check("an unknown type -> 400 ValidationException", lambda: refused(
        lambda: as_prod.create_analyzer(analyzerName="x", type="EVERYTHING"), "ValidationException", 400))

    check("DeleteAnalyzer", lambda: as_infosec.delete_analyzer(analyzerName="org"))
    check("... then GetAnalyzer -> 404 ResourceNotFoundException", lambda: refused(
        lambda: as_infosec.get_analyzer(analyzerName="org"), "ResourceNotFoundException", 404))
    check("... and DeleteAnalyzer again -> 404", lambda: refused(
        lambda: as_infosec.delete_analyzer(analyzerName="org"), "ResourceNotFoundException", 404))


def t_iam():
    iam = client("iam")
    iam.create_user(UserName="aa-none")
    none = iam.create_access_key(UserName="aa-none")["AccessKey"]
    iam.create_user(UserName="aa-scoped")
    iam.put_user_policy(UserName="aa-scoped", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "access-analyzer:CreateAnalyzer",
                                                "Resource": "arn:aws:access-analyzer:*:*:analyzer/allowed-*"}]}))
    scoped = iam.create_access_key(UserName="aa-scoped")["AccessKey"]

    def creds(key):
        return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}

    check("a user with no policy -> 403 AccessDeniedException", lambda: refused(
        lambda: client("accessanalyzer", creds(none)).create_analyzer(analyzerName="allowed-1", type="ACCOUNT"),
        "AccessDeniedException", 403))
    check("access-analyzer:CreateAnalyzer on the analyzer's ARN -> created", lambda: client(
        "accessanalyzer", creds(scoped)).create_analyzer(analyzerName="allowed-1", type="ACCOUNT"))
    check("... another analyzer's ARN -> 403", lambda: refused(
        lambda: client("accessanalyzer", creds(scoped)).create_analyzer(analyzerName="other", type="ACCOUNT"),
        "AccessDeniedException", 403))
    check("... access-analyzer:ListAnalyzers not granted -> 403", lambda: refused(
        lambda: client("accessanalyzer", creds(scoped)).list_analyzers(), "AccessDeniedException", 403))


def main():
    return run_with_moto("moto-aa-", {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}, (t_organization_analyzer, t_iam),
                         lambda url, ca: ENV.update(url=url, verify=ca))


if __name__ == "__main__":
    sys.exit(main())
