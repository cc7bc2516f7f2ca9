#!/usr/bin/python3
"""Writes the SES service models: ses-model.generated.ts (SES v1) and sesv2-model.generated.ts (SES v2),
each with its help texts beside it (ses-docs.generated.ts, sesv2-docs.generated.ts).

Run by hand when a model should change (never at build or run time), with Debian's /usr/bin/python3,
whose awscli package bundles the botocore of AWS CLI v2 2.9.19:
    /usr/bin/python3 src/model/generate-ses-model.py > src/model/ses-model.generated.ts
    /usr/bin/python3 src/model/generate-ses-model.py sesv2 BOTOCORE_DIR > src/model/sesv2-model.generated.ts
where BOTOCORE_DIR is the package folder of a newer botocore (here pyenv's 1.43.11:
`python3 -c 'import botocore, os; print(os.path.dirname(botocore.__file__))'`).

Each model is the ONE model of its service: the command line (src/cli) and the server (src/api) read it.
- SES v1 (Query) comes from 2.9.19's model alone. The three deprecated operations `aws ses` removes but
  the server answers go in `serverOnlyOperations`, so that the command line's lists stay the AWS CLI's.
- SES v2 (REST-JSON) is the union of two botocore models. The server answers today's clients, so the
  model is the newer botocore's: shapes, members (with their location), constraints (enum, min, max,
  pattern), HTTP bindings, modelled errors and their status. The command line must be AWS CLI 2.9.19
  byte for byte, so what 2.9.19's model lacks or says otherwise is marked: `cli: false` on an
  operation, shape or member 2.9.19 does not have (the real CLI drops such response members and
  rejects such parameters), `cli: {...}` on a shape with 2.9.19's own `enum`, `min` or `required`
  where they differ (null: 2.9.19 has none), and `cliHttp` where 2.9.19 sends an operation elsewhere
  (PutEmailIdentityDkimSigningAttributes under /v1/). Paginators, waiters, the command list, member
  overviews and the help texts are 2.9.19's (the newer model's members get their own overview).
  src/model/cli-view.ts turns the union into the command line's view; test/sesv2-cli-model.test.ts
  checks that view against what this script extracts from 2.9.19 alone (`sesv2 --cli-json`).
The generator stops with an error on any difference it cannot mark (a changed type, shape or
location, members in another order, an input or output shape renamed): such a model needs a look first.

It keeps only what is needed for the operations Signet offers: shapes (types, members, required,
enums), the result wrappers, the paginator and waiter, the first sentence of each member's
documentation (awscli's own get_shape_doc_overview, used by the yaml-input skeleton) and plain-text
documentation for help. The CLI example text (awscli/examples/<service>/*.rst) goes along for help.
"""
import html.parser
import xml.dom.minidom  # noqa: F401  (awscli.customizations.utils needs it imported)
import xml.parsers.expat  # noqa: F401
import gzip
import json
import os
import re
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


def extract(loader, service):
    """2.9.19's model (the botocore awscli bundles) as the command line reads it, and its help texts."""
    raw = loader.load_service_model(service, 'service-2')
    model = ServiceModel(raw, service)
    rest = raw['metadata']['protocol'] == 'rest-json'
    pag = loader.load_service_model(service, 'paginators-1')['pagination']
    try:
        waiters = loader.load_service_model(service, 'waiters-2')['waiters']
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
    examples_dir = os.path.join(os.path.dirname(awscli.__file__), 'examples', service)
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
    return data, docs


def load_newer(botocore_dir, service, api_version):
    """The newer botocore's service-2.json, read by path (its own botocore is never imported), and its version."""
    base = os.path.join(botocore_dir, 'data', service, api_version, 'service-2.json')
    if os.path.exists(base):
        with open(base, encoding='utf-8') as fh:
            raw = json.load(fh)
    else:
        with gzip.open(base + '.gz', 'rt', encoding='utf-8') as fh:
            raw = json.load(fh)
    with open(os.path.join(botocore_dir, '__init__.py'), encoding='utf-8') as fh:
        version = re.search(r"^__version__ = '([^']+)'", fh.read(), re.M).group(1)
    return raw, version


def newer_model(raw):
    """What the server needs from the newer model, for the operations Signet offers: each operation's
    HTTP binding, shapes and modelled errors; per shape its type, members (with their location),
    required members and constraints (enum, min, max, pattern); each member's overview."""
    model = ServiceModel(raw, SERVICE)
    all_shapes = raw['shapes']
    shapes = {}

    def add(name):
        if name in shapes:
            return
        s = all_shapes[name]
        d = {'type': s['type']}
        shapes[name] = d
        for k in ('enum', 'min', 'max', 'pattern'):
            if k in s:
                d[k] = s[k]
        if s['type'] == 'structure':
            d['members'] = []
            botocore_shape = model.shape_for(name)
            for m, ref in s['members'].items():
                md = {'name': m, 'shape': ref['shape'], 'overview': get_shape_doc_overview(botocore_shape.members[m])}
                if 'location' in ref:
                    md['location'] = ref['location']
                    md['locationName'] = ref.get('locationName', m)
                d['members'].append(md)
                add(ref['shape'])
            d['required'] = list(s.get('required', []))
        elif s['type'] == 'list':
            d['member'] = s['member']['shape']
            add(s['member']['shape'])
        elif s['type'] == 'map':
            d['key'] = s['key']['shape']
            d['value'] = s['value']['shape']
            add(s['key']['shape'])
            add(s['value']['shape'])

    ops = {}
    for name in OPERATIONS:
        op = raw['operations'][name]
        o = {'http': {'method': op['http']['method'], 'requestUri': op['http']['requestUri']}}
        if 'input' in op:
            o['input'] = op['input']['shape']
            add(o['input'])
        if 'output' in op:
            o['output'] = op['output']['shape']
            add(o['output'])
        o['errors'] = [e['shape'] for e in op.get('errors', [])]
        for e in o['errors']:
            add(e)
        ops[name] = o
    errors = {n: raw['shapes'][n].get('error', {}).get('httpStatusCode') for o in ops.values() for n in o['errors']}
    return ops, shapes, dict(sorted(errors.items()))


