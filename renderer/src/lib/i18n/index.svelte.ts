/**
 * Translation: `t(key, params)` looks the key up in the current locale's catalogue and fills
 * `{name}` placeholders. The locale is reactive state (components re-render when it changes),
 * chosen from localStorage, then the browser's language, then English.
 *
 * To add a string: add the key to `en.ts`, then to every other catalogue (`fr.ts`); the types
 * fail `npm run check` until all of them have it.
 */
import { en, type MessageKey, type Messages } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey };

export const catalogues = { en, fr } satisfies Record<string, Messages>;
export type Locale = keyof typeof catalogues;
export const localeNames: readonly Locale[] = ['en', 'fr'];

const LOCALE_KEY = 'noesis.locale';

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(catalogues, value);
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage disabled: fall through to the browser's language.
  }
  for (const language of navigator.languages ?? [navigator.language]) {
    const base = language.split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

const current = $state<{ locale: Locale }>({ locale: initialLocale() });

function applyToDocument(locale: Locale): void {
  document.documentElement.lang = locale;
}

/** The locale store: read `locale.current`, change it with `locale.set('fr')`. */
export const locale = {
  get current(): Locale {
    return current.locale;
  },
  set(next: Locale): void {
    current.locale = next;
    applyToDocument(next);
    try {
      localStorage.setItem(LOCALE_KEY, next);
    } catch {
      // Not persisted; it still applies to this page.
    }
  },
};

applyToDocument(current.locale);

export type Params = Record<string, string | number>;

export function t(key: MessageKey, params?: Params): string {
  const template = catalogues[current.locale][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** Plain words for an API failure: its code's message when the catalogue has one. */
export function errorText(error: { code?: string; message?: string }): string {
  const key = `errors.${error.code ?? ''}`;
  const message = error.message ?? '';
  return isMessageKey(key) ? t(key, { message }) : t('errors.unknown', { message });
}

function toMillis(value: string | number): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** Date and time in the current locale, e.g. "12 Mar 2026, 14:02:11". */
export function formatDateTime(iso: string | number): string {
  const time = toMillis(iso);
  if (Number.isNaN(time)) return String(iso);
  return new Intl.DateTimeFormat(current.locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(time);
}

/** Time of day with milliseconds, for log lines. */
export function formatClock(time: number): string {
  const clock = new Intl.DateTimeFormat(current.locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(time);
  return `${clock}.${String(Math.abs(time % 1000)).padStart(3, '0')}`;
}

/** "3 minutes ago", "just now"-style distance from `now`, in the current locale. */
export function formatRelative(iso: string | number, now: number): string {
  const then = toMillis(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  const format = new Intl.RelativeTimeFormat(current.locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) return t('time.justNow');
  if (abs < 45 * 60) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86400), 'day');
}
