import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorEnvelope, escapeXml, SES_XMLNS } from './xml.ts';

describe('SES XML responses (api/xml.ts)', () => {
  it('escapes markup and writes characters XML 1.0 cannot carry as \\uXXXX text', () => {
    assert.equal(escapeXml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    assert.equal(escapeXml('tab\tnl\ncr\r'), 'tab\tnl\ncr&#13;');
    assert.equal(escapeXml('\u0000\u0007\u001f'), '\\u0000\\u0007\\u001f');
    assert.equal(escapeXml('\ud800x\uffff'), '\\ud800x\\uffff');
    assert.equal(escapeXml('é✓😀'), 'é✓😀');
  });

  it('the error envelope: RequestId under the root, code and message escaped', () => {
    assert.equal(
      errorEnvelope('Sender', 'InvalidParameterValue', 'bad <x>', 'rid'),
      `<ErrorResponse xmlns="${SES_XMLNS}"><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>bad &lt;x&gt;</Message></Error><RequestId>rid</RequestId></ErrorResponse>`,
    );
  });
});
