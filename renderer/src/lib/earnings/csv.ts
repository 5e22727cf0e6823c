/** CSV export of a series, downloaded as a Blob (no server round trip, nothing inline). */
import type { MethodResult } from '../api/client.ts';
import { taoExact } from './format.ts';

type Series = MethodResult<'earnings.series'>;

function cell(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function seriesCsv(series: Series): string {
  const head = [
    'block',
    'time_utc',
    'netuid',
    'earned_rao',
    'earned_tao',
    'cumulative_rao',
    'rank',
    'trust',
    'incentive',
    'dividends',
  ];
  const rows = series.points.map((p) => [
    p.block,
    p.time === null ? null : new Date(p.time).toISOString(),
    p.netuid,
    p.earned,
    taoExact(p.earned),
    p.cumulative,
    p.rank,
    p.trust,
    p.incentive,
    p.dividends,
  ]);
  return [head, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export function downloadCsv(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
