#!/usr/bin/env python3
"""AWS size limits for moto 5.2.x, which accepts policy documents of any size: the harness refuses what AWS refuses,
with AWS's error code and message. Applied by moto_server.py's apply_patches(); importing this module changes nothing.
Tested with moto 5.2.5.

WHY: a policy that grows past an AWS quota deploys fine locally and fails on the first real account (issue #7).

PATCHED (moto's model layer, so every path - the query API, CloudFormation resources, other backends - is covered;
each original is still called for the real work; the size check runs after the entity lookup, so NoSuchEntity /
NoSuchBucket still win, and before moto's own document validation):
 1. IAMBackend.put_role_policy / put_group_policy / put_user_policy: the AGGREGATE of the entity's inline policies
    (the others plus the new one; a policy of the same name is replaced, not added) may not exceed 10,240 / 5,120 /
    2,048 characters -> 409 LimitExceeded "Maximum policy size of 10240 bytes exceeded for role <name>" (group, user
    alike; AWS's wording, "bytes" included, as quoted in many bug reports, e.g. aws/aws-cdk#12403, serverless#7643,
    HumanCellAtlas/data-store#1963, ministryofjustice/cloud-platform-environments#5302).
 2. IAMBackend.create_role / update_assume_role_policy: a trust policy over 2,048 characters (the default of the
    adjustable "Role trust policy length" quota) -> 409 LimitExceeded "Cannot exceed quota for ACLSizePerRole: 2048"
    (quoted in kubeflow/dashboard#29).
 3. IAMBackend.create_policy / create_policy_version: a managed policy over 6,144 characters -> 409 LimitExceeded
    "Cannot exceed quota for PolicySize: 6144" (quoted in docker/docs#5815, LBHackney-IT/Data-Platform#2116).
    Source of 1-3: IAM User Guide, "IAM and AWS STS quotas" (reference_iam-quotas), which also says IAM does not
    count white space against these quotas: every white-space character is left out of the count, also inside
    strings (never stricter than AWS; a document with white space inside its strings may pass here and fail there).
 4. S3Backend.put_bucket_policy: a bucket policy over 20 KB (20,480 bytes) -> 400 PolicyTooLarge "Policy exceeds the
    maximum allowed document size." The limit is AWS's (S3 User Guide, "Adding a bucket policy": "Bucket policies are
    limited to 20 KB in size"); AWS measures the policy with its insignificant white space removed (observed, e.g.
    MIT-LCP/physionet-build#2094), so the size counted is the UTF-8 length of the policy re-serialised compactly
    (the raw length if it is not JSON). The ERROR CODE AND MESSAGE ARE NOT CONFIRMED against AWS: no AWS document
    lists them; they are MinIO's (cmd/api-errors.go ErrPolicyTooLarge), the only S3 implementation found that
    states one. Code catching this must not rely on more than "a 400 from PutBucketPolicy".

 5. OrganizationsBackend.create_policy / update_policy: a service or resource control policy over 5,120 characters
    -> 400 ConstraintViolationException "You have exceeded the maximum policy size." (Reason
    POLICY_CONTENT_LIMIT_EXCEEDED; AWS's answer as quoted in hashicorp/terraform-provider-aws#12597 and
    org-formation/org-formation-cli#332). The limit is Organizations' ("Quotas and service limits": 5,120 characters
    for SCPs and RCPs), counted on the content as sent: an SDK call saves the document exactly as given, white space
    included (only the console removes it).

KNOWN LIMITATIONS:
 a. Only the default quotas: an account whose trust-policy quota was raised (up to 8,192 today) is not modelled.
 b. AWS may check a document's syntax before its size; here the size is checked first, so an oversized AND malformed
    document answers LimitExceeded where AWS might answer MalformedPolicyDocument.
 c. Not covered: KMS key policies (32 KB), SNS topic / SQS queue policies, Secrets Manager resource policies (20,480),
    Organizations policy types other than SCPs and RCPs.
"""
import json
import re
import sys

import moto
from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend

ROLE_INLINE, GROUP_INLINE, USER_INLINE = 10_240, 5_120, 2_048
TRUST_POLICY = 2_048
MANAGED_POLICY = 6_144
BUCKET_POLICY = 20_480
ORGANIZATIONS_POLICY = 5_120  # SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY

_WHITESPACE = re.compile(r"\s")
_original = {}  # symbol -> moto's original


def iam_size(document):
    """Characters IAM counts against its quotas: the document without any white space."""
    if not isinstance(document, str):
        document = json.dumps(document)
    return len(_WHITESPACE.sub("", document))


def bucket_policy_size(policy):
    """UTF-8 bytes of the bucket policy with its insignificant white space removed."""
    text = policy.decode("utf-8", "replace") if isinstance(policy, (bytes, bytearray)) else str(policy)
    try:
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        pass  # moto (and AWS) refuse it for other reasons; count it as sent
    return len(text.encode("utf-8"))


def _require(owner, name, params):
    attr = getattr(owner, name, None)
    code = getattr(attr, "__code__", None)
    if code is None or list(code.co_varnames[: code.co_argcount]) != params:
        sys.exit(f"moto_limits.py: moto {moto.__version__}: {owner.__name__}.{name} missing or changed; "
                 "re-check the patches")
    return attr


