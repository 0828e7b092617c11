"""IAM enforcement for the emulated organization: moto checks identity policies and role trust the way AWS does,
closely enough that a permission missing from a phase's role fails locally as it would on AWS.
Applied by moto_server.py (apply_patches) when moto runs with INITIAL_NO_AUTH_ACTION_COUNT=0 (scripts/emulators.sh
sets it unless PALISADE_IAM_ENFORCEMENT=0).

WHY: with INITIAL_NO_AUTH_ACTION_COUNT moto 5.2.x authenticates requests, but its authorization differs from AWS in
ways that make it useless for checking a least-privilege role:
 - it knows the resource of only a few calls (IAM role calls, AssumeRole, S3) and checks every other call against
   Resource "*": a statement scoped to an ARN then never matches, so a correctly scoped role is denied;
 - it turns `*` into `.*` and leaves every other regex character live (`?` in `secret:x-??????` is a quantifier);
 - an Allow whose Condition is not met answers DENIED (an explicit deny) instead of not applying;
 - a trust policy naming `arn:aws:iam::<account>:root` never matches a principal of that account, and the trust of a
   role in ANOTHER account is not checked at all (the role is looked up in the caller's account).

PATCHED (moto.core.authorization + moto.iam.access_control):
 1. Harness root keys. A request signed with an access key in PALISADE_MOTO_ROOT_KEYS (default "testing": what the
    harness, the tests and the CLI use) acts as the root user of the account moto maps it to (the management account):
    it is not checked, as AWS does not check the root user against IAM policies. Every phase acts with the
    credentials of its own role (scripts/harness/lambda_identities.py), never with a root key.
 2. The resource of a call is derived from its parameters for the services the phases use: IAM (role, user, group,
    policy; for a missing entity its would-be ARN, path included; CreateServiceLinkedRole the role it would make,
    under /aws-service-role/<service>/; the account's password policy calls, which have no
    resource type, match only a statement whose Resource covers "*" itself, as on AWS), STS AssumeRole, Secrets Manager (a secret that
    does not exist is checked against its bare name, as AWS does; CreateSecret against name-??????), KMS (key ARN, an
    alias resolved), SNS topics, CloudTrail trails, CloudWatch Logs log groups, CloudWatch alarms, EventBridge rules,
    S3 (moto's own). Calls on nothing nameable (List*, account-level settings, Organizations) keep "*".
 3. Actions are named by IAM service prefix, not signing name (moto checked "monitoring:PutMetricAlarm" where AWS
    checks "cloudwatch:PutMetricAlarm"), and S3 operations by the action AWS authorizes them with (moto checked
    "s3:HeadBucket", which no policy grants, where AWS checks s3:ListBucket; S3 Control's Get/PutPublicAccessBlock, which
    moto named s3:GetPublicAccessBlock, by s3:Get/PutAccountPublicAccessBlock). Identity policies (inline and attached, user groups included) are evaluated as AWS does: an explicit Deny wins,
    otherwise an Allow is needed; Action/NotAction case-insensitive, Resource/NotResource and both with * and ? as
    wildcards; a Condition that is not met makes its statement not apply (Allow or Deny). Condition keys known
    locally: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalOrgID, aws:ResourceAccount, aws:ResourceOrgID,
    aws:username (IAM users), aws:RequestedRegion, aws:SecureTransport, aws:RequestTag/* (KMS's TagKey/TagValue too),
    aws:ResourceTag/* (IAM roles and users, KMS keys), iam:AWSServiceName (CreateServiceLinkedRole), iam:PolicyARN,
    sts:ExternalId, organizations:PolicyType (where the request names the type: CreatePolicy, EnablePolicyType),
    organizations:ServicePrincipal ((En|Dis)ableAWSServiceAccess), sts:TaskPolicyArn (AssumeRoot, whose resource is
    arn:aws:iam::<target>:root). Policy variables (${aws:...}) in Resource and Condition values are replaced by
    these. Operators
    as in moto_server.evaluate_policy.
 5. A member account that moto's Organizations creates gets, like on AWS, an inline policy "AdministratorAccess"
    (Allow * on *) on its OrganizationAccountAccessRole; moto created the role with no permission at all.
 6. Account aliases are unique across all accounts, as across AWS: CreateAccountAlias of an alias another account
    has answers EntityAlreadyExists ("The account alias <a> already exists."); moto gave every account any alias.
 7. AWS Config's service-linked role is named AWSServiceRoleForConfig, as on AWS (moto: AWSServiceRoleForconfig).
 4. sts:AssumeRole also needs the trust policy of the target role, looked up in the role's own account: Principal
    "*", an account id or `arn:...:root` (any principal of that account), a user ARN, or a role ARN (sessions of that
    role); a Service/Federated principal never matches an IAM caller. In the role's own account a trust that names
    the caller's ARN is enough by itself (AWS: identity policy not needed then); naming the account root is not.

KNOWN LIMITATIONS (locally less strict than AWS):
 a. A condition key not listed in 3 (aws:MultiFactorAuthPresent, aws:SourceArn, aws:CalledVia, ...) is unknown: its
    statement does not apply. An Allow conditioned on it grants nothing (fails closed); a Deny is NOT enforced.
 b. Calls whose resource is not derived (2) are checked against "*": a statement scoped to some ARN matches them.
 c. Session policies, permission boundaries, SCPs/RCPs and resource policies (other than S3 bucket policies, see
    moto_server.py) are not evaluated. Credentials never expire.
 d. Service-linked and service principals (a trail writing to a bucket, a rule invoking a topic) are not modelled.
"""
import functools
import json
import logging
import os
import re
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicy, IAMRequestBase, PermissionResult
from moto.iam.exceptions import NotFoundException
from werkzeug.exceptions import HTTPException

