/**
 * The workflow's own checks of what arrives from outside (src/workflows/payloads.ts and
 * inbox.ts), as pure functions: they answer with a reason and never throw, whatever the value.
 */
import test from 'ava';
import fc from 'fast-check';
import { indexCatalog } from '../src/dsl/catalog.js';
import { telecomCatalog } from './helpers/catalog.js';
import { channelPayloads, INBOX_LIMITS, messageProblem, SMS_PAYLOAD, MESSAGE_FIELDS, PAYLOAD_LIMITS, payloadProblem, readEnvelope, sizeProblem, startProblem, utf8Bytes } from '../src/workflows/payloads.js';
import { Inbox } from '../src/workflows/inbox.js';
import type { TypeRef } from '../src/ir/schema.js';
import { compileOrThrow } from './helpers/runtime.js';

test("a message of IR without a payload type is checked as the telecom module's smsReply channel declares it", (t) => {
  const declared = indexCatalog(telecomCatalog).channel('smsReply')!.channel.payload;
  t.deepEqual(MESSAGE_FIELDS.map((f) => ({ ...f, pii: false })), declared.map((f) => ({ ...f, pii: false })));
});

test('a value nested 100,000 deep is refused without overflowing the stack', (t) => {
  const deep: unknown[] = [];
  let at = deep;
  for (let i = 0; i < 100_000; i++) at = (at[0] = []) as unknown[];
  t.regex(sizeProblem(deep)!, /nested too deep/);
  t.is(sizeProblem([[[['ok']]]]), undefined);
});

test('too many values or characters are refused', (t) => {
  t.regex(sizeProblem(Array.from({ length: PAYLOAD_LIMITS.values + 1 }, () => 1))!, /more than 10000 values/);
  t.regex(sizeProblem({ text: 'x'.repeat(PAYLOAD_LIMITS.bytes + 1) })!, /bytes/);
  t.regex(sizeProblem({ ['k'.repeat(PAYLOAD_LIMITS.bytes + 1)]: 1 })!, /bytes/);
});

test('a payload is measured in UTF-8 bytes, as Temporal measures it, not in characters', (t) => {
  t.is(utf8Bytes('a€😀'), 1 + 3 + 4);
  t.is(utf8Bytes('\ud800'), 3, 'a lone surrogate is encoded as U+FFFD');
  t.is(utf8Bytes('é'.repeat(10)), Buffer.byteLength('é'.repeat(10)));
  // 100,000 characters (under 256 Ki) but 300,000 bytes (over 256 KiB).
  t.regex(sizeProblem({ text: '€'.repeat(100_000) })!, /more than 262144 bytes/);
  t.is(sizeProblem({ text: '€'.repeat(80_000) }), undefined);
});

test('the inbox keeps at most its byte budget of events nobody waits for, counted at put', (t) => {
  const inbox = new Inbox();
  const big = '€'.repeat(80_000); // 240,000 bytes
  t.is(inbox.budgetProblem('signal:proceed', false, big), undefined);
  inbox.put('signal:proceed', big);
  t.true(inbox.bytes >= 240_000);
  t.regex(inbox.budgetProblem('signal:proceed', false, big)!, new RegExp(`more than ${INBOX_LIMITS.bytes} bytes`));
  t.regex(inbox.budgetProblem('signal:other', false, big)!, /bytes/);
  // The event a wait is waiting for now, with none before it, is taken at once: never refused for the budget.
  t.is(inbox.budgetProblem('signal:other', true, big), undefined);
  t.truthy(inbox.budgetProblem('signal:proceed', true, big), 'one is already there for this wait');
  t.deepEqual(inbox.take('signal:proceed'), { value: big });
  t.is(inbox.bytes, 0);
  t.is(inbox.budgetProblem('signal:proceed', false, big), undefined);
  // A carried inbox counts too.
  t.true(new Inbox([['signal:proceed', [big]]]).bytes >= 240_000);
});

