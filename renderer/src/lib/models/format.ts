/**
 * Sizes, speeds and durations in the current locale ("1.2 GB", "3.4 MB/s", "2 min 5 s"), in
 * decimal units as disks and download sites count them.
 */
import { locale } from '../i18n/index.svelte.ts';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

function scaled(bytes: number): { value: number; unit: (typeof UNITS)[number] } {
  let value = Math.max(0, bytes);
  let index = 0;
  while (value >= 1000 && index < UNITS.length - 1) {
    value /= 1000;
    index++;
  }
  return { value, unit: UNITS[index] ?? 'byte' };
}

export function formatBytes(bytes: number): string {
  const { value, unit } = scaled(bytes);
  return new Intl.NumberFormat(locale.current, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit !== 'byte' ? 1 : 0,
  }).format(value);
}

export function formatSpeed(bytesPerSecond: number): string {
  const { value, unit } = scaled(bytesPerSecond);
  return new Intl.NumberFormat(locale.current, {
    style: 'unit',
    unit: `${unit}-per-second`,
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit !== 'byte' ? 1 : 0,
  }).format(value);
}

function unitPart(value: number, unit: 'hour' | 'minute' | 'second'): string {
  return new Intl.NumberFormat(locale.current, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
  }).format(value);
}

export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${unitPart(hours, 'hour')} ${unitPart(minutes, 'minute')}`;
  if (minutes > 0) return `${unitPart(minutes, 'minute')} ${unitPart(secs, 'second')}`;
  return unitPart(secs, 'second');
}

export function formatNumber(value: number, fractionDigits = 0): string {
  return new Intl.NumberFormat(locale.current, {
    maximumFractionDigits: fractionDigits,
  }).format(value);
}
