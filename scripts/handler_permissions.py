#!/usr/bin/env python3
"""Regenerate config/deploy-role-permissions.json: the create/read/update/delete handler
permissions of each resource type the palisade stack has after the SAM transform, from the
CloudFormation registry schemas cfn-lint bundles (the same schemas
`aws cloudformation describe-type --type RESOURCE --type-name <type>` returns).

  .palisade/venv/bin/python scripts/handler_permissions.py

The list handlers are left out: CloudFormation does not call them for stack operations.
"""
import json
import os

import cfnlint
from cfnlint.version import __version__ as CFN_LINT_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "config", "deploy-role-permissions.json")
REGION = "us-east-1"
HANDLERS = ("create", "read", "update", "delete")
GITHUB = "https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-"
# the schema files of the iam and lambda repositories were not checked; their repositories are named
TYPES = {
    "AWS::IAM::Role": GITHUB + "iam",
    "AWS::Lambda::Function": GITHUB + "lambda",
    "AWS::Lambda::Permission": GITHUB + "lambda",
    # AutoPublishAlias: the published version SnapStart snapshots, and the alias callers use
    "AWS::Lambda::Version": GITHUB + "lambda",
    "AWS::Lambda::Alias": GITHUB + "lambda",
    "AWS::StepFunctions::StateMachine": GITHUB + "stepfunctions/blob/main/statemachine/aws-stepfunctions-statemachine.json",
    "AWS::Events::Rule": GITHUB + "events/blob/master/aws-events-rule/aws-events-rule.json",
    "AWS::SNS::Topic": GITHUB + "sns/blob/master/aws-sns-topic/aws-sns-topic.json",
    # the run bucket: reports and the run's config/org, kept out of the state machine's payload
    "AWS::S3::Bucket": GITHUB + "s3/blob/main/aws-s3-bucket/aws-s3-bucket.json",
    "AWS::S3::BucketPolicy": GITHUB + "s3/blob/main/aws-s3-bucketpolicy/aws-s3-bucketpolicy.json",
}


def main():
    schemas = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")
    with open(os.path.join(schemas, "providers", REGION + ".json")) as f:
        index = json.load(f)
    with open(os.path.join(schemas, "version.json")) as f:
        schema_date = json.load(f).get("schema_date")
    types = {}
    for name, github in TYPES.items():
        with open(os.path.join(schemas, "resources", index[name] + ".json")) as f:
            handlers = json.load(f)["handlers"]
        entry = {"registry": f"aws cloudformation describe-type --type RESOURCE --type-name {name} --region {REGION}",
                 "github": github}
        for h in HANDLERS:
            entry[h] = handlers.get(h, {}).get("permissions", [])
        types[name] = entry
    doc = {
        "about": "create/read/update/delete handler permissions of every resource type of the palisade stack "
                 "after the SAM transform; config/deploy-role.yaml grants each of them (DeployRoleTest checks). "
                 "Regenerate with scripts/handler_permissions.py.",
        "source": f"CloudFormation registry schemas ({REGION}) as bundled by cfn-lint {CFN_LINT_VERSION}"
                  f" (schema_date {schema_date}); the GitHub provider repositories hold older copies",
        "resourceTypes": types,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(types)} types")


if __name__ == "__main__":
    main()
