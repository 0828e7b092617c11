#!/usr/bin/env python3
"""Proves scripts/harness/moto_root_access.py: centralized root access over the wire, as the IAM and STS API
References describe it (the model's docstring).

  python3 scripts/harness/test_root_access.py        (exit status != 0 on failure)

Starts one launcher (moto_server.py) with TLS on a free port, IAM enforcement on from the first request
(INITIAL_NO_AUTH_ACTION_COUNT=0) and the AWS managed policies loaded. The harness root key "testing" sets things up,
acting as the root user of the account it names (x-moto-account-id); the AssumeRoot calls under test are made by an
IAM user of the management account whose policy allows exactly what a Palisade phase's role would. The server
started here is stopped at the end.
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
from harness_testkit import (RESULTS, TESTING_KEY, aws_client, check, eq, error_code,  # noqa: E402
                             harness_failure, log_tail, make_tls, start_moto, stop, summary, print_logs_if_failed, run_groups)

MANAGEMENT = "123456789012"  # the account moto maps the root key to
OUTSIDER = "210987654321"  # in no organization
AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
DELETE = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
ENV = {}  # url, verify, member, second (account ids of two members)


def client(service, creds=None, account=None, **config):
    c = aws_client(service, ENV["url"], ENV["verify"], creds or TESTING_KEY, **config)
    if account:
        c.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
            "x-moto-account-id", account))
    return c


def user(name, *statements, account=None):
    iam = client("iam", account=account)
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def may_assume_root(*tasks):
    """The statement a phase's role has: sts:AssumeRoot into any account's root, only with these task policies."""
    return {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": "arn:aws:iam::*:root",
            "Condition": {"StringEquals": {"sts:TaskPolicyArn": list(tasks)}}}


def root_session(creds, target, task):
    c = client("sts", creds).assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": task}, DurationSeconds=900)
    c = c["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def features(creds=None, account=None):
    return sorted(client("iam", creds, account).list_organizations_features()["EnabledFeatures"])


# ------------------------------------------------------------------ 1. the organization features
def t_features():
    iam = client("iam")
    check("no trusted access for IAM: EnableOrganizationsRootCredentialsManagement -> ServiceAccessNotEnabled",
          lambda: eq(error_code(iam.enable_organizations_root_credentials_management),
                     "ServiceAccessNotEnabledException"))
    check("... ListOrganizationsFeatures -> ServiceAccessNotEnabled",
          lambda: eq(error_code(iam.list_organizations_features), "ServiceAccessNotEnabledException"))
    check("an account in no organization -> OrganizationNotFound", lambda: eq(error_code(
        client("iam", account=OUTSIDER).enable_organizations_root_sessions), "OrganizationNotFoundException"))
    client("organizations").enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    check("a member account may not enable -> CallerIsNotManagementAccount", lambda: eq(error_code(
        client("iam", account=ENV["member"]).enable_organizations_root_sessions),
        "CallerIsNotManagementAccountException"))
    check("... nor list (not a delegated administrator) -> AccountNotManagementOrDelegatedAdministrator",
          lambda: eq(error_code(client("iam", account=ENV["member"]).list_organizations_features),
                     "AccountNotManagementOrDelegatedAdministratorException"))
    check("with trusted access, nothing enabled yet: ListOrganizationsFeatures -> []", lambda: eq(features(), []))
    org_id = client("organizations").describe_organization()["Organization"]["Id"]

    def enable():
        out = iam.enable_organizations_root_credentials_management()
        eq((out["OrganizationId"], out["EnabledFeatures"]), (org_id, ["RootCredentialsManagement"]))
        eq(iam.enable_organizations_root_sessions()["EnabledFeatures"],
           ["RootCredentialsManagement", "RootSessions"])
    check("the management account enables both; each answer names the organization and what is enabled", enable)
    check("enabling again changes nothing", lambda: (iam.enable_organizations_root_sessions(),
                                                      eq(features(), ["RootCredentialsManagement", "RootSessions"])))
    check("an IAM user needs iam:ListOrganizationsFeatures (enforced like any IAM action)", lambda: eq(error_code(
        client("iam", user("no-policy")).list_organizations_features), "AccessDenied"))


# ------------------------------------------------------------------ 2. AssumeRoot
def t_assume_root():
    member, second = ENV["member"], ENV["second"]
    auditor = user("auditor", may_assume_root(AUDIT))
    check("an allowed caller gets a root session of a member; GetCallerIdentity is that account's root",
          lambda: eq(client("sts", root_session(auditor, member, AUDIT)).get_caller_identity()["Arn"],
                     f"arn:aws:iam::{member}:root"))
    check("TargetPrincipal as an ARN works too", lambda: root_session(auditor, f"arn:aws:iam::{second}:root", AUDIT))
    check("a task policy the caller's policy does not name -> AccessDenied (sts:TaskPolicyArn condition)",
          lambda: eq(error_code(lambda: root_session(auditor, member, DELETE)), "AccessDenied"))
    check("a caller with no sts:AssumeRoot permission -> AccessDenied",
          lambda: eq(error_code(lambda: root_session(user("plain"), member, AUDIT)), "AccessDenied"))
    check("a policy that is not a root-task policy -> ValidationError", lambda: eq(error_code(
        lambda: root_session(TESTING_KEY, member, "arn:aws:iam::aws:policy/AdministratorAccess")), "ValidationError"))
    check("DurationSeconds above 900 -> ValidationError", lambda: eq(error_code(
        lambda: client("sts").assume_root(TargetPrincipal=member, TaskPolicyArn={"arn": AUDIT},
                                          DurationSeconds=901)), "ValidationError"))
    check("the management account itself is no target -> AccessDenied",
          lambda: eq(error_code(lambda: root_session(TESTING_KEY, MANAGEMENT, AUDIT)), "AccessDenied"))
    check("an account outside the organization is no target -> AccessDenied",
          lambda: eq(error_code(lambda: root_session(TESTING_KEY, OUTSIDER, AUDIT)), "AccessDenied"))
    check("a member account may not call AssumeRoot (not management, not delegated) -> AccessDenied", lambda: eq(
        error_code(lambda: root_session(user("in-member", may_assume_root(AUDIT), account=member), second, AUDIT)),
        "AccessDenied"))
    session = root_session(auditor, member, AUDIT)
    check("a root session may not call AssumeRoot -> AccessDenied",
          lambda: eq(error_code(lambda: root_session(session, second, AUDIT)), "AccessDenied"))
    check("an audit session may read (ListAccessKeys) but not delete (DeleteLoginProfile -> AccessDenied)",
          lambda: (client("iam", session).list_access_keys(),
                   eq(error_code(client("iam", session).delete_login_profile), "AccessDenied")))
    check("... nor do anything the task policy does not name (iam:ListUsers -> AccessDenied)",
          lambda: eq(error_code(client("iam", session).list_users), "AccessDenied"))
    iam = client("iam")
    iam.disable_organizations_root_sessions()
    try:
        check("RootSessions disabled -> AssumeRoot AccessDenied",
              lambda: eq(error_code(lambda: root_session(auditor, member, AUDIT)), "AccessDenied"))
        check("... while RootCredentialsManagement stays enabled", lambda: eq(features(), ["RootCredentialsManagement"]))
    finally:
        iam.enable_organizations_root_sessions()


# ------------------------------------------------------------------ 3. a member's root credentials
def t_root_credentials():
    member = ENV["member"]
    # the member's root user (the harness key acting in that account); no UserName: the caller's own credentials,
    # which this botocore's model still marks required for CreateLoginProfile and EnableMFADevice
    as_root = client("iam", account=member, parameter_validation=False)
    key = as_root.create_access_key()["AccessKey"]["AccessKeyId"]
    as_root.create_login_profile(Password="Root-password-1!")
    as_root.enable_mfa_device(SerialNumber=f"arn:aws:iam::{member}:mfa/root-account-mfa-device",
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    cert = as_root.upload_signing_certificate(CertificateBody="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----"
                                              )["Certificate"]["CertificateId"]
    auditor = user("reader", may_assume_root(AUDIT))
    deleter = user("deleter", may_assume_root(AUDIT, DELETE))
    audit = client("iam", root_session(auditor, member, AUDIT))

    def report():
        eq([k["AccessKeyId"] for k in audit.list_access_keys()["AccessKeyMetadata"]], [key])
        eq(audit.get_login_profile()["LoginProfile"]["UserName"], "root")
        eq(len(audit.list_mfa_devices()["MFADevices"]), 1)
        eq([c["CertificateId"] for c in audit.list_signing_certificates()["Certificates"]], [cert])
    check("an audit session reports the member root's key, password, MFA device and certificate", report)
    check("another member's root has none of them", lambda: eq(client("iam", root_session(
        auditor, ENV["second"], AUDIT)).list_access_keys()["AccessKeyMetadata"], []))
    check("an IAM user's keys are not the root's (UserName given: moto's IAM-user call)", lambda: eq(
        client("iam").list_access_keys(UserName="reader")["AccessKeyMetadata"][0]["UserName"], "reader"))
    delete = client("iam", root_session(deleter, member, DELETE))

    def remove():
        delete.delete_access_key(AccessKeyId=key)
        delete.delete_login_profile()
        delete.deactivate_mfa_device(SerialNumber=f"arn:aws:iam::{member}:mfa/root-account-mfa-device")
        delete.delete_signing_certificate(CertificateId=cert)
    check("a delete session deletes all four", remove)

    def none_left():
        eq(audit.list_access_keys()["AccessKeyMetadata"], [])
        eq(error_code(audit.get_login_profile), "NoSuchEntity")
        eq(audit.list_mfa_devices()["MFADevices"], [])
        eq(audit.list_signing_certificates()["Certificates"], [])
    check("... after which the audit session reports none (GetLoginProfile -> NoSuchEntity)", none_left)
    check("deleting a key that is gone -> NoSuchEntity",
          lambda: eq(error_code(lambda: delete.delete_access_key(AccessKeyId=key)), "NoSuchEntity"))


def main():
    server = None
    with tempfile.TemporaryDirectory(prefix="moto-root-") as tmp:
        try:
            tls = make_tls(tmp)
            server, ENV["url"] = start_moto(tmp, tls, env={"INITIAL_NO_AUTH_ACTION_COUNT": "0",
                                                           "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
            ENV["verify"] = tls["ca"]
            orgs = client("organizations")
            orgs.create_organization(FeatureSet="ALL")
            for name in ("member", "second"):
                ENV[name] = orgs.create_account(AccountName=name, Email=f"{name}@example.com"
                                                )["CreateAccountStatus"]["AccountId"]
            run_groups((t_features, t_assume_root, t_root_credentials))
        except Exception:  # noqa: BLE001
            harness_failure()
        finally:
            stop(server)
            print_logs_if_failed(tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
