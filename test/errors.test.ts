import t from 'tap';
import { DeidError } from '../src/deid/errors.js';
import { DicomError } from '../src/dicom/errors.js';
import { AnonError, asErrorData, errorData, UsageError } from '../src/errors.js';
import { PixelError } from '../src/pixel/errors.js';
import { ProfileError } from '../src/profile/errors.js';
import { PseudoError } from '../src/pseudo/errors.js';

t.test('every coded error → an AnonError whose JSON keeps code, message and place', async (t) => {
  const cases: [AnonError, Record<string, unknown>][] = [
    [new DicomError({ code: 'TRUNCATED', message: 'cut', offset: 12, path: '(0008,0060)', file: 'x.dcm' }), { code: 'TRUNCATED', offset: 12, path: '(0008,0060)', file: 'x.dcm' }],
    [new DeidError('DEID_FAILED', 'no', '(0010,0010)'), { code: 'DEID_FAILED', path: '(0010,0010)' }],
    [new PixelError({ code: 'PIXEL_DECODE', message: 'bad', frame: 2 }), { code: 'PIXEL_DECODE', frame: 2 }],
    [new PseudoError({ code: 'PSEUDONYM_TABLE', message: 'bad', file: 'm.csv', line: 3 }), { code: 'PSEUDONYM_TABLE', file: 'm.csv', line: 3 }],
    [new ProfileError('PROFILE_INVALID', 'bad', { jsonPath: '/rules/0' }), { code: 'PROFILE_INVALID', jsonPath: '/rules/0' }],
    [new UsageError('bad argument'), { code: 'USAGE', message: 'bad argument' }],
  ];
  for (const [e, want] of cases) {
    t.ok(e instanceof AnonError, `${e.name} extends AnonError`);
    const back = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    t.match(back, want, `${e.name} survives JSON`);
    t.equal(back.message, e.message, `${e.name} keeps its message`);
    t.notOk(Object.values(back).includes(undefined), `${e.name} JSON has no undefined fields`);
    t.same(errorData(e), e.toJSON(), `${e.name} errorData is its JSON`);
  }
});

t.test('errorData of a plain Error → undefined; asErrorData → INTERNAL with its message', async (t) => {
  t.equal(errorData(new TypeError('x')), undefined);
  t.same(asErrorData(new TypeError('boom')), { code: 'INTERNAL', message: 'boom' });
  t.same(asErrorData('text'), { code: 'INTERNAL', message: 'text' });
});
