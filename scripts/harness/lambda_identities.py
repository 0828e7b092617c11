#!/usr/bin/env python3
"""Gives each deployed phase the identity it has on AWS: a copy of its own execution role, in the emulated
organization's management account, and credentials of that role for MiniStack to run the function with.

  lambda_identities.py --stack palisade --ministack http://127.0.0.1:4566 --moto https://localhost:5443 \
      --ca .palisade/tls/ca.pem --out .palisade/lambda-credentials.json [--drop FUNCTION_LOGICAL_ID:ACTION]

For every function of the stack deployed to MiniStack: its role (as CloudFormation made it from template.yaml, SAM
policy templates expanded) is read from MiniStack's IAM and copied into moto under the same name - trust policy,
inline policies (MiniStack's account id replaced by the management account's) and AWS managed policies - replacing
what a previous copy had. The role is then assumed there with the harness's root key, and the session written to
--out (mode 600), keyed by function name. scripts/harness/ministack_server.py hands these to the function's process,
so with moto's IAM enforcement on (moto_iam.py) every call a phase makes is checked against its template role.

--drop LOGICAL_ID:ACTION (repeatable) removes one action from that function's copied role, e.g.
`--drop TeardownFunction:secretsmanager:DescribeSecret`, to show that a missing permission fails the run.
"""
import argparse
import json
import os
import sys

import boto3
from botocore.config import Config


def _clients(args):
    ms = dict(endpoint_url=args.ministack, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing")
    mo = dict(endpoint_url=args.moto, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing", verify=args.ca,
              config=Config(retries={"mode": "standard", "max_attempts": 5}))
    return (boto3.client("lambda", **ms), boto3.client("iam", **ms),
            boto3.client("iam", **mo), boto3.client("sts", **mo))


def _drop(document, action):
    """The document without `action` (case-insensitive); statements left with no action are removed."""
    out = []
    for st in document.get("Statement", []):
        actions = st.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        kept = [a for a in actions if a.lower() != action.lower()]
        if kept:
            out.append({**st, "Action": kept})
    return {**document, "Statement": out}


def copy_role(ms_iam, moto_iam, role_name, source_account, target_account, drops):
    role = ms_iam.get_role(RoleName=role_name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, str) else json.dumps(trust)
    inline = {}
    for name in ms_iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        doc = ms_iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        doc = json.loads(json.dumps(doc).replace(f":{source_account}:", f":{target_account}:"))
        # SAM writes the template's `- Statement:` policies without a Version: AWS reads that as 2008-10-17 and
        # accepts it, moto refuses it. No Palisade policy uses policy variables, so 2012-10-17 means the same.
        doc.setdefault("Version", "2012-10-17")
        for action in drops:
            doc = _drop(doc, action)
        inline[name] = doc
    managed = [p["PolicyArn"] for p in ms_iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]
    try:
        moto_iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust, MaxSessionDuration=43200,
                             Description="copy of the Palisade stack's role (scripts/harness/lambda_identities.py)")
    except moto_iam.exceptions.EntityAlreadyExistsException:
        moto_iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
        for name in moto_iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            if name not in inline:
                moto_iam.delete_role_policy(RoleName=role_name, PolicyName=name)
        for p in moto_iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
            if p["PolicyArn"] not in managed:
                moto_iam.detach_role_policy(RoleName=role_name, PolicyArn=p["PolicyArn"])
    for name, doc in inline.items():
        moto_iam.put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=json.dumps(doc))
    for arn in managed:
        try:
            moto_iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
        except moto_iam.exceptions.NoSuchEntityException:
            print(f"lambda_identities: {arn} unknown to moto; not attached to {role_name}", file=sys.stderr)
    return inline


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True)
    p.add_argument("--ministack", required=True)
    p.add_argument("--moto", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--drop", action="append", default=[], metavar="LOGICAL_ID:ACTION")
    args = p.parse_args(argv)
    lam, ms_iam, moto_iam, moto_sts = _clients(args)
    target_account = moto_sts.get_caller_identity()["Account"]
    drops = {}
    for d in args.drop:
        logical, _, action = d.partition(":")
        drops.setdefault(logical, []).append(action)

    functions = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]
                 if f["FunctionName"].startswith(args.stack + "-")]
    if not functions:
        sys.exit(f"lambda_identities: no function of stack {args.stack} in MiniStack")
    credentials, unused = {}, set(drops)
    for f in functions:
        role_arn = f["Role"]
        role_name, source_account = role_arn.rsplit("/", 1)[-1], role_arn.split(":")[4]
        logical = f["FunctionName"][len(args.stack) + 1:].rsplit("-", 1)[0]
        unused.discard(logical)
        copy_role(ms_iam, moto_iam, role_name, source_account, target_account, drops.get(logical, []))
        session = moto_sts.assume_role(RoleArn=f"arn:aws:iam::{target_account}:role/{role_name}",
                                       RoleSessionName=f["FunctionName"][:64], DurationSeconds=43200)["Credentials"]
        credentials[f["FunctionName"]] = {k: session[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    if unused:
        sys.exit(f"lambda_identities: --drop names no function of the stack: {sorted(unused)}")
    tmp = args.out + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(credentials, out, indent=1)
    os.replace(tmp, args.out)
    print(f"lambda_identities: {len(credentials)} functions act as copies of their roles in account "
          f"{target_account}" + (f" (dropped: {', '.join(args.drop)})" if args.drop else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
