"""AWS Security Hub CSPM for the emulated organization: what moto 5.2.5's securityhub lacks, served by moto_server.py.

WHY: Palisade keeps Security Hub CSPM on in every account with the CIS AWS Foundations Benchmark standard (issue 10,
Prowler's securityhub_enabled), administered from InfoSec. moto has EnableSecurityHub, DescribeHub,
EnableOrganizationAdminAccount, Describe/UpdateOrganizationConfiguration and Create/Get/ListMembers, but no standards
and no ListOrganizationAdminAccounts (404), and its calls have none of the side effects AWS documents.

MODELLED (restJson1, as the SDKs send it; service "securityhub"), per account and region:
  ListOrganizationAdminAccounts  GET  /organization/admin      -> {AdminAccounts: [{AccountId, Status ENABLED}]}
      only the management account or the administrator (else AccessDeniedException 403)
  DisableOrganizationAdminAccount POST /organization/admin/disable {AdminAccountId} -> {}
      only the management account; not the administrator: ResourceNotFoundException 404; its members are dropped
  DescribeStandards              GET  /standards               -> {Standards: [...]}   (the ones below)
  GetEnabledStandards            POST /standards/get           -> {StandardsSubscriptions: [...]}
  BatchEnableStandards           POST /standards/register      -> {StandardsSubscriptions: [...]} status READY
      (AWS goes PENDING then READY); an ARN not in STANDARDS: InvalidInputException 400; enabling one already
      enabled returns it again
  ListEnabledProductsForImport   GET  /productSubscriptions    -> {ProductSubscriptions: []}
  ListTagsForResource            GET  /tags/{arn}              -> {Tags: the hub's tags}
  Each needs the caller's hub (else InvalidAccessException 401 "not subscribed"), except
  ListOrganizationAdminAccounts and DescribeStandards.
  DescribeHub, ListMembers and DescribeOrganizationConfiguration are moto's, answered here from its backend: moto
  refused each when signed with a role session's credentials (SignatureDoesNotMatch, for these GETs).
PATCHED moto behaviour (the Security Hub CSPM API Reference and User Guide):
  - EnableSecurityHub on an account already subscribed: ResourceConflictException 409 (moto answered 200);
    EnableDefaultStandards (default true) enables the standards marked default (FSBP v1.0.0, CIS v1.2.0);
  - DisableSecurityHub also disables the account's standards;
  - EnableOrganizationAdminAccount (management account only, as moto had it) also enables trusted access for
    securityhub.amazonaws.com in Organizations and Security Hub CSPM in the administrator account, in that region
    (User Guide, "Integrating Security Hub CSPM with AWS Organizations");
  - CreateMembers: only the organization's administrator, with its hub (else AccessDeniedException /
    InvalidAccessException); each organization account becomes an ENABLED member and, if its hub was off, gets
    Security Hub CSPM and the default standards, except the management account, which must have enabled it itself
    (else an UnprocessedAccounts entry); an account outside the organization: UnprocessedAccounts.
IAM: each modelled call is authorized like any moto call (moto_iam.py): action securityhub:<Operation>, resource
arn:<partition>:securityhub:<region>:<account>:hub/default ("*" for ListOrganizationAdminAccounts,
DisableOrganizationAdminAccount and DescribeStandards); moto_iam.py derives the same hub ARN for moto's own securityhub calls.

NOT MODELLED: controls, findings and their generation (a hub produces no findings), central configuration and
configuration policies, InviteMembers/AcceptInvitation (non-organization members), AutoEnable acting on accounts
that join later (it is stored and read back only), the service-linked role, cross-region aggregation, and the
administrator's removal.
"""
import json
import re
import threading
from datetime import datetime, timezone
from urllib.parse import unquote

SERVICE_PRINCIPAL = "securityhub.amazonaws.com"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
_LOCK = threading.Lock()
STANDARDS_ENABLED = {}  # (account, region) -> {standards arn: subscription}


