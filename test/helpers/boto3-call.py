"""Runs one SES call with boto3 and prints the result as JSON: the peer test's boto3 client.

usage: boto3-call.py ENDPOINT REGION ACCESS_KEY_ID SECRET OPERATION PARAMS_JSON [PAGINATION_CONFIG_JSON]
With a pagination config the operation runs through boto3's paginator (build_full_result)."""
import json
import sys

import boto3

endpoint, region, key_id, secret, operation = sys.argv[1:6]
params = json.loads(sys.argv[6])
client = boto3.client(
    "ses",
    endpoint_url=endpoint,
    region_name=region,
    aws_access_key_id=key_id,
    aws_secret_access_key=secret,
)
try:
    if len(sys.argv) > 7:
        paginator = client.get_paginator(operation)
        result = paginator.paginate(PaginationConfig=json.loads(sys.argv[7]), **params).build_full_result()
    else:
        result = getattr(client, operation)(**params)
        result.pop("ResponseMetadata", None)
except client.exceptions.ClientError as err:
    print(json.dumps({"Error": err.response["Error"]}))
    sys.exit(3)
# Timestamps (GetSendStatistics) as ISO 8601, as the AWS CLI prints them.
print(json.dumps(result, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