def _inline(kind, limit):
    """Patch 1 for one entity kind: the put_<kind>_policy(self, <kind>_name, policy_name, policy_json) wrapper."""
    original = _original[f"put_{kind}_policy"]

    def put_policy(self, entity_name, policy_name, policy_json):
        entity = getattr(self, f"get_{kind}")(entity_name)  # NoSuchEntity first, as before
        total = iam_size(policy_json) + sum(iam_size(d) for n, d in entity.policies.items() if n != policy_name)
        if total > limit:
            raise LimitExceededException(f"Maximum policy size of {limit} bytes exceeded for {kind} {entity_name}")
        return original(self, entity_name, policy_name, policy_json)

    put_policy.__name__ = f"put_{kind}_policy"
    return put_policy


def _trust(document):
    if iam_size(document) > TRUST_POLICY:
        raise LimitExceededException(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY}")


def _managed(document):
    if iam_size(document) > MANAGED_POLICY:
        raise LimitExceededException(f"Cannot exceed quota for PolicySize: {MANAGED_POLICY}")


def apply_patches():
    """Idempotent; exits loudly if moto no longer has what we patch."""
    if _original:
        return
    for kind in ("role", "group", "user"):
        _original[f"put_{kind}_policy"] = _require(IAMBackend, f"put_{kind}_policy",
                                                   ["self", f"{kind}_name", "policy_name", "policy_json"])
        _require(IAMBackend, f"get_{kind}", ["self", "name" if kind == "user" else f"{kind}_name"])
    create_role = _original["create_role"] = _require(IAMBackend, "create_role", [
        "self", "role_name", "assume_role_policy_document", "path", "permissions_boundary", "description", "tags",
        "max_session_duration", "linked_service"])
    update_trust = _original["update_assume_role_policy"] = _require(
        IAMBackend, "update_assume_role_policy", ["self", "role_name", "policy_document"])
    create_policy = _original["create_policy"] = _require(IAMBackend, "create_policy", [
        "self", "description", "path", "policy_document", "policy_name", "tags"])
    create_version = _original["create_policy_version"] = _require(
        IAMBackend, "create_policy_version", ["self", "policy_arn", "policy_document", "set_as_default"])
    put_bucket_policy = _original["put_bucket_policy"] = _require(
        S3Backend, "put_bucket_policy", ["self", "bucket_name", "policy"])
    _require(S3Backend, "get_bucket", ["self", "bucket_name"])
    _require(IAMBackend, "get_policy", ["self", "policy_arn"])

    def create_role_limited(self, role_name, assume_role_policy_document, *args, **kwargs):  # patch 2
        _trust(assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def update_assume_role_policy_limited(self, role_name, policy_document):  # patch 2
        self.get_role(role_name)
        _trust(policy_document)
        return update_trust(self, role_name, policy_document)

    def create_policy_limited(self, description, path, policy_document, policy_name, tags):  # patch 3
        _managed(policy_document)
        return create_policy(self, description, path, policy_document, policy_name, tags)

    def create_policy_version_limited(self, policy_arn, policy_document, set_as_default):  # patch 3
        self.get_policy(policy_arn)
        _managed(policy_document)
        return create_version(self, policy_arn, policy_document, set_as_default)

    def put_bucket_policy_limited(self, bucket_name, policy):  # patch 4
        self.get_bucket(bucket_name)
        if bucket_policy_size(policy) > BUCKET_POLICY:
            raise S3ClientError("PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
        return put_bucket_policy(self, bucket_name, policy)

    from moto.organizations.models import OrganizationsBackend
    create_org_policy = _original["org_create_policy"] = _require(OrganizationsBackend, "create_policy", ["self"])
    update_org_policy = _original["org_update_policy"] = _require(OrganizationsBackend, "update_policy", ["self"])
    _require(OrganizationsBackend, "get_policy_by_id", ["self", "policy_id"])

    def _org_policy(kind, content):
        if kind in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY") and len(content or "") > ORGANIZATIONS_POLICY:
            from moto.organizations.exceptions import ConstraintViolationException
            error = ConstraintViolationException("You have exceeded the maximum policy size.")
            error.Reason = "POLICY_CONTENT_LIMIT_EXCEEDED"
            raise error

    def create_org_policy_limited(self, **kwargs):  # patch 5
        _org_policy(kwargs.get("Type"), kwargs.get("Content"))
        return create_org_policy(self, **kwargs)

    def update_org_policy_limited(self, **kwargs):  # patch 5
        policy = self.get_policy_by_id(kwargs["PolicyId"])
        if "Content" in kwargs:
            _org_policy(policy.type, kwargs["Content"])
        return update_org_policy(self, **kwargs)

    OrganizationsBackend.create_policy = create_org_policy_limited
    OrganizationsBackend.update_policy = update_org_policy_limited
    IAMBackend.put_role_policy = _inline("role", ROLE_INLINE)
    IAMBackend.put_group_policy = _inline("group", GROUP_INLINE)
    IAMBackend.put_user_policy = _inline("user", USER_INLINE)
    IAMBackend.create_role = create_role_limited
    IAMBackend.update_assume_role_policy = update_assume_role_policy_limited
    IAMBackend.create_policy = create_policy_limited
    IAMBackend.create_policy_version = create_policy_version_limited
    S3Backend.put_bucket_policy = put_bucket_policy_limited
