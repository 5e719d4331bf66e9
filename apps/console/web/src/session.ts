// Everything the console keeps lives in sessionStorage: gone when the tab closes, never shared
// with other tabs, and nothing in localStorage. Signing out removes it at once.
import type { SentMessage } from './messages';

const KEY = 'smsgw.console.apiKey';
const SENT = 'smsgw.console.sent';
/** The list shows this many recent messages (the API has no list endpoint: only this tab's). */
export const MAX_RECENT = 50;

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const storeKey = (key: string) => sessionStorage.setItem(KEY, key);

export function storedMessages(): SentMessage[] {
  try {
    const list = JSON.parse(sessionStorage.getItem(SENT) ?? '[]') as SentMessage[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export const storeMessages = (list: SentMessage[]) => sessionStorage.setItem(SENT, JSON.stringify(list.slice(0, MAX_RECENT)));

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SENT);
}
