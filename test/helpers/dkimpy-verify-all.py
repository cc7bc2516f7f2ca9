"""Verifies every DKIM-Signature of the message on stdin with dkimpy, resolving keys like a recursive
resolver would: the customer's DNS (NSD) first, following CNAMEs into Signet's key zone. Names
outside the key zone (a platform domain's TXT record) are asked of NSD.

usage: dkimpy-verify-all.py CUSTOMER_PORT SIGNET_PORT KEY_ZONE   (message on stdin; prints a JSON list,
one entry per signature from the top: {"pass", "domain", "selector", "log"})"""
import io
import json
import logging
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


message = sys.stdin.buffer.read()
count = len([h for h in dkim.DKIM(message).headers if h[0].lower() == b"dkim-signature"])
verdicts = []
for idx in range(count):
    log = io.StringIO()
    logger = logging.getLogger("dkimpy-verify-all-%d" % idx)
    logger.addHandler(logging.StreamHandler(log))
    logger.setLevel(logging.DEBUG)
    d = dkim.DKIM(message, logger=logger)
    try:
        ok = d.verify(idx=idx, dnsfunc=dnsfunc)
    except dkim.DKIMException as err:
        ok = False
        log.write("%s\n" % err)
    verdicts.append({"pass": bool(ok), "domain": (d.domain or b"").decode(), "selector": (d.selector or b"").decode(), "log": log.getvalue()[-2000:]})
print(json.dumps(verdicts))