import moto_server  # the condition evaluator shared with the bucket-policy patch

log = logging.getLogger("palisade.moto_iam")
ROOT_KEYS = {k for k in os.environ.get("PALISADE_MOTO_ROOT_KEYS", "testing").split(",") if k}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
_original = {}


# ------------------------------------------------------------------ request parameters and resources
def _param(response, name):
    try:
        values = response.querystring.get(name)
        if values:
            return values[0]
    except AttributeError:
        pass
    body = getattr(response, "body", None)
    if body:
        try:
            doc = json.loads(body)
            if isinstance(doc, dict) and name in doc:
                return doc[name]
        except (ValueError, TypeError):
            pass
    return None


def _iam_backend(account):
    from moto.iam.models import iam_backends
    return iam_backends[account]["global"]


def _iam_arn(account, kind, name, path, lookup):
    try:
        return lookup(name).arn
    except Exception:  # noqa: BLE001 - a missing entity: its would-be ARN
        path = path or "/"
        return f"arn:aws:iam::{account}:{kind}{path}{name}"


# IAM actions that have no resource type (Service Authorization Reference, "Actions defined by AWS Identity and Access
# Management": their Resource types column is empty): AWS evaluates them against "*" literally, so only a statement
# whose Resource matches "*" applies to them; one scoped to some role's ARN neither grants nor denies them.
_ACCOUNT_LEVEL_IAM = {"GetAccountPasswordPolicy", "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"}
ACCOUNT_LEVEL = "\x00account-level"  # the resource of such a call: matched as the literal "*"


def _service_linked_role_name(service, suffix):
    """The name IAM (and moto's create_service_linked_role) gives a service's service-linked role:
    config.amazonaws.com -> AWSServiceRoleForConfig; a.b.amazonaws.com -> AWSServiceRoleForB_A."""
    from moto.iam.models import SERVICE_NAME_CONVERSION
    parts = service.split(".")
    if len(parts) < 3:
        return None
    name, prefix = parts[-3], parts[0]
    if name != prefix:
        name = SERVICE_NAME_CONVERSION.get(name, name) + "_" + "".join(x.capitalize() for x in prefix.split("-"))
    else:
        name = SERVICE_NAME_CONVERSION.get(name, name)
    return f"AWSServiceRoleFor{name}" + (f"_{suffix}" if suffix else "")