def standards(partition, region):
    """What DescribeStandards lists: (arn, name, enabled by default)."""
    return [
        (f"arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
         "AWS Foundational Security Best Practices v1.0.0", True),
        (f"arn:{partition}:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
         "CIS AWS Foundations Benchmark v1.2.0", True),
        (f"arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
         "CIS AWS Foundations Benchmark v1.4.0", False),
        (f"arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
         "CIS AWS Foundations Benchmark v3.0.0", False),
        (f"arn:{partition}:securityhub:{region}::standards/nist-800-53/v/5.0.0", "NIST SP 800-53 Rev. 5", False),
        (f"arn:{partition}:securityhub:{region}::standards/pci-dss/v/3.2.1", "PCI DSS v3.2.1", False),
    ]


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _route(method, path):
    parts = [unquote(p) for p in path.split("/") if p]
    if method == "GET" and parts == ["organization", "admin"]:
        return "ListOrganizationAdminAccounts"
    if method == "POST" and parts == ["organization", "admin", "disable"]:
        return "DisableOrganizationAdminAccount"
    if method == "GET" and parts == ["standards"]:
        return "DescribeStandards"
    if method == "POST" and parts == ["standards", "get"]:
        return "GetEnabledStandards"
    if method == "POST" and parts == ["standards", "register"]:
        return "BatchEnableStandards"
    if method == "GET" and parts == ["productSubscriptions"]:
        return "ListEnabledProductsForImport"
    if method == "GET" and len(parts) >= 2 and parts[0] == "tags":
        return "ListTagsForResource"
    # moto has these three, but refuses every one signed with a role session (SignatureDoesNotMatch: its check of a
    # GET with session credentials fails), which is how the phases call them: answered here from moto's backend
    if method == "GET" and parts == ["accounts"]:
        return "DescribeHub"
    if method == "GET" and parts == ["members"]:
        return "ListMembers"
    if method == "GET" and parts == ["organization", "configuration"]:
        return "DescribeOrganizationConfiguration"
    return None


def handles(environ):
    """Whether a request is a Security Hub call this model answers (the rest go to moto)."""
    m = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return bool(m) and m.group(3) == "securityhub" and _route(
        environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "/")) is not None


# ------------------------------------------------------------------ state, as moto keeps it
def _backend(account, region):
    from moto.securityhub.models import securityhub_backends
    return securityhub_backends[account][region]


def _organization(account):
    """(organizations backend, management account id) of the account's organization, or (None, None)."""
    import moto_access_analyzer
    return moto_access_analyzer._organization(account)


def _require_hub(account, region):
    if not _backend(account, region).enabled:
        raise ApiError(401, "InvalidAccessException",
                       f"Account {account} is not subscribed to AWS Security Hub")


def _subscription(account, region, arn, status="READY"):
    sub_arn = arn.replace("::standards/", f":{account}:subscription/").replace(
        ":::ruleset/", f":{region}:{account}:subscription/")
    return {"StandardsSubscriptionArn": sub_arn, "StandardsArn": arn, "StandardsInput": {},
            "StandardsStatus": status}


def enable_standards(account, region, partition, arns):
    known = {a for a, _, _ in standards(partition, region)}
    out = []
    with _LOCK:
        enabled = STANDARDS_ENABLED.setdefault((account, region), {})
        for arn in arns:
            if arn not in known:
                raise ApiError(400, "InvalidInputException", f"Invalid StandardsArn: {arn}")
            enabled.setdefault(arn, _subscription(account, region, arn))
            out.append(enabled[arn])
    return out


def _enable_hub(account, region, partition, default_standards):
    backend = _backend(account, region)
    backend.enabled = True
    backend.enabled_at = datetime.now(timezone.utc).isoformat()
    backend.tags = getattr(backend, "tags", None) or {}
    if default_standards:
        enable_standards(account, region, partition, [a for a, _, d in standards(partition, region) if d])


# ------------------------------------------------------------------ the modelled operations
_STATUS = {"InvalidAccessException": 401, "AccessDeniedException": 403, "ResourceNotFoundException": 404,
           "InvalidInputException": 400, "ResourceConflictException": 409, "LimitExceededException": 429}


