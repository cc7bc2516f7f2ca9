#!/usr/bin/python3
"""Writes ses-model.generated.ts (or, given `sesv2`, sesv2-model.generated.ts) from the botocore model
bundled with AWS CLI v2.

Run by hand when the model should change (never at build or run time):
    /usr/bin/python3 src/model/generate-ses-model.py > src/model/ses-model.generated.ts
    /usr/bin/python3 src/model/generate-ses-model.py sesv2 > src/model/sesv2-cli-model.generated.ts
The v1 model is the one model of SES's Query API: the command line and the server (src/api/query/)
both read it. The three deprecated operations `aws ses` removes but the server answers go in
`serverOnlyOperations`, so that the command line's lists and lookups stay the AWS CLI's.
For a REST-JSON service (sesv2) each operation also carries its HTTP binding (method, request URI,
as the CLI 2.9.19 sends it: PutEmailIdentityDkimSigningAttributes under /v1/) and each member its
location, and shapes their `min` (botocore's client-side validation checks it); the same shape
schema as the server's model (src/model/types.ts).
It keeps only what the command line needs for the operations Signet offers: shapes (types, members,
required, enums), the result wrappers, the paginator and waiter, the first sentence of each member's
documentation (awscli's own get_shape_doc_overview, used by the yaml-input skeleton) and plain-text
documentation for help. The CLI example text (awscli/examples/ses/*.rst) goes along for help.
"""
import html.parser
import xml.dom.minidom  # noqa: F401  (awscli.customizations.utils needs it imported)
import xml.parsers.expat  # noqa: F401
import json
import os
import sys

import awscli  # noqa: F401  (puts the bundled botocore on sys.path)
from awscli.customizations.utils import get_shape_doc_overview
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore import xform_name

SERVICE = sys.argv[1] if len(sys.argv) > 1 else 'ses'
V1_OPERATIONS = [
    'VerifyDomainDkim', 'VerifyDomainIdentity', 'VerifyEmailIdentity', 'ListIdentities',
    'DeleteIdentity', 'GetIdentityDkimAttributes', 'SetIdentityDkimEnabled',
    'GetIdentityVerificationAttributes', 'GetIdentityMailFromDomainAttributes', 'GetSendQuota',
    'SendEmail', 'SendRawEmail',
    'SetIdentityMailFromDomain',
    'SetIdentityNotificationTopic', 'GetIdentityNotificationAttributes',
    'SetIdentityFeedbackForwardingEnabled', 'SetIdentityHeadersInNotificationsEnabled',
    'PutIdentityPolicy', 'GetIdentityPolicies', 'ListIdentityPolicies', 'DeleteIdentityPolicy',
    'GetSendStatistics',
]
V2_OPERATIONS = [
    'CreateEmailIdentity', 'GetEmailIdentity', 'ListEmailIdentities', 'DeleteEmailIdentity',
    'PutEmailIdentityDkimAttributes', 'PutEmailIdentityDkimSigningAttributes',
    'PutEmailIdentityMailFromAttributes', 'SendEmail', 'GetAccount',
    'CreateEmailIdentityPolicy', 'GetEmailIdentityPolicies', 'UpdateEmailIdentityPolicy', 'DeleteEmailIdentityPolicy',
]
# VerifyEmailAddress, ListVerifiedEmailAddresses and DeleteVerifiedEmailAddress are served by the API
# (for SDKs and boto3) but are not in V1_OPERATIONS: `aws ses` does not offer them (REMOVED below);
# they are written apart, as serverOnlyOperations, without documentation.
OPERATIONS = V1_OPERATIONS if SERVICE == 'ses' else V2_OPERATIONS
# awscli customizations/removals.py takes these away from `aws ses`.
REMOVED = {'VerifyEmailAddress', 'ListVerifiedEmailAddresses', 'DeleteVerifiedEmailAddress'} if SERVICE == 'ses' else set()
CONST = 'SES' if SERVICE == 'ses' else 'SESV2'


class _Text(html.parser.HTMLParser):
    """HTML documentation -> plain paragraphs ('\n\n' between them, '* ' before list items)."""

    def __init__(self):
        super().__init__()
        self.paras, self.cur, self.depth = [], [], 0

    def _flush(self):
        text = ' '.join(''.join(self.cur).split())
        if text in ('*', 'Note:', 'Important:'):
            # A list item or note whose text sits in a nested <p>: keep the marker for it.
            self.cur = [text + ' ']
            return
        if text:
            self.paras.append(text)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        if tag in ('p', 'li', 'note', 'important', 'ul', 'ol', 'br', 'dd', 'dt'):
            self._flush()
        if tag == 'li':
            self.cur.append('* ')
        if tag in ('note', 'important'):
            self.cur.append('Note: ' if tag == 'note' else 'Important: ')

    def handle_endtag(self, tag):
        if tag in ('p', 'li', 'note', 'important', 'ul', 'ol', 'dd', 'dt'):
            self._flush()

    def handle_data(self, data):
        self.cur.append(data)

    def text(self):
        self._flush()
        # "Note: " alone followed by its paragraph reads better joined.
        out = []
        for p in self.paras:
            if out and out[-1] in ('Note:', 'Important:'):
                out[-1] = out[-1] + ' ' + p
            else:
                out.append(p)
        return '\n\n'.join(out)


