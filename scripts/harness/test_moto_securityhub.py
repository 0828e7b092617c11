#!/usr/bin/env python3
"""Proves scripts/harness/moto_securityhub.py: the emulated organization's Security Hub CSPM, over the wire.

  python3 scripts/harness/test_moto_securityhub.py        (exit status != 0 on failure)

Starts one launcher (moto_server.py) with TLS on a free port and IAM enforcement on, makes an organization with two
member accounts, and holds the model to the Security Hub CSPM API Reference: the management account designates a
member as administrator (trusted access and the administrator's hub follow), the administrator adds organization
accounts with CreateMembers (their hubs and default standards follow; the management account only once it enabled
Security Hub itself), standards are enabled per account, a second EnableSecurityHub conflicts, and an IAM principal
needs securityhub:<Operation> on its hub's ARN. The server started here is stopped at the end.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
from harness_testkit import (aws_client, check, eq, refused, run_with_moto, TESTING_KEY)  # noqa: E402

ENV = {}
CIS3 = "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0"
FSBP = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
CIS12 = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"


def client(service, creds=None):
    return aws_client(service, ENV["url"], ENV["verify"], creds or TESTING_KEY)


def session(account, role="OrganizationAccountAccessRole"):
    c = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="sh")["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def enabled(hub):
    return sorted(s["StandardsArn"] for s in hub.get_enabled_standards()["StandardsSubscriptions"])


def t_organization():
    orgs = client("organizations")
    try:
        orgs.describe_organization()
    except Exception:  # noqa: BLE001 - no organization yet
        orgs.create_organization(FeatureSet="ALL")
    management = orgs.describe_organization()["Organization"]["MasterAccountId"]
    infosec = orgs.create_account(AccountName="InfoSec", Email="sh-infosec@example.com")["CreateAccountStatus"][
        "AccountId"]
    prod = orgs.create_account(AccountName="Prod", Email="sh-prod@example.com")["CreateAccountStatus"]["AccountId"]
    mgmt_hub = client("securityhub")
    infosec_hub = client("securityhub", session(infosec))
    prod_hub = client("securityhub", session(prod))

    check("no hub: DescribeHub -> 401 InvalidAccessException", lambda: refused(
        infosec_hub.describe_hub, "InvalidAccessException", 401))
    check("no hub: GetEnabledStandards -> 401 InvalidAccessException", lambda: refused(
        infosec_hub.get_enabled_standards, "InvalidAccessException", 401))
    check("no administrator: ListOrganizationAdminAccounts is empty",
          lambda: eq(mgmt_hub.list_organization_admin_accounts()["AdminAccounts"], []))
    check("a member may not list administrators -> 403", lambda: refused(
        prod_hub.list_organization_admin_accounts, "AccessDeniedException", 403))
    check("a member may not designate -> 403", lambda: refused(
        lambda: prod_hub.enable_organization_admin_account(AdminAccountId=prod), "AccessDeniedException", 403))

    mgmt_hub.enable_organization_admin_account(AdminAccountId=infosec)
    check("designated: ListOrganizationAdminAccounts names it ENABLED",
          lambda: eq(mgmt_hub.list_organization_admin_accounts()["AdminAccounts"],
                     [{"AccountId": infosec, "Status": "ENABLED"}]))
    check("... the administrator lists it too", lambda: eq(
        [a["AccountId"] for a in infosec_hub.list_organization_admin_accounts()["AdminAccounts"]], [infosec]))
    check("... trusted access for securityhub.amazonaws.com is on", lambda: eq(
        "securityhub.amazonaws.com" in [s["ServicePrincipal"] for s in
                                        orgs.list_aws_service_access_for_organization()["EnabledServicePrincipals"]],
        True))
    check("... the administrator's hub is on", lambda: eq(
        infosec_hub.describe_hub()["HubArn"], f"arn:aws:securityhub:us-east-1:{infosec}:hub/default"))
    check("a second EnableSecurityHub -> 409 ResourceConflictException", lambda: refused(
        infosec_hub.enable_security_hub, "ResourceConflictException", 409))

    check("CreateMembers by a non-administrator -> 403", lambda: refused(
        lambda: prod_hub.create_members(AccountDetails=[{"AccountId": infosec}]), "AccessDeniedException", 403))
    out = infosec_hub.create_members(AccountDetails=[{"AccountId": prod}, {"AccountId": management},
                                                     {"AccountId": "999999999999"}])
    check("CreateMembers: the management account without a hub is unprocessed, so is a stranger", lambda: eq(
        sorted(u["AccountId"] for u in out["UnprocessedAccounts"]), sorted([management, "999999999999"])))
    check("... prod is an ENABLED member", lambda: eq(
        [(m["AccountId"], m["MemberStatus"]) for m in infosec_hub.list_members(OnlyAssociated=False)["Members"]],
        [(prod, "ENABLED")]))
    check("... with Security Hub and the default standards on", lambda: eq(enabled(prod_hub), sorted([FSBP, CIS12])))
    mgmt_hub.enable_security_hub(EnableDefaultStandards=False)
    check("EnableDefaultStandards=false: no standard", lambda: eq(enabled(mgmt_hub), []))
    out = infosec_hub.create_members(AccountDetails=[{"AccountId": management}])
    check("the management account, its hub on, becomes a member", lambda: eq(out["UnprocessedAccounts"], []))

    sub = prod_hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": CIS3}])
    check("BatchEnableStandards CIS v3.0.0: READY", lambda: eq(
        [(s["StandardsArn"], s["StandardsStatus"]) for s in sub["StandardsSubscriptions"]], [(CIS3, "READY")]))
    check("... GetEnabledStandards lists it beside the defaults", lambda: eq(enabled(prod_hub),
                                                                             sorted([FSBP, CIS12, CIS3])))
    check("... again: the same subscription", lambda: eq(prod_hub.batch_enable_standards(
        StandardsSubscriptionRequests=[{"StandardsArn": CIS3}])["StandardsSubscriptions"], sub[
        "StandardsSubscriptions"]))
    check("standards are per account: InfoSec's are its own", lambda: eq(CIS3 in enabled(infosec_hub), False))
    check("an unknown standard -> 400 InvalidInputException", lambda: refused(
        lambda: prod_hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": CIS3 + "x"}]),
        "InvalidInputException", 400))
    check("DescribeStandards lists CIS v3.0.0", lambda: eq(
        CIS3 in [s["StandardsArn"] for s in prod_hub.describe_standards()["Standards"]], True))
    check("ListEnabledProductsForImport: none", lambda: eq(
        prod_hub.list_enabled_products_for_import()["ProductSubscriptions"], []))
    check("a member may not remove the administrator -> 403", lambda: refused(
        lambda: prod_hub.disable_organization_admin_account(AdminAccountId=infosec), "AccessDeniedException", 403))
    check("removing an account that is not the administrator -> 404", lambda: refused(
        lambda: mgmt_hub.disable_organization_admin_account(AdminAccountId=prod), "ResourceNotFoundException", 404))
    infosec_hub.update_organization_configuration(AutoEnable=True)
    check("the administrator's AutoEnable reads back", lambda: eq(
        infosec_hub.describe_organization_configuration()["AutoEnable"], True))
    mgmt_hub.disable_organization_admin_account(AdminAccountId=infosec)
    check("removed: no administrator, InfoSec has no members", lambda: eq(
        (mgmt_hub.list_organization_admin_accounts()["AdminAccounts"], infosec_hub.list_members(
            OnlyAssociated=False)["Members"]), ([], [])))
    mgmt_hub.enable_organization_admin_account(AdminAccountId=infosec)


def t_iam():
    iam = client("iam")
    iam.create_user(UserName="sh-scoped")
    iam.put_user_policy(UserName="sh-scoped", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "securityhub:EnableSecurityHub", "securityhub:DescribeHub", "securityhub:GetEnabledStandards"],
            "Resource": "arn:aws:securityhub:*:*:hub/default"}]}))
    key = iam.create_access_key(UserName="sh-scoped")["AccessKey"]
    scoped = client("securityhub", {"aws_access_key_id": key["AccessKeyId"],
                                    "aws_secret_access_key": key["SecretAccessKey"]})
    check("securityhub:EnableSecurityHub on the hub's ARN: allowed (409: the account's hub is on already, not 403)",
          lambda: refused(scoped.enable_security_hub, "ResourceConflictException", 409))
    check("... GetEnabledStandards allowed", scoped.get_enabled_standards)
    check("... BatchEnableStandards not granted -> 403", lambda: refused(
        lambda: scoped.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": CIS3}]),
        "AccessDeniedException", 403))
    check("... ListOrganizationAdminAccounts not granted -> 403", lambda: refused(
        scoped.list_organization_admin_accounts, "AccessDeniedException", 403))


def main():
    return run_with_moto("moto-sh-", {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}, (t_organization, t_iam),
                         lambda url, ca: ENV.update(url=url, verify=ca))


if __name__ == "__main__":
    sys.exit(main())
