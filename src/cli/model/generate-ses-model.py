#!/usr/bin/python3
"""Writes ses-model.generated.ts from the botocore SES model bundled with AWS CLI v2.

Run by hand when the model should change (never at build or run time):
    /usr/bin/python3 src/cli/model/generate-ses-model.py > src/cli/model/ses-model.generated.ts
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

OPERATIONS = [
    'VerifyDomainDkim', 'VerifyDomainIdentity', 'VerifyEmailIdentity', 'ListIdentities',
    'DeleteIdentity', 'GetIdentityDkimAttributes', 'SetIdentityDkimEnabled',
    'GetIdentityVerificationAttributes', 'GetIdentityMailFromDomainAttributes', 'GetSendQuota',
    'SendEmail', 'SendRawEmail',
    'SetIdentityNotificationTopic', 'GetIdentityNotificationAttributes',
    'SetIdentityFeedbackForwardingEnabled', 'SetIdentityHeadersInNotificationsEnabled',
    'PutIdentityPolicy', 'GetIdentityPolicies', 'ListIdentityPolicies', 'DeleteIdentityPolicy',
    'GetSendStatistics',
]
# VerifyEmailAddress, ListVerifiedEmailAddresses and DeleteVerifiedEmailAddress are served by the API
# (for SDKs and boto3) but are not in OPERATIONS: `aws ses` does not offer them (REMOVED below).
# awscli customizations/removals.py takes these away from `aws ses`.
REMOVED = {'VerifyEmailAddress', 'ListVerifiedEmailAddresses', 'DeleteVerifiedEmailAddress'}


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
    raw = loader.load_service_model('ses', 'service-2')
    model = ServiceModel(raw, 'ses')
    pag = loader.load_service_model('ses', 'paginators-1')['pagination']
    waiters = loader.load_service_model('ses', 'waiters-2')['waiters']
    shapes, seen = {}, set()

    def add_shape(shape):
        if shape.name in seen:
            return
        seen.add(shape.name)
        d = {'type': shape.type_name}
        if shape.type_name == 'structure':
            d['members'] = []
            for name, member in shape.members.items():
                d['members'].append({
                    'name': name, 'shape': member.name,
                    'overview': get_shape_doc_overview(member),
                    'doc': plain(member.documentation),
                })
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
    examples_dir = os.path.join(os.path.dirname(awscli.__file__), 'examples', 'ses')
    for name in OPERATIONS:
        op = model.operation_model(name)
        o = {'name': name, 'cliName': xform_name(name, '-'),
             'doc': plain(op.documentation)}
        if op.input_shape is not None:
            o['input'] = op.input_shape.name
            add_shape(op.input_shape)
        if op.output_shape is not None:
            o['output'] = op.output_shape.name
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
    out.write('// Generated by generate-ses-model.py from the botocore SES model (2010-12-01) that AWS CLI\n')
    out.write('// v2.9.19 bundles. Do not edit by hand: rerun the generator.\n')
    out.write("import type { ServiceModelData } from './types.ts';\n\n")
    data = {
        'metadata': {k: raw['metadata'][k] for k in ('apiVersion', 'endpointPrefix', 'signingName', 'xmlNamespace', 'serviceId')},
        'operations': ops,
        'shapes': dict(sorted(shapes.items())),
        'waiters': waiters,
        'commandNames': commands,
    }
    # The documentation only serves help: it goes to its own module, loaded when help is asked for.
    docs = {'operations': {}, 'members': {}}
    for o in ops:
        docs['operations'][o['name']] = {'doc': o.pop('doc'), 'examples': o.pop('examples', None)}
    for name, shape in shapes.items():
        for m in shape.get('members', []):
            docs['members']['%s.%s' % (name, m['name'])] = m.pop('doc')
    # JSON.parse of a string literal: V8 reads JSON much faster than the same object literal, and
    # start-up time is this command's whole cost.
    out.write('export const SES_MODEL: ServiceModelData = JSON.parse(%s);\n' % json.dumps(json.dumps(data, ensure_ascii=False), ensure_ascii=False))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ses-docs.generated.ts'), 'w') as fh:
        fh.write('// Generated by generate-ses-model.py (documentation for help). Do not edit by hand.\n')
        fh.write("import type { ServiceDocsData } from './types.ts';\n\n")
        fh.write('export const SES_DOCS: ServiceDocsData = ')
        fh.write(json.dumps(docs, indent=1, ensure_ascii=False))
        fh.write(';\n')


if __name__ == '__main__':
    main()
