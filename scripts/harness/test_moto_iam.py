#!/usr/bin/env python3
"""Proves scripts/harness/moto_iam.py: identity policies and role trust enforced over the wire the way AWS does.

  python3 scripts/harness/test_moto_iam.py        (exit status != 0 on failure)

Starts one launcher (moto_server.py) with TLS (a throwaway CA + localhost/127.0.0.1 certificate made with openssl in
a temp dir) on a free port, with INITIAL_NO_AUTH_ACTION_COUNT=0 (enforcement on from the first request) and
MOTO_IAM_LOAD_MANAGED_POLICIES=true (the AWS managed policies exist). The harness root key "testing" sets things up
(it is not checked: patch 1); every assertion is made with the access keys of users created here or with the
sessions of roles they assume. The server started here is stopped at the end.
"""
import json
import os
import sys
import tempfile

from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
from harness_testkit import (RESULTS, TESTING_KEY, aws_client, check, eq, error_code,  # noqa: E402
                             harness_failure, log_tail, make_tls, start_moto, stop, summary, print_logs_if_failed, run_groups)

ACCOUNT = "123456789012"  # the account moto maps the root key to: the management account
OUTSIDER = "210987654321"  # an account in no organization
OTHER_ORG = "310987654321"  # the management account of a second organization
REGION = "us-east-1"
ROOT = TESTING_KEY
OAAR = "OrganizationAccountAccessRole"
ENV = {}  # url, verify (cert path), member (account id of the organization's member)


def denial(fn):
    """The ClientError of a call that must fail; its error dict + HTTP status."""
    try:
        fn()
    except ClientError as e:
        return {**e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    raise AssertionError("call was not denied")


def denied(fn, code=None):
    """fn fails with AccessDenied in the caller's protocol (query: AccessDenied; JSON/CBOR: AccessDeniedException)."""
    err = denial(fn)
    assert err["Code"] in ((code,) if code else ("AccessDenied", "AccessDeniedException")), f"not a denial: {err}"
    return err


# ------------------------------------------------------------------ clients and principals
def client(service, creds=None, account=None):
    """A client with creds (default: the harness root key); account: act in that account (root key only), as moto
    selects the account of a request by its x-moto-account-id header."""
    c = aws_client(service, ENV["url"], ENV["verify"], creds or ROOT)
    if account:
        c.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
            "x-moto-account-id", account))
    return c


