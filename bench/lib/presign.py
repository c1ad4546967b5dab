#!/usr/bin/env python3
"""Prints a SigV4 query-presigned S3 URL (stdlib only), e.g. for a HEAD that wrk can replay unchanged.

usage: presign.py METHOD URL REGION EXPIRES_SECONDS   (keys from env: KEY, SECRET, optional TOKEN)
URL is path-style: http://host:port/bucket/key
"""
import datetime
import hashlib
import hmac
import os
import sys
import urllib.parse


def q(value, safe="-_.~"):
    return urllib.parse.quote(value, safe=safe)


def main():
    method, url, region, expires = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    key, secret, token = os.environ["KEY"], os.environ["SECRET"], os.environ.get("TOKEN", "")
    parts = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    params = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host",
    }
    if token:
        params["X-Amz-Security-Token"] = token
    query = "&".join(f"{q(k)}={q(v)}" for k, v in sorted(params.items()))
    path = q(urllib.parse.unquote(parts.path), safe="/-_.~")  # S3: each segment encoded once
    canonical = "\n".join([method, path, query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    print(f"{parts.scheme}://{parts.netloc}{path}?{query}&X-Amz-Signature={signature}")


if __name__ == "__main__":
    main()
