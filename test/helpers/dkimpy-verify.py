"""Verifies the first DKIM-Signature of the message on stdin with dkimpy, resolving the key like a
recursive resolver would: the customer's DNS (NSD) first, following its CNAME into Signet's key zone.

usage: dkimpy-verify.py CUSTOMER_PORT SIGNET_PORT KEY_ZONE   (message on stdin; prints JSON)"""
import json
import sys

import dkim
import dns.message
import dns.query
import dns.rdatatype

customer_port, signet_port, zone = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].lower().rstrip(".")


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode("ascii")
    target = name.rstrip(".")
    for _ in range(8):
        port = signet_port if target.lower().endswith("." + zone) else customer_port
        # A 2048-bit key's TXT does not fit in 512 bytes: EDNS0 first, TCP when still truncated.
        query = dns.message.make_query(target, "TXT", use_edns=0, payload=4096)
        answer, _ = dns.query.udp_with_fallback(query, "127.0.0.1", port=port, timeout=timeout)
        cname = None
        for rrset in answer.answer:
            if rrset.rdtype == dns.rdatatype.TXT and rrset.name.to_text().rstrip(".").lower() == target.lower():
                return b"".join(b"".join(r.strings) for r in rrset)
            if rrset.rdtype == dns.rdatatype.CNAME and rrset.name.to_text().rstrip(".").lower() == target.lower():
                cname = rrset[0].target.to_text().rstrip(".")
        if cname is None:
            return None
        target = cname
    return None


import io
import logging

log = io.StringIO()
logger = logging.getLogger("dkimpy-verify")
logger.addHandler(logging.StreamHandler(log))
logger.setLevel(logging.DEBUG)
message = sys.stdin.buffer.read()
d = dkim.DKIM(message, logger=logger)
try:
    ok = d.verify(dnsfunc=dnsfunc)
except dkim.DKIMException as err:
    ok = False
    log.write("%s\n" % err)
print(json.dumps({"pass": bool(ok), "domain": (d.domain or b"").decode(), "selector": (d.selector or b"").decode(), "log": log.getvalue()[-2000:]}))