def s3control(creds):
    """S3 Control with creds. Its endpoint rules put the account id in the host (<id>.localhost), which no resolver
    here knows: before signing (moto checks signatures), the request goes to the emulator's own host, as Palisade's
    client does (S3ControlHost); the account id stays in the x-amz-account-id header."""
    from urllib.parse import urlsplit, urlunsplit
    c = client("s3control", creds)

    def configured_host(request, **_):
        parts = urlsplit(request.url)
        if parts.netloc.startswith(ACCOUNT + "."):
            request.url = urlunsplit(parts._replace(netloc=parts.netloc[len(ACCOUNT) + 1:]))
    c.meta.events.register("before-sign.s3-control.*", configured_host)  # events name the service id
    return c


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", condition=None, effect="Allow"):
    st = {"Effect": effect, "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return st


def user(name, *statements, path="/", account=None):
    """An IAM user with an inline policy of these statements (none: no policy); -> its credentials."""
    iam = client("iam", account=account)
    iam.create_user(UserName=name, Path=path)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def trust(*principals):
    return policy({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


def role(name, trust_doc, *statements, account=None, tags=None):
    iam = client("iam", account=account)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc, Tags=tags or [])["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=policy(*statements))
    return arn


def assume(creds, arn, session="test"):
    c = client("sts", creds).assume_role(RoleArn=arn, RoleSessionName=session)["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def oaar(account):
    return f"arn:aws:iam::{account}:role/{OAAR}"


# ------------------------------------------------------------------ 1. root key, no policy, inline Allow
def t_root_and_users():
    check("root key is unchecked (iam:ListUsers with no policy anywhere)", lambda: client("iam").list_users())
    bare = user("no-policy")
    check("user without policy: iam:ListUsers -> AccessDenied", lambda: denied(
        lambda: client("iam", bare).list_users(), "AccessDenied"))
    client("iam").put_user_policy(UserName="no-policy", PolicyName="list",
                                  PolicyDocument=policy(allow("iam:ListUsers")))
    check("same user with an inline Allow iam:ListUsers -> allowed", lambda: client("iam", bare).list_users())
    check("the inline Allow grants nothing else (iam:ListRoles denied)", lambda: denied(
        lambda: client("iam", bare).list_roles()))


# ------------------------------------------------------------------ 2. resource scoping, `?` wildcards
def t_secret_scoping():
    sm = client("secretsmanager")
    existing = sm.create_secret(Name="palisade/temp-admin", SecretString="x")["ARN"]
    longer = sm.create_secret(Name="palisade/temp-admin-x", SecretString="x")["ARN"]
    scoped = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:palisade/temp-admin-??????"
    creds = user("secret-reader", allow("secretsmanager:DescribeSecret", scoped))
    me = client("secretsmanager", creds)
    check("DescribeSecret of an existing secret matched by name-?????? -> allowed", lambda: eq(
        me.describe_secret(SecretId="palisade/temp-admin")["ARN"], existing))
    check("the same by its full ARN -> allowed", lambda: me.describe_secret(SecretId=existing))
    check("? is one character, not a regex quantifier (palisade/temp-admin-x-XXXXXX denied)", lambda: denied(
        lambda: me.describe_secret(SecretId="palisade/temp-admin-x")))
    check("an action not allowed on the matched secret (GetSecretValue) -> denied", lambda: denied(
        lambda: me.get_secret_value(SecretId="palisade/temp-admin")))
    creator = user("secret-creator", allow("secretsmanager:CreateSecret",
                                           f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:palisade/new-??????"))
    check("CreateSecret is checked against name-?????? (allowed by a policy on that pattern)", lambda: client(
        "secretsmanager", creator).create_secret(Name="palisade/new", SecretString="x"))
    check("... another name is refused", lambda: denied(lambda: client("secretsmanager", creator).create_secret(
        Name="palisade/other", SecretString="x")))
    assert longer != existing
    sm.delete_secret(SecretId="palisade/temp-admin", ForceDeleteWithoutRecovery=True)
    bare = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:palisade/temp-admin"

    def missing_denied():
        err = denied(lambda: me.describe_secret(SecretId="palisade/temp-admin"), "AccessDeniedException")
        assert bare in err["Message"] and bare + "-" not in err["Message"], err
    check("a secret that does not exist is checked against its bare ARN: name-?????? does not match", missing_denied)
    client("iam").put_user_policy(UserName="secret-reader", PolicyName="inline", PolicyDocument=policy(
        allow("secretsmanager:DescribeSecret", [scoped, bare])))
    check("with the bare ARN added: the call is allowed (ResourceNotFoundException)", lambda: eq(
        error_code(lambda: me.describe_secret(SecretId="palisade/temp-admin")), "ResourceNotFoundException"))


# ------------------------------------------------------------------ 3. conditions, explicit Deny
def t_conditions_and_deny():
    unmet = allow("iam:ListUsers", condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    only_unmet = user("cond-only", unmet)
    check("an Allow whose condition is not met grants nothing", lambda: denied(
        lambda: client("iam", only_unmet).list_users(), "AccessDenied"))
    both = user("cond-and-allow", unmet, allow("iam:ListUsers"))
    check("an Allow whose condition is not met is no Deny: another Allow still grants",
          lambda: client("iam", both).list_users())
    met = user("cond-met", allow("iam:ListUsers", condition={"StringEquals": {"aws:RequestedRegion": REGION}}))
    check("an Allow whose condition is met grants", lambda: client("iam", met).list_users())
    deny = user("explicit-deny", allow("iam:*"), allow("iam:ListUsers", effect="Deny"))
    check("an explicit Deny wins over an Allow", lambda: denied(lambda: client("iam", deny).list_users()))
    check("... and only for what it names (iam:ListRoles allowed)", lambda: client("iam", deny).list_roles())
    # an action with no resource type (the account's password policy) is evaluated against "*" itself: a statement
    # scoped to roles neither grants nor denies it (ApplyAccounts' role denies iam:Update* on the access roles)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
    passwords = dict(MinimumPasswordLength=14, PasswordReusePrevention=24)
    scoped_deny = user("pp-scoped-deny", allow("iam:UpdateAccountPasswordPolicy"),
                       allow("iam:Update*", role_arn, effect="Deny"))
    check("a Deny scoped to a role's ARN does not deny UpdateAccountPasswordPolicy (no resource type)",
          lambda: client("iam", scoped_deny).update_account_password_policy(**passwords))
    scoped_allow = user("pp-scoped-allow", allow("iam:UpdateAccountPasswordPolicy", role_arn))
    check("... nor does an Allow scoped to a role's ARN grant it", lambda: denied(
        lambda: client("iam", scoped_allow).update_account_password_policy(**passwords), "AccessDenied"))
    star_deny = user("pp-star-deny", allow("iam:*"), allow("iam:UpdateAccountPasswordPolicy", effect="Deny"))
    check("... a Deny on * does", lambda: denied(
        lambda: client("iam", star_deny).update_account_password_policy(**passwords), "AccessDenied"))


def t_policy_sources():
    iam = client("iam")
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    member = user("in-group")
    iam.add_user_to_group(GroupName="readers", UserName="in-group")
    check("an AWS managed policy attached to the user's group grants (iam:ListRoles)",
          lambda: client("iam", member).list_roles())
    check("... and nothing it does not name (iam:CreateRole refused)", lambda: denied(
        lambda: client("iam", member).create_role(RoleName="nope", AssumeRolePolicyDocument=trust(ACCOUNT))))
    not_action = user("not-action", {"Effect": "Allow", "NotAction": "iam:ListRoles", "Resource": "*"})
    check("NotAction: everything but the named action is allowed", lambda: client("iam", not_action).list_users())
    check("... the named action is not", lambda: denied(lambda: client("iam", not_action).list_roles()))
    self_only = user("self-service", allow("iam:ListAccessKeys", "arn:aws:iam::*:user/${aws:username}"))
    check("${aws:username} in Resource: a user may act on itself (IAM User Guide self-service policy)",
          lambda: client("iam", self_only).list_access_keys(UserName="self-service"))
    check("... and not on another user", lambda: denied(
        lambda: client("iam", self_only).list_access_keys(UserName="in-group")))
    # parsed policies and compiled patterns are cached (ReadOnlyAccess has thousands of action patterns): a cache
    # keyed wrongly would answer with a policy the caller no longer has, or another caller's
    reader = assume(ROOT, role("reader", trust(ACCOUNT)))
    iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    check("ReadOnlyAccess (AWS managed, thousands of patterns) grants a read (iam:ListRoles)",
          lambda: client("iam", reader).list_roles())
    check("... and no write (iam:CreateUser refused)",
          lambda: denied(lambda: client("iam", reader).create_user(UserName="nope")))
    changing = user("changing", allow("iam:ListUsers"))
    client("iam", changing).list_users()
    iam.put_user_policy(UserName="changing", PolicyName="inline", PolicyDocument=policy(allow("iam:ListRoles")))
    check("an inline policy replaced takes effect at once (the old text's cached parse is not used)", lambda: (
        denied(lambda: client("iam", changing).list_users()), client("iam", changing).list_roles()))


# ------------------------------------------------------------------ 4. CloudWatch prefix
def t_cloudwatch():
    alarm = dict(AlarmName="palisade-root-login", MetricName="RootLogin", Namespace="Palisade", Statistic="Sum",
                 Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
    cw_ok = user("cw-prefix", allow("cloudwatch:PutMetricAlarm",
                                    f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:palisade-*"))
    check("cloudwatch:PutMetricAlarm on the alarm's ARN -> allowed",
          lambda: client("cloudwatch", cw_ok).put_metric_alarm(**alarm))
    check("the same policy does not cover another alarm name", lambda: denied(
        lambda: client("cloudwatch", cw_ok).put_metric_alarm(**{**alarm, "AlarmName": "other"})))
    cw_signing = user("cw-signing-name", allow("monitoring:PutMetricAlarm"))
    check("monitoring:PutMetricAlarm (the signing name) grants nothing", lambda: denied(
        lambda: client("cloudwatch", cw_signing).put_metric_alarm(**alarm)))


def t_s3_actions():
    bucket = "iam-s3-actions"
    client("s3").create_bucket(Bucket=bucket)
    lister = user("s3-lister", allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    check("HeadBucket is authorized by s3:ListBucket, as on AWS",
          lambda: client("s3", lister).head_bucket(Bucket=bucket))
    heads_only = user("s3-head-only", allow("s3:HeadBucket", f"arn:aws:s3:::{bucket}"))
    check("s3:HeadBucket (no such IAM action) grants nothing", lambda: eq(
        error_code(lambda: client("s3", heads_only).head_bucket(Bucket=bucket)), "403"))
    reader = user("s3-readonly", allow("s3:Get*"), allow("s3:List*"))
    check("ReadOnlyAccess-style s3:Get*/s3:List* may HeadBucket and GetPublicAccessBlock", lambda: (
        client("s3", reader).head_bucket(Bucket=bucket),
        eq(error_code(lambda: client("s3", reader).get_public_access_block(Bucket=bucket)),
           "NoSuchPublicAccessBlockConfiguration")))
    pab = user("s3-pab", allow("s3:PutBucketPublicAccessBlock", f"arn:aws:s3:::{bucket}"))
    check("PutPublicAccessBlock is authorized by s3:PutBucketPublicAccessBlock", lambda: client("s3", pab)
          .put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True}))
    # S3 Control: the account's Block Public Access, by s3:Get/PutAccountPublicAccessBlock (not the bucket's actions)
    control = user("s3-account-pab", allow("s3:PutAccountPublicAccessBlock"), allow("s3:GetAccountPublicAccessBlock"))
    account_block = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                     "RestrictPublicBuckets": True}
    check("S3 Control PutPublicAccessBlock/GetPublicAccessBlock are authorized by s3:Put/GetAccountPublicAccessBlock",
          lambda: (s3control(control).put_public_access_block(
              AccountId=ACCOUNT, PublicAccessBlockConfiguration=account_block),
              eq(s3control(control).get_public_access_block(AccountId=ACCOUNT)
                 ["PublicAccessBlockConfiguration"], account_block)))
    check("... the bucket's s3:PutBucketPublicAccessBlock does not cover the account's", lambda: denied(
        lambda: s3control(pab).put_public_access_block(
            AccountId=ACCOUNT, PublicAccessBlockConfiguration=account_block)))
    check("... and ReadOnlyAccess-style s3:Get* reads it (a plan's audit role)", lambda: eq(
        s3control(reader).get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"],
        account_block))
    creator = user("s3-creator", allow("s3:CreateBucket"))
    sse = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    check("s3:CreateBucket does not cover PutBucketEncryption (moto took it for a CreateBucket)", lambda: eq(
        error_code(lambda: client("s3", creator).put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration=sse)), "AccessDenied"))
    encrypter = user("s3-encrypter", allow("s3:PutEncryptionConfiguration", f"arn:aws:s3:::{bucket}"))
    check("PutBucketEncryption is authorized by s3:PutEncryptionConfiguration", lambda: client("s3", encrypter)
          .put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=sse))


# ------------------------------------------------------------------ 5. AssumeRole and trust
def t_assume_role():
    root_trust = role("trusts-account", trust(f"arn:aws:iam::{ACCOUNT}:root"), allow("iam:ListRoles"))
    with_policy = user("assumer", allow("sts:AssumeRole", root_trust))
    without = user("assumer-no-policy")
    check("trust names the account root + identity policy allows sts:AssumeRole -> assumed",
          lambda: client("iam", assume(with_policy, root_trust)).list_roles())
    check("trust names the account root, no identity policy -> AccessDenied", lambda: denied(
        lambda: assume(without, root_trust), "AccessDenied"))
    named = user("X", path="/palisade/")
    user_trust = role("trusts-user", trust(f"arn:aws:iam::{ACCOUNT}:user/palisade/X"))
    check("trust names the user's ARN (with its path): assumed without any identity policy",
          lambda: assume(named, user_trust))
    check("... another user of the account (no policy) is refused", lambda: denied(
        lambda: assume(without, user_trust)))
    check("an identity policy alone does not get past a trust that does not name the caller", lambda: denied(
        lambda: assume(user("assumer-wide", allow("sts:AssumeRole")), user_trust)))

    chained = role("chain-source", trust(f"arn:aws:iam::{ACCOUNT}:root"))
    chain_target = role("chain-target", trust(chained))
    chain_user = user("chain-user", allow("sts:AssumeRole", chained))
    check("trust names a role's ARN: a session of that role assumes it (same account, no identity policy)",
          lambda: assume(assume(chain_user, chained), chain_target))
    check("... the user who may assume the source role may not assume the target directly", lambda: denied(
        lambda: assume(chain_user, chain_target)))

    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    member = ENV["member"] = status.get("AccountId") or org.describe_create_account_status(
        CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
    mgmt_user = user("org-operator", allow("sts:AssumeRole", f"arn:aws:iam::*:role/{OAAR}"))
    check("management user with sts:AssumeRole on */OrganizationAccountAccessRole -> member's role assumed",
          lambda: assume(mgmt_user, oaar(member)))
    check("a management user without that policy -> refused", lambda: denied(lambda: assume(without, oaar(member))))
    operator = role("palisade-operator", trust(f"arn:aws:iam::{ACCOUNT}:root"),
                    allow("sts:AssumeRole", f"arn:aws:iam::*:role/{OAAR}"))
    check("management role (a session of it) with that policy -> member's role assumed", lambda: assume(
        assume(user("op-user", allow("sts:AssumeRole", operator)), operator), oaar(member)))
    check("a role session whose policy does not allow it -> refused", lambda: denied(
        lambda: assume(assume(with_policy, root_trust), oaar(member))))

    def admin():
        session = assume(mgmt_user, oaar(member))
        iam = client("iam", session)
        eq(iam.list_role_policies(RoleName=OAAR)["PolicyNames"], ["AdministratorAccess"])
        doc = iam.get_role_policy(RoleName=OAAR, PolicyName="AdministratorAccess")["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        eq(doc["Statement"], [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        eq(client("sts", session).get_caller_identity()["Account"], member)
        iam.create_role(RoleName="trusts-outsider", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{OUTSIDER}:root"))
        client("secretsmanager", session).create_secret(Name="in-member", SecretString="x")
    check("the member's OrganizationAccountAccessRole has an inline AdministratorAccess and can act", admin)
    client("iam", account=member).create_role(RoleName="trusts-op-user", AssumeRolePolicyDocument=trust(
        f"arn:aws:iam::{ACCOUNT}:user/cross-named"))
    named_arn = f"arn:aws:iam::{member}:role/trusts-op-user"
    cross_named = user("cross-named")
    check("cross-account: a trust naming the caller is not enough without an identity policy", lambda: denied(
        lambda: assume(cross_named, named_arn), "AccessDenied"))
    client("iam").put_user_policy(UserName="cross-named", PolicyName="inline", PolicyDocument=policy(
        allow("sts:AssumeRole", named_arn)))
    check("... and with one it is assumed", lambda: assume(cross_named, named_arn))
    check("a member role whose trust names another account -> refused (trust checked in the role's account)",
          lambda: denied(lambda: assume(user("wide-open", allow("sts:AssumeRole")),
                                        f"arn:aws:iam::{member}:role/trusts-outsider"), "AccessDenied"))


# ------------------------------------------------------------------ 6. policy variables, org keys
def t_org_conditions():
    member = ENV["member"]
    for account in (OUTSIDER, OTHER_ORG):  # both trust the management account: only the condition can refuse
        role(OAAR, trust(f"arn:aws:iam::{ACCOUNT}:root"), allow("*"), account=account)
    client("organizations", account=OTHER_ORG).create_organization(FeatureSet="ALL")
    own_org = user("own-org-only", allow("sts:AssumeRole", f"arn:aws:iam::*:role/{OAAR}", {
        "StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}))
    check("ResourceOrgID == ${aws:PrincipalOrgID}: a member of the caller's organization -> assumed",
          lambda: assume(own_org, oaar(member)))
    check("... a role in an account outside any organization -> refused", lambda: denied(
        lambda: assume(own_org, oaar(OUTSIDER)), "AccessDenied"))
    check("... a role in an account of another organization -> refused", lambda: denied(
        lambda: assume(own_org, oaar(OTHER_ORG)), "AccessDenied"))
    unconditioned = user("any-org", allow("sts:AssumeRole", f"arn:aws:iam::*:role/{OAAR}"))
    check("control: without the condition the outside role is assumable (its trust allows it)",
          lambda: assume(unconditioned, oaar(OUTSIDER)))
    org_id = client("organizations").describe_organization()["Organization"]["Id"]
    literal = user("org-literal", allow("iam:ListRoles", condition={"StringEquals": {"aws:PrincipalOrgID": org_id}}))
    check("aws:PrincipalOrgID literal: a management-account user is in the organization",
          lambda: client("iam", literal).list_roles())
    in_account = f"arn:aws:secretsmanager:{REGION}:${{aws:PrincipalAccount}}:secret:palisade/*"
    client("secretsmanager").create_secret(Name="palisade/var", SecretString="x")
    var_resource = user("var-resource", allow("secretsmanager:DescribeSecret", in_account))
    check("a policy variable in Resource is replaced (${aws:PrincipalAccount} -> the caller's account)",
          lambda: client("secretsmanager", var_resource).describe_secret(SecretId="palisade/var"))
    member_secret = "arn:aws:secretsmanager:us-east-1:%s:secret:in-member" % member
    check("... the ARN it yields still scopes (a member account's secret refused)", lambda: denied(
        lambda: client("secretsmanager", var_resource).describe_secret(SecretId=member_secret)))
    scp_only = user("scp-only", allow("organizations:CreatePolicy", condition={
        "StringEquals": {"organizations:PolicyType": ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]}}))
    doc = policy(allow("s3:GetObject", effect="Deny"))
    check("organizations:PolicyType from CreatePolicy's Type: an SCP -> created",
          lambda: client("organizations", scp_only).create_policy(
              Name="scp-only", Description="d", Content=doc, Type="SERVICE_CONTROL_POLICY"))
    check("... a tag policy -> refused", lambda: denied(lambda: client("organizations", scp_only).create_policy(
        Name="tag-refused", Description="d", Content=json.dumps({"tags": {}}), Type="TAG_POLICY")))
    same_account = user("var-condition", allow("iam:GetUser", condition={
        "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}))
    check("a policy variable in a Condition value is replaced", lambda: client("iam", same_account).get_user(
        UserName="X"))


# ------------------------------------------------------------------ 7. tag and policy-ARN conditions
def t_tag_conditions():
    managed = [{"Key": "palisade:managed", "Value": "true"}]
    creds = user("tagger",
                 allow("iam:CreateRole", condition={"StringEquals": {"aws:RequestTag/palisade:managed": "true"}}),
                 allow("iam:TagRole"),
                 allow("iam:UpdateAssumeRolePolicy", condition={
                     "StringEquals": {"aws:ResourceTag/palisade:managed": "true"}}),
                 allow("iam:AttachRolePolicy", condition={"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/*"}}))
    iam = client("iam", creds)
    doc = trust(f"arn:aws:iam::{ACCOUNT}:root")
    check("CreateRole with aws:RequestTag/palisade:managed=true -> allowed", lambda: iam.create_role(
        RoleName="tagged", AssumeRolePolicyDocument=doc, Tags=managed))
    check("CreateRole without the tag -> refused", lambda: denied(
        lambda: iam.create_role(RoleName="untagged-by-tagger", AssumeRolePolicyDocument=doc)))
    check("CreateRole with palisade:managed=false -> refused", lambda: denied(lambda: iam.create_role(
        RoleName="false-tag", AssumeRolePolicyDocument=doc, Tags=[{"Key": "palisade:managed", "Value": "false"}])))
    role("untagged", doc)
    check("UpdateAssumeRolePolicy on a role tagged palisade:managed=true -> allowed", lambda: iam.update_assume_role_policy(
        RoleName="tagged", PolicyDocument=doc))
    check("UpdateAssumeRolePolicy on an untagged role -> refused", lambda: denied(
        lambda: iam.update_assume_role_policy(RoleName="untagged", PolicyDocument=doc)))
    customer = client("iam").create_policy(PolicyName="customer", PolicyDocument=policy(allow("s3:ListAllMyBuckets")))
    check("AttachRolePolicy of an AWS managed policy (iam:PolicyARN arn:aws:iam::aws:policy/*) -> allowed",
          lambda: iam.attach_role_policy(RoleName="tagged", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"))
    check("AttachRolePolicy of a customer managed policy -> refused", lambda: denied(
        lambda: iam.attach_role_policy(RoleName="tagged", PolicyArn=customer["Policy"]["Arn"])))
    check("the AWS managed policy attached is evaluated (ReadOnlyAccess grants iam:ListRoles to a session)",
          lambda: client("iam", assume(user("ro-assumer", allow("sts:AssumeRole")),
                                       f"arn:aws:iam::{ACCOUNT}:role/tagged")).list_roles())


def t_service_linked_role():
    """CreateServiceLinkedRole is authorized on the role it makes, as AWS does: a grant scoped to AWS Config's
    service-linked role (and iam:AWSServiceName) makes it and no other service's."""
    slr = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    creds = user("slr-maker", allow("iam:CreateServiceLinkedRole", slr,
                                    condition={"StringEquals": {"iam:AWSServiceName": "config.amazonaws.com"}}))
    iam = client("iam", creds)
    check("CreateServiceLinkedRole config.amazonaws.com with a grant on its role ARN -> allowed",
          lambda: eq(iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]["Arn"], slr))
    check("CreateServiceLinkedRole of another service -> refused", lambda: denied(
        lambda: iam.create_service_linked_role(AWSServiceName="access-analyzer.amazonaws.com")))
    elsewhere = user("slr-elsewhere", allow("iam:CreateServiceLinkedRole",
                                             f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/other/*"))
    check("CreateServiceLinkedRole with a grant on another path -> refused", lambda: denied(
        lambda: client("iam", elsewhere).create_service_linked_role(AWSServiceName="config.amazonaws.com")))


def t_kms_tag_conditions():
    """KMS tags are {"TagKey","TagValue"}: aws:RequestTag on CreateKey, aws:ResourceTag on a key's own operations."""
    creds = user("key-maker",
                 allow(["kms:CreateKey", "kms:TagResource"],
                       condition={"StringEquals": {"aws:RequestTag/palisade:managed": "true"}}),
                 allow("kms:DescribeKey", f"arn:aws:kms:*:{ACCOUNT}:key/*"),
                 allow(["kms:GetKeyPolicy", "kms:EnableKeyRotation"], f"arn:aws:kms:*:{ACCOUNT}:key/*",
                       condition={"StringEquals": {"aws:ResourceTag/palisade:managed": "true"}}))
    kms = client("kms", creds)
    made = {}
    check("CreateKey with aws:RequestTag/palisade:managed=true (TagKey/TagValue) -> allowed", lambda: made.setdefault(
        "tagged", kms.create_key(Tags=[{"TagKey": "palisade:managed", "TagValue": "true"}])["KeyMetadata"]["KeyId"]))
    check("CreateKey without the tag -> refused", lambda: denied(lambda: kms.create_key()))
    check("CreateKey with palisade:managed=false -> refused", lambda: denied(
        lambda: kms.create_key(Tags=[{"TagKey": "palisade:managed", "TagValue": "false"}])))
    other = client("kms").create_key()["KeyMetadata"]["KeyId"]  # the root key: someone else's, untagged
    check("GetKeyPolicy on a key tagged palisade:managed=true -> allowed", lambda: kms.get_key_policy(
        KeyId=made["tagged"], PolicyName="default"))
    check("EnableKeyRotation on an untagged key -> refused", lambda: denied(
        lambda: kms.enable_key_rotation(KeyId=other)))
    check("DescribeKey of an alias that names no key -> NotFoundException, not a denial", lambda: eq(
        denial(lambda: kms.describe_key(KeyId="alias/nothing"))["Code"], "NotFoundException"))


# ------------------------------------------------------------------ 8. wire shape of a denial
def t_wire_shape():
    nothing = user("wire")
    secret = client("secretsmanager").create_secret(Name="palisade/wire", SecretString="x")["ARN"]

    def json_secrets():
        err = denied(lambda: client("secretsmanager", nothing).describe_secret(SecretId="palisade/wire"),
                     "AccessDeniedException")
        assert "is not authorized to perform: secretsmanager:DescribeSecret" in err["Message"], err
        assert secret in err["Message"], err
        assert f"arn:aws:iam::{ACCOUNT}:user/wire" in err["Message"], err
    check("secretsmanager (JSON): AccessDeniedException, action and resource ARN in the message", json_secrets)
    key = client("kms").create_key()["KeyMetadata"]["Arn"]

    def json_kms():
        err = denied(lambda: client("kms", nothing).describe_key(KeyId=key), "AccessDeniedException")
        assert "kms:DescribeKey" in err["Message"] and key in err["Message"], err
    check("kms (JSON): AccessDeniedException with action and key ARN", json_kms)
    client("kms").create_alias(AliasName="alias/palisade-wire", TargetKeyId=key)
    key_reader = user("key-reader", allow("kms:DescribeKey", key))
    check("kms: a call naming the key by alias is checked against the key's ARN", lambda: eq(client(
        "kms", key_reader).describe_key(KeyId="alias/palisade-wire")["KeyMetadata"]["Arn"], key))

    client("logs").create_log_group(logGroupName="/palisade/wire")

    def json_logs():
        err = denied(lambda: client("logs", nothing).put_retention_policy(
            logGroupName="/palisade/wire", retentionInDays=7), "AccessDeniedException")
        assert "logs:PutRetentionPolicy" in err["Message"] and "log-group:/palisade/wire" in err["Message"], err
    check("logs (JSON): AccessDeniedException with action and log group ARN", json_logs)

    def query(service, call, action):
        err = denied(lambda: call(client(service, nothing)), "AccessDenied")
        eq(err["status"], 403)
        assert f"is not authorized to perform: {action}" in err["Message"], err
    check("iam (query): AccessDenied, HTTP 403, message", lambda: query(
        "iam", lambda c: c.get_role(RoleName="tagged"), "iam:GetRole"))
    check("sts (query): AccessDenied, HTTP 403, message", lambda: query(
        "sts", lambda c: c.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/trusts-account", RoleSessionName="wire"),
        "sts:AssumeRole"))
    check("sns (query): AccessDenied, HTTP 403, message", lambda: query(
        "sns", lambda c: c.create_topic(Name="palisade-wire"), "sns:CreateTopic"))

    def cloudwatch():
        err = denied(lambda: client("cloudwatch", nothing).describe_alarms())
        assert "is not authorized to perform: cloudwatch:DescribeAlarms" in err["Message"], err
    check("cloudwatch (its botocore protocol): the denial parses with code and message", cloudwatch)
    check("sts:GetCallerIdentity needs no permission", lambda: eq(
        client("sts", nothing).get_caller_identity()["Arn"], f"arn:aws:iam::{ACCOUNT}:user/wire"))


# ------------------------------------------------------------------ 9. session of a deleted role
def t_deleted_role():
    arn = role("short-lived", trust(f"arn:aws:iam::{ACCOUNT}:root"), allow("iam:ListRoles"))
    session = assume(user("short-lived-assumer", allow("sts:AssumeRole", arn)), arn)
    check("a session of the role works while the role exists", lambda: client("iam", session).list_roles())
    iam = client("iam")
    iam.delete_role_policy(RoleName="short-lived", PolicyName="inline")
    iam.delete_role(RoleName="short-lived")

    def gone():
        err = denied(lambda: client("iam", session).list_roles(), "AccessDenied")
        eq(err["status"], 403)
    check("a session of a deleted role -> AccessDenied (not a 500)", gone)
    check("... also on a JSON service", lambda: denied(
        lambda: client("secretsmanager", session).list_secrets(), "AccessDeniedException"))


def main():
    server = None
    with tempfile.TemporaryDirectory(prefix="moto-iam-") as tmp:
        try:
            tls = make_tls(tmp)
            server, ENV["url"] = start_moto(tmp, tls, env={"INITIAL_NO_AUTH_ACTION_COUNT": "0",
                                                           "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
            ENV["verify"] = tls["ca"]
            run_groups((t_root_and_users, t_secret_scoping, t_conditions_and_deny, t_policy_sources, t_cloudwatch, t_s3_actions, t_assume_role,
                          t_org_conditions, t_tag_conditions, t_service_linked_role, t_kms_tag_conditions, t_wire_shape, t_deleted_role))
        except Exception:  # noqa: BLE001
            harness_failure()
        finally:
            stop(server)
            print_logs_if_failed(tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