def _iam_resource(response, account, action):
    if action in _ACCOUNT_LEVEL_IAM:
        return ACCOUNT_LEVEL
    if action == "CreateServiceLinkedRole":
        # authorized on the role it makes (Service Authorization Reference: resource type "role"), which AWS
        # puts under /aws-service-role/<service>/; moto checked "*", which a statement scoped to that ARN misses
        service = _param(response, "AWSServiceName") or ""
        name = _service_linked_role_name(service, _param(response, "CustomSuffix"))
        return f"arn:aws:iam::{account}:role/aws-service-role/{service}/{name}" if name else "*"
    iam = _iam_backend(account)
    group = _param(response, "GroupName")
    if action in ("AddUserToGroup", "RemoveUserFromGroup") and group:
        return _iam_arn(account, "group", group, None, iam.get_group)
    role = _param(response, "RoleName")
    if role:
        return _iam_arn(account, "role", role, _param(response, "Path"), iam.get_role)
    user = _param(response, "UserName")
    if user:
        return _iam_arn(account, "user", user, _param(response, "Path"), iam.get_user)
    if group:
        return _iam_arn(account, "group", group, _param(response, "Path"), iam.get_group)
    policy = _param(response, "PolicyArn")
    if policy:
        return policy
    name = _param(response, "PolicyName")
    if action == "CreatePolicy" and name:
        return f"arn:aws:iam::{account}:policy{_param(response, 'Path') or '/'}{name}"
    return "*"


def _secret_resource(response, account, region, action):
    from moto.secretsmanager.models import secretsmanager_backends
    ref = _param(response, "SecretId") or _param(response, "Name")
    if not ref:
        return "*"
    if ref.startswith("arn:"):
        return ref
    if action == "CreateSecret":
        return f"arn:aws:secretsmanager:{region}:{account}:secret:{ref}-??????"
    try:
        return secretsmanager_backends[account][region].describe_secret(ref).arn
    except Exception:  # noqa: BLE001 - AWS checks a secret that does not exist against its bare name
        return f"arn:aws:secretsmanager:{region}:{account}:secret:{ref}"


def _kms_resource(response, account, region):
    from moto.kms.models import kms_backends
    ref = _param(response, "KeyId") or _param(response, "TargetKeyId")
    if not ref:
        return "*"
    try:
        return kms_backends[account][region].describe_key(ref).arn
    except Exception:  # noqa: BLE001
        return ref if ref.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{ref}"


def _named(value, arn):
    return "*" if not value else (value if str(value).startswith("arn:") else arn)


def resource_of(response, service, region, account, action):
    """The ARN AWS would authorize this call against, or "*" if the call names no resource (or moto's is kept)."""
    try:
        if service == "iam":
            return _iam_resource(response, account, action)
        if service == "secretsmanager":
            return _secret_resource(response, account, region, action)
        if service == "kms":
            return _kms_resource(response, account, region)
        if service == "sns":
            topic = _param(response, "TopicArn") or _param(response, "ResourceArn")
            name = _param(response, "Name") if action == "CreateTopic" else None
            return topic or _named(name, f"arn:aws:sns:{region}:{account}:{name}")
        if service == "cloudtrail":
            name = _param(response, "Name") or _param(response, "TrailName")
            return _named(name, f"arn:aws:cloudtrail:{region}:{account}:trail/{name}")
        if service == "logs":
            name = _param(response, "logGroupName")
            return _named(name, f"arn:aws:logs:{region}:{account}:log-group:{name}:*")
        if service == "monitoring":
            names = _param(response, "AlarmNames.member.1") or _param(response, "AlarmName")
            return _named(names, f"arn:aws:cloudwatch:{region}:{account}:alarm:{names}")
        if service == "sts" and action == "AssumeRoot":  # the target account's root (moto_root_access.py)
            target = str(_param(response, "TargetPrincipal") or "")
            return target if target.startswith("arn:") else f"arn:aws:iam::{target}:root"
        if service == "securityhub":  # the caller's hub (moto_securityhub.py's calls derive the same)
            if action in ("ListOrganizationAdminAccounts", "DescribeStandards", "DisableOrganizationAdminAccount",
                          "EnableOrganizationAdminAccount"):
                return "*"
            return f"arn:aws:securityhub:{region}:{account}:hub/default"
        if service == "events":
            name = _param(response, "Name") or _param(response, "Rule")
            return _named(name, f"arn:aws:events:{region}:{account}:rule/{name}")
    except Exception as e:  # noqa: BLE001 - never let the resource guess break a call
        log.warning("resource of %s:%s not derived: %s", service, action, e)
    return "*"