def fail(message):
    sys.exit('generate-ses-model.py: %s; the union cannot mark this difference, look at it first' % message)


def union(cli, newer_raw):
    """The newer model, with what 2.9.19's (`cli`) lacks or says otherwise marked (see the module's text)."""
    for k in ('apiVersion', 'endpointPrefix', 'signingName', 'serviceId', 'protocol'):
        if newer_raw['metadata'].get(k, '') != cli['metadata'][k]:
            fail('metadata %s differs' % k)
    new_ops, new_shapes, error_status = newer_model(newer_raw)
    cli_ops = {o['name']: o for o in cli['operations']}
    ops = []
    for name in OPERATIONS:
        n, c = new_ops[name], cli_ops.get(name)
        o = {'name': name, 'cliName': xform_name(name, '-'), 'http': n['http']}
        for k in ('input', 'output'):
            if k in n:
                o[k] = n[k]
        if c is None:
            o['cli'] = False
        else:
            if c.get('input') != n.get('input') or c.get('output') != n.get('output'):
                fail('operation %s has other input or output shapes' % name)
            if c['http'] != n['http']:
                o['cliHttp'] = c['http']
            if 'paginator' in c:
                o['paginator'] = c['paginator']
        o['errors'] = n['errors']
        ops.append(o)
    shapes = {}
    for name in sorted(set(new_shapes) | set(cli['shapes'])):
        if name not in new_shapes:
            fail('2.9.19 has shape %s, the newer model does not' % name)
        s = dict(new_shapes[name])
        c = cli['shapes'].get(name)
        if c is None:
            s['cli'] = False
        else:
            for k in ('type', 'member', 'key', 'value'):
                if c.get(k) != s.get(k):
                    fail('shape %s: %s differs' % (name, k))
            if 'members' in s:
                by_name = {m['name']: m for m in c['members']}
                kept = [m['name'] for m in s['members'] if m['name'] in by_name]
                if kept != [m['name'] for m in c['members']]:
                    fail('shape %s: 2.9.19 has members the newer model lacks, or in another order' % name)
                members = []
                for m in s['members']:
                    old = by_name.get(m['name'])
                    if old is None:
                        members.append(dict(m, cli=False))
                        continue
                    if any(old.get(k) != m.get(k) for k in ('shape', 'location', 'locationName')):
                        fail('member %s.%s: its shape or location differs' % (name, m['name']))
                    # 2.9.19's overview: the yaml-input skeleton prints it.
                    members.append(dict(m, overview=old['overview']))
                s['members'] = members
            facts = {k: c.get(k) for k in ('enum', 'min', 'required') if c.get(k) != s.get(k)}
            if facts:
                s['cli'] = facts
        shapes[name] = s
    data = {
        'metadata': cli['metadata'],
        'operations': ops,
        'shapes': shapes,
        'waiters': cli['waiters'],
        'commandNames': cli['commandNames'],
        'errorStatus': error_status,
    }
    return data


def main():
    args = sys.argv[2:]
    loader = Loader()
    data, docs = extract(loader, SERVICE)
    if args == ['--cli-json']:
        # 2.9.19's model as the command line reads it (cli-view.test.ts compares the view with it).
        json.dump(data, sys.stdout, ensure_ascii=False)
        return
    out = sys.stdout
    if SERVICE == 'ses':
        out.write('// Generated by generate-ses-model.py from the botocore %s model (%s) that AWS CLI\n' % (data['metadata']['serviceId'], data['metadata']['apiVersion']))
        out.write('// v2.9.19 bundles. Do not edit by hand: rerun the generator.\n')
    else:
        if len(args) != 1:
            sys.exit('usage: /usr/bin/python3 src/model/generate-ses-model.py sesv2 NEWER_BOTOCORE_DIR (or --cli-json)')
        newer_raw, newer_version = load_newer(args[0], SERVICE, data['metadata']['apiVersion'])
        data = union(data, newer_raw)
        out.write('// Generated by generate-ses-model.py from the botocore %s models (%s) of botocore %s (the server\'s)\n' % (data['metadata']['serviceId'], data['metadata']['apiVersion'], newer_version))
        out.write('// and of AWS CLI v2.9.19 (the command line\'s, marked). Do not edit by hand: rerun the generator.\n')
    out.write("import type { ServiceModelData } from './service-types.ts';\n\n")
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