def _moto(call):
    """One of moto's own backend calls, its errors as this model's."""
    from moto.core.exceptions import ServiceException
    try:
        return call()
    except ServiceException as e:
        raise ApiError(_STATUS.get(e.code, 400), e.code, e.message) from None


def operate(operation, account, region, partition, body, path, query=None):
    query = query or {}
    if operation == "DescribeHub":
        return _moto(lambda: _backend(account, region).describe_hub(hub_arn=(query.get("HubArn") or [None])[0]))
    if operation == "DescribeOrganizationConfiguration":
        return _moto(lambda: _backend(account, region).describe_organization_configuration())
    if operation == "ListMembers":
        only = (query.get("OnlyAssociated") or ["true"])[0].lower() == "true"
        members, token = _moto(lambda: _backend(account, region).list_members(
            only_associated=only, next_token=(query.get("NextToken") or [None])[0],
            max_results=int((query.get("MaxResults") or ["50"])[0])))
        return {"Members": members, **({"NextToken": token} if token else {})}
    if operation == "ListOrganizationAdminAccounts":
        org, management = _organization(account)
        admin = None
        if org is not None:
            from moto.securityhub.models import SecurityHubBackend
            admin = SecurityHubBackend._org_configs.get(org.org.id, {}).get("admin_account_id")
        if account not in (management, admin):
            raise ApiError(403, "AccessDeniedException", "Only the organization's management account or the "
                           "Security Hub administrator can list the organization's administrator accounts")
        return {"AdminAccounts": [{"AccountId": admin, "Status": "ENABLED"}] if admin else []}
    if operation == "DisableOrganizationAdminAccount":
        org, management = _organization(account)
        if org is None or account != management:
            raise ApiError(403, "AccessDeniedException", "Only the organization's management account can remove "
                           "the Security Hub administrator")
        from moto.securityhub.models import SecurityHubBackend
        config = SecurityHubBackend._org_configs.get(org.org.id, {})
        if config.get("admin_account_id") != body.get("AdminAccountId"):
            raise ApiError(404, "ResourceNotFoundException",
                           f"Account {body.get('AdminAccountId')} is not the Security Hub administrator")
        _backend(config["admin_account_id"], region).members.clear()  # its members are disassociated
        config["admin_account_id"] = None
        return {}
    if operation == "DescribeStandards":
        return {"Standards": [{"StandardsArn": a, "Name": n, "Description": n, "EnabledByDefault": d}
                              for a, n, d in standards(partition, region)]}
    _require_hub(account, region)
    if operation == "GetEnabledStandards":
        wanted = body.get("StandardsSubscriptionArns")
        subs = list(STANDARDS_ENABLED.get((account, region), {}).values())
        return {"StandardsSubscriptions": [s for s in subs if not wanted or s["StandardsSubscriptionArn"] in wanted]}
    if operation == "BatchEnableStandards":
        requests = body.get("StandardsSubscriptionRequests") or []
        if not requests:
            raise ApiError(400, "InvalidInputException", "StandardsSubscriptionRequests must not be empty")
        return {"StandardsSubscriptions": enable_standards(account, region, partition,
                                                           [r.get("StandardsArn") for r in requests])}
    if operation == "ListEnabledProductsForImport":
        return {"ProductSubscriptions": []}
    if operation == "ListTagsForResource":
        return {"Tags": getattr(_backend(account, region), "tags", None) or {}}
    raise ApiError(404, "ResourceNotFoundException", f"{operation} is not modelled (moto_securityhub.py)")


def _resource(operation, partition, region, account):
    if operation in ("ListOrganizationAdminAccounts", "DescribeStandards", "DisableOrganizationAdminAccount"):
        return "*"
    return f"arn:{partition}:securityhub:{region}:{account}:hub/default"