# ------------------------------------------------------------------ organizations
def org_of(account):
    """The organization id of an account, or None."""
    from moto.organizations.models import organizations_backends
    try:
        master, partition = organizations_backends.master_accounts.get(account, (account, "aws"))
        backend = organizations_backends[master][partition]
        org = getattr(backend, "org", None)
        if org is None:
            backend = organizations_backends[master]["global"] if "global" in organizations_backends[master] else None
            org = getattr(backend, "org", None)
        return org.id if org else None
    except Exception:  # noqa: BLE001
        return None


def _account_of_arn(arn, default):
    parts = str(arn).split(":")
    if len(parts) >= 6 and parts[2] == "s3":
        return _bucket_owner(parts[5].split("/")[0]) or default
    return parts[4] if len(parts) >= 6 and re.fullmatch(r"\d{12}", parts[4] or "") else default


def _bucket_owner(bucket):
    from moto.s3.models import s3_backends
    try:
        for account, backends in list(s3_backends.items()):
            if bucket in backends["aws"].buckets:
                return account
    except Exception:  # noqa: BLE001
        pass
    return None


# ------------------------------------------------------------------ evaluation
def _principal_arn(access_key):
    arn = access_key.arn  # arn:aws:iam::<a>:user/<name> (moto drops the path), or ...:assumed-role/<role>/<session>
    u = re.fullmatch(r"arn:([^:]+):iam::(\d{12}):user/(.+)", arn)
    if u:
        try:
            return _iam_backend(u.group(2)).get_user(u.group(3).rsplit("/", 1)[-1]).arn
        except NotFoundException:
            return arn
    m = re.fullmatch(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.*", arn)
    if m:
        try:
            return _iam_backend(m.group(2)).get_role(m.group(3)).arn
        except NotFoundException:
            return f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}"
    return arn


def _tag_pairs(tags):
    """moto keeps tags as a list of {"Key","Value"} (KMS: {"TagKey","TagValue"}), a dict of those, or a plain dict."""
    if isinstance(tags, dict):
        tags = [v if isinstance(v, dict) and ("Key" in v or "TagKey" in v) else {"Key": k, "Value": v}
                for k, v in tags.items()]
    tags = [{"Key": t["TagKey"], "Value": t.get("TagValue", "")} if isinstance(t, dict) and "TagKey" in t else t
            for t in tags or []]
    return {t["Key"]: t.get("Value", "") for t in tags if isinstance(t, dict) and "Key" in t}


def _request_tags(data):
    """Tags sent with the call: query protocol Tags.member.N.Key/Value, or a JSON Tags list."""
    tags, data = {}, data or {}
    for k, v in data.items():
        m = re.fullmatch(r"Tags\.member\.(\d+)\.Key", k)
        if m:
            value = data.get(f"Tags.member.{m.group(1)}.Value", [""])
            tags[v[0] if isinstance(v, list) else v] = value[0] if isinstance(value, list) else value
    if isinstance(data.get("Tags"), (list, dict)):
        tags.update(_tag_pairs(data["Tags"]))
    return tags