def plain(doc):
    if not doc:
        return ''
    t = _Text()
    t.feed(doc)
    return t.text()


def main():
    loader = Loader()
    raw = loader.load_service_model(SERVICE, 'service-2')
    model = ServiceModel(raw, SERVICE)
    rest = raw['metadata']['protocol'] == 'rest-json'
    pag = loader.load_service_model(SERVICE, 'paginators-1')['pagination']
    try:
        waiters = loader.load_service_model(SERVICE, 'waiters-2')['waiters']
    except Exception:  # sesv2 has none
        waiters = {}
    shapes, seen = {}, set()

    def add_shape(shape):
        if shape.name in seen:
            return
        seen.add(shape.name)
        d = {'type': shape.type_name}
        if shape.type_name == 'structure':
            d['members'] = []
            for name, member in shape.members.items():
                md = {
                    'name': name, 'shape': member.name,
                    'overview': get_shape_doc_overview(member),
                    'doc': plain(member.documentation),
                }
                if rest and 'location' in member.serialization:
                    md['location'] = member.serialization['location']
                    md['locationName'] = member.serialization.get('name', name)
                d['members'].append(md)
                add_shape(member)
            d['required'] = list(shape.required_members)
        elif shape.type_name == 'list':
            d['member'] = shape.member.name
            add_shape(shape.member)
        elif shape.type_name == 'map':
            d['key'] = shape.key.name
            d['value'] = shape.value.name
            add_shape(shape.key)
            add_shape(shape.value)
        if getattr(shape, 'enum', None):
            d['enum'] = list(shape.enum)
        # botocore's ParamValidator checks `min` (length of strings and lists, value of numbers).
        if 'min' in shape.metadata:
            d['min'] = shape.metadata['min']
        shapes[shape.name] = d

    ops = []
    examples_dir = os.path.join(os.path.dirname(awscli.__file__), 'examples', SERVICE)
    for name in OPERATIONS + sorted(REMOVED):
        op = model.operation_model(name)
        o = {'name': name, 'cliName': xform_name(name, '-'),
             'doc': plain(op.documentation)}
        if rest:
            o['http'] = {'method': op.http['method'], 'requestUri': op.http['requestUri']}
        if op.input_shape is not None:
            o['input'] = op.input_shape.name
            add_shape(op.input_shape)
        if op.output_shape is not None:
            o['output'] = op.output_shape.name
            if not rest:
                o['resultWrapper'] = raw['operations'][name]['output'].get('resultWrapper')
            add_shape(op.output_shape)
        if name in pag:
            o['paginator'] = pag[name]
        ex = os.path.join(examples_dir, o['cliName'] + '.rst')
        if os.path.exists(ex):
            with open(ex) as fh:
                o['examples'] = fh.read()
        ops.append(o)
    commands = [xform_name(n, '-') for n in model.operation_names if n not in REMOVED]
    out = sys.stdout
    out.write('// Generated by generate-ses-model.py from the botocore %s model (%s) that AWS CLI\n' % (raw['metadata']['serviceId'], raw['metadata']['apiVersion']))
    out.write('// v2.9.19 bundles. Do not edit by hand: rerun the generator.\n')
    out.write("import type { ServiceModelData } from './service-types.ts';\n\n")
    server_only = [o for o in ops if o['name'] in REMOVED]
    ops = [o for o in ops if o['name'] not in REMOVED]
    for o in server_only:
        o.pop('doc')
        o.pop('examples', None)
    data = {
        'metadata': {k: raw['metadata'].get(k, '') for k in ('apiVersion', 'endpointPrefix', 'signingName', 'xmlNamespace', 'serviceId', 'protocol')},
        'operations': ops,
        'shapes': dict(sorted(shapes.items())),
        'waiters': waiters,
        'commandNames': commands,
    }
    if server_only:
        data['serverOnlyOperations'] = server_only
    # The documentation only serves help: it goes to its own module, loaded when help is asked for.
    docs = {'operations': {}, 'members': {}}
    for o in ops:
        docs['operations'][o['name']] = {'doc': o.pop('doc'), 'examples': o.pop('examples', None)}
    for name, shape in shapes.items():
        for m in shape.get('members', []):
            docs['members']['%s.%s' % (name, m['name'])] = m.pop('doc')
    # JSON.parse of a string literal: V8 reads JSON much faster than the same object literal, and
    # start-up time is this command's whole cost.
    out.write(('export const %s_MODEL: ServiceModelData = JSON.parse(%%s);\n' % CONST) % json.dumps(json.dumps(data, ensure_ascii=False), ensure_ascii=False))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '%s-docs.generated.ts' % SERVICE), 'w') as fh:
        fh.write('// Generated by generate-ses-model.py (documentation for help). Do not edit by hand.\n')
        fh.write("import type { ServiceDocsData } from './service-types.ts';\n\n")
        fh.write('export const %s_DOCS: ServiceDocsData = ' % CONST)
        fh.write(json.dumps(docs, indent=1, ensure_ascii=False))
        fh.write(';\n')


if __name__ == '__main__':
    main()
