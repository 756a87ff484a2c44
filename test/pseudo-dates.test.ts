import t from 'tap';
import { ageOver89, dateOffsetDays, shiftDA, shiftDT } from '../src/pseudo/dates.js';

const K1 = Buffer.from('project-secret-one-0123456789');
const K2 = Buffer.from('project-secret-two-0123456789');

t.test('dateOffsetDays', async (t) => {
  const r = { min: -3650, max: -1 };
  const a = dateOffsetDays(K1, 'MRN-1', r);
  t.equal(dateOffsetDays(K1, 'MRN-1', r), a, 'dateOffsetDays same secret and patient → same offset in every call');
  t.equal(dateOffsetDays(K1, ' MRN-1 ', r), a, 'dateOffsetDays ignores LO padding of the patient key');
  t.ok(Number.isInteger(a) && a >= -3650 && a <= -1, 'dateOffsetDays is an integer within [min, max]');
  t.equal(dateOffsetDays(K1, 'MRN-1', { min: 7, max: 7 }), 7, 'dateOffsetDays min == max → that value');
  t.throws(() => dateOffsetDays(K1, 'x', { min: 2, max: 1 }), { code: 'RANGE_INVALID' }, 'dateOffsetDays min > max → RANGE_INVALID');
  t.throws(() => dateOffsetDays(K1, 'x', { min: 0.5, max: 1 }), { code: 'RANGE_INVALID' }, 'dateOffsetDays non-integer bound → RANGE_INVALID');
  let differ = 0;
  for (let i = 0; i < 100; i++) if (dateOffsetDays(K1, `P${i}`, r) !== dateOffsetDays(K2, `P${i}`, r)) differ++;
  t.ok(differ >= 95, `dateOffsetDays different secrets → different offsets (${differ}/100)`);

  // Roughly uniform: 20,000 patients over [-10, 9] (20 buckets of expected 1,000): chi-square, 19 df.
  const counts = new Array<number>(20).fill(0);
  let outside = 0;
  for (let i = 0; i < 20_000; i++) {
    const o = dateOffsetDays(K1, `patient-${i}`, { min: -10, max: 9 });
    if (o < -10 || o > 9) outside++;
    else counts[o + 10]++;
  }
  t.equal(outside, 0, 'dateOffsetDays 2·10^4 offsets all within [min, max] inclusive');
  const chi2 = counts.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
  t.ok(chi2 < 43.8, `dateOffsetDays roughly uniform: chi-square ${chi2.toFixed(1)} < 43.8 (19 df, p = 0.001)`);
  t.ok(counts[0] > 0 && counts[19] > 0, 'dateOffsetDays both ends of the range are reached');
  const wide = new Set<number>();
  for (let i = 0; i < 2000; i++) wide.add(dateOffsetDays(K1, `q${i}`, r));
  t.ok(wide.size > 1500, `dateOffsetDays spreads over a wide range (${wide.size} distinct of 2000)`);
});

t.test('shiftDA', async (t) => {
  t.equal(shiftDA('20240229', 1), '20240301', 'shiftDA leap day +1 → 1 March');
  t.equal(shiftDA('20240229', -1), '20240228', 'shiftDA leap day −1 → 28 February');
  t.equal(shiftDA('20240229', 365), '20250228', 'shiftDA leap day +365 → 2025-02-28');
  t.equal(shiftDA('20240229', -365), '20230301', 'shiftDA leap day −365 → 2023-03-01');
  t.equal(shiftDA('20240229', 1461), '20280229', 'shiftDA leap day +1461 (4 years) → 2028-02-29');
  t.equal(shiftDA('20240229', -3650), '20140303', 'shiftDA leap day −3650 → 2014-03-03');
  t.equal(shiftDA('20231231', 1), '20240101', 'shiftDA year boundary forward');
  t.equal(shiftDA('20240101', -1), '20231231', 'shiftDA year boundary backward');
  t.equal(shiftDA('19000228', 1), '19000301', 'shiftDA 1900 is not a leap year');
  t.equal(shiftDA('20000228', 1), '20000229', 'shiftDA 2000 is a leap year');
  t.equal(shiftDA('20240315', 0), '20240315', 'shiftDA by 0 is the identity');
  t.equal(shiftDA('20240101', -3650), '20140103', 'shiftDA −3650 days');
  t.equal(shiftDA('2024.02.29', 1), '2024.03.01', 'shiftDA legacy YYYY.MM.DD keeps its form');
  t.equal(shiftDA('20240101-20240131', -1), '20231231-20240130', 'shiftDA range A-B shifts both ends');
  t.equal(shiftDA('-20240131', 1), '-20240201', 'shiftDA open range -B');
  t.equal(shiftDA('20240131-', 1), '20240201-', 'shiftDA open range A-');
  t.equal(shiftDA('20240101\\20240202', 1), '20240102\\20240203', 'shiftDA multiple values');
  t.equal(shiftDA('', 10), '', 'shiftDA empty stays empty');
  t.equal(shiftDA('20240101 ', 1), '20240102', 'shiftDA padding removed');
  for (const bad of ['20230229', '20241301', '20240001', '20240132', '2024', '202401', '00000000', '2024-01-01', 'yesterday', '-', '2024.0101']) {
    t.throws(() => shiftDA(bad, 1), { code: 'DATE_INVALID' }, `shiftDA ${JSON.stringify(bad)} → DATE_INVALID`);
  }
  t.throws(() => shiftDA('00010101', -1), { code: 'DATE_INVALID' }, 'shiftDA before year 1 → DATE_INVALID');
  t.throws(() => shiftDA('99991231', 1), { code: 'DATE_INVALID' }, 'shiftDA after year 9999 → DATE_INVALID');
  t.throws(() => shiftDA('20240101', 1.5), { code: 'RANGE_INVALID' }, 'shiftDA fractional days → RANGE_INVALID');
  for (const d of [1, -1, 59, 366, -3650, 10_000]) {
    t.equal(shiftDA(shiftDA('20240229', d), -d), '20240229', `shiftDA +${d} then −${d} is the identity`);
  }
});

