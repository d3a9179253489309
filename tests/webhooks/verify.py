#!/usr/bin/env python3
"""Checks Asteri's webhook deliveries with the official Standard Webhooks library.

Reads JSON lines from stdin, one delivery each:

    {"secret": "whsec_...",
     "headers": {"webhook-id": ..., "webhook-timestamp": ..., "webhook-signature": ...},
     "body": "<raw body text>"}

and verifies each with standardwebhooks' Webhook(secret).verify(body, headers) (header
names lowercase; the library also checks that the timestamp is within 5 minutes of now, and
parses the body as JSON). Prints "verified N deliveries" and exits 0, or on the first
failure prints the line and the reason and exits 1.

The library is pinned in .ci/run (standardwebhooks==1.1.0, in .ci/.venv); the Rust tests
find that interpreter through ASTERI_STANDARDWEBHOOKS_PYTHON.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook


def fail(line_no: int, why: str) -> None:
    print(f"line {line_no}: delivery not verified: {why}")
    sys.exit(1)


def main() -> None:
    verified = 0
    for line_no, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            delivery = json.loads(line)
            secret = delivery["secret"]
            headers = {k.lower(): v for k, v in delivery["headers"].items()}
            body = delivery["body"]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            fail(line_no, f"not a delivery line ({type(e).__name__}: {e})")
        try:
            Webhook(secret).verify(body, headers)
        except Exception as e:  # the library raises several kinds; any of them is a failure
            fail(line_no, f"{type(e).__name__}: {e}")
        verified += 1
    print(f"verified {verified} deliveries")


if __name__ == "__main__":
    main()