test('before continue-as-new the inbox sheds its largest events until the carried arguments fit, and counts them', (t) => {
  const inbox = new Inbox([
    ['signal:small', [1, 2]],
    ['signal:proceed', ['x'.repeat(1_000), 'y'.repeat(2_000)]],
    ['message:smsReply:from=1', [{ text: 'z'.repeat(3_000) }]],
  ]);
  const carried = () => utf8Bytes(JSON.stringify({ fixed: 'f'.repeat(500), inbox: inbox.entries() }));
  t.is(inbox.shed(carried, carried() + 10), 0, 'nothing dropped when it fits');
  t.is(inbox.rejected, undefined);
  const dropped = inbox.shed(carried, 3_000);
  t.is(dropped, 2);
  t.true(carried() <= 3_000);
  t.deepEqual(inbox.entries(), [['signal:small', [1, 2]], ['signal:proceed', ['x'.repeat(1_000)]]]);
  t.is(inbox.rejected?.count, 2);
  t.is(inbox.rejected?.last.name, 'proceed');
  t.regex(inbox.rejected!.last.reason, /continue-as-new/);
  t.is(inbox.shed(carried, 10), 3, 'all of them, when even that is not enough');
  t.deepEqual(inbox.entries(), []);
});

const report: TypeRef = {
  t: 'record',
  fields: [
    { name: 'outcome', type: { t: 'string' }, optional: false, pii: false },
    { name: 'count', type: { t: 'int' }, optional: true, pii: false },
  ],
};

test('a payload is checked against its declared type; the reason names fields, never values', (t) => {
  t.is(payloadProblem(report, { outcome: 'done', count: 2 }), undefined);
  t.is(payloadProblem(report, { outcome: 42, count: 'many' }), 'outcome must be a text; count must be a whole number');
  t.is(payloadProblem(report, null), 'outcome is required');
  t.is(payloadProblem(report, [1] as never), '(input) must be a record { … }');
  t.is(payloadProblem({ t: 'list', of: { t: 'int' } }, [1, 'a']), '[1] must be a whole number');
  t.is(payloadProblem(undefined, { anything: ['goes'] }), undefined);
  const secret = '13912345678';
  t.false(payloadProblem(report, { outcome: secret, count: secret })!.includes(secret));
  t.true(payloadProblem(report, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`extra${i}`, 1])))!.length <= 300);
});

test('a message envelope is read from anything, or refused with a reason', (t) => {
  const payload = { from: '13800138000', text: '是', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' };
  for (const bad of [undefined, null, 5, 'smsReply', [1], { channel: 'smsReply' }, { channel: 'smsReply', keys: null }, { channel: 5, keys: {} }, { channel: '', keys: {} }, { channel: 'smsReply', keys: ['x'] }, { channel: 'smsReply', keys: { from: 1 } }]) {
    t.true('problem' in readEnvelope(bad), JSON.stringify(bad));
  }
  const read = readEnvelope(JSON.parse('{"channel":"smsReply","keys":{"from":"13800138000","__proto__":"x"},"payload":5}'));
  t.true('envelope' in read);
  if ('envelope' in read) {
    t.deepEqual(Object.keys(read.envelope.keys), ['from', '__proto__']);
    t.regex(messageProblem(read.envelope.payload)!, /must be a record/);
  }
  t.is(messageProblem(payload), undefined);
  t.regex(messageProblem({ ...payload, from: 'nobody' })!, /from must be a phone number/);
});

test('no value makes the checks throw', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        readEnvelope(v);
        readEnvelope({ channel: 'c', keys: { a: 'b' }, payload: v });
        payloadProblem(report, v as never);
        messageProblem(v as never);
        return true;
      }),
    ),
  );
});

