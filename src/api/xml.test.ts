import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { el, entries, errorEnvelope, escapeXml, members, renderXml, SES_XMLNS, successEnvelope } from './xml.ts';

describe('SES XML responses (api/xml.ts)', () => {
  it('escapes markup and writes characters XML 1.0 cannot carry as \\uXXXX text', () => {
    assert.equal(escapeXml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    assert.equal(escapeXml('tab\tnl\ncr\r'), 'tab\tnl\ncr&#13;');
    assert.equal(escapeXml('\u0000\u0007\u001f'), '\\u0000\\u0007\\u001f');
    assert.equal(escapeXml('\ud800x\uffff'), '\\ud800x\\uffff');
    assert.equal(escapeXml('é✓😀'), 'é✓😀');
  });

  it('renders elements, empty lists as empty elements, members and map entries', () => {
    assert.equal(renderXml([el('A', 'x'), el('B', 2), el('C', true), el('D', null), el('E', [])]), '<A>x</A><B>2</B><C>true</C><D/><E/>');
    assert.equal(renderXml([el('Identities', members(['a', 'b<']))]), '<Identities><member>a</member><member>b&lt;</member></Identities>');
    assert.equal(
      renderXml([el('DkimAttributes', entries(new Map([['ex.com', [el('DkimEnabled', true)]]])))]),
      '<DkimAttributes><entry><key>ex.com</key><value><DkimEnabled>true</DkimEnabled></value></entry></DkimAttributes>',
    );
  });

  it('the success envelope: <ActionResult> (empty when the output shape is empty, absent when there is none)', () => {
    assert.equal(
      successEnvelope('VerifyDomainIdentity', [el('VerificationToken', 't')], 'rid'),
      `<VerifyDomainIdentityResponse xmlns="${SES_XMLNS}"><VerifyDomainIdentityResult><VerificationToken>t</VerificationToken></VerifyDomainIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></VerifyDomainIdentityResponse>`,
    );
    assert.match(successEnvelope('DeleteIdentity', [], 'r'), /<DeleteIdentityResult\/><ResponseMetadata>/);
    assert.doesNotMatch(successEnvelope('VerifyEmailAddress', null, 'r'), /Result/);
  });

  it('the error envelope: RequestId under the root, code and message escaped', () => {
    assert.equal(
      errorEnvelope('Sender', 'InvalidParameterValue', 'bad <x>', 'rid'),
      `<ErrorResponse xmlns="${SES_XMLNS}"><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>bad &lt;x&gt;</Message></Error><RequestId>rid</RequestId></ErrorResponse>`,
    );
  });
});
