"""Runs one SES v2 call with boto3's sesv2 client and prints the result as JSON (errors: {"Error": ...}, exit 3).

usage: boto3-sesv2-call.py ENDPOINT REGION ACCESS_KEY_ID SECRET OPERATION PARAMS_JSON
Blob members named in BLOBS are given as base64 in PARAMS_JSON and handed to boto3 as bytes."""
import base64
import json
import sys

import boto3

endpoint, region, key_id, secret, operation = sys.argv[1:6]
params = json.loads(sys.argv[6])
raw = params.get("Content", {}).get("Raw")
if raw is not None:
    raw["Data"] = base64.b64decode(raw["Data"])
client = boto3.client(
    "sesv2",
    endpoint_url=endpoint,
    region_name=region,
    aws_access_key_id=key_id,
    aws_secret_access_key=secret,
)
try:
    result = getattr(client, operation)(**params)
    result.pop("ResponseMetadata", None)
except client.exceptions.ClientError as err:
    print(json.dumps({"Error": err.response["Error"], "Status": err.response["ResponseMetadata"]["HTTPStatusCode"]}))
    sys.exit(3)
print(json.dumps(result, default=lambda v: v.timestamp() if hasattr(v, "timestamp") else str(v)))