test('the inbox keeps events in order and refuses more than its bounds', (t) => {
  const inbox = new Inbox([['signal:a', [1]]]);
  inbox.put('signal:a', 2);
  t.deepEqual(inbox.take('signal:a'), { value: 1 });
  t.deepEqual(inbox.entries(), [['signal:a', [2]]]);
  for (let i = 0; i < 99; i++) inbox.put('signal:b', i);
  t.is(inbox.fullProblem('signal:b', false), undefined);
  inbox.put('signal:b', 99);
  t.regex(inbox.fullProblem('signal:b', true)!, /more than 100 events wait for this key/);
  // Messages under keys nobody waits for are bounded in all; one a wait is waiting for is kept.
  for (let i = 0; i < 1000; i++) inbox.put(`message:smsReply:from=${i}`, i);
  t.regex(inbox.fullProblem('message:smsReply:from=x', false)!, /more than 1000 messages/);
  t.is(inbox.fullProblem('message:smsReply:from=x', true), undefined);
  t.is(inbox.fullProblem('signal:c', false), undefined);
  inbox.take('message:smsReply:from=7');
  t.is(inbox.fullProblem('message:smsReply:from=x', false), undefined);
  inbox.reject('a', 'why');
  inbox.reject('b', 'because');
  t.deepEqual(inbox.rejected, { count: 2, last: { name: 'b', reason: 'because' } });
});

test('a text from outside holds no control character, wherever it is; a time is one the catalog takes', (t) => {
  const payload = { from: '13800138000', text: 'Y', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' };
  t.regex(messageProblem({ ...payload, text: 'Y\u0000' })!, /text must be a text without NUL/);
  t.is(messageProblem({ ...payload, text: '是\r\n' }), undefined);
  t.regex(messageProblem({ ...payload, receivedAt: '2026-02-30T10:00:00Z' })!, /receivedAt must be a time/);
  t.regex(messageProblem({ ...payload, receivedAt: '2026-11-22T24:00:00Z' })!, /receivedAt must be a time/);
  t.regex(payloadProblem(undefined, { note: ['a\u0001'] })!, /control character/);
  t.regex(payloadProblem(undefined, { ['k\u0000']: 1 })!, /control character/);
  t.regex(payloadProblem({ t: 'any' }, 'x\u001b')!, /control character/);
  // The rules before they tightened, for replay only.
  t.is(messageProblem({ ...payload, text: 'Y\u0000', receivedAt: '2026-11-22T10:00Z' }, 'legacy'), undefined);
  t.is(payloadProblem(undefined, { text: '€'.repeat(100_000) }, 'legacy'), undefined);
});

test('a first start is checked by today\'s rules; a continued run by those its first run was started under', (t) => {
  const input = [{ name: 'at', type: { t: 'time' as const }, optional: false, pii: false }];
  const old = { input: { at: '2026-11-22T10:00Z' } };
  t.regex(startProblem(input, old, false)!, /at must be a time/);
  t.is(startProblem(input, old, true), undefined);
});

test('a message is checked against its channel\'s declared payload; a channel none declares takes an SMS reply; lowering gives each wait its channel\'s payload', (t) => {
  const email: TypeRef = { t: 'record', fields: [{ name: 'subject', type: { t: 'string' }, optional: false, pii: false }] };
  const sms = { from: '13800138000', text: 'Y', receivedAt: '2026-11-22T10:00:00Z', channel: 'sms' };
  t.is(messageProblem(sms), undefined);
  t.is(messageProblem(sms, 'current', SMS_PAYLOAD), undefined);
  t.regex(messageProblem(sms, 'current', email) ?? '', /subject is required/);
  t.is(messageProblem({ subject: 'Re: repair' }, 'current', email), undefined);
  t.regex(messageProblem({ subject: 'Re: repair' }) ?? '', /from is required/);
  const steps = compileOrThrow(`
process Waits version 1
  input { a: string }
  wait one = message email(from: input.a) within 1h on timeout { }
  wait two = message smsReply(from: input.a) within 1h on timeout { }
  end "ok"
`).get('Waits')!.steps;
  (steps[0] as { trigger: { payload?: TypeRef } }).trigger.payload = email;
  const payloads = new Map(channelPayloads(steps));
  t.deepEqual(payloads.get('email'), email, 'the payload its IR gives');
  // smsReply's is what the telecom catalog declares for it.
  t.deepEqual((payloads.get('smsReply') as { fields: Array<{ name: string }> } | undefined)?.fields.map((f) => f.name), ['from', 'text', 'receivedAt', 'channel']);
});