def _resource_tags(resource):
    k = re.fullmatch(r"arn:[^:]+:kms:([^:]+):(\d{12}):key/([^/]+)", resource)
    if k:  # a KMS key's tags (aws:ResourceTag on a key, as AWS evaluates it for the key's own operations)
        try:
            from moto.kms.models import kms_backends
            return _tag_pairs(kms_backends[k.group(2)][k.group(1)].list_resource_tags(k.group(3)).get("Tags"))
        except Exception:  # noqa: BLE001 - a key that does not exist has no tags
            return {}
    m = re.fullmatch(r"arn:[^:]+:iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)", resource)
    if not m:
        return {}
    try:
        iam = _iam_backend(m.group(1))
        entity = iam.get_role(m.group(3)) if m.group(2) == "role" else iam.get_user(m.group(3))
        return _tag_pairs(getattr(entity, "tags", None))
    except Exception:  # noqa: BLE001 - a resource that does not exist has no tags
        return {}


def _context(request, resource):
    principal = _principal_arn(request._access_key)
    principal_account = request._access_key.account_id
    resource_account = _account_of_arn(resource, None) if resource not in ("*", ACCOUNT_LEVEL) else None
    context = {"aws:principalarn": principal, "aws:principalaccount": principal_account,
               "aws:requestedregion": request._region,
               "aws:securetransport": moto_server.current_context().get("aws:securetransport", "true")}
    user = re.fullmatch(r"arn:[^:]+:iam::\d{12}:user/(?:.*/)?([^/]+)", principal)
    if user:  # AWS sets aws:username for IAM users only (policies use user/${aws:username})
        context["aws:username"] = user.group(1)
    org = org_of(principal_account)
    if org:
        context["aws:principalorgid"] = org
    if resource_account:
        context["aws:resourceaccount"] = resource_account
        resource_org = org_of(resource_account)
        if resource_org:
            context["aws:resourceorgid"] = resource_org
    data = request._data or {}
    if isinstance(request._body, (bytes, str)) and request._body[:1] in (b"{", "{"):
        try:
            data = {**data, **json.loads(request._body)}
        except ValueError:
            pass
    for k, v in _request_tags(data).items():
        context[f"aws:requesttag/{k.lower()}"] = v
    for k, v in _resource_tags(resource).items():
        context[f"aws:resourcetag/{k.lower()}"] = v
    for key, param in (("iam:awsservicename", "AWSServiceName"), ("sts:externalid", "ExternalId"),
                       ("organizations:serviceprincipal", "ServicePrincipal")):
        value = data.get(param)
        if value:
            context[key] = value[0] if isinstance(value, list) else value
    task_policy = data.get("TaskPolicyArn.arn")  # sts:AssumeRoot (moto_root_access.py)
    if task_policy:
        context["sts:taskpolicyarn"] = task_policy[0] if isinstance(task_policy, list) else task_policy
    policy_arn = data.get("PolicyArn")
    if policy_arn:
        context["iam:policyarn"] = policy_arn[0] if isinstance(policy_arn, list) else policy_arn
    # organizations:PolicyType where the request names the type (CreatePolicy: Type; EnablePolicyType,
    # DisablePolicyType, ListPolicies...: PolicyType or Filter); AWS also knows it from an existing policy's id
    if request._action.startswith("organizations:"):
        policy_type = data.get("Type") or data.get("PolicyType") or data.get("Filter")
        if policy_type:
            context["organizations:policytype"] = policy_type[0] if isinstance(policy_type, list) else policy_type
    return context


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_UNRESOLVED = "\x00unresolved"  # matches nothing