def app(environ, start_response):
    """The WSGI answer to one modelled Security Hub request."""
    import moto_access_analyzer
    from moto.iam.models import get_account_id_from
    from moto.utilities.utils import get_partition
    headers, body = moto_access_analyzer.wsgi_request(environ)
    try:
        m = _CREDENTIAL.search(headers["Authorization"])
        region = m.group(2)
        partition = get_partition(region)
        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(m.group(1))
        path = environ.get("PATH_INFO", "/")
        operation = _route(environ["REQUEST_METHOD"], path)
        try:  # one authorization path for the modelled services (moto_access_analyzer.py's)
            moto_access_analyzer._authorize(environ, headers, body, account, region, operation,
                                            _resource(operation, partition, region, account))
        except moto_access_analyzer.ApiError as denied:
            raise ApiError(denied.status, denied.code, denied.message) from None
        from urllib.parse import parse_qs
        result = operate(operation, account, region, partition, json.loads(body) if body else {}, path,
                         parse_qs(environ.get("QUERY_STRING", "")))
        out = json.dumps(result).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]
    except ApiError as e:
        out = json.dumps({"Message": e.message, "Code": e.code}).encode()
        reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict"}.get(e.status, "Error")
        start_response(f"{e.status} {reason}", [("Content-Type", "application/json"), ("x-amzn-ErrorType", e.code),
                                                ("Content-Length", str(len(out)))])
        return [out]


# ------------------------------------------------------------------ patches of moto's own calls
def apply_patches():
    from moto.securityhub.exceptions import SecurityHubClientError
    from moto.securityhub.models import SecurityHubBackend
    from moto.utilities.utils import get_partition

    original_admin = SecurityHubBackend.enable_organization_admin_account
    original_disable = SecurityHubBackend.disable_security_hub

    def _error(code, message):  # moto's serializer takes the HTTP status from the service model
        return SecurityHubClientError(code, message)

    def enable_security_hub(self, enable_default_standards=True, tags=None):
        if self.enabled:
            raise _error("ResourceConflictException", "Account is already subscribed to Security Hub")
        _enable_hub(self.account_id, self.region_name, get_partition(self.region_name),
                    enable_default_standards in (True, None))
        self.tags = tags or {}
        return {}

    def disable_security_hub(self):
        result = original_disable(self)
        STANDARDS_ENABLED.pop((self.account_id, self.region_name), None)
        return result

    def enable_organization_admin_account(self, admin_account_id):
        original_admin(self, admin_account_id)
        org, _ = _organization(self.account_id)
        if not any(s.get("ServicePrincipal") == SERVICE_PRINCIPAL for s in org.services):
            org.enable_aws_service_access(ServicePrincipal=SERVICE_PRINCIPAL)
        if not _backend(admin_account_id, self.region_name).enabled:
            _enable_hub(admin_account_id, self.region_name, get_partition(self.region_name), True)

    def create_members(self, account_details):
        org, management = _organization(self.account_id)
        admin = self._get_org_config().get("admin_account_id") if org is not None else None
        if self.account_id != admin:
            raise _error("AccessDeniedException", "Only the organization's Security Hub administrator can add organization accounts")
        if not self.enabled:
            raise _error("InvalidAccessException", f"Account {self.account_id} is not subscribed to AWS Security Hub")
        members = {a.id for a in org.accounts}
        unprocessed = []
        for detail in account_details or []:
            account_id = detail.get("AccountId")
            if account_id not in members:
                unprocessed.append({"AccountId": account_id or "",
                                    "ProcessingResult": f"Account {account_id} is not in the organization"})
                continue
            hub = _backend(account_id, self.region_name)
            if not hub.enabled:
                if account_id == management:
                    unprocessed.append({"AccountId": account_id, "ProcessingResult": "Security Hub must be enabled "
                                        "in the organization management account before it can be a member"})
                    continue
                _enable_hub(account_id, self.region_name, get_partition(self.region_name), True)
            now = datetime.now(timezone.utc).isoformat()
            self.members[account_id] = {"AccountId": account_id, "Email": detail.get("Email", ""),
                                        "MemberStatus": "ENABLED", "InvitedAt": now, "UpdatedAt": now}
        return unprocessed

    SecurityHubBackend.enable_security_hub = enable_security_hub
    SecurityHubBackend.disable_security_hub = disable_security_hub
    SecurityHubBackend.enable_organization_admin_account = enable_organization_admin_account
    SecurityHubBackend.create_members = create_members