t.test('shiftDT', async (t) => {
  t.equal(shiftDT('20240229120000.123456+0100', 1), '20240301120000.123456+0100', 'shiftDT keeps time, fraction and UTC offset');
  t.equal(shiftDT('20240229235959.9-0500', 1), '20240301235959.9-0500', 'shiftDT negative UTC offset is kept (not read as a range)');
  t.equal(shiftDT('20231231235959', 1), '20240101235959', 'shiftDT year boundary');
  t.equal(shiftDT('2024022912', -1), '2024022812', 'shiftDT YYYYMMDDHH precision kept');
  t.equal(shiftDT('202402291230', -1), '202402281230', 'shiftDT YYYYMMDDHHMM precision kept');
  t.equal(shiftDT('20240229', 1), '20240301', 'shiftDT date-only precision');
  t.equal(shiftDT('20240229+0000', 1), '20240301+0000', 'shiftDT date with offset');
  t.equal(shiftDT('20240615120000.5', 0), '20240615120000.5', 'shiftDT by 0 is the identity');
  // Partial precision: shift at the available precision, rounding the day offset.
  t.equal(shiftDT('202402', -3650), '201402', 'shiftDT YYYYMM −3650 days → −120 months (3650/30.44 = 119.9)');
  t.equal(shiftDT('202402', 15), '202402', 'shiftDT YYYYMM +15 days rounds to 0 months');
  t.equal(shiftDT('202402', 16), '202403', 'shiftDT YYYYMM +16 days rounds to +1 month');
  t.equal(shiftDT('202401', -16), '202312', 'shiftDT YYYYMM −16 days → previous month, across the year');
  t.equal(shiftDT('2024', -3650), '2014', 'shiftDT YYYY −3650 days → −10 years');
  t.equal(shiftDT('2024', 182), '2024', 'shiftDT YYYY +182 days rounds to 0 years');
  t.equal(shiftDT('2024', 183), '2025', 'shiftDT YYYY +183 days rounds to +1 year');
  t.equal(shiftDT('2024+0100', -400), '2023+0100', 'shiftDT YYYY with UTC offset');
  for (const d of [16, -16, 183, -183, 45, -3650]) {
    for (const v of ['2024', '202402']) {
      t.equal(shiftDT(shiftDT(v, d), -d), v, `shiftDT ${v} +${d} then −${d} is the identity`);
    }
  }
  t.equal(shiftDT('20240101-20240131', 1), '20240102-20240201', 'shiftDT range A-B');
  t.equal(shiftDT('20240101120000-0500-20240102120000-0500', 1), '20240102120000-0500-20240103120000-0500', 'shiftDT range of values with negative offsets');
  t.equal(shiftDT('-20240131', 1), '-20240201', 'shiftDT open range -B');
  t.equal(shiftDT('20240131-', 1), '20240201-', 'shiftDT open range A-');
  t.equal(shiftDT('2020-2024', 400), '2021-2025', 'shiftDT year range (not a UTC offset: -2024 is no offset)');
  t.equal(shiftDT('', 5), '', 'shiftDT empty stays empty');
  t.equal(shiftDT('20240101\\2025', 1), '20240102\\2025', 'shiftDT multiple values');
  for (const bad of ['20230229', '2024022924', '202402291260', '20240229125961', '20240229120000.1234567', '20240229+1500', '20240229+0160', '202', 'now']) {
    t.throws(() => shiftDT(bad, 1), { code: 'DATE_INVALID' }, `shiftDT ${JSON.stringify(bad)} → DATE_INVALID`);
  }
  t.equal(shiftDT('20161231235960', 1), '20170101235960', 'shiftDT leap second 60 accepted');
});

t.test('ageOver89', async (t) => {
  t.equal(ageOver89('093Y'), '090Y', 'ageOver89 093Y → 090Y');
  t.equal(ageOver89('090Y'), '090Y', 'ageOver89 090Y → 090Y');
  t.equal(ageOver89('120Y'), '090Y', 'ageOver89 120Y → 090Y');
  t.equal(ageOver89('089Y'), '089Y', 'ageOver89 089Y unchanged');
  t.equal(ageOver89('045Y'), '045Y', 'ageOver89 045Y unchanged');
  t.equal(ageOver89('999M'), '999M', 'ageOver89 999M (83 years) unchanged');
  t.equal(ageOver89('999W'), '999W', 'ageOver89 999W unchanged');
  t.equal(ageOver89('003D'), '003D', 'ageOver89 003D unchanged');
  t.equal(ageOver89(''), '', 'ageOver89 empty stays empty');
  for (const bad of ['93Y', '093y', '093', 'abcd', '0093Y']) {
    t.throws(() => ageOver89(bad), { code: 'AGE_INVALID' }, `ageOver89 ${JSON.stringify(bad)} → AGE_INVALID`);
  }
});