def _substitute(value, context):
    """Policy variables (${aws:PrincipalOrgID}, ...) replaced by the request's values; one unknown here matches
    nothing, as AWS treats a variable whose key is absent."""
    if isinstance(value, list):
        return [_substitute(v, context) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    return _VARIABLE.sub(lambda m: context.get(m.group(1).lower(), _UNRESOLVED), value)


def _statements(doc):
    statements = doc.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _applies(st, action, resource, context, check_resource=True):
    if "NotAction" in st:
        if moto_server._listed(st, "NotAction", action, True):
            return False
    elif not moto_server._listed(st, "Action", action, True):
        return False
    st = {k: (_substitute(v, context) if k in ("Resource", "NotResource") else v) for k, v in st.items()}
    if check_resource and resource == ACCOUNT_LEVEL:
        # an action with no resource type: the statement applies only if its Resource covers "*" itself
        if "NotResource" in st:
            if moto_server._listed(st, "NotResource", "*", False):
                return False
        elif not moto_server._listed(st, "Resource", "*", False):
            return False
    elif check_resource and resource != "*":
        if "NotResource" in st:
            if moto_server._listed(st, "NotResource", resource, False):
                return False
        elif not moto_server._listed(st, "Resource", resource, False):
            return False
    results = [moto_server._condition(op, k, _substitute(v, context), context)
               for op, block in (st.get("Condition") or {}).items() for k, v in block.items()]
    if any(r is False or r is None for r in results):
        return False  # not met, or a key unknown locally (limitation a)
    if moto_server._UNSUPPORTED in results:
        log.warning("identity policy: unsupported condition operator in %s; failing closed", st.get("Condition"))
        return st.get("Effect") == "Deny"
    return True


def evaluate(documents, action, resource, context):
    """PERMITTED / DENIED (explicit) / NEUTRAL for a list of identity-policy documents (dicts)."""
    allowed = False
    for doc in documents:
        for st in _statements(doc):
            if _applies(st, action, resource, context):
                if st.get("Effect") == "Deny":
                    return PermissionResult.DENIED
                allowed = True
    return PermissionResult.PERMITTED if allowed else PermissionResult.NEUTRAL


def _principal_matches(principal, caller_arn, caller_account):
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    values = principal.get("AWS", [])
    for value in values if isinstance(values, list) else [values]:
        value = str(value)
        if value == "*" or value == caller_account or value == f"arn:aws:iam::{caller_account}:root":
            return True
        if value == caller_arn or (":role/" in value and caller_arn.split(":role/")[0] == value.split(":role/")[0]
                                   and caller_arn.rsplit("/", 1)[-1] == value.rsplit("/", 1)[-1]):
            return True
    return False


def trust(role, caller_arn, caller_account, context):
    """(allowed, names_caller): does the trust policy let the caller assume the role, and does it name the caller."""
    doc = json.loads(role.assume_role_policy_document) if isinstance(role.assume_role_policy_document, str) \
        else role.assume_role_policy_document
    allowed, names = False, False
    for st in _statements(doc):
        if not _applies(st, "sts:AssumeRole", "*", context, check_resource=False):
            continue
        if "NotPrincipal" in st or not _principal_matches(st.get("Principal"), caller_arn, caller_account):
            continue
        if st.get("Effect") == "Deny":
            return False, False
        allowed = True
        values = st["Principal"].get("AWS", []) if isinstance(st["Principal"], dict) else []
        names = names or caller_arn in (values if isinstance(values, list) else [values])
    return allowed, names


class _Denied(HTTPException):
    """AccessDenied; the wrapper around moto's authorization gives it the caller's wire shape."""
    code = 403

    def __init__(self, message):
        super().__init__(description=message)
        self.message = message


def _deny(request, resource, why):
    log.warning("AccessDenied: %s %s on %s (%s)", request._access_key.arn, request._action, resource, why)
    from moto.iam.access_control import S3IAMRequest
    if isinstance(request, S3IAMRequest):
        request._raise_access_denied()  # moto's S3 AccessDenied is already S3's shape
    raise _Denied(f"User: {request._access_key.arn} is not authorized to perform: {request._action}"
                  + (f" on resource: {resource}" if resource not in ("*", ACCOUNT_LEVEL) else "") + f" because {why}")


def _shaped(response, denied):
    """moto answered every denial as query XML, which the SDK client of a JSON or CBOR service cannot parse (the
    caller saw a bare 403 with neither code nor message). The fault proxy already writes each protocol's error."""
    import fault_proxy
    path = response.raw_path + (("?" + urlparse(response.uri).query) if urlparse(response.uri).query else "")
    body = response.raw_body if isinstance(response.raw_body, bytes) else (response.raw_body or "").encode()
    info = fault_proxy.classify(response.method, path, response.headers, body)
    json_like = info.protocol in ("json", "cbor")
    status, _, headers, payload = fault_proxy.fault_response(
        info, "AccessDenied", False, {"message": denied.message, "status": 400 if json_like else 403})
    denied.code = status
    denied.description = payload if info.protocol == "cbor" else payload.decode()
    response.response_headers.update(dict(headers))
    return denied


# moto names an action by the SIGNING name of its service; IAM uses the service prefix (CloudWatch signs as
# "monitoring", its actions are "cloudwatch:...")
_IAM_PREFIX = {"monitoring": "cloudwatch"}
# S3 operations moto names by the operation where AWS authorizes another action (Service Authorization Reference,
# "Actions defined by Amazon S3"; HeadBucket: "you must have permission to perform the s3:ListBucket action").
_S3_ACTIONS = {"HeadBucket": "ListBucket",
               # S3 Control (signed as "s3", named by its operation): the account's Block Public Access is authorized
               # by s3:GetAccountPublicAccessBlock / s3:PutAccountPublicAccessBlock (API reference of each operation;
               # DeletePublicAccessBlock too by the Put). moto's S3 never names these: a bucket's is
               # Get/PutBucketPublicAccessBlock (_S3_BUCKET_SUBRESOURCES).
               "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
               "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
               "DeletePublicAccessBlock": "PutAccountPublicAccessBlock"}
# Bucket sub-resources moto's ACTION_MAP does not know (it spells ?publicAccessBlock "public_access_block"), which it
# therefore authorized as s3:CreateBucket (PUT) or s3:ListBucket (GET): query key -> {method: IAM action}.
_S3_BUCKET_SUBRESOURCES = {
    "publicAccessBlock": {"GET": "GetBucketPublicAccessBlock", "PUT": "PutBucketPublicAccessBlock",
                          "DELETE": "PutBucketPublicAccessBlock"},
    "encryption": {"GET": "GetEncryptionConfiguration", "PUT": "PutEncryptionConfiguration",
                   "DELETE": "PutEncryptionConfiguration"},
    "ownershipControls": {"GET": "GetBucketOwnershipControls", "PUT": "PutBucketOwnershipControls",
                          "DELETE": "PutBucketOwnershipControls"},
}


@functools.lru_cache(maxsize=4096)
def _parsed_text(document):
    return IAMPolicy(document)._policy_json


def _parsed(policy):
    """A policy's document as JSON, parsed once per distinct text (a managed policy such as ReadOnlyAccess is tens
    of KB, parsed on every request before). Callers only read it."""
    if isinstance(policy, str):
        return _parsed_text(policy)
    if isinstance(policy, dict) and isinstance(policy.get("policy_document"), str):
        return _parsed_text(policy["policy_document"])
    versions = getattr(policy, "versions", None)  # a managed policy: its default version, as IAMPolicy reads it
    if versions:
        default = next((v.document for v in versions if v.is_default), None)
        if isinstance(default, str):
            return _parsed_text(default)
    return IAMPolicy(policy)._policy_json


def check_action_permitted(self, resource):
    if self._action == "sts:GetCallerIdentity":  # AWS: always allowed
        return
    service, _, name = self._action.partition(":")
    if service == "s3":
        name = _S3_ACTIONS.get(name, name)
    self._action = f"{_IAM_PREFIX.get(service, service)}:{name}"
    context = _context(self, resource)
    try:
        documents = [_parsed(p) for p in self._access_key.collect_policies()]
    except NotFoundException:  # a session of a role that does not exist (any more): AWS never issues one
        _deny(self, resource, "the caller's role does not exist")
    result = evaluate(documents, self._action, resource, context)
    if result == PermissionResult.DENIED:
        _deny(self, resource, "an identity-based policy explicitly denies it")
    if self._action.lower() == "sts:assumerole" and resource.startswith("arn:") and ":role/" in resource:
        target_account = resource.split(":")[4]
        try:
            role = _iam_backend(target_account).get_role_by_arn(resource)
        except NotFoundException:
            _deny(self, resource, "the role does not exist")  # AWS: not authorized to perform sts:AssumeRole on a role that does not exist
        caller = context["aws:principalarn"]
        trusted, names_caller = trust(role, caller, self._access_key.account_id, context)
        same_account = target_account == self._access_key.account_id
        if trusted and (result == PermissionResult.PERMITTED or (same_account and names_caller)):
            return
        _deny(self, resource, "the role's trust policy does not allow it" if not trusted
              else "no identity-based policy allows the action")
    if result != PermissionResult.PERMITTED:
        _deny(self, resource, "no identity-based policy allows the action")


# ------------------------------------------------------------------ wiring
def _access_key_of(response):
    header = (getattr(response, "headers", None) or {}).get("Authorization", "")
    m = _CREDENTIAL.search(header)
    return (m.group(1), m.group(2), m.group(3)) if m else (None, None, None)


def apply_patches():
    """Idempotent; exits loudly (through moto_server._require) if moto no longer has what we patch."""
    if _original:
        return
    _original["authorize"] = authorize = moto_server._require(
        ActionAuthenticatorMixin, "_authenticate_and_authorize_action", ["self", "iam_request_cls", "resource"])
    _original["check"] = moto_server._require(IAMRequestBase, "check_action_permitted", ["self", "resource"])
    for name in ("_access_key", "_action", "_region", "_data"):
        if name not in IAMRequestBase.__init__.__code__.co_names:
            moto_server.sys.exit(f"moto_iam.py: IAMRequestBase no longer sets {name}; re-check the patches")
    # patch 7: AWS Config's service-linked role is AWSServiceRoleForConfig on AWS; moto named it
    # AWSServiceRoleForconfig (its name map lacks "config"), so a phase that reads the role by AWS's name never
    # found the one it made
    from moto.iam import models as iam_models
    moto_server._require(iam_models.IAMBackend, "create_service_linked_role",
                         ["self", "service_name", "description", "suffix"])
    iam_models.SERVICE_NAME_CONVERSION.setdefault("config", "Config")

    def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):  # patches 1 and 2
        key, region, service = _access_key_of(self)
        if key in ROOT_KEYS:
            return
        if resource == "*" and key:
            try:
                action = self._get_action()
                resource = resource_of(self, service, region, self.current_account, action)
            except Exception as e:  # noqa: BLE001
                log.warning("resource not derived: %s", e)
        try:
            return authorize(self, iam_request_cls, resource)
        except _Denied as denied:
            raise _shaped(self, denied) from None

    from moto.s3 import responses as s3_responses
    bucket_actions = moto_server._require(s3_responses, "ACTION_MAP", None)["BUCKET"]
    for key, by_method in _S3_BUCKET_SUBRESOURCES.items():
        for method, action in by_method.items():
            bucket_actions[method][key] = action

    from moto.organizations.models import FakeAccount
    _original["account_init"] = account_init = moto_server._require(FakeAccount, "__init__",
                                                                     ["self", "organization"])

    def __init__(self, organization, **kwargs):  # patch 5
        account_init(self, organization, **kwargs)
        role = kwargs.get("RoleName", "OrganizationAccountAccessRole")
        try:
            _iam_backend(self.id).put_role_policy(role, "AdministratorAccess", json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        except NotFoundException:
            log.warning("no %s in new account %s", role, self.id)

    FakeAccount.__init__ = __init__

    from moto.iam.exceptions import EntityAlreadyExists
    from moto.iam.models import IAMBackend, iam_backends
    _original["create_account_alias"] = create_alias = moto_server._require(
        IAMBackend, "create_account_alias", ["self", "alias"])

    def create_account_alias(self, alias):  # patch 6
        for account in list(iam_backends.keys()):
            other = iam_backends[account]["aws"]
            if account != self.account_id and alias in other.account_aliases:
                raise EntityAlreadyExists(f"The account alias {alias} already exists.")
        create_alias(self, alias)

    IAMBackend.create_account_alias = create_account_alias
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
    IAMRequestBase.check_action_permitted = check_action_permitted  # patches 3 and 4
