#!/usr/bin/env python3
"""Proves scripts/harness/moto_server.py: S3 bucket-policy conditions evaluated faithfully.

  python3 scripts/harness/test_moto_policy.py        (exit status != 0 on failure)

Starts two launcher processes on free ports: one with TLS (a throwaway CA + localhost/127.0.0.1 certificate made
with openssl in a temp dir) and one plain-HTTP (moto serves either https or http per process, never both; state is
per process, so each gets its own bucket + policy). Also calls the patched permission check directly.
Every server started here is stopped at the end.
"""
import json
import os
import sys
import tempfile

from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
import moto_server  # noqa: E402  (the launcher under test; importing it does not start anything)
from harness_testkit import (aws_client, check, eq, error_code, harness_failure, make_tls, start_moto,  # noqa: E402
                             stop, summary)

ACCOUNT = "123456789012"
BUCKET = "palisade-trail-logs"
ARN = f"arn:aws:s3:::{BUCKET}"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail"
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "OnlyOrgPrincipals", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
     "Condition": {"ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/palisade-*",
                                                       "arn:aws:iam::*:role/OrganizationAccountAccessRole"]}}},
    {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": f"{ARN}/AWSLogs/*",
     "Condition": {"StringEquals": {"aws:SourceArn": TRAIL, "s3:x-amz-acl": "bucket-owner-full-control"}}},
    # control statement: must bite over HTTPS, proving the policy is evaluated rather than ignored
    {"Sid": "Control", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": f"{ARN}/no-tls-please/*", "Condition": {"StringNotEqualsIfExists": {"aws:SecureTransport": ["false"]}}},
]}


def denied(fn):
    """moto answers a bucket-policy denial with an empty-bodied 403 (AWS: AccessDenied XML), so accept either."""
    try:
        fn()
    except ClientError as e:
        eq((e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"] in ("AccessDenied", "403")),
           (403, True))
        return
    raise AssertionError("request was not denied")


def s3_client(url, verify):
    return aws_client("s3", url, verify, s3={"addressing_style": "path"})


def e2e_https(s3):
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
    check("https: put_object succeeds", lambda: s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"hello"))
    check("https: get_object succeeds", lambda: eq(s3.get_object(Bucket=BUCKET, Key="a.txt")["Body"].read(), b"hello"))
    check("https: head_object succeeds", lambda: eq(s3.head_object(Bucket=BUCKET, Key="a.txt")["ContentLength"], 5))
    check("https: put IfNoneMatch=* on new key succeeds",
          lambda: s3.put_object(Bucket=BUCKET, Key="lock.json", Body=b"{}", IfNoneMatch="*"))
    check("https: put IfNoneMatch=* on existing key -> PreconditionFailed", lambda: eq(error_code(
        lambda: s3.put_object(Bucket=BUCKET, Key="lock.json", Body=b"{}", IfNoneMatch="*")), "PreconditionFailed"))

    def if_match():
        etag = s3.head_object(Bucket=BUCKET, Key="lock.json")["ETag"]
        s3.put_object(Bucket=BUCKET, Key="lock.json", Body=b'{"v":2}', IfMatch=etag)
        eq(s3.get_object(Bucket=BUCKET, Key="lock.json")["Body"].read(), b'{"v":2}')
    check("https: put IfMatch=<current etag> succeeds", if_match)
    check("https: put IfMatch=<stale etag> -> PreconditionFailed", lambda: eq(error_code(
        lambda: s3.put_object(Bucket=BUCKET, Key="lock.json", Body=b"x", IfMatch='"0123456789abcdef0123456789abcdef"')),
        "PreconditionFailed"))
    check("https: delete_objects succeeds", lambda: eq(s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": "a.txt"}]}).get("Errors", []), []))
    check("https: control Deny (StringNotEqualsIfExists SecureTransport) bites", lambda: denied(
        lambda: s3.put_object(Bucket=BUCKET, Key="no-tls-please/x", Body=b"x")))


def e2e_http(s3):
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
    check("http: put_object -> AccessDenied (TLS-only Deny)", lambda: denied(
        lambda: s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"hello")))
    check("http: get_object -> AccessDenied", lambda: denied(
        lambda: s3.get_object(Bucket=BUCKET, Key="a.txt")))
    check("http: put IfNoneMatch=* -> AccessDenied", lambda: denied(
        lambda: s3.put_object(Bucket=BUCKET, Key="lock.json", Body=b"{}", IfNoneMatch="*")))
    check("http: delete_objects -> per-key AccessDenied", lambda: eq([e["Code"] for e in s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": "a.txt"}]}).get("Errors", [])], ["AccessDenied"]))
    check("http: put under no-tls-please/ -> AccessDenied (TLS Deny)", lambda: denied(
        lambda: s3.put_object(Bucket=BUCKET, Key="no-tls-please/x", Body=b"x")))


def direct():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.access_control import IAMPolicy, PermissionResult as R
    from moto.logs.metric_filters import MetricFilters
    from moto.organizations.models import OrganizationsBackend
    from moto.s3.models import s3_backends
    moto_server.apply_patches()
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].create_bucket("direct-bucket", "us-east-1")
    obj = "arn:aws:s3:::direct-bucket/k"
    bucket.policy = json.dumps(POLICY).replace(BUCKET, "direct-bucket").encode()
    check("direct: SecureTransport=false -> DENIED", lambda: eq(
        bucket.get_permission("s3:PutObject", obj, {"aws:SecureTransport": "false"}), R.DENIED))
    check("direct: SecureTransport=true -> NEUTRAL", lambda: eq(
        bucket.get_permission("s3:PutObject", obj, {"aws:SecureTransport": "true"}), R.NEUTRAL))
    check("direct: no request (unknown SecureTransport) -> NEUTRAL", lambda: eq(
        bucket.get_permission("s3:GetObject", obj), R.NEUTRAL))
    print("info: unpatched moto IAMPolicy on the same policy over https gives",
          IAMPolicy(bucket.policy.decode()).is_action_permitted("s3:PutObject", obj))

    def ev(cond, ctx, effect="Deny", principal="*"):
        st = {"Effect": effect, "Principal": principal, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*", "Condition": cond}
        return moto_server.evaluate_policy({"Statement": [st]}, "s3:GetObject", "arn:aws:s3:::b/k", ctx)
    https, http = {"aws:SecureTransport": "true"}, {"aws:SecureTransport": "false"}
    arn_ctx = {"aws:SecureTransport": "true", "aws:SourceArn": TRAIL}
    cases = [  # (condition, context, expected result of a Deny statement)
        ({"Bool": {"aws:SecureTransport": False}}, http, R.DENIED),  # JSON boolean value
        ({"Bool": {"aws:securetransport": "FALSE"}}, http, R.DENIED),  # key / bool case-insensitive
        ({"StringEquals": {"aws:SecureTransport": ["x", "false"]}}, http, R.DENIED),
        ({"StringNotEquals": {"aws:SecureTransport": ["true", "x"]}}, https, R.NEUTRAL),
        ({"StringNotEquals": {"aws:SecureTransport": ["x", "y"]}}, https, R.DENIED),
        ({"StringLike": {"aws:SecureTransport": "t?u*"}}, https, R.DENIED),
        ({"StringNotLike": {"aws:SecureTransport": "f*"}}, https, R.DENIED),
        ({"StringNotLike": {"aws:SecureTransport": ["x*", "t*"]}}, https, R.NEUTRAL),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"}}, arn_ctx, R.DENIED),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail"}}, arn_ctx, R.NEUTRAL),
        ({"ArnEquals": {"aws:SourceArn": TRAIL}}, arn_ctx, R.DENIED),
        ({"ArnNotEquals": {"aws:SourceArn": TRAIL}}, arn_ctx, R.NEUTRAL),
        ({"ArnNotLike": {"aws:SourceArn": ["arn:aws:s3:::*", "arn:aws:cloudtrail:us-*"]}}, arn_ctx, R.NEUTRAL),
        ({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, arn_ctx, R.DENIED),
        ({"BoolIfExists": {"aws:SecureTransport": "false"}}, http, R.DENIED),
        ({"StringEqualsIfExists": {"aws:SecureTransport": "false"}}, https, R.NEUTRAL),
        ({"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:SecureTransport": "x"}}, http, R.NEUTRAL),  # AND
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}, https, R.NEUTRAL),  # unknown key
        ({"ArnNotLikeIfExists": {"aws:PrincipalArn": "x"}}, https, R.NEUTRAL),
        ({"Null": {"aws:SecureTransport": "false"}}, https, R.DENIED),  # unsupported op on known key: fail closed
    ]
    for i, (cond, ctx, expected) in enumerate(cases):
        check(f"operator case {i}: {json.dumps(cond)} ctx={ctx}", lambda c=cond, x=ctx, e=expected: eq(ev(c, x), e))
    check("unmet Allow -> NEUTRAL (moto: DENIED)",
          lambda: eq(ev({"Bool": {"aws:SecureTransport": "true"}}, http, "Allow"), R.NEUTRAL))
    check("met Allow -> PERMITTED", lambda: eq(ev({"Bool": {"aws:SecureTransport": "true"}}, https, "Allow"), R.PERMITTED))
    check("Allow with unsupported op -> NEUTRAL", lambda: eq(ev({"Null": {"aws:SecureTransport": "x"}}, https, "Allow"), R.NEUTRAL))
    check("Allow for a Service principal -> NEUTRAL",
          lambda: eq(ev({}, https, "Allow", {"Service": "cloudtrail.amazonaws.com"}), R.NEUTRAL))
    check("Deny for AWS:* without condition -> DENIED", lambda: eq(ev({}, https, "Deny", {"AWS": ["*"]}), R.DENIED))
    check("resource wildcard does not treat '.' as regex", lambda: eq(moto_server.evaluate_policy(
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::a.b/*"}]},
        "s3:GetObject", "arn:aws:s3:::axb/k", https), R.NEUTRAL))
    filters = MetricFilters()
    filters.add_filter("f", "p1", "g", [])
    filters.add_filter("f", "p2", "g", [])  # a repeated PutMetricFilter
    filters.add_filter("f", "p3", "other", [])
    check("PutMetricFilter of an existing name replaces it (AWS: creates or updates)", lambda: eq(
        sorted((f["logGroupName"], f["filterPattern"]) for f in filters.metric_filters), [("g", "p2"), ("other", "p3")]))
    org = OrganizationsBackend(region_name="us-east-1", account_id="123456789012")
    org.create_organization(region="us-east-1", feature_set="ALL")
    for i in range(5):
        org.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")

    def every_page():
        statuses, token, pages = [], None, 0
        while pages < 10:
            out = org.list_create_account_status(MaxResults=2, **({"NextToken": token} if token else {}))
            statuses += [s["AccountName"] for s in out["CreateAccountStatuses"]]
            pages, token = pages + 1, out.get("NextToken")
            if not token:
                return pages, statuses
        return pages, statuses

    check("ListCreateAccountStatus pages move on and end (moto repeated its second page forever)",
          lambda: eq(every_page(), (3, ["master"] + [f"a{i}" for i in range(5)])))
    root = org.list_roots()["Roots"][0]["Id"]
    scp = org.create_policy(Name="scp", Description="d", Type="SERVICE_CONTROL_POLICY",
                            Content='{"Version":"2012-10-17","Statement":[]}')["Policy"]["PolicySummary"]["Id"]

    def attach_refused():
        try:
            org.attach_policy(PolicyId=scp, TargetId=root)
        except Exception as e:  # noqa: BLE001 - moto's PolicyTypeNotEnabledException
            return getattr(e, "code", type(e).__name__)
        return "attached"

    check("AttachPolicy of an SCP before SERVICE_CONTROL_POLICY is enabled on the root -> PolicyTypeNotEnabled",
          lambda: eq(attach_refused(), "PolicyTypeNotEnabledException"))
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    check("... once enabled -> attached", lambda: eq(attach_refused(), "attached"))
    check("moto's own FullAWSAccess is attached at the root without the type enabled (as AWS does on enabling)",
          lambda: eq(sorted(p["Name"] for p in org.list_policies_for_target(
              target_id=root, policy_type="RESOURCE_CONTROL_POLICY")[0]), ["RCPFullAWSAccess"]))
    from moto.iam import models as iam_models
    members = [f"44455566{i:04d}" for i in range(3)]
    for member in members:
        iam_models.iam_backends[member]["aws"]  # noqa: B018 - an account that has been used (its backend exists)
    key = iam_models.iam_backends[members[1]]["aws"].create_access_key(
        iam_models.iam_backends[members[1]]["aws"].create_user("u", "/", None).name).access_key_id

    def lookups():
        found = iam_models.get_account_id_from(key), iam_models.get_account_id_from("AKIAUNKNOWN000000000")
        return found, sorted({p for m in members for p in dict.keys(iam_models.iam_backends[m])})

    check("an access key maps to its account without creating IAM backends in other partitions (moto made 5 per "
          "account, each with 1,582 managed policies)", lambda: eq(lookups(), ((members[1], "123456789012"), ["aws"])))
    check("IAMPolicyStatement (identity/trust path) left unpatched", lambda: eq(
        "moto_server" in IAMPolicy.is_action_permitted.__code__.co_filename, False))


def logs_kms(url):
    """Patch 8 over the wire: AssociateKmsKey as AWS answers it (moto had no such action)."""
    logs = aws_client("logs", url)
    key = aws_client("kms", url).create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="g-kms")

    def key_of(group):
        return [g.get("kmsKeyId") for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]]

    check("logs: a group made without a key has none", lambda: eq(key_of("g-kms"), [None]))
    check("logs: AssociateKmsKey sets the group's key",
          lambda: (logs.associate_kms_key(logGroupName="g-kms", kmsKeyId=key), eq(key_of("g-kms"), [key]))[1])
    check("logs: AssociateKmsKey on a missing group -> ResourceNotFoundException", lambda: eq(error_code(
        lambda: logs.associate_kms_key(logGroupName="nope", kmsKeyId=key)), "ResourceNotFoundException"))
    check("logs: AssociateKmsKey with an alias, not a key ARN -> InvalidParameterException", lambda: eq(error_code(
        lambda: logs.associate_kms_key(logGroupName="g-kms", kmsKeyId="alias/x")), "InvalidParameterException"))
    check("logs: the group keeps its key after a refused call", lambda: eq(key_of("g-kms"), [key]))


def main():
    servers = []
    with tempfile.TemporaryDirectory(prefix="moto-policy-") as tmp:
        try:
            tls = make_tls(tmp)
            proc, url = start_moto(tmp, tls)
            servers.append(proc)
            e2e_https(s3_client(url, tls["ca"]))
            proc, url = start_moto(tmp)
            servers.append(proc)
            e2e_http(s3_client(url, False))
            logs_kms(url)
            direct()
        except Exception:  # noqa: BLE001
            harness_failure()
        finally:
            for proc in servers:
                stop(proc)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
