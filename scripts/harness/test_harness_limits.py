#!/usr/bin/env python3
"""Proves scripts/harness/moto_limits.py: moto refuses the policy sizes AWS refuses, with AWS's error code.

  .palisade/venv/bin/python scripts/harness/test_harness_limits.py        (exit status != 0 on failure)

Starts the moto launcher (scripts/harness/moto_server.py, which applies moto_limits) on a free plain-HTTP port and
checks over the wire with boto3: a document exactly at each limit is accepted, one character (byte) over is refused
with the right code, HTTP status and message; white space is not counted; a role's inline policies count together.
Also checks the patches directly (idempotent, size functions). The server is stopped at the end.
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the repo
import moto_limits  # noqa: E402  (importing it patches nothing)
from harness_testkit import aws_client, check, eq, harness_failure, refused, start_moto, stop, summary  # noqa: E402

TRUST_HEAD = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
              '"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"')
TRUST_TAIL = '"}}}]}'
IAM_HEAD = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/'
IAM_TAIL = '"}]}'


def padded(head, tail, size, pad="a"):
    """A document of exactly `size` characters (no white space in head/tail)."""
    body = size - len(head) - len(tail)
    assert body > 0
    return head + pad * body + tail


def iam_doc(size):
    return padded(IAM_HEAD, IAM_TAIL, size)


def trust_doc(size):
    return padded(TRUST_HEAD, TRUST_TAIL, size)


def bucket_doc(bucket, size):
    return padded('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
                  f'"Resource":"arn:aws:s3:::{bucket}/', '"}]}', size)


def pretty(compact):
    """The same JSON document, indented: much longer, same size for AWS."""
    return json.dumps(json.loads(compact), indent=8)


def client(service, url):
    return aws_client(service, url, s3={"addressing_style": "path"})


def e2e_iam(iam):
    trust = trust_doc(500)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust)
    iam.create_group(GroupName="g")
    iam.create_user(UserName="u")
    limit_msg = "Maximum policy size of {} bytes exceeded for {} {}"

    # inline policies, one per entity kind: at the limit accepted, one over refused (409 LimitExceeded)
    for kind, name, limit, put in (("role", "r", 10_240, lambda n, d: iam.put_role_policy(
            RoleName="r", PolicyName=n, PolicyDocument=d)), ("group", "g", 5_120, lambda n, d: iam.put_group_policy(
            GroupName="g", PolicyName=n, PolicyDocument=d)), ("user", "u", 2_048, lambda n, d: iam.put_user_policy(
            UserName="u", PolicyName=n, PolicyDocument=d))):
        check(f"{kind} inline policy of {limit + 1} chars -> 409 LimitExceeded, AWS's message", lambda p=put, k=kind,
              n=name, lim=limit: refused(lambda: p("big", iam_doc(lim + 1)), "LimitExceeded", 409,
                                         limit_msg.format(lim, k, n)))
        check(f"{kind} inline policy of exactly {limit} chars accepted", lambda p=put, lim=limit: p("p1", iam_doc(lim)))
        check(f"{kind}: replacing that policy (same name, same size) accepted: not counted twice",
              lambda p=put, lim=limit: p("p1", iam_doc(lim)))
        check(f"{kind}: a second policy on top of a full budget -> LimitExceeded (aggregate)", lambda p=put: refused(
            lambda: p("p2", iam_doc(len(IAM_HEAD) + len(IAM_TAIL) + 1)), "LimitExceeded", 409))

    iam.delete_role_policy(RoleName="r", PolicyName="p1")
    check("role aggregate: 6000 + 4240 chars in two policies accepted", lambda: (
        iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=iam_doc(6_000)),
        iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=iam_doc(4_240))))
    check("role aggregate: growing the second to 4241 -> LimitExceeded", lambda: refused(
        lambda: iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=iam_doc(4_241)), "LimitExceeded", 409))
    check("role aggregate: the refused write left the stored policy unchanged", lambda: eq(
        len(json.dumps(iam.get_role_policy(RoleName="r", PolicyName="b")["PolicyDocument"], separators=(",", ":"))),
        4_240))
    check("role aggregate: shrinking the first makes room again", lambda: (
        iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=iam_doc(5_999)),
        iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=iam_doc(4_241))))

    def whitespace_not_counted():
        doc = pretty(iam_doc(2_048))
        assert len(doc) > 2_048 + 50, len(doc)
        iam.put_user_policy(UserName="u", PolicyName="p1", PolicyDocument=doc)
    check("white space not counted: an indented 2048-char user policy (longer raw) accepted", whitespace_not_counted)
    check("white space not counted: the indented 2049-char one refused", lambda: refused(
        lambda: iam.put_user_policy(UserName="u", PolicyName="p1", PolicyDocument=pretty(iam_doc(2_049))),
        "LimitExceeded", 409))
    check("missing role still answers NoSuchEntity, not LimitExceeded", lambda: refused(
        lambda: iam.put_role_policy(RoleName="nope", PolicyName="p", PolicyDocument=iam_doc(20_000)),
        "NoSuchEntity", 404))

    # trust policy (default quota 2,048)
    check("CreateRole with a 2048-char trust policy accepted",
          lambda: iam.create_role(RoleName="t1", AssumeRolePolicyDocument=trust_doc(2_048)))
    check("CreateRole with a 2049-char trust policy -> 409 LimitExceeded, AWS's message", lambda: refused(
        lambda: iam.create_role(RoleName="t2", AssumeRolePolicyDocument=trust_doc(2_049)), "LimitExceeded", 409,
        "Cannot exceed quota for ACLSizePerRole: 2048"))
    check("the refused CreateRole created nothing", lambda: refused(lambda: iam.get_role(RoleName="t2"),
                                                                      "NoSuchEntity", 404))
    check("UpdateAssumeRolePolicy 2049 chars -> LimitExceeded", lambda: refused(
        lambda: iam.update_assume_role_policy(RoleName="t1", PolicyDocument=trust_doc(2_049)), "LimitExceeded", 409))
    check("UpdateAssumeRolePolicy indented 2048 chars accepted",
          lambda: iam.update_assume_role_policy(RoleName="t1", PolicyDocument=pretty(trust_doc(2_048))))

    # managed policy (6,144)
    check("CreatePolicy 6144 chars accepted", lambda: iam.create_policy(PolicyName="m", PolicyDocument=iam_doc(6_144)))
    check("CreatePolicy 6145 chars -> 409 LimitExceeded, AWS's message", lambda: refused(
        lambda: iam.create_policy(PolicyName="m2", PolicyDocument=iam_doc(6_145)), "LimitExceeded", 409,
        "Cannot exceed quota for PolicySize: 6144"))
    arn = "arn:aws:iam::123456789012:policy/m"
    check("CreatePolicyVersion 6145 chars -> LimitExceeded", lambda: refused(
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=iam_doc(6_145)), "LimitExceeded", 409))
    check("CreatePolicyVersion indented 6144 chars accepted",
          lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=pretty(iam_doc(6_144))))


def e2e_s3(s3):
    bucket = "limits-bucket"
    s3.create_bucket(Bucket=bucket)
    check("bucket policy of exactly 20480 bytes accepted",
          lambda: s3.put_bucket_policy(Bucket=bucket, Policy=bucket_doc(bucket, 20_480)))
    check("bucket policy of 20481 bytes -> 400 PolicyTooLarge", lambda: refused(
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy=bucket_doc(bucket, 20_481)), "PolicyTooLarge", 400,
        "Policy exceeds the maximum allowed document size."))
    check("the refused policy left the stored one unchanged", lambda: eq(
        len(s3.get_bucket_policy(Bucket=bucket)["Policy"]), 20_480))
    check("indented 20480-byte policy (insignificant white space) accepted",
          lambda: s3.put_bucket_policy(Bucket=bucket, Policy=pretty(bucket_doc(bucket, 20_480))))
    check("bytes, not characters: 20480 chars with one 2-byte character -> PolicyTooLarge", lambda: refused(
        lambda: s3.put_bucket_policy(Bucket=bucket, Policy=bucket_doc(bucket, 20_480).replace("aa", "\u00e9", 1)
                                     .replace('"}]}', 'a"}]}')), "PolicyTooLarge", 400))
    check("missing bucket still answers NoSuchBucket", lambda: refused(
        lambda: s3.put_bucket_policy(Bucket="no-such-bucket", Policy=bucket_doc("no-such-bucket", 30_000)),
        "NoSuchBucket", 404))


def e2e_organizations(orgs):
    orgs.create_organization(FeatureSet="ALL")
    head, tail = '{"Version":"2012-10-17","Statement":[{"Sid":"', '","Effect":"Deny","Action":"*","Resource":"*"}]}'
    check("SCP of exactly 5120 characters accepted", lambda: orgs.create_policy(
        Name="scp-5120", Description="d", Type="SERVICE_CONTROL_POLICY", Content=padded(head, tail, 5_120)))
    check("SCP of 5121 characters -> 400 ConstraintViolationException, AWS's message", lambda: refused(
        lambda: orgs.create_policy(Name="scp-5121", Description="d", Type="SERVICE_CONTROL_POLICY",
                                   Content=padded(head, tail, 5_121)),
        "ConstraintViolationException", 400, "You have exceeded the maximum policy size."))
    check("white space counts (an SDK call saves the document as sent): 5110 characters indented -> refused",
          lambda: refused(lambda: orgs.create_policy(Name="scp-pretty", Description="d", Type="SERVICE_CONTROL_POLICY",
                                                     Content=pretty(padded(head, tail, 5_110))),
                          "ConstraintViolationException", 400))
    rcp = ('{"Version":"2012-10-17","Statement":[{"Sid":"', '","Effect":"Deny","Principal":"*","Action":"s3:*",'
           '"Resource":"*"}]}')
    check("RCP of 5121 characters -> refused", lambda: refused(
        lambda: orgs.create_policy(Name="rcp-5121", Description="d", Type="RESOURCE_CONTROL_POLICY",
                                   Content=padded(*rcp, 5_121)), "ConstraintViolationException", 400))
    scp = next(p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
               if p["Name"] == "scp-5120")
    check("UpdatePolicy to 5121 characters -> refused, the stored content unchanged", lambda: (
        refused(lambda: orgs.update_policy(PolicyId=scp, Content=padded(head, tail, 5_121)),
                "ConstraintViolationException", 400),
        eq(len(orgs.describe_policy(PolicyId=scp)["Policy"]["Content"]), 5_120)))


def direct():
    from moto.iam.models import IAMBackend
    from moto.s3.models import S3Backend
    moto_limits.apply_patches()
    patched = (IAMBackend.put_role_policy, IAMBackend.create_role, S3Backend.put_bucket_policy)
    moto_limits.apply_patches()
    check("direct: apply_patches is idempotent", lambda: eq(
        (IAMBackend.put_role_policy, IAMBackend.create_role, S3Backend.put_bucket_policy), patched))
    check("direct: patched functions come from moto_limits", lambda: eq(
        {f.__module__ for f in patched}, {"moto_limits"}))
    check("direct: iam_size drops all white space", lambda: eq(moto_limits.iam_size('{ "a" :\n\t"b c" }'), 10))
    check("direct: bucket_policy_size is compact UTF-8 bytes", lambda: eq(
        moto_limits.bucket_policy_size('{ "a" : "\u00e9" }'.encode()), len('{"a":"\u00e9"}'.encode())))


def main():
    server = None
    with tempfile.TemporaryDirectory(prefix="harness-limits-") as tmp:
        try:
            direct()
            server, url = start_moto(tmp, host="127.0.0.1")
            e2e_iam(client("iam", url))
            e2e_s3(client("s3", url))
            e2e_organizations(client("organizations", url))
        except Exception:  # noqa: BLE001
            harness_failure()
        finally:
            stop(server)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
